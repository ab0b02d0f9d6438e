// examples/node: the script prints a schedule and a quote; the HTTP route serves a schedule.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { PACKAGE } from './helpers.mjs';

const EXAMPLES = join(PACKAGE, '..', 'examples', 'node');

test('the script prints a schedule and a foreclosure quote', () => {
  const r = spawnSync(process.execPath, [join(EXAMPLES, 'schedule.mjs')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^EMI 8884\.88 INR, APR 12\.00%/);
  assert.equal(r.stdout.split('\n').filter((l) => /^ +\d+  2026-|^ +\d+  2027-/.test(l)).length, 12);
  assert.match(r.stdout, /Foreclosure on 2026-03-20: .* = \d+\.\d\d$/m);
});

test('the HTTP route serves a schedule, and a refusal as 422', async () => {
  const { start } = await import(join(EXAMPLES, 'server.mjs'));
  const server = await start(0);
  try {
    const base = `http://127.0.0.1:${server.address().port}/schedule`;
    const ok = await fetch(`${base}?principal=100000&annual_rate=12&tenure=12&disbursed_on=2026-01-05&first_due_on=2026-02-05`);
    assert.equal(ok.status, 200);
    const body = await ok.json();
    assert.equal(body.emi, '8884.88');
    assert.equal(body.installments.length, 12);
    const bad = await fetch(`${base}?principal=100000&annual_rate=12&tenure=0&disbursed_on=2026-01-05&first_due_on=2026-02-05`);
    assert.equal(bad.status, 422);
    assert.equal((await bad.json()).code, 'E_INVALID_TENURE');
  } finally {
    server.close();
  }
});
