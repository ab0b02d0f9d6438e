// `npm pack` gives a tarball that installs into an empty project outside the repository and
// works there (CommonJS, ES module and the types).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PACKAGE } from './helpers.mjs';

test('the packed tarball installs into an empty project and works there', () => {
  const dir = mkdtempSync(join(tmpdir(), 'windeep-pack-'));
  try {
    const out = execFileSync('npm', ['pack', '--pack-destination', dir, '--json'],
      { cwd: PACKAGE, encoding: 'utf8' });
    const [info] = JSON.parse(out);
    const files = info.files.map((f) => f.path);
    for (const f of ['index.js', 'index.mjs', 'index.d.ts', 'native.js', 'operations.js', 'windeep.linux-x64-gnu.node']) {
      assert.ok(files.includes(f), `${f} is not in the tarball: ${files}`);
    }
    assert.ok(!files.some((f) => f.startsWith('test/') || f.startsWith('src/')), `${files}`);
    const project = join(dir, 'app');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', join(dir, info.filename)],
      { cwd: project, encoding: 'utf8' });
    assert.ok(existsSync(join(project, 'node_modules', 'windeep', 'windeep.linux-x64-gnu.node')));
    const terms = JSON.stringify({ principal: '100000', annual_rate: '12', tenure: 12, disbursed_on: '2026-01-05', first_due_on: '2026-02-05' });
    writeFileSync(join(project, 'a.cjs'), `const w = require('windeep'); console.log(w.schedule(${terms}).emi);`);
    writeFileSync(join(project, 'b.mjs'), `import { call } from 'windeep'; console.log(call('schedule', ${terms}).apr);`);
    const a = spawnSync(process.execPath, ['a.cjs'], { cwd: project, encoding: 'utf8' });
    assert.equal(a.status, 0, a.stderr);
    assert.equal(a.stdout.trim(), '8884.88');
    const b = spawnSync(process.execPath, ['b.mjs'], { cwd: project, encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
    assert.equal(b.stdout.trim(), '12.00');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
