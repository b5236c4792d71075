// Checks that the package metadata and the exported version agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { version } from '../src/index.js';

test('exported version equals package.json version', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(version, pkg.version);
});

test('package.json names its license file, repository, homepage and bug tracker, and LICENSE is Apache-2.0', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    license: string; files: string[]; repository?: { url?: string }; homepage?: string; bugs?: { url?: string };
  };
  assert.equal(pkg.license, 'Apache-2.0');
  assert.ok(pkg.files.includes('LICENSE'));
  const license = readFileSync(new URL('../LICENSE', import.meta.url), 'utf8');
  assert.match(license, /Apache License\s+Version 2\.0, January 2004/);
  assert.match(license, /END OF TERMS AND CONDITIONS/);
  assert.match(pkg.repository?.url ?? '', /^git\+https:\/\/github\.com\/[\w-]+\/[\w-]+\.git$/);
  const base = (pkg.repository?.url ?? '').replace(/^git\+/, '').replace(/\.git$/, '');
  assert.equal(pkg.homepage, `${base}#readme`);
  assert.equal(pkg.bugs?.url, `${base}/issues`);
  // The README's relative docs/ links must work for readers of the installed package.
  assert.ok(pkg.files.includes('docs/*.md'));
});
