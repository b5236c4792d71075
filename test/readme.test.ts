/** The README's "V-trace in 10 lines" block must run as written (with 'impala-rl' mapped to src/). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

test('README V-trace example runs and prints the expected targets', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## V-trace in 10 lines'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(code, 'README has a ts block under "V-trace in 10 lines"');
  const dir = mkdtempSync(join(root, 'test', '.readme-'));
  try {
    const file = join(dir, 'example.ts');
    writeFileSync(file, code.replace("from 'impala-rl'", `from '${join(root, 'src', 'index.js')}'`));
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    // Hand check of the last step of actor 1: ρ = e² clipped to 1, vs = 0.3 + (0 + 0.99·0.4 − 0.3) = 0.396.
    assert.match(r.stdout, /0\.396/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
