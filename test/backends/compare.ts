/**
 * Helpers for comparing a backend with the cpu backend inside one test process: inputs come from a
 * seeded generator as plain arrays, so each backend builds its own tensors from the same numbers.
 */
import { createActionRng } from '../../src/networks/action-sampling.js';
import { tf } from '../helpers/tf.js';

/** mulberry32: a small seeded generator of uniform numbers in [0, 1) (the library's action RNG). */
export const seededRandom: (seed: number) => () => number = createActionRng;

/** A float32 array of `size` standard-normal-ish numbers (sum of uniforms), from `rand`. */
export function randomValues(rand: () => number, size: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (rand() + rand() + rand() + rand() - 2) * 1.7;
  return out;
}

/** A random integer in [lo, hi]. */
export function randomInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** One tensor input: its shape and values. */
export interface InputSpec {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/**
 * Runs `f` on `backend` with tensors built from `inputs` and returns the output and the gradients of
 * `sum(output · dyWeights)` with respect to every input, as plain arrays. Checks that no tensor leaks.
 */
export async function gradsOn(
  backend: string,
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: readonly InputSpec[],
  dyValues: (size: number) => Float32Array,
): Promise<{ y: Float32Array; grads: Float32Array[] }> {
  const ok = await tf.setBackend(backend);
  if (!ok) throw new Error(`backend ${backend} did not initialise`);
  const before = tf.memory().numTensors;
  const result = tf.tidy(() => {
    const xs = inputs.map((s) => tf.tensor(s.values, [...s.shape], 'float32'));
    const y = f(...xs);
    const dy = tf.tensor(dyValues(y.size), y.shape, 'float32');
    const grads = tf.grads((...a: tf.Tensor[]) => f(...a))(xs, dy);
    return { y: y.dataSync() as Float32Array, grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`${backend}: ${after - before} tensors leaked`);
  return result;
}

/** max |a − b| / max(max |b|, 1e-30): the error relative to the reference's largest magnitude. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxRelDiff: length ${a.length} != ${b.length}`);
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / Math.max(m, 1e-30);
}
