// A 12-row schedule (₹1,00,000 at 12 %, monthly, with the KFS APR) from Node: the typed
// function, `call` with an object and with JSON text, the bare addon call, and the pure-JS
// `loanjs` package (binary floats, no APR) for comparison. Prints the median µs per call.
//   node bench/schedule.mjs
import { createRequire } from 'node:module';
import windeep from '../index.js';

const require = createRequire(import.meta.url);
const native = require('../native.js');
const LoanJS = require('loanjs');

const terms = {
  principal: '100000', annual_rate: '12', tenure: 12,
  disbursed_on: '2026-01-05', first_due_on: '2026-02-05',
};
const text = JSON.stringify(terms);

function median(fn, { batches = 15, perBatch = 2000 } = {}) {
  for (let i = 0; i < perBatch; i += 1) fn(); // warm-up
  const per = [];
  for (let b = 0; b < batches; b += 1) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i += 1) fn();
    per.push(Number(process.hrtime.bigint() - t0) / perBatch / 1000);
  }
  per.sort((a, b) => a - b);
  return per[Math.floor(per.length / 2)];
}

const rows = {
  'windeep schedule(terms) (typed)': () => windeep.schedule(terms),
  "windeep call('schedule', object)": () => windeep.call('schedule', terms),
  "windeep call('schedule', jsonText)": () => windeep.call('schedule', text),
  'addon callJson (text in, text out)': () => native.callJson('schedule', text),
  'loanjs 1.1.2 (pure JS, floats)': () => new LoanJS.Loan(100000, 12, 12, 'annuity'),
};
const out = {};
for (const [name, fn] of Object.entries(rows)) out[name] = median(fn);
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(out));
} else {
  for (const [name, us] of Object.entries(out)) console.log(`${name.padEnd(40)} ${us.toFixed(2)} µs`);
}
