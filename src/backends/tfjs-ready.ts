/**
 * First-use checks: a tfjs backend and tfjs's gradients. `@tensorflow/tfjs-core` alone has neither (a
 * backend comes from a backend package, the gradients from `@tensorflow/tfjs-layers` or `@tensorflow/tfjs`),
 * and without them tfjs fails deep inside the first op with `No backend found in registry` or `Cannot
 * compute gradient: gradient function not found for AddN`.
 *
 * - `ensureTfjsReady` (ensure-tfjs-ready.ts; async; `train` calls it) fixes both when it can: it registers the gradients by
 *   importing `@tensorflow/tfjs-layers` and, when no backend is registered, selects the fastest installed one
 *   with `useBackend('auto')`, saying so once.
 * - {@link assertTfjsReady} (sync; the `ImpalaNetwork`, `Actor` and `Learner` constructors call it) cannot
 *   import anything, so it fails before any work with an error naming the line to add.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from './backend-unavailable-error.js';
import { gradientsRegistered } from './gradients.js';

/**
 * The line that fixes both problems, quoted in every error.
 * @category Backends
 */
export const READY_LINE = "await useBackend('auto'); // import { useBackend } from 'impala-rl'";

/**
 * Whether any tfjs backend is registered (a backend package was imported, or `useBackend` ran).
 * @category Backends
 */
export function backendRegistered(): boolean {
  return tf.engine().backendNames().length > 0;
}

/**
 * Fails before any work when tfjs has no backend (and, with `gradients`, no gradients), with an error that
 * names the line to add: {@link READY_LINE}.
 *
 * @param caller - named in the message, e.g. `'Learner'`.
 * @param gradients - whether gradients are needed too (the learner).
 * @throws {@link BackendError} when something is missing.
 * @category Backends
 */
export function assertTfjsReady(caller: string, gradients: boolean): void {
  const missing: string[] = [];
  if (!backendRegistered()) missing.push('no tfjs backend is registered (@tensorflow/tfjs-core alone has none)');
  if (gradients && !gradientsRegistered()) {
    missing.push("tfjs's gradients are not registered (@tensorflow/tfjs-core registers none; @tensorflow/tfjs-layers does)");
  }
  if (missing.length === 0) return;
  throw new BackendError(`${caller}: ${missing.join(', and ')}. Add this line before creating it:\n  ${READY_LINE}\n(it selects the fastest installed backend and registers the gradients; train() does it by itself)`);
}
