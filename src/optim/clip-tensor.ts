import * as tf from '@tensorflow/tfjs-core';
import type { NamedGradients } from './optimizer.js';

/**
 * {@link clipByGlobalNorm} without reading the norm on the host: the norm stays a scalar tensor and the
 * rescaling factor `maxNorm / max(norm, maxNorm)` is computed on the backend (exactly 1 when the norm
 * is within the bound), so a compiled graph can hold the whole update.
 *
 * @param grads - gradients by variable name.
 * @param maxNorm - the largest allowed global norm; `null` or `Infinity` disables clipping.
 * @returns the (possibly rescaled) gradients and the global norm before clipping, as a scalar tensor.
 * @category Optimizers
 */
export function clipByGlobalNormTensor(grads: NamedGradients, maxNorm: number | null): { grads: Record<string, tf.Tensor>; norm: tf.Scalar } {
  const entries = Object.entries(grads);
  const norm = tf.sqrt(tf.addN(entries.map(([, g]) => tf.sum(tf.square(g))))) as tf.Scalar;
  if (maxNorm === null || !Number.isFinite(maxNorm)) return { grads: { ...grads }, norm };
  const scale = tf.div(maxNorm, tf.maximum(norm, maxNorm));
  const out: Record<string, tf.Tensor> = {};
  for (const [name, g] of entries) out[name] = tf.mul(g, scale);
  return { grads: out, norm };
}
