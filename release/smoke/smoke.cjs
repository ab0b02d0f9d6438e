// Smoke test of the installed npm packages (release/smoke.sh): a schedule, a refusal, the versions.
'use strict';
const assert = require('node:assert/strict');
const windeep = require('windeep');

const version = process.argv[2];
const terms = { principal: '100000', annual_rate: '12', tenure: 12, disbursed_on: '2026-01-05', first_due_on: '2026-02-05' };
const s = windeep.schedule(terms);
assert.equal(s.emi, '8884.88');
let refusal;
try {
  windeep.schedule({ ...terms, tenure: 0 });
  assert.fail('tenure 0 was accepted');
} catch (e) {
  assert.ok(e instanceof windeep.WindeepError, String(e));
  assert.equal(e.code, 'E_INVALID_TENURE');
  refusal = e.code;
}
assert.equal(windeep.version(), version);
assert.equal(windeep.schemaVersion(), version);
// The addon came from the per-platform package, not from a file beside index.js.
const addon = require.resolve(`windeep-${process.platform}-x64-gnu`);
assert.ok(addon.includes('node_modules'), addon);
console.log(`node: EMI ${s.emi}, tenure 0 refused with ${refusal}, library ${windeep.version()}, schema ${windeep.schemaVersion()}, addon ${addon.replace(/.*node_modules\//, '')}`);
