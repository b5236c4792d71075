// The browser build's stand-in for compiled-graph.ts (scripts/browser-substitutions.mjs swaps it in): a compiled
// graph is a SavedModel written to a temporary directory and run by libtensorflow (tfjs-node), which a page does
// not have. `compile: 'auto'` never gets here in a browser (no tensorflow backend); `compile: true` fails here.
export type { CompiledGraphSpec } from './compiled-graph.js';
import type { RewriteOptions } from './graph-rewrite.js';

/**
 * Every graph rewrite on (a page has no environment variables; nor compiled graphs).
 *
 * @returns the options.
 * @category Compile
 */
export function rewriteOptionsFromEnv(): RewriteOptions {
  return {};
}

/**
 * Not available in a browser: `load` throws.
 * @category Compile
 */
export const CompiledGraph = {
  /**
   * Not available in a browser: throws an `Error` saying so (its arguments are ignored).
   *
   * @returns never.
   */
  load(): never {
    throw new Error("compile: a compiled graph runs on libtensorflow (@tensorflow/tfjs-node), which a browser does not have; use compile: false or 'auto'");
  },
};
