// Prints a 12-month schedule and a foreclosure quote with the `windeep` package.
//   node examples/node/schedule.mjs
// (after `npm ci && npm run build` in bindings-node/; an installed package is imported as 'windeep')
import { schedule, foreclosureQuote } from '../../bindings-node/index.mjs';

const terms = {
  principal: '100000', // money: always a decimal string
  annual_rate: '12', // percent per annum, a decimal string
  tenure: 12,
  disbursed_on: '2026-01-05', // dates: YYYY-MM-DD strings
  first_due_on: '2026-02-05',
};

const s = schedule(terms);
console.log(`EMI ${s.emi} ${s.currency}, APR ${s.apr}%, total interest ${s.total_interest}`);
console.log(' no  due on      installment  interest  principal    balance');
for (const r of s.installments) {
  console.log(`${String(r.number).padStart(3)}  ${r.due_on}  ${r.installment.padStart(9)}  ${r.interest.padStart(9)}  ${r.principal.padStart(9)}  ${r.closing_balance.padStart(9)}`);
}

const events = [
  { id: 'd1', sequence: 1, value_date: '2026-01-05', idempotency_key: 'DISB-1',
    body: { type: 'disbursed', loan_id: 'LN2026000101', terms, policy: { prepayment_charge_pct: '2' } } },
  { id: 'p1', sequence: 2, value_date: '2026-02-05', idempotency_key: 'UTR-p1',
    body: { type: 'payment_received', amount: '8884.88' } },
];
const q = foreclosureQuote({ events, settlement_on: '2026-03-20' });
console.log(`Foreclosure on ${q.settlement_on}: principal ${q.principal} + interest ${q.interest_due} + charge ${q.prepayment_charge} + fines ${q.fines} = ${q.total}`);
