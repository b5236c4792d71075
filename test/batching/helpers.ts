/** Small async helpers shared by the batching tests (not a test file itself). */
import { createActionRng } from '../../src/networks/action-sampling.js';

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves after a few event-loop turns: long enough for a settled batch to be noticed (microtasks)
 * and for the batch it makes room for to be dispatched (an immediate scheduled after this call).
 */
export async function nextTurn(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A promise with its resolve/reject exposed. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
}

/** Creates a {@link Deferred}. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Settles to 'pending' if `promise` has not settled after one event-loop turn. */
export async function state(promise: Promise<unknown>): Promise<'pending' | 'fulfilled' | 'rejected'> {
  const marker = Symbol('pending');
  const result = await Promise.race([
    promise.then(
      () => 'fulfilled' as const,
      () => 'rejected' as const,
    ),
    nextTurn().then(() => marker),
  ]);
  return result === marker ? 'pending' : (result as 'fulfilled' | 'rejected');
}

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1) (the library's action RNG). */
export const mulberry32: (seed: number) => () => number = createActionRng;

/** Number of active timers (`Timeout` resources) in this process. */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
}
