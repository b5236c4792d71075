/**
 * Typed errors of the batching module.
 *
 * @module
 */

import { ImpalaRlError } from '../internal/errors.js';

/**
 * Base class of the batching module's errors (`DynamicBatcher`, `BatchingQueue`, `batchFn`).
 * @category Batching
 */
export class BatchingError extends ImpalaRlError {}

/**
 * Rejection reason of every call to a closed {@link DynamicBatcher} or {@link BatchingQueue}.
 *
 * It is used for the requests that were still waiting when `close()` was called, when the `signal`
 * aborted, or when a failed batch closed the batcher (`closeOnError`), and for every later call.
 * `cause` holds what closed it: the argument of `close(reason)`, the signal's `reason`, or the error
 * thrown by the batch function.
 * @category Batching
 */
export class BatcherClosedError extends BatchingError {
  /**
   * @param message - Names the class that was closed and why, e.g. "DynamicBatcher: closed".
   * @param options - `cause`: what closed it (the batch function's error, the abort reason, ...).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options === undefined ? {} : { cause: options.cause });
  }
}

/**
 * A batch could not be assembled or split: inputs with different shapes, an input whose leading dim
 * is not 1, or a batch function whose outputs do not match its inputs in number or batch dim.
 *
 * The message names the function, the argument and the shapes, e.g.
 * "batchFn: output batch dim 4 != 3 inputs (output 'logits', shape [4,18])".
 * @category Batching
 */
export class BatchShapeError extends BatchingError {}

/**
 * Short text for an error or an abort reason, for messages.
 *
 * @internal
 * @category Batching
 */
export function describeReason(reason: unknown): string {
  if (reason instanceof Error) return `${reason.name}: ${reason.message}`;
  return String(reason);
}
