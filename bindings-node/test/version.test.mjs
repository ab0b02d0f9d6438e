// The addon reports the library version (the package's, which is the workspace's) and the
// version of the schema its typings were generated from.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PACKAGE } from './helpers.mjs';
import windeep, { version, schemaVersion } from '../index.mjs';

const json = (path) => JSON.parse(readFileSync(path, 'utf8'));

test('version() is the package version, schemaVersion() the schema document version', () => {
  assert.equal(version(), json(join(PACKAGE, 'package.json')).version);
  assert.equal(schemaVersion(), json(join(PACKAGE, '..', 'schema', 'windeep.schema.json')).version);
  assert.equal(windeep.version, version);
  assert.match(version(), /^\d+\.\d+\.\d+/);
});
