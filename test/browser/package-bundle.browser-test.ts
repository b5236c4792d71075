// The built package bundles for the web as an app would import it: `import { … } from 'impala-rl'` resolved
// through package.json's `exports` (the `browser` condition), with esbuild (platform browser) and with Vite, no
// Node polyfills. Fails on any import of a Node built-in, any Node global in impala-rl's built files, or any module
// Vite had to externalise "for browser compatibility". Writes the bundle sizes (minified, gzipped) to
// .tmp/browser/bundle-sizes.json.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, describe, test } from 'node:test';
import { build, createLogger } from 'vite';
import { bundleForBrowser } from '../../scripts/browser-bundle-check.mjs';
import { outDir, root } from './chromium.js';

// A consumer project whose node_modules holds impala-rl (a link to this checkout) and the tfjs packages.
const app = mkdtempSync(join(tmpdir(), 'impala-rl-web-app-'));
mkdirSync(join(app, 'node_modules', '@tensorflow'), { recursive: true });
symlinkSync(root, join(app, 'node_modules', 'impala-rl'), 'dir');
for (const p of readdirSync(join(root, 'node_modules', '@tensorflow'))) {
  symlinkSync(join(root, 'node_modules', '@tensorflow', p), join(app, 'node_modules', '@tensorflow', p), 'dir');
}
after(() => { rmSync(app, { recursive: true, force: true }); });

const dist = join(root, 'dist');
const ownFiles = (p: string): boolean => p.startsWith(dist);

/** What the issue's one-line import pulls in, used so nothing is tree-shaken away. */
const ISSUE_IMPORT = `import { vtrace, Learner, Actor, ImpalaNetwork, DynamicBatcher, makeEnv } from 'impala-rl';
console.log(vtrace.fromImportanceWeights, Learner, Actor, ImpalaNetwork, DynamicBatcher, makeEnv);`;
const CONSUMERS = {
  'vtrace only': `import { vtrace } from 'impala-rl';\nconsole.log(vtrace.fromImportanceWeights, vtrace.fromLogits);`,
  'whole trainer': `import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { PageTrainer, useBrowserBackend, saveBrowserCheckpoint, loadBrowserCheckpoint, presetFor } from 'impala-rl';
console.log(PageTrainer, useBrowserBackend, saveBrowserCheckpoint, loadBrowserCheckpoint, presetFor);`,
  'issue import': ISSUE_IMPORT,
  'testing (conformance)': `import { checkVTraceConformance, fetchVTraceGoldenCases } from 'impala-rl/testing';\nconsole.log(checkVTraceConformance, fetchVTraceGoldenCases);`,
} as const;

describe('the built package bundles for the browser through its exports map', () => {
  const sizes: Record<string, unknown> = {};
  after(() => {
    writeFileSync(join(outDir(), 'bundle-sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
  });

  for (const [name, contents] of Object.entries(CONSUMERS)) {
    test(`esbuild: ${name}`, async () => {
      const full = await bundleForBrowser({ contents, resolveDir: app, ownFiles, minify: true });
      assert.deepEqual(full.nodeImports, [], 'no Node built-in imported');
      assert.deepEqual(full.nodeGlobals, [], 'no Node global in impala-rl');
      const resolved = full.inputs.filter(ownFiles).map((p) => p.slice(root.length + 1));
      assert.ok(resolved.every((p) => p.endsWith('browser.js')), `resolved to the browser build: ${resolved.join(', ')}`);
      const alone = await bundleForBrowser({ contents, resolveDir: app, ownFiles, minify: true, external: ['@tensorflow/*'] });
      sizes[name] = {
        withTfjs: { minifiedBytes: full.bytes, gzipBytes: full.gzipBytes },
        impalaRlOnly: { minifiedBytes: alone.bytes, gzipBytes: alone.gzipBytes },
      };
      console.log(`# ${name}: ${(full.gzipBytes / 1024).toFixed(1)} KiB min+gz with tfjs-core (${(full.bytes / 1024).toFixed(0)} KiB min); impala-rl alone ${(alone.gzipBytes / 1024).toFixed(1)} KiB min+gz`);
    });
  }

  test('Vite builds the issue\'s import with no module externalised for the browser', { timeout: 300_000 }, async () => {
    writeFileSync(join(app, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>\n');
    writeFileSync(join(app, 'main.js'), `${CONSUMERS['whole trainer']}\n${ISSUE_IMPORT}\n`);
    const warnings: string[] = [];
    const logger = createLogger('warn');
    logger.warn = (msg) => { warnings.push(msg); };
    logger.warnOnce = (msg) => { warnings.push(msg); };
    await build({ root: app, configFile: false, logLevel: 'warn', customLogger: logger, build: { outDir: join(app, 'out'), minify: true, chunkSizeWarningLimit: 1e6 } });
    const externalised = warnings.filter((w) => /externalized for browser compatibility|node:/.test(w));
    assert.deepEqual(externalised, [], 'Vite externalised Node modules');
    const js = readdirSync(join(app, 'out', 'assets')).filter((f) => f.endsWith('.js'));
    const code = js.map((f) => readFileSync(join(app, 'out', 'assets', f), 'utf8')).join('\n');
    assert.ok(!/["']node:/.test(code), 'no node: specifier in the output');
    assert.ok(code.includes('PageTrainer') || code.length > 100_000, 'the trainer is in the bundle');
    sizes['vite: whole trainer + issue import'] = { minifiedBytes: Buffer.byteLength(code), gzipBytes: gzipSync(code, { level: 9 }).length };
  });
});
