import * as tf from '@tensorflow/tfjs-core';
import { INSTRUCTION_HASH_BUCKETS } from './instruction-tokenizer.js';
import { addLstmWeights, lstmCellStep } from './lstm.js';
import type { LstmState } from './lstm.js';
import { oneHotFloat } from './one-hot.js';
import type { WeightFactory } from './torso.js';
import { truncatedNormalInitializer } from './weight-initializers.js';

/**
 * Embedding size of an instruction word (as the original agent).
 * @category Networks
 */
export const INSTRUCTION_EMBEDDING_SIZE = 20;
/**
 * Output size of the instruction LSTM (as the original agent).
 * @category Networks
 */
export const INSTRUCTION_LSTM_SIZE = 64;

/**
 * A built instruction encoder.
 * @category Networks
 */
export interface InstructionEncoder {
  /** Output size (64). */
  readonly outputSize: number;
  /**
   * Encodes instructions: embed each bucket id (one-hot · embedding matrix, which has a gradient on every
   * backend, unlike `gather` on WASM), run the 64-unit LSTM over the tokens, and return the output at the
   * last valid token (`lengths - 1`); rows with length 0 return zeros, as the original's `dynamic_rnn` +
   * `reverse_sequence` does.
   *
   * @param tokens - `[N, L]` int32 bucket ids.
   * @param lengths - `[N]` int32 valid lengths.
   * @returns `[N, 64]`.
   */
  apply(tokens: tf.Tensor2D, lengths: tf.Tensor1D): tf.Tensor2D;
}

/**
 * Builds the instruction encoder's weights: `embedding [1000, 20]` (truncated normal, stddev 1: Sonnet's
 * `Embed` default) and `lstm/{kernel [84, 256], bias [256]}`, under the factory's scope (`instruction/`).
 *
 * @param weights - Factory scoped to `instruction/`.
 * @returns The encoder.
 * @category Networks
 */
export function buildInstructionEncoder(weights: WeightFactory): InstructionEncoder {
  const embedding = weights.addWeight(
    'embedding',
    [INSTRUCTION_HASH_BUCKETS, INSTRUCTION_EMBEDDING_SIZE],
    truncatedNormalInitializer(1),
  ) as tf.Variable<tf.Rank.R2>;
  const lstm = addLstmWeights(weights, 'lstm', INSTRUCTION_EMBEDDING_SIZE, INSTRUCTION_LSTM_SIZE);
  return {
    outputSize: INSTRUCTION_LSTM_SIZE,
    apply: (tokens, lengths) => {
      const [n, steps] = tokens.shape;
      const flatTokens = tf.reshape(tokens, [n * steps]);
      const embedded = tf.reshape(
        tf.matMul(tf.oneHot(flatTokens, INSTRUCTION_HASH_BUCKETS, 1, 0, 'float32'), embedding),
        [n, steps, INSTRUCTION_EMBEDDING_SIZE],
      );
      // lastMask[r, t] = 1 where t == lengths[r] - 1 (all zero when lengths[r] == 0).
      const lastMask = oneHotFloat(tf.sub(lengths, tf.scalar(1, 'int32')), steps);
      let state: LstmState = { c: tf.zeros([n, INSTRUCTION_LSTM_SIZE]), h: tf.zeros([n, INSTRUCTION_LSTM_SIZE]) };
      let last: tf.Tensor2D = tf.zeros([n, INSTRUCTION_LSTM_SIZE]);
      for (let t = 0; t < steps; t++) {
        const input: tf.Tensor2D = tf.reshape(tf.slice(embedded, [0, t, 0], [n, 1, -1]), [n, INSTRUCTION_EMBEDDING_SIZE]);
        state = lstmCellStep(lstm, input, state);
        last = tf.add(last, tf.mul(tf.slice(lastMask, [0, t], [n, 1]), state.h));
      }
      return last;
    },
  };
}
