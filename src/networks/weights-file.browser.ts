// The browser build's stand-in for weights-file.ts (scripts/browser-substitutions.mjs swaps it in): a saved network
// is a directory on disk, which a page does not have. The two functions impala-network.ts imports (extra
// arguments are ignored), so it bundles unchanged.
import type { WeightsFileContents } from './weights-file.js';

const HINT =
  'saving to and loading from a directory needs Node; in a browser keep weights with ImpalaNetwork.getWeights()/' +
  "setWeights(), or save a training checkpoint with saveBrowserCheckpoint('indexeddb://…' | 'downloads://…')";

/**
 * Not available in a browser: rejects with an `Error` naming the browser alternatives (the other arguments of the
 * Node version are accepted and ignored).
 *
 * @param dir - the directory `save` was given.
 * @category Networks
 */
export function writeWeightsDirectory(dir: string): Promise<void> {
  return Promise.reject(new Error(`ImpalaNetwork.save('${dir}'): ${HINT}`));
}

/**
 * Not available in a browser: throws an `Error` naming the browser alternatives.
 *
 * @param dir - ignored.
 * @param caller - function name for the error.
 * @category Networks
 */
export function readWeightsDirectory(dir: string, caller: string): Promise<WeightsFileContents> {
  return Promise.reject(new Error(`${caller}('${dir}'): ${HINT}`));
}
