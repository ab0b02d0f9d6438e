// Errors: Error subclasses with the core's stable code and the input field where known; a JS
// number for money refused by the schema's x-windeep-type; a panic becomes E_INTERNAL.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import windeep from '../index.js';
import { PACKAGE } from './helpers.mjs';

const TERMS = {
  principal: '100000', annual_rate: '12', tenure: 12,
  disbursed_on: '2026-01-05', first_due_on: '2026-02-05',
};

test('a core refusal is the subclass of its code', () => {
  assert.throws(() => windeep.schedule({ ...TERMS, tenure: 0 }), (e) => {
    assert.ok(e instanceof windeep.ERRORS.E_INVALID_TENURE);
    assert.ok(e instanceof windeep.WindeepError);
    assert.ok(e instanceof Error);
    assert.equal(e.code, 'E_INVALID_TENURE');
    assert.equal(e.name, 'InvalidTenureError');
    return true;
  });
});

test('a JS number for money is refused naming the field', () => {
  assert.throws(() => windeep.schedule({ ...TERMS, principal: 100000 }), (e) => {
    assert.equal(e.code, 'E_INVALID_AMOUNT');
    assert.equal(e.field, 'principal');
    assert.match(e.message, /field `principal`: an amount of money must be a string/);
    return true;
  });
  assert.throws(() => windeep.schedule({ ...TERMS, annual_rate: 12 }),
    (e) => e.code === 'E_INVALID_RATE' && e.field === 'annual_rate');
  assert.throws(() => windeep.call('schedule', JSON.stringify({ ...TERMS, principal: 1.5 })),
    (e) => e.field === 'principal');
});

test('a number nested in a tagged event is found by its path', () => {
  const events = [
    { id: 'd', sequence: 1, value_date: '2026-01-05', idempotency_key: 'd',
      body: { type: 'disbursed', loan_id: 'L1', terms: TERMS } },
    { id: 'p', sequence: 2, value_date: '2026-02-05', idempotency_key: 'p',
      body: { type: 'payment_received', amount: 8884.88 } },
  ];
  assert.throws(() => windeep.loanStatement({ events, as_of: '2026-03-01' }), (e) => {
    assert.equal(e.code, 'E_INVALID_AMOUNT');
    assert.equal(e.field, 'events[1].body.amount');
    return true;
  });
});

test('the field of a missing or unknown input field', () => {
  const { principal, ...rest } = TERMS;
  assert.throws(() => windeep.schedule(rest), (e) => e.code === 'E_INVALID_INPUT' && e.field === 'principal');
  assert.throws(() => windeep.schedule({ ...TERMS, bogus: 1 }), (e) => e.field === 'bogus');
});

test('an unknown operation and malformed input', () => {
  assert.throws(() => windeep.call('nope', {}), (e) => e.code === 'E_UNKNOWN_OPERATION');
  assert.throws(() => windeep.call('schedule', '{not json'), (e) => e.code === 'E_INVALID_INPUT');
  assert.throws(() => windeep.call('schedule', 42), (e) => e.code === 'E_INVALID_INPUT');
  assert.throws(() => windeep.call('schedule', { ...TERMS, principal: 10n }),
    (e) => e.code === 'E_INVALID_INPUT' && /moneyFromMinor/.test(e.message));
});

test('bigint minor units convert exactly both ways', () => {
  assert.equal(windeep.moneyFromMinor(12345n), '123.45');
  assert.equal(windeep.moneyFromMinor(-5n, 2), '-0.05');
  assert.equal(windeep.moneyFromMinor(100n, 0), '100');
  assert.equal(windeep.moneyToMinor('123.4'), 12340n);
  assert.equal(windeep.moneyToMinor('99999999999999.99'), 9999999999999999n);
  assert.throws(() => windeep.moneyToMinor('1.005'), (e) => e.code === 'E_INVALID_AMOUNT');
  assert.throws(() => windeep.moneyToMinor(1.5), (e) => e.code === 'E_INVALID_AMOUNT');
  assert.throws(() => windeep.moneyFromMinor(5), (e) => e.code === 'E_INVALID_AMOUNT');
  const out = windeep.schedule({ ...TERMS, principal: windeep.moneyFromMinor(10000000n) });
  assert.equal(out.emi, '8884.88');
});

// The probe addon is the same crate built with the test-only feature `panic-probe`
// (`npm run build:probe`), which adds `panicProbe()` and `panicProbeAsync()`.
const PROBE = join(PACKAGE, 'test', 'probe', 'windeep.linux-x64-gnu.node');

test('a panic becomes E_INTERNAL and the process lives on', () => {
  assert.ok(existsSync(PROBE), `build the probe first: npm run build:probe (${PROBE})`);
  const script = `
    const native = require(${JSON.stringify(PROBE)});
    const f = native.panicProbe();
    if (f.code !== 'E_INTERNAL' || !/panic probe/.test(f.message)) throw new Error('sync: ' + JSON.stringify(f));
    native.panicProbeAsync().then((g) => {
      if (g.code !== 'E_INTERNAL') throw new Error('async: ' + JSON.stringify(g));
      const ok = native.callJson('schedule', ${JSON.stringify(JSON.stringify(TERMS))});
      if (!ok.includes('8884.88')) throw new Error('after: ' + ok);
      console.log('alive');
    });
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, `exit ${r.status} signal ${r.signal}\n${r.stderr}`);
  assert.equal(r.stdout.trim(), 'alive');
});

test('a panic surfaces as InternalError through the package', () => {
  assert.ok(existsSync(PROBE), 'build the probe first: npm run build:probe');
  // The package maps the probe's failure object like any other.
  const script = `
    const Module = require('node:module');
    const native = require(${JSON.stringify(PROBE)});
    const real = Module._load;
    Module._load = function (req, parent, isMain) {
      if (req === './native.js') return { ...native, callJson: () => native.panicProbe() };
      return real.call(this, req, parent, isMain);
    };
    const w = require(${JSON.stringify(join(PACKAGE, 'index.js'))});
    try { w.schedule({}); } catch (e) {
      console.log(e instanceof w.InternalError, e instanceof w.WindeepError, e.code);
    }
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'true true E_INTERNAL');
});
