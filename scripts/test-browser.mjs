#!/usr/bin/env node
// `npm run test:browser`: the browser tests (test/browser/*.browser-test.ts) with Node's test runner: the built
// package bundled for the web through its exports map (esbuild and Vite), and the demo page driven in headless
// Chromium by playwright-core. Rebuilds dist/ first when a source file is newer than dist/browser.js.
// Usage: node scripts/test-browser.mjs [name-substring ...]   (filters the test files)
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const newest = (dir) =>
  readdirSync(dir).reduce((m, name) => {
    const p = join(dir, name);
    return Math.max(m, statSync(p).isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }, 0);
const built = join(root, 'dist', 'browser.js');
const stale = !existsSync(built) || Math.max(newest(join(root, 'src')), statSync(join(root, 'package.json')).mtimeMs) > statSync(built).mtimeMs;
if (stale) {
  console.log('test:browser: dist/ is missing or older than src/; running npm run build');
  const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const filters = process.argv.slice(2);
const files = readdirSync(join(root, 'test', 'browser'))
  .filter((f) => f.endsWith('.browser-test.ts'))
  .map((f) => relative(root, join(root, 'test', 'browser', f)))
  .filter((p) => filters.length === 0 || filters.some((f) => p.includes(f)))
  .sort();
if (files.length === 0) {
  console.error('test:browser: no test files matched', filters);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
