import * as tf from '@tensorflow/tfjs-core';
import { fnv1a32 } from './fnv1a.js';
import { NetworkError } from './errors.js';

/**
 * Number of hash buckets of the instruction vocabulary (as the original agent).
 * @category Networks
 */
export const INSTRUCTION_HASH_BUCKETS = 1000;

/**
 * Token ids of a batch of instructions, as the network's `instruction` input.
 * Rows shorter than `L` are padded with bucket 0 after their last word; only the first `lengths[...]`
 * tokens of a row are read. `L` is at least 1, so an empty instruction still yields one (ignored) step.
 * @category Networks
 */
export interface InstructionInput {
  /** `[..., L]` int32 bucket ids in `[0, 1000)` (`[B, L]` for `step`, `[T, B, L]` for `unroll`). */
  readonly tokens: tf.Tensor;
  /** `[...]` int32 number of valid tokens per row, in `[0, L]` (`[B]` for `step`, `[T, B]` for `unroll`). */
  readonly lengths: tf.Tensor;
}

/**
 * Tokenises one instruction into hash-bucket ids, deterministically on every platform:
 * lower-case the text (`String.prototype.toLowerCase`), split it on runs of whitespace (`/\s+/`, empty
 * pieces dropped), and map each word to `fnv1a32(utf8(word)) mod numBuckets` (32-bit FNV-1a).
 *
 * The original agent split on whitespace and used TensorFlow's `string_to_hash_bucket_fast` (FarmHash),
 * without lower-casing; bucket ids therefore differ from the original, so language weights trained with
 * TensorFlow cannot be reused as is. Distinct words may share a bucket (the original accepted the same
 * "small risk of collisions").
 *
 * @param text - The instruction, e.g. `'Pick the red balloon'`.
 * @param numBuckets - Number of hash buckets (default 1000).
 * @returns One bucket id per word (empty for an empty or all-whitespace text).
 * @category Networks
 */
export function instructionWordBuckets(text: string, numBuckets: number = INSTRUCTION_HASH_BUCKETS): number[] {
  if (!Number.isInteger(numBuckets) || numBuckets <= 0) {
    throw new NetworkError(`instructionWordBuckets: numBuckets must be a positive integer, got ${numBuckets}`);
  }
  return text
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word.length > 0)
    .map((word) => fnv1a32(word) % numBuckets);
}

/**
 * Options of {@link encodeInstructions}.
 * @category Networks
 */
export interface EncodeInstructionsOptions {
  /**
   * Leading shape of the batch; its product must equal the number of texts (row-major order).
   * Use `[T, B]` to build an `unroll` input.
   *
   * @defaultValue `[texts.length]`
   */
  readonly leadingShape?: readonly number[];
  /**
   * Token dimension `L`. Longer instructions are truncated to their first `L` words.
   *
   * @defaultValue the longest instruction's word count, at least 1
   */
  readonly maxLength?: number;
}

/**
 * Tokenises a batch of instructions (see {@link instructionWordBuckets}) into the network's instruction input.
 *
 * @param texts - Instructions in row-major order of `leadingShape`.
 * @param options - Leading shape and token dimension.
 * @returns Tensors `tokens [...leadingShape, L]` and `lengths [...leadingShape]` (int32); the caller disposes them.
 * @category Networks
 */
export function encodeInstructions(texts: readonly string[], options: EncodeInstructionsOptions = {}): InstructionInput {
  const leadingShape = options.leadingShape ?? [texts.length];
  const rows = leadingShape.reduce((a, b) => a * b, 1);
  if (rows !== texts.length) {
    throw new NetworkError(`encodeInstructions: leadingShape [${leadingShape.join(', ')}] holds ${rows} rows but ${texts.length} texts were given`);
  }
  const words = texts.map((t) => instructionWordBuckets(t));
  const maxLength = options.maxLength ?? Math.max(1, ...words.map((w) => w.length));
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    throw new NetworkError(`encodeInstructions: maxLength must be an integer >= 1, got ${maxLength}`);
  }
  const tokens = new Int32Array(rows * maxLength);
  const lengths = new Int32Array(rows);
  words.forEach((w, r) => {
    const n = Math.min(w.length, maxLength);
    lengths[r] = n;
    tokens.set(w.slice(0, n), r * maxLength);
  });
  return {
    tokens: tf.tensor(tokens, [...leadingShape, maxLength], 'int32'),
    lengths: tf.tensor(lengths, [...leadingShape], 'int32'),
  };
}
