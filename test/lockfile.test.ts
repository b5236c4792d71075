// `npm ci` on a fresh clone needs a lockfile that lists the optional platform packages of every
// platform (npm refuses a lockfile "out of sync" with package.json otherwise, on the platforms it lacks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

interface LockEntry {
  readonly version?: string;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}

const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as {
  readonly packages: Readonly<Record<string, LockEntry>>;
};

test('package-lock.json has an entry for every optional platform package (npm ci works on any platform)', () => {
  const missing: string[] = [];
  let checked = 0;
  for (const [path, entry] of Object.entries(lock.packages)) {
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
      if (!/^@(rollup|esbuild)\//.test(dep)) continue;
      checked += 1;
      // npm resolves a dependency next to its parent first, then in the top-level node_modules.
      const nested = `${path === '' ? '' : `${path}/`}node_modules/${dep}`;
      if (!(nested in lock.packages) && !(`node_modules/${dep}` in lock.packages)) missing.push(`${path || '(root)'} -> ${dep}`);
    }
  }
  assert.ok(checked >= 40, `expected rollup's and esbuild's platform packages, found ${checked}`);
  assert.deepEqual(missing, [], 'regenerate the lockfile so it lists every platform (rm package-lock.json && npm install)');
});
