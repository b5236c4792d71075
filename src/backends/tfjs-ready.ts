/**
 * First-use checks: a tfjs backend and tfjs's gradients. `@tensorflow/tfjs-core` alone has neither (a
 * backend comes from a backend package, the gradients from `@tensorflow/tfjs-layers` or `@tensorflow/tfjs`),
 * and without them tfjs fails deep inside the first op with `No backend found in registry` or `Cannot
 * compute gradient: gradient function not found for AddN`.
 *
 * - {@link ensureTfjsReady} (async; `train` calls it) fixes both when it can: it registers the gradients by
 *   importing `@tensorflow/tfjs-layers` and, when no backend is registered, selects the fastest installed one
 *   with `useBackend('auto')`, saying so once.
 * - {@link assertTfjsReady} (sync; the `ImpalaNetwork`, `Actor` and `Learner` constructors call it) cannot
 *   import anything, so it fails before any work with an error naming the line to add.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from './backend-unavailable-error.js';
import { ensureGradients, gradientsRegistered } from './gradients.js';
import { useBackend, type BackendInfo } from './use-backend.js';

/** The line that fixes both problems, quoted in every error. */
export const READY_LINE = "await useBackend('auto'); // import { useBackend } from 'impala-rl'";

/** Whether any tfjs backend is registered (a backend package was imported, or `useBackend` ran). */
export function backendRegistered(): boolean {
  return tf.engine().backendNames().length > 0;
}

let announced = false;

/**
 * Makes tfjs ready to train: registers the gradients (see {@link ensureGradients}) and, when no backend is
 * registered at all, selects the fastest installed one with `useBackend('auto')` and logs one line saying so
 * (once per process). A backend that is already registered (`useBackend` ran, or a backend package was
 * imported) is left as it is.
 *
 * @param caller - named in messages, e.g. `'train'`.
 * @param log - receives the one line; default `console.info`.
 * @returns what `useBackend` selected, or undefined when a backend was already registered.
 * @throws {@link BackendError} when the gradients cannot be registered, or no backend package is installed.
 *
 * @example
 * ```ts
 * import { ensureTfjsReady } from 'impala-rl';
 * await ensureTfjsReady('my-script'); // the same as train() does before its first op
 * ```
 */
export async function ensureTfjsReady(caller: string, log: (line: string) => void = (line) => { console.info(line); }): Promise<BackendInfo | undefined> {
  await ensureGradients(caller);
  if (backendRegistered()) {
    await tf.ready();
    return undefined;
  }
  const info = await useBackend('auto');
  if (!announced) {
    announced = true;
    log(
      `impala-rl: ${caller}: no tfjs backend was selected, so useBackend('auto') chose '${info.name}' (${info.packageName});` +
        ` call useBackend() yourself before ${caller} to choose one and silence this line`,
    );
  }
  return info;
}

/**
 * Fails before any work when tfjs has no backend (and, with `gradients`, no gradients), with an error that
 * names the line to add: {@link READY_LINE}.
 *
 * @param caller - named in the message, e.g. `'Learner'`.
 * @param gradients - whether gradients are needed too (the learner).
 * @throws {@link BackendError} when something is missing.
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
