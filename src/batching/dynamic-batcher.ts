/**
 * `DynamicBatcher`: gathers concurrent single-item calls into batched calls of one function
 * (the inference side of IMPALA, after scalable_agent's `batcher.cc` and torchbeast's `DynamicBatcher`).
 *
 * @module
 */
import { BatchShapeError, BatcherClosedError, describeReason } from './errors.js';
import { Fifo } from './fifo.js';
import { isPromiseLike } from '../internal/maybe.js';
import { BatchingError } from './errors.js';
import { scheduleMacrotask, type MacrotaskHandle } from '../internal/macrotask.js';

/**
 * The batched function a {@link DynamicBatcher} calls: `inputs[i]` is the input of the i-th oldest
 * request of the batch; it must return (or resolve to) exactly one output per input, in the same order.
 *
 * @typeParam In - One caller's input.
 * @typeParam Out - One caller's output.
 * @category Batching
 */
export type BatchFunction<In, Out> = (inputs: In[]) => readonly Out[] | PromiseLike<readonly Out[]>;

/**
 * Options of {@link DynamicBatcher}; every field is optional.
 * @category Batching
 */
export interface DynamicBatcherOptions<Out = unknown> {
  /**
   * A batch is released as soon as this many requests are queued (and the consumer is waiting). With
   * fewer, the consumer waits up to `timeoutMs` and then takes whatever is queued (at least 1).
   *
   * @defaultValue 1
   */
  readonly minimumBatchSize?: number | undefined;
  /**
   * Largest batch passed to the batch function; a batch is the oldest `min(queued, maximumBatchSize)`
   * requests.
   *
   * @defaultValue 1024
   */
  readonly maximumBatchSize?: number | undefined;
  /**
   * How long the consumer waits for `minimumBatchSize` requests before taking fewer. The timer starts
   * when the consumer begins waiting (at construction, and after each batch is taken when another
   * batch may be in flight), not when a request arrives, and restarts on each wait, as in the original.
   * `null` or `Infinity`: no timeout (a batch always has at least `minimumBatchSize` requests).
   *
   * @defaultValue 100
   */
  readonly timeoutMs?: number | null | undefined;
  /**
   * Most requests queued but not yet taken into a batch. When it is reached, `compute()` waits
   * (backpressure): its request is queued, in call order, as soon as a batch makes room. Requests are
   * never dropped. Must be at least `minimumBatchSize`.
   *
   * @defaultValue `Infinity` (no limit)
   */
  readonly maximumQueueSize?: number | undefined;
  /**
   * Most batches whose batch function has not settled yet. While this many are in flight the consumer
   * does not wait for inputs, so requests accumulate into the next batch. `1` reproduces the original
   * decorator's single queue-runner thread; the default lets an async batch function overlap batches,
   * whose results may then complete out of order.
   *
   * @defaultValue `Infinity` (no limit)
   */
  readonly maximumConcurrentBatches?: number | undefined;
  /**
   * When the batch function throws, rejects, or returns the wrong number of outputs, the callers of
   * that batch are rejected with its error. With `true` (the original's behaviour) the batcher then
   * closes: every other queued or in-flight request and every later call is rejected with a
   * {@link BatcherClosedError} whose `cause` is that error. With `false` it keeps serving.
   *
   * @defaultValue true
   */
  readonly closeOnError?: boolean | undefined;
  /**
   * Called with each output that was computed but could not be delivered (its caller had already been
   * rejected by `close()` or an abort, or the outputs were the wrong number). Use it to free resources,
   * e.g. dispose tensors. Errors it throws are ignored.
   *
   * @defaultValue none
   */
  readonly discardOutput?: ((output: Out) => void) | undefined;
  /** Aborting this signal closes the batcher, as `close(signal.reason)` does. */
  readonly signal?: AbortSignal | undefined;
}

interface Request<In, Out> {
  readonly input: In;
  readonly resolve: (output: Out) => void;
  readonly reject: (error: unknown) => void;
}

interface Batch<In, Out> {
  readonly requests: Request<In, Out>[];
  settled: boolean;
}

