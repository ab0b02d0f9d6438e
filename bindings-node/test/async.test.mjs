// Async variants run on the thread pool: the event loop keeps ticking during a large import.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import windeep from '../index.js';

const TERMS = {
  principal: '100000', annual_rate: '12', tenure: 12,
  disbursed_on: '2026-01-05', first_due_on: '2026-02-05',
};

function largeStatement(rows) {
  const lines = [
    'Txn Date,Value Date,Description,Ref No./Cheque No.,Branch Code,Debit,Credit,Balance',
  ];
  let balance = 0;
  for (let i = 1; i <= rows; i += 1) {
    balance += 1;
    lines.push(`5 Jan 2026,5 Jan 2026,BY TRANSFER-UPI/CR/${String(600000000000 + i)}/MEMBER${i}/SBIN/m${i}@oksbi/UPI--,,0001,,"1.00","${balance}.00"`);
  }
  return {
    account_id: 'SBI-00012345678901', import_id: 'IMP-LARGE', format: 'csv',
    content: lines.join('\n') + '\n',
  };
}

test('callAsync and the async typed functions give the same answers as the sync ones', async () => {
  assert.deepEqual(await windeep.callAsync('schedule', TERMS), windeep.schedule(TERMS));
  await assert.rejects(windeep.callAsync('schedule', { ...TERMS, tenure: 0 }),
    (e) => e instanceof windeep.ERRORS.E_INVALID_TENURE);
  await assert.rejects(windeep.callAsync('schedule', { ...TERMS, principal: 5 }),
    (e) => e.code === 'E_INVALID_AMOUNT' && e.field === 'principal');
  for (const fn of ['bankImportAsync', 'postingsAsync', 'checkBooksAsync', 'trialBalanceAsync', 'auditLoanAsync']) {
    assert.equal(typeof windeep[fn], 'function', fn);
  }
});

test('a timer keeps ticking during a large bank import', async () => {
  const input = largeStatement(40000);
  const t0 = process.hrtime.bigint();
  const sync = windeep.bankImport(input);
  const syncMs = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(sync.rows.length, 40000);

  let ticks = 0;
  const timer = setInterval(() => { ticks += 1; }, 5);
  const t1 = process.hrtime.bigint();
  const out = await windeep.bankImportAsync(input);
  const asyncMs = Number(process.hrtime.bigint() - t1) / 1e6;
  clearInterval(timer);
  assert.deepEqual(out, sync);
  // The import takes many timer periods; a blocked loop would tick at most once or twice.
  const expected = Math.floor(asyncMs / 5);
  assert.ok(asyncMs > 50, `the import is too small to show anything (${asyncMs} ms)`);
  assert.ok(ticks >= Math.max(3, expected / 4),
    `only ${ticks} ticks in ${asyncMs.toFixed(0)} ms (sync import ${syncMs.toFixed(0)} ms)`);
});
