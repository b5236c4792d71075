/**
 * tfjs's gradients: `@tensorflow/tfjs-core` registers none; `@tensorflow/tfjs-layers` registers all of
 * them when it is imported.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from './backend-unavailable-error.js';

/** A gradient every IMPALA update needs; tfjs-core registers none of them on its own. */
const PROBE_GRADIENT = 'AddN';

/**
 * Whether tfjs's gradients are registered (by `@tensorflow/tfjs-layers`, `@tensorflow/tfjs` or `tfjs-node`).
 * @category Backends
 */
export function gradientsRegistered(): boolean {
  // tfjs types getGradient as always returning a config, but it returns undefined for an unregistered one.
  return (tf.getGradient(PROBE_GRADIENT) as unknown) !== undefined;
}

/**
 * Registers tfjs's gradients when they are not yet: imports `@tensorflow/tfjs-layers` (which registers
 * all of them as a side effect of its import).
 *
 * @param caller - named in the error message.
 * @returns true when the gradients are registered afterwards.
 * @throws {@link BackendError} when `@tensorflow/tfjs-layers` is not installed, with the install command.
 * @category Backends
 */
export async function ensureGradients(caller: string): Promise<boolean> {
  if (gradientsRegistered()) return true;
  try {
    await import('@tensorflow/tfjs-layers');
  } catch (error) {
    throw new BackendError(
      `${caller}: tfjs's gradients are not registered and @tensorflow/tfjs-layers (which registers them) is not installed;` +
        ` install it with: npm install @tensorflow/tfjs-layers@${tf.version_core}` +
        ` (${error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error)})`,
      { cause: error },
    );
  }
  return gradientsRegistered();
}

