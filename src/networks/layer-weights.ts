// Weight helpers shared by the built-in torsos and heads (not exported from the package).
import type * as tf from '@tensorflow/tfjs-core';
import type { WeightFactory } from './torso.js';
import { fanInTruncatedNormalInitializer, zerosInitializer } from './weight-initializers.js';
import { NetworkError } from './errors.js';

/**
 * Weights of one convolution.
 * @category Networks
 */
export interface ConvWeights {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
}

/**
 * Creates a conv layer's weights with the Sonnet v1 defaults (truncated normal 1/sqrt(fan-in), zero bias).
 *
 * @param weights - Factory of the enclosing scope.
 * @param name - Layer name (the variables are `<name>/kernel` and `<name>/bias`).
 * @param size - Square kernel size.
 * @param inChannels - Input channels.
 * @param outChannels - Output channels.
 * @category Networks
 */
export function addConvWeights(
  weights: WeightFactory,
  name: string,
  size: number,
  inChannels: number,
  outChannels: number,
): ConvWeights {
  const fanIn = size * size * inChannels;
  return {
    kernel: weights.addWeight(`${name}/kernel`, [size, size, inChannels, outChannels], fanInTruncatedNormalInitializer(fanIn)),
    bias: weights.addWeight(`${name}/bias`, [outChannels], zerosInitializer()),
  };
}

/**
 * Output size of a SAME-padded pooling or convolution along one axis.
 * @category Networks
 */
export function sameSize(size: number, stride: number): number {
  return Math.ceil(size / stride);
}

/**
 * Validates a pixel observation shape `[H, W, C]` for a convolutional torso.
 *
 * @param torso - Torso name for errors.
 * @param shape - Observation shape.
 * @returns `[H, W, C]`.
 * @category Networks
 */
export function pixelShape(torso: string, shape: readonly number[]): [number, number, number] {
  const [h, w, c] = shape;
  if (shape.length !== 3 || h === undefined || w === undefined || c === undefined || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new NetworkError(`${torso}: observationShape must be [height, width, channels] of positive integers, got [${shape.join(', ')}]`);
  }
  return [h, w, c];
}

/**
 * Weights of one dense (fully connected) layer.
 * @category Networks
 */
export interface DenseWeights {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
}

/**
 * Creates a dense layer's weights with the Sonnet v1 defaults (truncated normal 1/sqrt(fan-in), zero bias).
 *
 * @param weights - Factory of the enclosing scope.
 * @param name - Layer name (the variables are `<name>/kernel` and `<name>/bias`).
 * @param inputSize - Input features.
 * @param outputSize - Output features.
 * @category Networks
 */
export function addDenseWeights(weights: WeightFactory, name: string, inputSize: number, outputSize: number): DenseWeights {
  return {
    kernel: weights.addWeight(`${name}/kernel`, [inputSize, outputSize], fanInTruncatedNormalInitializer(inputSize)),
    bias: weights.addWeight(`${name}/bias`, [outputSize], zerosInitializer()),
  };
}
