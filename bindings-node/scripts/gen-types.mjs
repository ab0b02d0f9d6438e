#!/usr/bin/env node
// Generates the typed surface of the `windeep` package from the operation schema
// (schema/windeep.schema.json at the repository root):
//
//   index.d.ts     every input/output type (doc comments carried over), one typed function per
//                  operation (camelCase), `call`/`callAsync` overloads, the error classes
//   operations.js  the operation list, camelCase names, async set and error codes (runtime)
//   index.mjs      the ES module entry (named re-exports of index.js)
//
// Money, rates, decimals and dates are strings in the schema with `x-windeep-type`; they become
// the aliases `Money`, `Rate`, `DecimalString` and `IsoDate` (all `string`).
//
//   node scripts/gen-types.mjs            write the files
//   node scripts/gen-types.mjs --check    exit 1 when a committed file differs from the schema
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const schemaPath = process.env.WINDEEP_SCHEMA ?? join(here, '..', 'schema', 'windeep.schema.json');
const doc = JSON.parse(readFileSync(schemaPath, 'utf8'));
const defs = doc.$defs;

// Operations whose input can be a whole books snapshot, statement or legacy loan: they also get
// an `…Async` function that runs on the thread pool.
const ASYNC = new Set([
  'bank_import', 'bank_reconcile', 'audit_loan', 'postings', 'general_ledger', 'trial_balance',
  'profit_and_loss', 'balance_sheet', 'member_ledger', 'check_books', 'portfolio_report',
  'classify', 'loan_statement',
]);

const KIND_ALIAS = { money: 'Money', rate: 'Rate', decimal: 'DecimalString', date: 'IsoDate' };
const KIND_DOC = {
  money: 'An amount of money in currency units as a plain decimal string (`"1234.50"`); never a JS number.',
  rate: 'A rate, percent per annum, as a plain decimal string (`"12.5"`); never a JS number.',
  decimal: 'An exact decimal as a plain decimal string (`"0.5"`); never a JS number.',
  date: 'A calendar date, ISO `YYYY-MM-DD` (`"2026-01-31"`); never a JS `Date`.',
};

// The name of an operation's input or output type: `ScheduleInput`, or `…OperationInput` when
// a definition of the schema already has the short name for another type.
const opType = (op, side) => {
  const name = `${pascal(op)}${side}`;
  const node = doc.operations[op][side.toLowerCase()];
  return !defs[name] || node.$ref === `#/$defs/${name}` ? name : `${pascal(op)}Operation${side}`;
};
const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const pascal = (s) => camel(s).replace(/^./, (c) => c.toUpperCase());
const typeName = (name) => {
  const kind = defs[name]?.['x-windeep-type'];
  return kind ? KIND_ALIAS[kind] : name;
};
const propKey = (k) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : JSON.stringify(k));