/**
 * Gathers concurrent single-item `compute(input)` calls into batched calls of one function and hands
 * each caller its own output.
 *
 * Semantics (those of scalable_agent's `batcher.cc`; see `docs/batching.md`):
 * - Requests are served first in, first out; a batch is the oldest `min(queued, maximumBatchSize)`.
 * - The consumer begins waiting at construction and again whenever it may start another batch. It takes
 *   a batch as soon as `minimumBatchSize` requests are queued (in the same event-loop turn, so calls
 *   made together are batched together), or, when `timeoutMs` has passed since it began waiting,
 *   whatever is queued (at least one request).
 * - Several batches may be in flight when the batch function is async (see `maximumConcurrentBatches`);
 *   each caller gets its own output whatever order batches complete in.
 * - A failing batch rejects exactly its callers, then closes the batcher unless `closeOnError` is false.
 * - `close()` or an aborted `signal` rejects every queued and in-flight request with
 *   {@link BatcherClosedError}; later calls reject at once. No promise is left pending and no timer
 *   is left behind. A timer exists only while requests wait for a timeout, so an idle batcher never
 *   keeps the process alive.
 *
 * @typeParam In - One caller's input.
 * @typeParam Out - One caller's output.
 *
 * @example
 * ```ts
 * const batcher = new DynamicBatcher<number, number>((xs) => xs.map((x) => 2 * x), { timeoutMs: 5 });
 * const [a, b] = await Promise.all([batcher.compute(1), batcher.compute(2)]); // one call with [1, 2]
 * batcher.close();
 * ```
 * @category Batching
 */
export class DynamicBatcher<In, Out> {
  readonly #fn: BatchFunction<In, Out>;
  readonly #minimumBatchSize: number;
  readonly #maximumBatchSize: number;
  readonly #timeoutMs: number;
  readonly #maximumQueueSize: number;
  readonly #maximumConcurrentBatches: number;
  readonly #closeOnError: boolean;
  readonly #discardOutput: ((output: Out) => void) | undefined;
  readonly #signal: AbortSignal | undefined;

  /** Requests waiting to be taken into a batch (at most `maximumQueueSize`). */
  readonly #queue = new Fifo<Request<In, Out>>();
  /** Requests waiting for room in `#queue` (backpressure), in call order. */
  readonly #blocked = new Fifo<Request<In, Out>>();
  readonly #inFlight = new Set<Batch<In, Out>>();
  #pendingCount = 0;
  /** True while the consumer waits for inputs (it has a free batch slot). */
  #waiting = false;
  /** `performance.now()` when the current wait began; timeouts fire at `#waitStart + k * timeoutMs`. */
  #waitStart = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #immediate: MacrotaskHandle | undefined;
  #closedError: BatcherClosedError | undefined;
  #idleWaiters: (() => void)[] = [];

