/**
 * tfjs setup shared by the CLI commands: gradients (from `@tensorflow/tfjs-layers`) and the backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../backends/gradients.js';
import { describeBackend, useBackend, type BackendInfo } from '../backends/use-backend.js';
import type { BackendRequest } from '../backends/backend-names.js';

/**
 * The backend line of the CLI: the backend, its package and version, and threads; `verbose` adds the rest of
 * {@link describeBackend} (the kernels impala-rl registered, the backends `auto` skipped and why).
 *
 * @param info - what `useBackend` selected.
 * @param verbose - the full description.
 * @returns one line.
 */
export function backendLine(info: BackendInfo, verbose: boolean): string {
  if (verbose) return describeBackend(info);
  const threads = `${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  return `impala-rl: backend '${info.name}' (${info.packageName} ${info.version}, ${threads}${info.gpu ? ', GPU' : ''}; --verbose for details)`;
}

/**
 * The level the CLI gives libtensorflow's C++ logging (`TF_CPP_MIN_LOG_LEVEL`) when the user set none and did not
 * ask for `--verbose`: 1 drops its INFO lines (the CPU-feature notice, five lines per compiled graph loaded;
 * its oneDNN notice comes earlier and stays) and keeps warnings and errors.
 */
export const CLI_TF_LOG_LEVEL = '1';

/**
 * Registers tfjs's gradients (see `ensureGradients`: `@tensorflow/tfjs-core` alone registers none, and the
 * learner needs them), silences tfjs's console hints (`enableProdMode`) and, unless `verbose` or the user set
 * `TF_CPP_MIN_LOG_LEVEL`, libtensorflow's INFO logging ({@link CLI_TF_LOG_LEVEL}; read when tfjs-node loads), then
 * selects the backend.
 *
 * @param backend - the `--backend` value.
 * @param log - receives the line saying which backend was chosen (and a hint when it is `cpu`).
 * @param verbose - print the backend's details.
 * @returns what `useBackend` selected.
 * @throws when `@tensorflow/tfjs-layers` is not installed, or the backend cannot be used.
 */
export async function setupTfjs(backend: BackendRequest, log: (line: string) => void, verbose = false): Promise<BackendInfo> {
  await ensureGradients('impala-rl');
  tf.enableProdMode();
  // The CLI owns its process; the library never changes the environment.
  if (!verbose && process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = CLI_TF_LOG_LEVEL;
  const info = await useBackend(backend);
  log(backendLine(info, verbose));
  if (info.name === 'cpu') {
    log('impala-rl: the cpu backend is plain JavaScript: fine for small MLPs, far too slow for the convolutional torsos (see docs/backends.md)');
  }
  return info;
}

