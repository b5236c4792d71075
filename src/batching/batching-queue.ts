/**
 * `BatchingQueue`: the learner side of IMPALA, items (trajectories) put one at a time by many actors
 * and taken off in fixed-size batches, with backpressure (after torchbeast's `BatchingQueue`).
 *
 * @module
 */
import { BatcherClosedError, describeReason } from './errors.js';
import { Fifo } from './fifo.js';
import { BatchingError } from './errors.js';

/**
 * Options of {@link BatchingQueue}.
 * @category Batching
 */
export interface BatchingQueueOptions {
  /** Number of items every `get()` returns (an integer >= 1). */
  readonly batchSize: number;
  /**
   * Most items held in the queue. When it is reached, `put()` waits (backpressure) until a `get()`
   * makes room; items are never dropped. Must be at least `batchSize`.
   *
   * @defaultValue `Infinity` (no limit, no backpressure)
   */
  readonly maximumQueueSize?: number | undefined;
  /** Aborting this signal closes the queue, as `close()` does. */
  readonly signal?: AbortSignal | undefined;
}

interface Putter<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

interface Getter<T> {
  readonly resolve: (batch: T[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A first-in first-out queue that hands out items in batches of exactly `batchSize`.
 *
 * - `put(item)` resolves once the item is in the queue; while `maximumQueueSize` items are held it
 *   waits, and waiting puts enter in call order.
 * - `get()` resolves with the oldest `batchSize` items once that many are queued; concurrent `get()`
 *   calls are served in call order.
 * - `close()` (or an aborted `signal`) rejects every waiting `put()`/`get()` and every later call with
 *   {@link BatcherClosedError}, and returns the items still queued (so that, e.g., their tensors can be
 *   disposed). Iterating with `for await` yields batches until the queue is closed, then ends.
 *
 * @typeParam T - One item, e.g. one actor's trajectory.
 *
 * @example
 * ```ts
 * const queue = new BatchingQueue<Trajectory>({ batchSize: 32, maximumQueueSize: 64 });
 * // actors:  await queue.put(trajectory);
 * for await (const batch of queue) learnerStep(batch); // batch.length === 32
 * ```
 * @category Batching
 */
export class BatchingQueue<T> {
  readonly #batchSize: number;
  readonly #maximumQueueSize: number;
  readonly #signal: AbortSignal | undefined;
  readonly #items = new Fifo<T>();
  readonly #putters = new Fifo<Putter<T>>();
  readonly #getters = new Fifo<Getter<T>>();
  #closedError: BatcherClosedError | undefined;

  /**
   * @param options - `batchSize`, optional `maximumQueueSize` and `signal`; see {@link BatchingQueueOptions}.
   */
  constructor(options: BatchingQueueOptions) {
    const { batchSize, maximumQueueSize = Infinity, signal } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new BatchingError(`BatchingQueue: option 'batchSize' must be an integer >= 1, got ${String(batchSize)}`);
    }
    if (!(maximumQueueSize === Infinity || Number.isInteger(maximumQueueSize)) || maximumQueueSize < batchSize) {
      throw new BatchingError(
        `BatchingQueue: option 'maximumQueueSize' must be an integer >= batchSize (${batchSize}) or Infinity, got ${String(maximumQueueSize)}`,
      );
    }
    this.#batchSize = batchSize;
    this.#maximumQueueSize = maximumQueueSize;
    if (signal?.aborted) {
      this.#signal = undefined;
      this.#close(abortError(signal.reason));
      return;
    }
    this.#signal = signal;
    signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /**
   * Adds one item at the tail, waiting while the queue is full.
   *
   * @param item - The item; it is handed out unchanged, in order, by `get()`.
   * @returns Resolves once the item is in the queue; rejects with {@link BatcherClosedError} if the
   *   queue is closed before that (the item is then not queued).
   */
  put(item: T): Promise<void> {
    if (this.#closedError !== undefined) return Promise.reject(this.#closedError);
    if (this.#putters.length === 0 && this.#items.length < this.#maximumQueueSize) {
      this.#items.push(item);
      this.#serve();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.#putters.push({ item, resolve, reject });
    });
  }

  /**
   * Takes the oldest `batchSize` items, waiting until that many are queued.
   *
   * @returns Exactly `batchSize` items, oldest first. Rejects with {@link BatcherClosedError} if the
   *   queue is closed before enough items arrive.
   */
  get(): Promise<T[]> {
    if (this.#closedError !== undefined) return Promise.reject(this.#closedError);
    return new Promise<T[]>((resolve, reject) => {
      this.#getters.push({ resolve, reject });
      this.#serve();
    });
  }

  /**
   * Closes the queue: waiting and later `put()`/`get()` calls reject with {@link BatcherClosedError}.
   * Idempotent.
   *
   * @param reason - Optional cause, stored as the error's `cause` and shown in its message.
   * @returns The items that were still queued, oldest first (empty on a second call).
   */
  close(reason?: unknown): T[] {
    if (this.#closedError !== undefined) return [];
    const message = reason === undefined ? 'BatchingQueue: closed' : `BatchingQueue: closed: ${describeReason(reason)}`;
    return this.#close(new BatcherClosedError(message, reason === undefined ? undefined : { cause: reason }));
  }

  /** Number of items in the queue (not counting `put()` calls still waiting for room). */
  get size(): number {
    return this.#items.length;
  }

  /** Whether the queue has been closed. */
  get closed(): boolean {
    return this.#closedError !== undefined;
  }

  /**
   * Yields batches (each of `batchSize` items) until the queue is closed, then ends without error.
   *
   * @returns An async iterator over batches.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<T[], void, undefined> {
    while (this.#closedError === undefined) {
      let batch: T[];
      try {
        batch = await this.get();
      } catch (error) {
        if (error instanceof BatcherClosedError && this.closed) return;
        throw error;
      }
      yield batch;
    }
  }

  /** Hands out batches while there are waiting getters and enough items, refilling from waiting puts. */
  #serve(): void {
    while (this.#getters.length > 0 && this.#items.length >= this.#batchSize) {
      const batch = this.#items.take(this.#batchSize);
      while (this.#putters.length > 0 && this.#items.length < this.#maximumQueueSize) {
        const putter = this.#putters.shift()!;
        this.#items.push(putter.item);
        putter.resolve();
      }
      this.#getters.shift()!.resolve(batch);
    }
  }

  readonly #onAbort = (): void => {
    this.#close(abortError(this.#signal?.reason));
  };

  #close(error: BatcherClosedError): T[] {
    this.#closedError = error;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    for (const getter of this.#getters.drain()) getter.reject(error);
    for (const putter of this.#putters.drain()) putter.reject(error);
    return this.#items.drain();
  }
}

function abortError(reason: unknown): BatcherClosedError {
  return new BatcherClosedError(`BatchingQueue: aborted: ${describeReason(reason)}`, { cause: reason });
}
