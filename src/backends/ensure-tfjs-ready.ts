/**
 * {@link ensureTfjsReady}: what `train` does before its first op (Node: it may select a backend with
 * `useBackend`). The checks the browser-safe constructors run are in `tfjs-ready.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from './gradients.js';
import { backendRegistered } from './tfjs-ready.js';
import { useBackend, type BackendInfo } from './use-backend.js';

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
 * @category Backends
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

