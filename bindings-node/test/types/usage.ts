// A typed usage of the package: `tsc --noEmit --strict` must accept it (test/types.test.mjs).
import {
  call, callAsync, schedule, foreclosureQuote, bankImportAsync, moneyFromMinor, moneyToMinor,
  WindeepError, ERRORS, type LoanTerms, type Money, type ScheduleReport,
} from 'windeep';

const terms: LoanTerms = {
  principal: '100000',
  annual_rate: '12',
  tenure: 12,
  disbursed_on: '2026-01-05',
  first_due_on: '2026-02-05',
};
const report: ScheduleReport = schedule(terms);
const emi: Money = report.emi ?? '0';
const firstDue: string = report.installments[0].due_on;
const viaCall = call('schedule', terms);
const apr: string | null = viaCall.apr;
const dynamic = call('schedule' as string as 'schedule', JSON.stringify(terms));
const minor: bigint = moneyToMinor(emi, 2);
const back: Money = moneyFromMinor(minor, 2);

async function later(): Promise<void> {
  const out = await callAsync('schedule', terms);
  console.log(out.emi);
  const imported = await bankImportAsync({
    account_id: 'A', import_id: 'I', format: 'csv', content: 'x',
  });
  console.log(imported.rows.length);
}

try {
  foreclosureQuote({ events: [], settlement_on: '2026-06-01' });
} catch (e) {
  if (e instanceof WindeepError) {
    const code: string = e.code;
    const field: string | undefined = e.field;
    console.log(code, field, e instanceof ERRORS.E_INVALID_EVENT);
  }
}
console.log(firstDue, apr, back, later, dynamic.currency);