function comment(text, pad) {
  if (!text) return '';
  const lines = text.replace(/\*\//g, '*\\/').split('\n');
  return `${pad}/**\n${lines.map((l) => `${pad} *${l ? ' ' + l : ''}`).join('\n')}\n${pad} */\n`;
}

function objectBody(node, pad) {
  const props = node.properties ?? {};
  const required = new Set(node.required ?? []);
  const inner = pad + '  ';
  let out = '{\n';
  for (const [k, sub] of Object.entries(props)) {
    out += comment(sub.description, inner);
    out += `${inner}${propKey(k)}${required.has(k) ? '' : '?'}: ${ts(sub, inner)};\n`;
  }
  const extra = node.additionalProperties;
  if (extra && typeof extra === 'object') out += `${inner}[key: string]: ${ts(extra, inner)};\n`;
  return out + pad + '}';
}

function ts(node, pad = '') {
  if (node === true || node === undefined) return 'unknown';
  if (node === false) return 'never';
  if (node.$ref) return typeName(node.$ref.replace('#/$defs/', ''));
  if (node['x-windeep-type']) {
    const alias = KIND_ALIAS[node['x-windeep-type']];
    return Array.isArray(node.type) && node.type.includes('null') ? `${alias} | null` : alias;
  }
  if ('const' in node) return JSON.stringify(node.const);
  if (node.enum) return node.enum.map((v) => JSON.stringify(v)).join(' | ');
  const parts = [];
  for (const key of ['oneOf', 'anyOf']) {
    if (node[key]) parts.push(node[key].map((b) => paren(ts(b, pad))).join(' | '));
  }
  if (node.allOf) parts.push(node.allOf.map((b) => paren(ts(b, pad))).join(' & '));
  if (node.properties || (node.additionalProperties && typeof node.additionalProperties === 'object')) {
    parts.push(objectBody(node, pad));
  } else if (node.type !== undefined && !node.oneOf && !node.anyOf && !node.allOf) {
    const types = Array.isArray(node.type) ? node.type : [node.type];
    parts.push(types.map((t) => scalar(t, node, pad)).join(' | '));
  }
  if (parts.length === 0) return 'unknown';
  return parts.length === 1 ? parts[0] : parts.map(paren).join(' & ');
}

function scalar(t, node, pad) {
  switch (t) {
    case 'string': return 'string';
    case 'integer': case 'number': return 'number';
    case 'boolean': return 'boolean';
    case 'null': return 'null';
    case 'array': {
      if (Array.isArray(node.prefixItems)) return `[${node.prefixItems.map((i) => ts(i, pad)).join(', ')}]`;
      return `Array<${ts(node.items, pad)}>`;
    }
    case 'object': return 'Record<string, unknown>';
    default: return 'unknown';
  }
}

const paren = (s) => (/^[A-Za-z0-9_<>".[\] ]+$/.test(s) && !s.includes(' | ') && !s.includes(' & ') ? s : `(${s})`);

// ---------------------------------------------------------------- index.d.ts
const ops = Object.entries(doc.operations);
const codes = Object.keys(doc.errors).sort();
let d = `// Generated by scripts/gen-types.mjs from schema/windeep.schema.json (version ${doc.version}).
// Do not edit: run \`npm run gen\` after the schema changes.

`;
for (const [kind, alias] of Object.entries(KIND_ALIAS)) {
  d += comment(KIND_DOC[kind], '') + `export type ${alias} = string;\n\n`;
}
for (const [name, node] of Object.entries(defs)) {
  if (node['x-windeep-type']) continue;
  d += comment(node.description, '');
  const pure = node.type === 'object' && node.properties && !node.oneOf && !node.anyOf && !node.allOf;
  d += pure ? `export interface ${name} ${objectBody(node, '')}\n\n` : `export type ${name} = ${ts(node, '')};\n\n`;
}
d += '/** The input type of each operation. */\nexport interface OperationInputs {\n';
for (const [op] of ops) d += `  ${op}: ${opType(op, 'Input')};\n`;
d += '}\n\n/** The output type of each operation. */\nexport interface OperationOutputs {\n';
for (const [op] of ops) d += `  ${op}: ${opType(op, 'Output')};\n`;
d += '}\n\n/** Every operation name of the registry. */\nexport type OperationName = keyof OperationInputs;\n\n';
for (const [op, o] of ops) {
  for (const [side, node] of [['Input', o.input], ['Output', o.output]]) {
    const name = `${pascal(op)}${side}`;
    // A definition of that very name that the operation refers to already is the type.
    if (defs[name] && node.$ref === `#/$defs/${name}`) continue;
    d += comment(`${side} of \`${op}\`.`, '') + `export type ${opType(op, side)} = ${ts(node, '')};\n`;
  }
  d += '\n';
}
d += `/** Every operation name, in registry order. */
export declare const OPERATIONS: readonly OperationName[];

/** Every error code an operation can throw (plus \`E_INTERNAL\`). */
export type ErrorCode =\n${[...codes, 'E_INTERNAL'].map((c) => `  | ${JSON.stringify(c)}`).join('\n')};

/**
 * Base class of every windeep error. \`code\` is the core's stable code (\`E_…\`); \`field\` the
 * input field the error is about (\`principal\`, \`events[2].body.amount\`) where known.
 */
export declare class WindeepError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
}
/** A panic inside the native addon (a bug): please report it. Node keeps running. */
export declare class InternalError extends WindeepError {}
/** The error class of each code (\`ERRORS.E_INVALID_AMOUNT\`, …). */
export declare const ERRORS: { readonly [code in ErrorCode]: typeof WindeepError };

/**
 * Runs any operation on an input object (or its JSON text) and returns the output as a plain
 * object: money, rates and dates are strings. Throws a {@link WindeepError} subclass.
 */
export declare function call<K extends OperationName>(operation: K, input: OperationInputs[K] | string): OperationOutputs[K];
/** {@link call} on the thread pool: the event loop keeps running while it computes. */
export declare function callAsync<K extends OperationName>(operation: K, input: OperationInputs[K] | string): Promise<OperationOutputs[K]>;

/** An amount in minor units as a money string: \`moneyFromMinor(12345n, 2)\` is \`"123.45"\`. */
export declare function moneyFromMinor(units: bigint, minorUnits?: number): Money;
/** A money string as minor units: \`moneyToMinor("123.45", 2)\` is \`12345n\`. Refuses extra decimals. */
export declare function moneyToMinor(amount: Money, minorUnits?: number): bigint;

/** The library's version (\`'0.1.0'\`): the one version of every windeep artifact of a release. */
export declare function version(): string;
/** The version of the operation contract (\`schema/windeep.schema.json\`) the addon implements. */
export declare function schemaVersion(): string;

`;
for (const [op, o] of ops) {
  const errs = `\n\n@throws {WindeepError} with code ${o.errors.map((c) => `\`${c}\``).join(', ')}`;
  d += comment(`${o.doc}${errs}`, '');
  d += `export declare function ${camel(op)}(input: ${opType(op, 'Input')}): ${opType(op, 'Output')};\n`;
  if (ASYNC.has(op)) {
    d += comment(`\`${camel(op)}\` on the thread pool: ${o.doc}`, '');
    d += `export declare function ${camel(op)}Async(input: ${opType(op, 'Input')}): Promise<${opType(op, 'Output')}>;\n`;
  }
}

