/**
 * tfjs setup shared by the CLI commands: gradients (from `@tensorflow/tfjs-layers`) and the backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, useBackend, type BackendInfo } from '../backends/use-backend.js';
import type { BackendRequest } from '../backends/backend-names.js';

/**
 * Registers tfjs's gradients by importing `@tensorflow/tfjs-layers` (tfjs-core alone registers none, and
 * the learner needs them), silences tfjs's console hints (`enableProdMode`), then selects the backend.
 *
 * @param backend - the `--backend` value.
 * @param log - receives the line saying which backend was chosen (and a hint when it is `cpu`).
 * @returns what `useBackend` selected.
 * @throws when `@tensorflow/tfjs-layers` is not installed, or the backend cannot be used.
 */
export async function setupTfjs(backend: BackendRequest, log: (line: string) => void): Promise<BackendInfo> {
  try {
    await import('@tensorflow/tfjs-layers');
  } catch (error) {
    throw new Error(
      `impala-rl: @tensorflow/tfjs-layers is needed for training (it registers the gradients); install it with: npm install @tensorflow/tfjs-layers@${tf.version_core}` +
        ` (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
    );
  }
  tf.enableProdMode();
  const info = await useBackend(backend);
  log(describeBackend(info));
  if (info.name === 'cpu') {
    log('impala-rl: the cpu backend is plain JavaScript: fine for small MLPs, far too slow for the convolutional torsos (see docs/backends.md)');
  }
  return info;
}
