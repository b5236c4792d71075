// Modules the browser build replaces with browser stand-ins: Node-only code that browser-safe classes import
// (ImpalaNetwork.save/load write directories with node:fs; V-trace's output arrays use node:buffer). Used by tsup.config.ts (dist/browser.js), by
// test/browser/bundle.test.ts and by the demo's Vite config, so every browser build swaps the same files.
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src/', import.meta.url));

/** `[module path relative to src/ without extension, its browser stand-in relative to src/]`. */
export const BROWSER_SUBSTITUTIONS = Object.freeze([
  ['networks/weights-file', 'networks/weights-file.browser.ts'],
  ['compile/compiled-graph', 'compile/compiled-graph.browser.ts'],
  ['vtrace/output-array', 'vtrace/output-array.browser.ts'],
]);

/**
 * An esbuild plugin that resolves each substituted module (imported as `./x.js` from inside src/) to its stand-in.
 * @returns the plugin.
 */
export function browserSubstitutionsPlugin() {
  return {
    name: 'impala-rl-browser-substitutions',
    setup(build) {
      for (const [from, to] of BROWSER_SUBSTITUTIONS) {
        const base = from.split('/').at(-1);
        build.onResolve({ filter: new RegExp(`/${base}\\.js$`) }, (args) => {
          const resolved = fileURLToPath(new URL(args.path, `file://${args.resolveDir}/`));
          return resolved === `${src}${from}.js` ? { path: `${src}${to}` } : undefined;
        });
      }
    },
  };
}

/**
 * The same substitution as a Vite (Rollup) plugin, for bundling src/browser.ts directly.
 * @returns the plugin.
 */
export function browserSubstitutionsVitePlugin() {
  return {
    name: 'impala-rl-browser-substitutions',
    enforce: 'pre',
    resolveId(source, importer) {
      if (importer === undefined || !source.startsWith('.')) return null;
      const resolved = fileURLToPath(new URL(source, `file://${importer}`));
      for (const [from, to] of BROWSER_SUBSTITUTIONS) if (resolved === `${src}${from}.js`) return `${src}${to}`;
      return null;
    },
  };
}
