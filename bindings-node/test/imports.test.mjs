// The package loads both as an ES module and as CommonJS, with the same functions.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import windeep, { schedule, call, OPERATIONS, WindeepError } from '../index.mjs';
import { PACKAGE } from './helpers.mjs';

const TERMS = {
  principal: '100000', annual_rate: '12', tenure: 12,
  disbursed_on: '2026-01-05', first_due_on: '2026-02-05',
};

test('ESM named and default imports', () => {
  assert.equal(schedule(TERMS).emi, '8884.88');
  assert.equal(call('schedule', TERMS).installments.length, 12);
  assert.equal(windeep.schedule, schedule);
  assert.ok(OPERATIONS.length >= 30);
  assert.equal(typeof WindeepError, 'function');
});

test('CommonJS require gives the same module', () => {
  const cjs = createRequire(import.meta.url)('../index.js');
  assert.equal(cjs, windeep);
  assert.equal(cjs.schedule(TERMS).emi, '8884.88');
});

test('a CommonJS script and an ES module script import the package by name', () => {
  // Resolution by package name goes through package.json "exports" (self-reference).
  const cjs = spawnSync(process.execPath, ['-e',
    "const w = require('windeep'); console.log(w.schedule(" + JSON.stringify(TERMS) + ').emi)'],
  { cwd: PACKAGE, encoding: 'utf8' });
  assert.equal(cjs.status, 0, cjs.stderr);
  assert.equal(cjs.stdout.trim(), '8884.88');
  const esm = spawnSync(process.execPath, ['--input-type=module', '-e',
    "import { schedule } from 'windeep'; console.log(schedule(" + JSON.stringify(TERMS) + ').emi)'],
  { cwd: PACKAGE, encoding: 'utf8' });
  assert.equal(esm.status, 0, esm.stderr);
  assert.equal(esm.stdout.trim(), '8884.88');
});
