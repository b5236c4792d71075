import * as tf from '@tensorflow/tfjs-core';
import type { NamedGradients } from './optimizer.js';

/**
 * Learning rate decayed linearly from `initial` to 0 over `totalFrames` environment frames
 * (`polynomial_decay` with power 1, as in the original IMPALA).
 *
 * @param initial - learning rate at frame 0.
 * @param frames - environment frames consumed so far.
 * @param totalFrames - frames at which the rate reaches 0.
 * @returns the learning rate, never below 0.
 * @category Optimizers
 */
export function linearDecay(initial: number, frames: number, totalFrames: number): number {
  if (totalFrames <= 0) return initial;
  return initial * Math.max(0, 1 - frames / totalFrames);
}

/**
 * Result of {@link clipByGlobalNorm}.
 * @category Optimizers
 */
export interface ClippedGradients {
  /** The (possibly rescaled) gradients: new tensors owned by the caller. */
  readonly grads: Record<string, tf.Tensor>;
  /** The global L2 norm before clipping. */
  readonly norm: number;
}

/**
 * Rescales gradients so that their global L2 norm is at most `maxNorm` (as `tf.clip_by_global_norm`).
 * Returns new tensors (the caller disposes them) and the norm before clipping.
 *
 * @param grads - gradients by variable name.
 * @param maxNorm - the largest allowed global norm (e.g. 40); `null` or `Infinity` disables clipping.
 * @returns `{ grads, norm }`.
 * @category Optimizers
 */
export function clipByGlobalNorm(grads: NamedGradients, maxNorm: number | null): ClippedGradients {
  const entries = Object.entries(grads);
  const norm = tf.tidy(() => Math.sqrt(tf.addN(entries.map(([, g]) => tf.sum(tf.square(g)))).dataSync()[0]!));
  const scale = maxNorm !== null && Number.isFinite(maxNorm) && norm > maxNorm ? maxNorm / norm : 1;
  const out: Record<string, tf.Tensor> = {};
  for (const [name, g] of entries) out[name] = scale === 1 ? tf.clone(g) : tf.mul(g, scale);
  return { grads: out, norm };
}
