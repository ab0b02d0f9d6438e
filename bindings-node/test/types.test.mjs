// The typed surface: index.d.ts is what the generator makes of the schema, a typed usage
// compiles under --strict and deliberate misuse does not.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PACKAGE } from './helpers.mjs';

const TSC = join(PACKAGE, 'node_modules', 'typescript', 'bin', 'tsc');
const tsc = (file) => spawnSync(process.execPath, [TSC, '--noEmit', '--strict', '--target', 'es2022',
  '--module', 'nodenext', '--moduleResolution', 'nodenext', file],
{ cwd: PACKAGE, encoding: 'utf8' });

test('the committed index.d.ts, operations.js and index.mjs are generated from the schema', () => {
  const r = spawnSync(process.execPath, [join(PACKAGE, 'scripts', 'gen-types.mjs'), '--check'],
    { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('the typed usage example compiles with --strict', () => {
  const r = tsc('test/types/usage.ts');
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('every deliberate misuse is a compile error', () => {
  const file = 'test/types/misuse.ts';
  const r = tsc(file);
  assert.notEqual(r.status, 0, 'the misuse compiled');
  const lines = readFileSync(join(PACKAGE, file), 'utf8').split('\n');
  const marked = lines.flatMap((l, i) => (l.includes('// MISUSE') ? [i + 1] : []));
  const failing = new Set([...r.stdout.matchAll(/misuse\.ts\((\d+),/g)].map((m) => Number(m[1])));
  assert.deepEqual(marked.filter((l) => !failing.has(l)), [], `lines that compiled:\n${r.stdout}`);
  assert.deepEqual([...failing].filter((l) => !marked.includes(l)), [], `unexpected errors:\n${r.stdout}`);
});
