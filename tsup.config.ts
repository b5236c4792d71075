import { defineConfig } from 'tsup';
import { browserSubstitutionsPlugin } from './scripts/browser-substitutions.mjs';

// One entry per public subpath of the `exports` map; ESM (.js + .d.ts) and CJS (.cjs + .d.cts). `cli` is the
// `impala-rl` executable (package.json `bin`): its source starts with `#!/usr/bin/env node`, which esbuild keeps
// at the top of dist/cli.js and tsup turns into an executable file.
export default defineConfig([
  {
    // `actor-worker` is the entry of WorkerActorFleet's worker threads; it lands next to the chunks, where the pool
    // looks for it (`new URL('./actor-worker.js' | './actor-worker.cjs', import.meta.url)`).
    entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts', cli: 'src/cli/main.ts', 'actor-worker': 'src/agent/actor-worker.ts', 'inference-worker': 'src/agent/inference-worker.ts' },
    format: ['esm', 'cjs'],
    dts: { compilerOptions: { composite: false } },
    tsconfig: 'tsconfig.build.json',
    sourcemap: true,
    // Everything but the browser build's files, which the second config writes at the same time.
    clean: ['!browser.*', '!testing/browser.*'],
    shims: true, // import.meta.url in the CJS build (the testing helpers locate the shipped golden files with it)
    target: 'node20',
    splitting: true,
    treeshake: true,
    external: [/^@tensorflow\//],
    // Golden fixtures ship inside dist so `impala-rl/testing` works from the published tarball.
    loader: { '.json': 'json' },
  },
  {
    // The browser entries (the `browser` condition of `.` and `./testing`, and `./browser`): ESM only, no Node
    // built-ins; Node-only modules that browser-safe ones import are swapped for stand-ins
    // (scripts/browser-substitutions.mjs). No splitting, so nothing is shared with the Node build's chunks.
    entry: { browser: 'src/browser.ts', 'testing/browser': 'src/testing/browser.ts' },
    format: ['esm'],
    platform: 'browser',
    dts: { compilerOptions: { composite: false } },
    tsconfig: 'tsconfig.build.json',
    sourcemap: true,
    clean: false,
    target: 'es2022',
    splitting: false,
    treeshake: true,
    external: [/^@tensorflow\//],
    esbuildPlugins: [browserSubstitutionsPlugin()],
  },
]);