  /**
   * @param fn - The batched function: receives `inputs: In[]` (1 to `maximumBatchSize` items, oldest
   *   first) and returns or resolves to one output per input, in the same order.
   * @param options - Batch sizes, timeout, backpressure, error policy and abort signal; see
   *   {@link DynamicBatcherOptions}.
   */
  constructor(fn: BatchFunction<In, Out>, options: DynamicBatcherOptions<Out> = {}) {
    if (typeof fn !== 'function') throw new BatchingError(`DynamicBatcher: argument 'fn' must be a function, got ${typeof fn}`);
    this.#fn = fn;
    this.#minimumBatchSize = checkSize('minimumBatchSize', options.minimumBatchSize ?? 1, 1, false);
    this.#maximumBatchSize = checkSize('maximumBatchSize', options.maximumBatchSize ?? 1024, this.#minimumBatchSize, false);
    const timeoutMs = options.timeoutMs === undefined ? 100 : (options.timeoutMs ?? Infinity);
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
      throw new BatchingError(`DynamicBatcher: option 'timeoutMs' must be a number >= 0, null or Infinity, got ${String(timeoutMs)}`);
    }
    this.#timeoutMs = timeoutMs;
    this.#maximumQueueSize = checkSize('maximumQueueSize', options.maximumQueueSize ?? Infinity, this.#minimumBatchSize, true);
    this.#maximumConcurrentBatches = checkSize('maximumConcurrentBatches', options.maximumConcurrentBatches ?? Infinity, 1, true);
    this.#closeOnError = options.closeOnError ?? true;
    this.#discardOutput = options.discardOutput;
    const signal = options.signal;
    if (signal?.aborted) {
      this.#signal = undefined;
      this.#close(abortError(signal.reason));
      return;
    }
    this.#signal = signal;
    signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#beginWait();
  }

  /**
   * Queues one input and resolves with its output once its batch has been computed.
   *
   * When `maximumQueueSize` requests are already queued, the request waits for room (backpressure)
   * instead of being dropped.
   *
   * @param input - One item; it is passed, unchanged, as one element of the batch function's `inputs`.
   * @returns This input's output. Rejects with the batch function's error if its batch failed, or
   *   with {@link BatcherClosedError} if the batcher is or gets closed first.
   */
  compute(input: In): Promise<Out> {
    if (this.#closedError !== undefined) return Promise.reject(this.#closedError);
    return new Promise<Out>((resolve, reject) => {
      const request: Request<In, Out> = { input, resolve, reject };
      if (this.#blocked.length === 0 && this.#queue.length < this.#maximumQueueSize) {
        this.#queue.push(request);
        this.#onEnqueued();
      } else {
        this.#blocked.push(request);
      }
    });
  }

  /**
   * Closes the batcher: every queued, backpressured and in-flight request is rejected with a
   * {@link BatcherClosedError}, timers are cleared, and later `compute()` calls reject at once.
   * Outputs of in-flight batches that complete later go to `discardOutput`. Idempotent.
   *
   * @param reason - Optional cause, stored as the error's `cause` and shown in its message.
   */
  close(reason?: unknown): void {
    if (this.#closedError !== undefined) return;
    const message = reason === undefined ? 'DynamicBatcher: closed' : `DynamicBatcher: closed: ${describeReason(reason)}`;
    this.#close(new BatcherClosedError(message, reason === undefined ? undefined : { cause: reason }));
  }

  /**
   * Resolves when no request is queued or in flight (at once if that is already so, or once closed).
   *
   * @returns A promise that never rejects.
   */
  onIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Number of requests not yet taken into a batch, including those waiting for queue room. */
  get size(): number {
    return this.#queue.length + this.#blocked.length;
  }

  /** Number of requests in batches whose batch function has not settled yet. */
  get pending(): number {
    return this.#pendingCount;
  }

  /** Whether the batcher has been closed (by `close()`, its signal, or a failed batch). */
  get closed(): boolean {
    return this.#closedError !== undefined;
  }

  // ---- consumer side -------------------------------------------------------------------------

  /** The consumer starts a wait for inputs: at once if enough are queued, else after the timeout. */
  #beginWait(): void {
    this.#waiting = true;
    this.#waitStart = performance.now();
    if (this.#queue.length >= this.#minimumBatchSize) this.#scheduleFlush();
    else if (this.#queue.length > 0) this.#armTimer();
  }

  #onEnqueued(): void {
    if (!this.#waiting) return;
    if (this.#queue.length >= this.#minimumBatchSize) this.#scheduleFlush();
    else if (this.#timer === undefined) this.#armTimer();
  }

  /**
   * Arms the timer for the next timeout of the current wait. The original re-waits `timeoutMs` after
   * every timeout, so timeouts fall at `#waitStart + k * timeoutMs`; the timer is only armed while a
   * request is queued, which is equivalent and leaves an idle batcher without timers.
   */
  #armTimer(): void {
    if (this.#timeoutMs === Infinity) return;
    const period = this.#timeoutMs;
    const elapsed = performance.now() - this.#waitStart;
    const delay = period === 0 ? 0 : (Math.floor(elapsed / period) + 1) * period - elapsed;
    this.#timer = setTimeout(this.#onTimeout, delay);
  }

  readonly #onTimeout = (): void => {
    this.#timer = undefined;
    if (this.#waiting && this.#queue.length > 0) this.#dispatch();
  };

  /** Releases a full-enough batch later in this event-loop turn, so calls made together batch together. */
  #scheduleFlush(): void {
    this.#immediate ??= scheduleMacrotask(this.#flush);
  }

  readonly #flush = (): void => {
    this.#immediate = undefined;
    if (this.#waiting && this.#queue.length >= this.#minimumBatchSize) this.#dispatch();
  };

  /** Takes the oldest `min(queued, maximumBatchSize)` requests and starts the batch function on them. */
  #dispatch(): void {
    this.#waiting = false;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const requests = this.#queue.take(this.#maximumBatchSize);
    while (this.#blocked.length > 0 && this.#queue.length < this.#maximumQueueSize) {
      this.#queue.push(this.#blocked.shift()!);
    }
    const batch: Batch<In, Out> = { requests, settled: false };
    this.#inFlight.add(batch);
    this.#pendingCount += requests.length;
    this.#run(batch);
    // A synchronous batch function has already settled (and restarted the wait) by now.
    this.#maybeBeginWait();
  }

  #run(batch: Batch<In, Out>): void {
    const inputs = batch.requests.map((request) => request.input);
    let result: readonly Out[] | PromiseLike<readonly Out[]>;
    try {
      result = this.#fn(inputs);
    } catch (error) {
      this.#fail(batch, error);
      return;
    }
    if (isPromiseLike(result)) {
      Promise.resolve(result).then(
        (outputs) => {
          this.#complete(batch, outputs);
        },
        (error: unknown) => {
          this.#fail(batch, error);
        },
      );
    } else {
      this.#complete(batch, result);
    }
  }

  #complete(batch: Batch<In, Out>, outputs: readonly Out[]): void {
    const isArray = Array.isArray(outputs);
    if (batch.settled) {
      if (isArray) this.#discard(outputs);
      return;
    }
    const n = batch.requests.length;
    if (!isArray || outputs.length !== n) {
      if (isArray) this.#discard(outputs);
      const got = isArray ? `output batch dim ${outputs.length}` : `output ${describeValue(outputs)} (not an array)`;
      this.#fail(batch, new BatchShapeError(`DynamicBatcher: ${got} != ${n} inputs; the batch function must return one output per input`));
      return;
    }
    this.#settle(batch);
    for (let i = 0; i < n; i++) batch.requests[i]!.resolve(outputs[i] as Out);
    this.#afterSettle();
  }

  #fail(batch: Batch<In, Out>, error: unknown): void {
    if (batch.settled) return;
    this.#settle(batch);
    for (const request of batch.requests) request.reject(error);
    if (this.#closeOnError && this.#closedError === undefined) {
      this.#close(new BatcherClosedError(`DynamicBatcher: closed because a batch failed: ${describeReason(error)}`, { cause: error }));
    } else {
      this.#afterSettle();
    }
  }

  #settle(batch: Batch<In, Out>): void {
    batch.settled = true;
    this.#inFlight.delete(batch);
    this.#pendingCount -= batch.requests.length;
  }

  #afterSettle(): void {
    this.#maybeBeginWait();
    this.#notifyIdle();
  }

  /** The consumer waits again unless it already does, the batcher is closed, or no batch slot is free. */
  #maybeBeginWait(): void {
    if (!this.#waiting && this.#closedError === undefined && this.#inFlight.size < this.#maximumConcurrentBatches) {
      this.#beginWait();
    }
  }

  #discard(outputs: readonly Out[]): void {
    const discard = this.#discardOutput;
    if (discard === undefined) return;
    for (const output of outputs) {
      try {
        discard(output);
      } catch {
        // A failing clean-up hook must not break the batcher; the output is dropped either way.
      }
    }
  }

  // ---- closing -------------------------------------------------------------------------------

  readonly #onAbort = (): void => {
    this.#close(abortError(this.#signal?.reason));
  };

  #close(error: BatcherClosedError): void {
    if (this.#closedError !== undefined) return;
    this.#closedError = error;
    this.#waiting = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#immediate?.cancel();
    this.#timer = undefined;
    this.#immediate = undefined;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    const batches = [...this.#inFlight];
    for (const batch of batches) this.#settle(batch);
    const queued = this.#queue.drain();
    const blocked = this.#blocked.drain();
    for (const batch of batches) for (const request of batch.requests) request.reject(error);
    for (const request of queued) request.reject(error);
    for (const request of blocked) request.reject(error);
    this.#notifyIdle();
  }

  #isIdle(): boolean {
    return this.#pendingCount === 0 && this.#queue.length === 0 && this.#blocked.length === 0;
  }

  #notifyIdle(): void {
    if (this.#idleWaiters.length === 0 || !this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function checkSize(name: string, value: number, minimum: number, allowInfinity: boolean): number {
  const ok = typeof value === 'number' && ((allowInfinity && value === Infinity) || Number.isInteger(value)) && value >= minimum;
  if (!ok) {
    const range = `an integer >= ${minimum}${allowInfinity ? ' or Infinity' : ''}`;
    throw new BatchingError(`DynamicBatcher: option '${name}' must be ${range}, got ${String(value)}`);
  }
  return value;
}

function abortError(reason: unknown): BatcherClosedError {
  return new BatcherClosedError(`DynamicBatcher: aborted: ${describeReason(reason)}`, { cause: reason });
}

function describeValue(value: unknown): string {
  return value === null ? 'null' : typeof value;
}