// ---------------------------------------------------------------- operations.js
const table = ops.map(([op]) => [op, camel(op), ASYNC.has(op)]);
const js = `// Generated by scripts/gen-types.mjs from schema/windeep.schema.json. Do not edit.
'use strict';
/** [operation, camelCase function name, has an async variant] for every operation. */
exports.TABLE = ${JSON.stringify(table)};
/** Every error code of the schema. */
exports.CODES = ${JSON.stringify(codes)};
`;

// ---------------------------------------------------------------- index.mjs
const names = ['call', 'callAsync', 'OPERATIONS', 'ERRORS', 'WindeepError', 'InternalError',
  'moneyFromMinor', 'moneyToMinor', 'version', 'schemaVersion'];
for (const [, fn, isAsync] of table) names.push(fn, ...(isAsync ? [`${fn}Async`] : []));
const mjs = `// Generated by scripts/gen-types.mjs. Do not edit.
import { createRequire } from 'node:module';

const windeep = createRequire(import.meta.url)('./index.js');
export default windeep;
export const {\n${names.map((n) => `  ${n},`).join('\n')}\n} = windeep;
`;

const files = { 'index.d.ts': d, 'operations.js': js, 'index.mjs': mjs };
const outDir = process.env.WINDEEP_GEN_OUT ?? here;
if (process.argv.includes('--check')) {
  let stale = [];
  for (const [f, text] of Object.entries(files)) {
    let committed = '';
    try { committed = readFileSync(join(here, f), 'utf8'); } catch { /* missing counts as stale */ }
    if (committed !== text) stale.push(f);
  }
  if (stale.length) {
    console.error(`out of date with the schema: ${stale.join(', ')} (run npm run gen)`);
    process.exit(1);
  }
} else {
  for (const [f, text] of Object.entries(files)) writeFileSync(join(outDir, f), text);
}
