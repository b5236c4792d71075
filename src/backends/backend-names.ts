/**
 * Names of the backends impala-rl can select, the npm package behind each, and how to install it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from './backend-unavailable-error.js';

/**
 * A concrete backend:
 * - `cuda`: `@tensorflow/tfjs-node-gpu` on an NVIDIA GPU (libtensorflow with CUDA);
 * - `tensorflow`: `@tensorflow/tfjs-node` (libtensorflow on the CPU);
 * - `wasm`: `@tensorflow/tfjs-backend-wasm` (XNNPACK, SIMD, one thread in Node);
 * - `cpu`: `@tensorflow/tfjs-backend-cpu` (plain JavaScript; far too slow to train the networks).
 * @category Backends
 */
export type BackendName = 'cuda' | 'tensorflow' | 'wasm' | 'cpu';

/**
 * What `useBackend` accepts: a concrete backend, or `auto` for the fastest installed one.
 * @category Backends
 */
export type BackendRequest = BackendName | 'auto';

/**
 * Every accepted backend request, `auto` first, then in `auto`'s order of preference.
 * @category Backends
 */
export const BACKEND_REQUESTS: readonly BackendRequest[] = Object.freeze(['auto', 'cuda', 'tensorflow', 'wasm', 'cpu']);

/**
 * The npm package that provides each backend.
 * @category Backends
 */
export const BACKEND_PACKAGES = Object.freeze({
  /** libtensorflow with CUDA (Linux, Windows). */
  cuda: '@tensorflow/tfjs-node-gpu',
  /** libtensorflow on the CPU. */
  tensorflow: '@tensorflow/tfjs-node',
  /** WebAssembly (XNNPACK). */
  wasm: '@tensorflow/tfjs-backend-wasm',
  /** Plain JavaScript. */
  cpu: '@tensorflow/tfjs-backend-cpu',
} as const satisfies Record<BackendName, string>);

/**
 * One of the npm packages in {@link BACKEND_PACKAGES}.
 * @category Backends
 */
export type BackendPackageName = (typeof BACKEND_PACKAGES)[BackendName];

/**
 * Where the offline libtensorflow build script lives once impala-rl is installed as a dependency.
 * @category Backends
 */
export const OFFLINE_TFJS_NODE_SCRIPT = 'node_modules/impala-rl/scripts/setup-tfjs-node-offline.sh';

/**
 * The command that installs a backend's package, pinned to the installed `@tensorflow/tfjs-core`
 * version: a backend built for another tfjs-core version brings its own copy of tfjs-core and
 * registers itself there, where impala-rl cannot see it.
 * @param name - the backend.
 * @returns e.g. `npm install @tensorflow/tfjs-backend-wasm@4.22.0`.
 * @category Backends
 */
export function backendInstallCommand(name: BackendName): string {
  return `npm install ${BACKEND_PACKAGES[name]}@${tf.version_core}`;
}

/**
 * Validates a backend name given as text (e.g. a `--backend` command-line flag).
 * @param value - the text.
 * @returns `value` as a {@link BackendRequest}.
 * @throws when `value` is not one of {@link BACKEND_REQUESTS}.
 * @category Backends
 */
export function parseBackendName(value: string): BackendRequest {
  const found = BACKEND_REQUESTS.find((name) => name === value);
  if (found === undefined) {
    throw new BackendError(`parseBackendName: unknown backend '${value}'; expected one of ${BACKEND_REQUESTS.join(', ')}`);
  }
  return found;
}
