// A JS number is never accepted where the schema has money, a rate, a decimal or a date: every
// decimal-looking or date string of every successful fixture's input, replaced by a number,
// makes the call throw; a money/rate/date refusal names exactly that field.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import windeep from '../index.js';
import { fixtureFiles, fixtureId, load } from './helpers.mjs';

const DECIMAL = /^-?[0-9]+(\.[0-9]+)?$/;
const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

/** [path, setter] of every string that looks like an amount, a rate or a date. */
function numericStrings(value, path = '', out = []) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => numericStrings(v, `${path}[${i}]`, out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = path ? `${path}.${k}` : k;
      if (typeof v === 'string' && (DECIMAL.test(v) || DATE.test(v))) {
        out.push([p, (obj) => { obj[k] = DATE.test(v) ? Number(v.replaceAll('-', '')) : Number(v); }, value]);
      } else {
        numericStrings(v, p, out);
      }
    }
  }
  return out;
}

test('a number for any money, rate, decimal or date string of a fixture is refused', () => {
  let tried = 0;
  for (const path of fixtureFiles()) {
    const c = load(path);
    // verify_chain hashes stored events as received: a number is kept and hashed, not refused.
    if (!('expected' in c) || c.operation === 'bank_import' || c.operation === 'verify_chain') continue;
    const spots = numericStrings(c.input);
    // Every spot of small inputs; a spread of spots of large ones (books snapshots).
    const step = Math.max(1, Math.ceil(spots.length / 12));
    for (let i = 0; i < spots.length; i += step) {
      const input = structuredClone(c.input);
      const [field] = spots[i];
      const [, set] = numericStrings(input)[i];
      const owner = numericStrings(input)[i][2];
      set(owner);
      tried += 1;
      assert.throws(() => windeep.call(c.operation, input), (e) => {
        assert.ok(e instanceof windeep.WindeepError, `${fixtureId(path)} ${field}: ${e}`);
        if (['E_INVALID_AMOUNT', 'E_INVALID_RATE', 'E_INVALID_DATE'].includes(e.code) && e.field !== undefined) {
          assert.equal(e.field, field, `${fixtureId(path)}: ${e.message}`);
        }
        return true;
      }, `${fixtureId(path)}: a number for ${field} was accepted`);
    }
  }
  assert.ok(tried > 1000, `only ${tried} replacements tried`);
});
