/**
 * Vite config of the demo page. `impala-rl` resolves one of two ways:
 * - `IMPALA_RL_FROM=dist` (what `npm run test:browser` builds): through the package's `exports` map, the `browser`
 *   condition of `.` and `./testing` (the built dist/browser.js and dist/testing/browser.js), as an app would;
 * - otherwise (`npm run demo`): the sources (src/browser.ts), with the same module substitutions as the browser
 *   build, so edits show up without a rebuild.
 * The golden V-trace files are served (and emitted) under `golden/vtrace/`. Cross-origin isolation headers let
 * the wasm backend use threads (SharedArrayBuffer).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Connect, type Plugin } from 'vite';
import { browserSubstitutionsVitePlugin } from '../../scripts/browser-substitutions.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const goldenDir = `${root}test/fixtures/vtrace/`;
const GOLDEN = 'golden/vtrace/';

interface ExportsEntry { readonly browser?: { readonly default: string } }
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, ExportsEntry> };
const browserFile = (subpath: string): string => {
  const target = pkg.exports[subpath]?.browser?.default;
  if (target === undefined) throw new Error(`package.json: exports['${subpath}'] has no browser condition`);
  return `${root}${target.slice(2)}`;
};

const fromDist = process.env.IMPALA_RL_FROM === 'dist';

/** Serves test/fixtures/vtrace/*.json at /golden/vtrace/ and copies them into the build. */
function goldenFiles(): Plugin {
  const files = readdirSync(goldenDir).filter((f) => f.endsWith('.json'));
  const serve = (server: { middlewares: Connect.Server }): void => {
    server.middlewares.use((req, res, next) => {
      const name = req.url?.split('?')[0]?.split(`/${GOLDEN}`)[1];
      if (name === undefined || !files.includes(name)) {
        next();
        return;
      }
      res.setHeader('Content-Type', 'application/json');
      res.end(readFileSync(`${goldenDir}${name}`));
    });
  };
  return {
    name: 'impala-rl-golden-files',
    configureServer: serve,
    configurePreviewServer: serve,
    generateBundle() {
      for (const f of files) this.emitFile({ type: 'asset', fileName: `${GOLDEN}${f}`, source: readFileSync(`${goldenDir}${f}`) });
    },
  };
}

const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  clearScreen: false,
  resolve: {
    alias: fromDist
      ? [
          { find: /^impala-rl$/, replacement: browserFile('.') },
          { find: /^impala-rl\/testing$/, replacement: browserFile('./testing') },
        ]
      : [
          { find: /^impala-rl$/, replacement: `${root}src/browser.ts` },
          { find: /^impala-rl\/testing$/, replacement: `${root}src/testing/browser.ts` },
        ],
  },
  plugins: [...(fromDist ? [] : [browserSubstitutionsVitePlugin()]), goldenFiles()],
  // The actor Web Workers (actor-worker.ts) are module workers, bundled with the same substitutions as the page.
  worker: { format: 'es', plugins: () => (fromDist ? [] : [browserSubstitutionsVitePlugin()]) },
  server: { host: '127.0.0.1', port: 5173, strictPort: false, headers: isolation, fs: { allow: [root] } },
  preview: { host: '127.0.0.1', port: 4173, strictPort: false, headers: isolation },
  build: { outDir: `${root}.tmp/web-dist`, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096 },
});
