// Replays every golden fixture through `call` (object and JSON text) and through the typed
// camelCase functions. The same files are replayed by the Rust operation layer and every other
// binding, so a change to any rule shows up everywhere at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import windeep from '../index.js';
import { check, fixtureFiles, fixtureId, load } from './helpers.mjs';

const FILES = fixtureFiles();
const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
// The operations the package knows: those with a typed function (generated from the schema).
const KNOWN = windeep.OPERATIONS.filter((op) => typeof windeep[camel(op)] === 'function');

test('the fixtures exist', () => {
  assert.ok(FILES.length > 100, `only ${FILES.length} fixtures found`);
});

test('every operation of the registry has a typed function', () => {
  const missing = windeep.OPERATIONS.filter((op) => typeof windeep[camel(op)] !== 'function');
  assert.deepEqual(missing, [], `operations of the registry the package does not know: ${missing}`);
  assert.ok(windeep.OPERATIONS.includes('schedule'));
});

test('a fixture with an operation the package does not know fails', () => {
  const c = { operation: 'no_such_operation', input: {}, expected: {} };
  assert.throws(() => check(windeep, KNOWN, c, windeep.call), /not known to the package/);
});

test('every fixture through call(operation, object)', () => {
  for (const path of FILES) {
    try {
      check(windeep, KNOWN, load(path), windeep.call);
    } catch (e) {
      e.message = `${fixtureId(path)}: ${e.message}`;
      throw e;
    }
  }
});

test('every fixture through call(operation, jsonText)', () => {
  for (const path of FILES) {
    try {
      check(windeep, KNOWN, load(path), (op, input) => windeep.call(op, JSON.stringify(input)));
    } catch (e) {
      e.message = `${fixtureId(path)}: ${e.message}`;
      throw e;
    }
  }
});

test('every fixture through the typed function of its operation', () => {
  for (const path of FILES) {
    try {
      check(windeep, KNOWN, load(path), (op, input) => windeep[camel(op)](input));
    } catch (e) {
      e.message = `${fixtureId(path)}: ${e.message}`;
      throw e;
    }
  }
});
