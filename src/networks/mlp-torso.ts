import * as tf from '@tensorflow/tfjs-core';
import { addDenseWeights } from './layer-weights.js';
import type { Torso, TorsoBuildContext, TorsoDefinition } from './torso.js';
import { NetworkError } from './errors.js';

/**
 * Options of {@link mlpTorso}.
 * @category Networks
 */
export interface MlpTorsoOptions {
  /**
   * Sizes of the hidden dense layers, each followed by a ReLU. The last one is the torso's output size.
   *
   * @defaultValue `[64, 64]`
   */
  readonly hiddenSizes?: readonly number[];
}

/**
 * A dense (MLP) torso for vector observations such as CartPole's 4 floats.
 *
 * Per observation: cast to float32 → flatten (any observation shape) → for each hidden size: dense → ReLU.
 * Observations are used as given (no /255 scaling). Variable names: `torso/linear_<i>/{kernel,bias}`.
 *
 * @param options - Hidden layer sizes.
 * @returns A torso definition for `ImpalaNetworkOptions.torso`.
 * @category Networks
 */
export function mlpTorso(options: MlpTorsoOptions = {}): TorsoDefinition {
  const hiddenSizes = options.hiddenSizes ?? [64, 64];
  if (hiddenSizes.length === 0 || hiddenSizes.some((s) => !Number.isInteger(s) || s <= 0)) {
    throw new NetworkError(`mlpTorso: hiddenSizes must be a non-empty list of positive integers, got [${hiddenSizes.join(', ')}]`);
  }
  return {
    kind: 'mlp',
    config: { hiddenSizes: [...hiddenSizes] },
    build: ({ observationShape, weights }: TorsoBuildContext): Torso => {
      if (observationShape.some((d) => !Number.isInteger(d) || d <= 0)) {
        throw new NetworkError(`mlpTorso: observationShape must hold positive integers, got [${observationShape.join(', ')}]`);
      }
      const inputSize = observationShape.reduce((a, b) => a * b, 1);
      let size = inputSize;
      const layers = hiddenSizes.map((out, i) => {
        const layer = addDenseWeights(weights, `linear_${i}`, size, out);
        size = out;
        return layer;
      });
      return {
        outputSize: size,
        observationDtypes: ['float32', 'int32'],
        apply: (observations) => {
          let x: tf.Tensor2D = tf.reshape(tf.cast(observations, 'float32'), [observations.shape[0], inputSize]);
          for (const layer of layers) {
            x = tf.fused.matMul({ a: x, b: layer.kernel, bias: layer.bias, activation: 'relu' }) as tf.Tensor2D;
          }
          return x;
        },
      };
    },
  };
}
