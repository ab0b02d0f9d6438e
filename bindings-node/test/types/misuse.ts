// Deliberate misuse: `tsc --noEmit --strict` must refuse every marked line.
import { schedule, call, type LoanTerms } from 'windeep';

// A number for money.
const t1: LoanTerms = { principal: 100000, annual_rate: '12', tenure: 12, disbursed_on: '2026-01-05', first_due_on: '2026-02-05' }; // MISUSE
// A JS Date for a date.
schedule({ principal: '1', annual_rate: '12', tenure: 12, disbursed_on: new Date(), first_due_on: '2026-02-05' }); // MISUSE
// A required field missing.
schedule({ principal: '1', annual_rate: '12', tenure: 12, disbursed_on: '2026-01-05' }); // MISUSE
// An output money field used as a number.
const n: number = schedule(t1).emi; // MISUSE
// The wrong input for the operation named.
call('foreclosure_quote', { principal: '1' }); // MISUSE
console.log(n);
