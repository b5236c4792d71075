/**
 * Dynamic batching (the inference side of IMPALA) and the learner's batching queue.
 *
 * - {@link DynamicBatcher}: concurrent single-item `compute(input)` calls become batched calls of one
 *   function; generic, knows nothing about tensors.
 * - {@link batchFn}: the tensor adapter; stacks `[1, ...]` tensors (or nests of them) along dim 0,
 *   calls a batched model function and splits its `[B, ...]` results back.
 * - {@link BatchingQueue}: items put one at a time, taken off in batches of exactly `batchSize`, with
 *   backpressure.
 *
 * See `docs/batching.md` for the exact semantics (FIFO, timeout rule, errors, backpressure, closing).
 *
 * @module
 */
export { DynamicBatcher } from './dynamic-batcher.js';
export type { BatchFunction, DynamicBatcherOptions } from './dynamic-batcher.js';
export { BatchingQueue } from './batching-queue.js';
export type { BatchingQueueOptions } from './batching-queue.js';
export { batchFn } from './batch-fn.js';
export type { BatchFnOptions, BatchedFunction } from './batch-fn.js';
export type { TensorNest } from './tensor-nest.js';
export { BatchingError, BatchShapeError, BatcherClosedError } from './errors.js';
