// Shared test helpers: where the golden fixtures live and how to replay one case.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE = dirname(dirname(fileURLToPath(import.meta.url)));
export const FIXTURES = join(PACKAGE, '..', 'fixtures');

/** Every golden case: each `*.json` below `fixtures/`, except the generators' `tools/`. */
export function fixtureFiles() {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== 'tools') walk(path);
      } else if (name.endsWith('.json')) {
        out.push(path);
      }
    }
  };
  walk(FIXTURES);
  return out;
}

export const fixtureId = (path) => relative(FIXTURES, path);
export const load = (path) => JSON.parse(readFileSync(path, 'utf8'));

/**
 * Replays one case through `run(operation, input)`: the whole output equals `expected`, or the
 * call throws the error class of `expected_error.code`. `known` is the list of operations the
 * package knows; a case with another operation fails.
 */
export function check(windeep, known, c, run) {
  assert.ok(known.includes(c.operation),
    `fixture operation ${c.operation} is not known to the package (${known.join(', ')})`);
  assert.notEqual('expected' in c, 'expected_error' in c,
    "a fixture has exactly one of 'expected' and 'expected_error'");
  if ('expected' in c) {
    assert.deepStrictEqual(run(c.operation, c.input), c.expected);
  } else {
    const code = c.expected_error.code;
    assert.throws(() => run(c.operation, c.input), (e) => {
      assert.ok(e instanceof windeep.WindeepError, `not a WindeepError: ${e}`);
      assert.equal(e.code, code, `${e.code}: ${e.message}`);
      assert.equal(e.constructor, windeep.ERRORS[code]);
      assert.ok(e instanceof Error);
      return true;
    });
  }
}
