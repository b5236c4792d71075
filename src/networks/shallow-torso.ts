import * as tf from '@tensorflow/tfjs-core';
import { addConvWeights, addDenseWeights, pixelShape } from './layer-weights.js';
import type { Torso, TorsoBuildContext, TorsoDefinition } from './torso.js';
import { NetworkError } from './errors.js';
import { pixelScaledFilter } from './pixel-scale.js';

/**
 * One convolution of {@link ShallowTorsoOptions.convolutions}.
 * @category Networks
 */
export interface ShallowConvolution {
  /** Output channels. */
  readonly filters: number;
  /** Square kernel size. */
  readonly kernelSize: number;
  /** Stride (both axes). */
  readonly stride: number;
}

/**
 * Options of {@link shallowTorso}.
 * @category Networks
 */
export interface ShallowTorsoOptions {
  /**
   * The VALID-padded convolutions, each followed by a ReLU.
   *
   * @defaultValue `[{ filters: 16, kernelSize: 8, stride: 4 }, { filters: 32, kernelSize: 4, stride: 2 }]` (A3C)
   */
  readonly convolutions?: readonly ShallowConvolution[];
  /**
   * Size of the final dense layer.
   *
   * @defaultValue `256`
   */
  readonly hiddenSize?: number;
}

/**
 * The shallow torso of IMPALA's "small architecture": the A3C torso of Mnih et al. (2016).
 *
 * Per frame: pixel values (int32 or float32 in 0–255) → float / 255 → conv 16 filters 8×8 stride 4 → ReLU →
 * conv 32 filters 4×4 stride 2 → ReLU (both VALID) → flatten → dense 256 → ReLU. The / 255 is computed as
 * the first conv with its filter / 255 (the same function up to float32 rounding), which saves a pass over
 * every pixel.
 *
 * Provenance: no released IMPALA code contains this network. The paper describes it as "a shallow model
 * similar to (Mnih et al., 2016) with an LSTM before the policy and value" and gives its layer sizes only in
 * the Figure 3 image, whose caption says "2 convolutional layers and 1.2 million parameters". The sizes above
 * are the A3C ones; they are confirmed by the parameter count: with the IMPALA core (LSTM 256 fed with the
 * last reward, the one-hot last action of 9 DMLab actions and the 64-d instruction embedding) and heads, on
 * 72×96×3 frames the network has exactly 1,230,426 parameters (SAME padding would give 1.54 M). The tests
 * check this count.
 *
 * Variable names: `torso/conv_<i>/{kernel,bias}`, `torso/linear/{kernel,bias}`.
 *
 * @param options - Convolutions and dense size.
 * @returns A torso definition for `ImpalaNetworkOptions.torso`.
 * @see https://arxiv.org/abs/1802.01561
 * @category Networks
 */
export function shallowTorso(options: ShallowTorsoOptions = {}): TorsoDefinition {
  const convolutions = options.convolutions ?? [
    { filters: 16, kernelSize: 8, stride: 4 },
    { filters: 32, kernelSize: 4, stride: 2 },
  ];
  const hiddenSize = options.hiddenSize ?? 256;
  for (const c of convolutions) {
    if ([c.filters, c.kernelSize, c.stride].some((v) => !Number.isInteger(v) || v <= 0)) {
      throw new NetworkError(`shallowTorso: convolution sizes must be positive integers, got ${JSON.stringify(c)}`);
    }
  }
  if (!Number.isInteger(hiddenSize) || hiddenSize <= 0) throw new NetworkError(`shallowTorso: hiddenSize must be a positive integer, got ${hiddenSize}`);
  return {
    kind: 'shallow',
    config: { convolutions: convolutions.map((c) => ({ ...c })), hiddenSize },
    build: ({ observationShape, weights }: TorsoBuildContext): Torso => {
      let [h, w, inChannels] = pixelShape('shallowTorso', observationShape);
      const layers = convolutions.map((c, i) => {
        const nextH = Math.floor((h - c.kernelSize) / c.stride) + 1;
        const nextW = Math.floor((w - c.kernelSize) / c.stride) + 1;
        if (nextH < 1 || nextW < 1) {
          throw new NetworkError(
            `shallowTorso: observationShape [${observationShape.join(', ')}] is too small: conv_${i} ` +
              `(${c.kernelSize}×${c.kernelSize}, stride ${c.stride}, VALID) gets ${h}×${w} input`,
          );
        }
        const conv = addConvWeights(weights, `conv_${i}`, c.kernelSize, inChannels, c.filters);
        [h, w, inChannels] = [nextH, nextW, c.filters];
        return { conv, stride: c.stride };
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
          for (const [k, { conv, stride }] of layers.entries()) {
            const filter = k === 0 ? pixelScaledFilter(conv.kernel) : (conv.kernel as tf.Tensor4D);
            x = tf.fused.conv2d({ x, filter, strides: stride, pad: 'valid', bias: conv.bias, activation: 'relu' });
          }
          return tf.fused.matMul({ a: tf.reshape(x, [n, flat]), b: linear.kernel, bias: linear.bias, activation: 'relu' });
        },
      };
    },
  };
}
