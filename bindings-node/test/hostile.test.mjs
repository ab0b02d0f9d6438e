// The hostile-input corpus (tests/hostile/make_corpus.py) through the Node package, as
// bindings-python/tests/test_hostile.py does it through Python.
//
// Each case runs in its own Node process: the process must survive every file and input and see
// the core's error code as a WindeepError (or read the hostile-looking but valid statements),
// never abort. A case must finish within 5 s (WINDEEP_HOSTILE_SECONDS for slower builds) and
// its process must stay under 512 MiB resident (V8 reserves far more address space than it
// uses, so the limit is the peak resident set the child reads from /proc/self/status, VmHWM).
// Statement files go in as the JSON operation takes them (`content_base64`); the few larger
// than 16 MiB are covered by their `*_op.json` variants, and /dev/zero is left to the core and
// the CLI, as in Python.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import windeep from '../index.js';
import { PACKAGE } from './helpers.mjs';

const ROOT = join(PACKAGE, '..');
const LIMIT_KB = 512 * 1024;
const SECONDS = Number(process.env.WINDEEP_HOSTILE_SECONDS ?? '5');
const MAX_FILE = 16 << 20;

const RUN = `
const { readFileSync } = require('node:fs');
const windeep = require(${JSON.stringify(join(PACKAGE, 'index.js'))});
const [c, path] = [JSON.parse(process.argv[1]), process.argv[2]];
let out;
try {
  if (c.kind === 'statement') {
    const data = readFileSync(path);
    const r = windeep.bankImport({ account_id: 'SBI-1', format: c.format,
      content_base64: data.toString('base64') });
    out = r.summary.new >= 1 ? 'ok' : 'no rows';
  } else {
    windeep.call(c.operation, readFileSync(path, 'utf8'));
    out = 'ok';
  }
} catch (e) {
  out = e instanceof windeep.WindeepError ? e.code : 'not a WindeepError: ' + e;
}
const hwm = /^VmHWM:\\s+(\\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
console.log(out);
console.log(hwm ? hwm[1] : '-1');
`;

test('every hostile input is refused with its code and the host survives', (t) => {
  const out = mkdtempSync(join(tmpdir(), 'windeep-hostile-'));
  t.after(() => rmSync(out, { recursive: true, force: true })); // it holds a 200 MB file
  const made = spawnSync('python3', [join(ROOT, 'tests/hostile/make_corpus.py'), out],
    { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const { cases } = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  const failures = [];
  let ran = 0;
  for (const c of cases) {
    const path = c.file.startsWith('/') ? c.file : join(out, c.file);
    if (c.file.startsWith('/dev/') || statSync(path).size > MAX_FILE) continue;
    ran += 1;
    const r = spawnSync(process.execPath, ['-e', RUN, JSON.stringify(c), path],
      { encoding: 'utf8', timeout: SECONDS * 1000, killSignal: 'SIGKILL' });
    if (r.error?.code === 'ETIMEDOUT') {
      failures.push(`${c.file}: still running after ${SECONDS} s`);
      continue;
    }
    const [got, hwm] = r.stdout.trim().split('\n');
    if (r.status !== 0 || got !== c.code) {
      failures.push(`${c.file}: want ${c.code}, got ${JSON.stringify(got)} `
        + `(exit ${r.status}, signal ${r.signal}) ${r.stderr.slice(-300)}`);
    } else if (!(Number(hwm) > 0 && Number(hwm) < LIMIT_KB)) {
      failures.push(`${c.file}: peak resident set ${hwm} kB, limit ${LIMIT_KB} kB`);
    }
  }
  assert.ok(ran >= 20, `only ${ran} cases ran`);
  assert.deepEqual(failures, []);
});

test('deeply nested JavaScript data is the core error, not a RangeError', () => {
  let deep = [];
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assert.throws(() => windeep.call('schedule', { principal: deep }),
    (e) => e instanceof windeep.WindeepError && e.code === 'E_INVALID_INPUT');
  let nested = {};
  for (let i = 0; i < 100_000; i++) nested = { a: nested };
  assert.throws(() => windeep.bankImport({ account_id: 'SBI-1', content: 'x', columns: nested }),
    (e) => e instanceof windeep.WindeepError && e.code === 'E_INVALID_INPUT');
  assert.throws(() => windeep.call('schedule', '['.repeat(100_000) + ']'.repeat(100_000)),
    (e) => e instanceof windeep.WindeepError && e.code === 'E_INVALID_INPUT');
});

test('a repeated key is refused, not silently the last one', () => {
  assert.throws(
    () => windeep.call('post_event', '{"books": {}, "event": {"amount":"9000.00","amount":"1.00"}}'),
    (e) => e instanceof windeep.WindeepError && e.code === 'E_INVALID_INPUT');
});
