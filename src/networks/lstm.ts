import * as tf from '@tensorflow/tfjs-core';
import type { WeightFactory } from './torso.js';
import { glorotUniformInitializer, zerosInitializer } from './weight-initializers.js';

/**
 * Recurrent state of an LSTM for a batch of B rows: cell `c` and output `h`, each `[B, units]` float32.
 * The state is a pair of plain tensors so that actors can store, stack and ship it freely.
 * @category Networks
 */
export interface LstmState {
  /** Cell state `[B, units]`. */
  readonly c: tf.Tensor2D;
  /** Hidden state (last output) `[B, units]`. */
  readonly h: tf.Tensor2D;
}

/**
 * Weights of one LSTM in TensorFlow's `LSTMBlockCell` layout: a single kernel `[inputSize + units, 4·units]`
 * applied to `concat([x, h])`, and a bias `[4·units]`; the four gate blocks are ordered input `i`,
 * candidate `j`, forget `f`, output `o`. The forget gate also gets a constant +1 (`forget_bias=1.0`),
 * which is not part of the bias variable.
 * @category Networks
 */
export interface LstmWeights {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
  readonly inputSize: number;
  readonly units: number;
}

/** `LSTMBlockCell`'s default forget bias. */
const FORGET_BIAS = 1;

/**
 * Creates LSTM weights: kernel Glorot-uniform (TF's default initialiser, as `LSTMBlockCell` had), bias zeros.
 *
 * @param weights - Factory of the enclosing scope.
 * @param name - Layer name (`<name>/kernel`, `<name>/bias`).
 * @param inputSize - Input features per step.
 * @param units - LSTM size.
 * @category Networks
 */
export function addLstmWeights(weights: WeightFactory, name: string, inputSize: number, units: number): LstmWeights {
  return {
    kernel: weights.addWeight(`${name}/kernel`, [inputSize + units, 4 * units], glorotUniformInitializer()),
    bias: weights.addWeight(`${name}/bias`, [4 * units], zerosInitializer()),
    inputSize,
    units,
  };
}

/**
 * One LSTM step, exactly `LSTMBlockCell`: gates = concat([x, h]) · kernel + bias (one matmul for all four
 * gates), c' = σ(f + 1)·c + σ(i)·tanh(j), h' = σ(o)·tanh(c').
 *
 * The kernel is used whole rather than split into input and recurrent parts: slicing a large kernel on
 * every call is slow on some backends (WASM), and the total work is the same.
 *
 * @param w - LSTM weights.
 * @param x - `[B, inputSize]` input of this step.
 * @param state - Previous state `[B, units]` each.
 * @returns The new state; its `h` is the step's output.
 * @category Networks
 */
export function lstmCellStep(w: LstmWeights, x: tf.Tensor2D, state: LstmState): LstmState {
  return cellFromGates(tf.fused.matMul({ a: tf.concat([x, state.h], 1), b: w.kernel, bias: w.bias }) as tf.Tensor2D, state);
}

/** The new state from the gate pre-activations `[B, 4·units]` (blocks i, j, f, o). */
function cellFromGates(gates: tf.Tensor2D, state: LstmState): LstmState {
  const [i, j, f, o] = tf.split(gates, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const c: tf.Tensor2D = tf.add(tf.mul(tf.sigmoid(tf.add(f, FORGET_BIAS)), state.c), tf.mul(tf.sigmoid(i), tf.tanh(j)));
  const h: tf.Tensor2D = tf.mul(tf.sigmoid(o), tf.tanh(c));
  return { c, h };
}

/**
 * The gate pre-activations of every step's input at once: `x · kernel[:inputSize] + bias`, `[T·B, 4·units]`
 * (one large matmul instead of T small ones, and one each for its gradients; {@link lstmCellStepProjected}
 * adds `h · kernel[inputSize:]` step by step). The kernel is split once per call, not once per step.
 *
 * @param w - LSTM weights.
 * @param x - `[T·B, inputSize]` inputs of all steps.
 * @returns `projected` `[T·B, 4·units]`, and `recurrent`, the kernel's last `units` rows `[units, 4·units]`.
 * @category Networks
 */
export function lstmProjectInputs(w: LstmWeights, x: tf.Tensor2D): { readonly projected: tf.Tensor2D; readonly recurrent: tf.Tensor2D } {
  const [inputKernel, recurrent] = tf.split(w.kernel, [w.inputSize, w.units], 0) as [tf.Tensor2D, tf.Tensor2D];
  return { projected: tf.fused.matMul({ a: x, b: inputKernel, bias: w.bias }) as tf.Tensor2D, recurrent };
}

/**
 * One LSTM step from projected inputs ({@link lstmProjectInputs}): gates = projected + h · recurrent kernel.
 * The same function as {@link lstmCellStep} up to float32 rounding (the sum is split in two).
 *
 * @param projected - `[B, 4·units]` this step's rows of the projected inputs.
 * @param recurrent - `[units, 4·units]` the recurrent part of the kernel.
 * @param state - Previous state `[B, units]` each.
 * @returns The new state.
 * @category Networks
 */
export function lstmCellStepProjected(projected: tf.Tensor2D, recurrent: tf.Tensor2D, state: LstmState): LstmState {
  return cellFromGates(tf.add<tf.Tensor2D>(projected, tf.matMul(state.h, recurrent)), state);
}
