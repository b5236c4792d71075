import * as tf from '@tensorflow/tfjs-core';
import type { Torso, TorsoBuildContext, TorsoDefinition } from './torso.js';
import { addConvWeights, addDenseWeights, pixelShape, sameSize } from './layer-weights.js';
import { NetworkError } from './errors.js';
import { pixelScaledFilter } from './pixel-scale.js';

/**
 * Options of {@link deepTorso}.
 * @category Networks
 */
export interface DeepTorsoOptions {
  /**
   * Output channels of each section; each section is conv 3×3 → max-pool 3×3 stride 2 → residual blocks.
   *
   * @defaultValue `[16, 32, 32]` (the paper's large architecture)
   */
  readonly channels?: readonly number[];
  /**
   * Residual blocks per section.
   *
   * @defaultValue `2`
   */
  readonly residualBlocks?: number;
  /**
   * Size of the final dense layer.
   *
   * @defaultValue `256`
   */
  readonly hiddenSize?: number;
}

/**
 * The deep residual torso of IMPALA's "large architecture" (paper Fig. 3; scalable_agent `Agent._torso`).
 *
 * Per frame: pixel values (int32 or float32 in 0–255; tfjs has no uint8 dtype) → float / 255; then for each
 * section (16, 32, 32 channels): conv 3×3 stride 1 SAME → max-pool 3×3 stride 2 SAME → two residual blocks
 * (ReLU → conv 3×3 → ReLU → conv 3×3 → add the block input); then ReLU → flatten → dense 256 → ReLU.
 * The / 255 is computed as the first conv with its filter / 255 (the same function up to float32 rounding;
 * the zero padding stays zero), which saves a pass over every pixel.
 * On 72×96×3 DMLab frames the flattened size is 9·12·32 = 3,456; on 84×84 Atari frames 11·11·32 = 3,872.
 *
 * Variable names: `torso/section_<i>/conv/{kernel,bias}`, `torso/section_<i>/block_<j>/conv_<k>/{kernel,bias}`,
 * `torso/linear/{kernel,bias}`.
 *
 * @param options - Channel counts, blocks per section and dense size.
 * @returns A torso definition for `ImpalaNetworkOptions.torso`.
 * @see https://arxiv.org/abs/1802.01561
 * @category Networks
 */
export function deepTorso(options: DeepTorsoOptions = {}): TorsoDefinition {
  const channels = options.channels ?? [16, 32, 32];
  const blocks = options.residualBlocks ?? 2;
  const hiddenSize = options.hiddenSize ?? 256;
  if (channels.length === 0 || channels.some((c) => !Number.isInteger(c) || c <= 0)) {
    throw new NetworkError(`deepTorso: channels must be a non-empty list of positive integers, got [${channels.join(', ')}]`);
  }
  if (!Number.isInteger(blocks) || blocks < 0) throw new NetworkError(`deepTorso: residualBlocks must be an integer >= 0, got ${blocks}`);
  if (!Number.isInteger(hiddenSize) || hiddenSize <= 0) throw new NetworkError(`deepTorso: hiddenSize must be a positive integer, got ${hiddenSize}`);
  return {
    kind: 'deep',
    config: { channels: [...channels], residualBlocks: blocks, hiddenSize },
    build: ({ observationShape, weights }: TorsoBuildContext): Torso => {
      let [h, w, inChannels] = pixelShape('deepTorso', observationShape);
      const sections = channels.map((out, i) => {
        const conv = addConvWeights(weights, `section_${i}/conv`, 3, inChannels, out);
        const residual = Array.from({ length: blocks }, (_, j) => [
          addConvWeights(weights, `section_${i}/block_${j}/conv_0`, 3, out, out),
          addConvWeights(weights, `section_${i}/block_${j}/conv_1`, 3, out, out),
        ] as const);
        inChannels = out;
        h = sameSize(h, 2);
        w = sameSize(w, 2);
        return { conv, residual };
      });
      const flat = h * w * inChannels;
      const linear = addDenseWeights(weights, 'linear', flat, hiddenSize);
      return {
        outputSize: hiddenSize,
        observationDtypes: ['int32', 'float32'],
        apply: (observations) => {
          const n = observations.shape[0];
          // x / 255 is folded into the first conv's filter (pixelScaledFilter).
          let x = tf.cast(observations, 'float32') as tf.Tensor4D;
          for (const [k, { conv, residual }] of sections.entries()) {
            const filter = k === 0 ? pixelScaledFilter(conv.kernel) : (conv.kernel as tf.Tensor4D);
            x = tf.fused.conv2d({ x, filter, strides: 1, pad: 'same', bias: conv.bias });
            x = tf.maxPool(x, 3, 2, 'same');
            for (const [c0, c1] of residual) {
              const y = tf.fused.conv2d({ x: tf.relu(x), filter: c0.kernel as tf.Tensor4D, strides: 1, pad: 'same', bias: c0.bias, activation: 'relu' });
              x = tf.add(x, tf.fused.conv2d({ x: y, filter: c1.kernel as tf.Tensor4D, strides: 1, pad: 'same', bias: c1.bias }));
            }
          }
          const features = tf.reshape(tf.relu(x), [n, flat]);
          return tf.fused.matMul({ a: features, b: linear.kernel, bias: linear.bias, activation: 'relu' });
        },
      };
    },
  };
}
