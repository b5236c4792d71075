import type * as tf from '@tensorflow/tfjs-core';
import { NetworkError } from './errors.js';

/**
 * A source of uniform random numbers in `[0, 1)`. Pass a seeded one (see {@link createActionRng}) for
 * reproducible action sampling; impala-rl never calls `Math.random`.
 * @category Networks
 */
export type RandomSource = () => number;

/**
 * Creates a seeded uniform random source (the 32-bit "mulberry32" generator). Each call returns a new,
 * independent generator whose whole state lives in the closure, so two generators with the same seed
 * produce the same sequence.
 *
 * @param seed - Any number; its low 32 bits are used.
 * @returns A function returning uniform numbers in `[0, 1)` with 2^-32 resolution.
 * @category Networks
 */
export function createActionRng(seed: number): RandomSource {
  if (!Number.isFinite(seed)) throw new NetworkError(`createActionRng: seed must be a finite number, got ${seed}`);
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Samples one action per row from categorical distributions given by logits (host-side, in float64):
 * p = softmax(logits) with the row maximum subtracted first, then the smallest index whose cumulative
 * probability exceeds `u · Σp` for one draw `u` of `rng` per row and head.
 *
 * For several heads (a multi-discrete action space) the last dimension holds the heads' logits
 * concatenated in order, and the result holds one action per head per row.
 *
 * @param logits - `[..., ΣA]` float32 logits (e.g. `[B, A]` from `step`).
 * @param rng - Uniform random source, e.g. `createActionRng(seed)`.
 * @param actionSizes - Actions per head (default: one head of size A, the last dimension).
 * @returns Int32 actions, row-major `[..., H]` (`[B]` values for a single head).
 * @category Networks
 */
export function sampleActions(logits: tf.Tensor, rng: RandomSource, actionSizes?: readonly number[]): Int32Array {
  const width = logits.shape[logits.rank - 1];
  if (logits.rank < 1 || width === undefined || width === 0) {
    throw new NetworkError(`sampleActions: logits must have a non-empty last dimension, got shape [${logits.shape.join(', ')}]`);
  }
  if (logits.dtype !== 'float32') throw new NetworkError(`sampleActions: logits must be float32, got ${logits.dtype}`);
  const sizes = actionSizes ?? [width];
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== width || sizes.some((s) => !Number.isInteger(s) || s <= 0)) {
    throw new NetworkError(`sampleActions: logits last dimension ${width} != sum of actionSizes [${sizes.join(', ')}]`);
  }
  const values = logits.dataSync();
  const rows = values.length / width;
  const actions = new Int32Array(rows * sizes.length);
  for (let r = 0; r < rows; r++) {
    let offset = r * width;
    sizes.forEach((size, head) => {
      let max = -Infinity;
      for (let a = 0; a < size; a++) {
        const v = values[offset + a]!;
        if (Number.isNaN(v)) throw new NetworkError(`sampleActions: row ${r}, head ${head} has a NaN logit`);
        max = Math.max(max, v);
      }
      if (!Number.isFinite(max)) {
        throw new NetworkError(`sampleActions: row ${r}, head ${head} has no finite logit (max ${max})`);
      }
      const probs = new Float64Array(size);
      let sum = 0;
      for (let a = 0; a < size; a++) {
        const p = Math.exp(values[offset + a]! - max);
        probs[a] = p;
        sum += p;
      }
      const u = rng();
      if (!(u >= 0 && u < 1)) throw new NetworkError(`sampleActions: rng must return numbers in [0, 1), got ${u}`);
      const target = u * sum;
      let chosen = -1;
      let cumulative = 0;
      for (let a = 0; a < size; a++) {
        if (probs[a]! > 0) chosen = a; // rounding fallback: the last action with non-zero probability
        cumulative += probs[a]!;
        if (cumulative > target) {
          chosen = a;
          break;
        }
      }
      actions[r * sizes.length + head] = chosen;
      offset += size;
    });
  }
  return actions;
}
