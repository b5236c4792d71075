/**
 * `WebWorkerTrainer`: a `PageTrainer` that runs in a Web Worker ({@link serveTrainerInWebWorker}), so that the
 * page's thread only draws: a slow learner update (a conv net on a software-rendered GPU, a big batch on wasm)
 * holds the worker, not the page. The page side keeps the same metrics and status as `PageTrainer`.
 */
import type { Checkpoint } from '../agent/checkpoint.js';
import type { BrowserBackendRequest } from './backend.js';
import { MetricsSeries, type MetricsPoint } from './metrics-series.js';
import type { PageTrainerConfig, PageTrainerStatus } from './page-trainer.js';
import type { Channel } from '../agent/channel.js';
import { openWebWorkerChannel, type WebWorkerLike } from './web-worker-channel.js';
import { deserialiseError, type FromTrainerWorker, type ToTrainerWorker, type WatchedStep } from './web-worker-trainer-protocol.js';

export type { WatchedStep } from './web-worker-trainer-protocol.js';

/**
 * Options of {@link WebWorkerTrainer}.
 * @category Browser
 */
export interface WebWorkerTrainerOptions {
  /** The worker, whose module calls {@link serveTrainerInWebWorker} (and imports the tfjs backends it may use). */
  readonly worker: WebWorkerLike;
  /**
   * The backend the worker selects (`useBrowserBackend`).
   * @defaultValue 'auto'
   */
  readonly backend?: BrowserBackendRequest;
  /**
   * Milliseconds of training between the worker's turns for messages (pause, checkpoints).
   * @defaultValue 12 (`PageTrainer`'s)
   */
  readonly sliceMs?: number;
  /**
   * Stop once the mean return of the last 100 episodes reaches this (besides `totalFrames`).
   * @defaultValue none
   */
  readonly targetMeanReturn?: number;
  /**
   * Called after every learner update with its metrics (once {@link WebWorkerTrainer.metrics} has them).
   * @defaultValue none
   */
  readonly onUpdate?: (point: MetricsPoint, trainer: WebWorkerTrainer) => void;
  /**
   * Receives the latest step of the watched environment (actor 0's first), at most every
   * `observeIntervalMs`: e.g. to draw it.
   * @defaultValue none (the worker posts no observations)
   */
  readonly onObservation?: (step: WatchedStep) => void;
  /**
   * Milliseconds between two observations posted by the worker.
   * @defaultValue 33 (about 30 a second)
   */
  readonly observeIntervalMs?: number;
}

/**
 * Trains in a Web Worker: the same `PageTrainer` (inline actors, queue, learner), run by
 * {@link serveTrainerInWebWorker} in `options.worker`, with its status, frames, updates and metrics mirrored
 * here from the worker's messages. Control calls (`start`, `pause`, `resume`, `stop`) are messages the worker
 * handles between its slices of work; `checkpoint` and `restore` are asynchronous for the same reason. The
 * worker's errors fail the trainer with their message and stack.
 *
 * @example
 * ```ts
 * const trainer = new WebWorkerTrainer({ env: 'CartPole-v1', ...presetFor('CartPole-v1') }, {
 *   worker: new Worker(new URL('./trainer.worker.ts', import.meta.url), { type: 'module' }),
 *   onObservation: (step) => draw(step.observation),
 * });
 * await trainer.run();
 * console.log(trainer.metrics.meanReturn, trainer.backend);
 * trainer.dispose();
 * ```
 * @category Browser
 */
export class WebWorkerTrainer {
  /** The configuration. */
  readonly config: PageTrainerConfig;
  /** Metrics of every update and episode, as the worker reported them. */
  readonly metrics = new MetricsSeries();
  readonly #options: WebWorkerTrainerOptions;
  readonly #channel: Channel<ToTrainerWorker, FromTrainerWorker>;
  readonly #ready: Promise<void>;
  readonly #pending = new Map<number, { resolve: (value: FromTrainerWorker) => void; reject: (error: Error) => void }>();
  #nextId = 1;
  #status: PageTrainerStatus = 'idle';
  #error: Error | null = null;
  #frames = 0;
  #updates = 0;
  #elapsedSeconds = 0;
  #backend: string | null = null;
  #ended: (() => void) | null = null;
  readonly #endedPromise: Promise<void>;
  #disposed = false;
  #resolveReady: () => void = () => undefined;
  #rejectReady: (error: Error) => void = () => undefined;

  /**
   * Sends the configuration to the worker, which selects its backend and builds the trainer (nothing runs until
   * {@link WebWorkerTrainer.start}).
   *
   * @param config - as for `PageTrainer`.
   * @param options - the worker, its backend, callbacks.
   */
  constructor(config: PageTrainerConfig, options: WebWorkerTrainerOptions) {
    this.config = config;
    this.#options = options;
    this.#ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.#ready.catch(() => undefined); // observed through status/error; run() and ready() rethrow
    this.#endedPromise = new Promise<void>((resolve) => {
      this.#ended = resolve;
    });
    // The page's end of the same channel as Web Worker actors: an uncaught error in the worker, or a message that
    // cannot be deserialised, closes it with an error naming the worker; close() terminates it.
    this.#channel = openWebWorkerChannel<ToTrainerWorker, FromTrainerWorker>(options.worker, { caller: 'WebWorkerTrainer', who: 'the trainer worker' });
    this.#channel.onMessage((message) => {
      this.#receive(message);
    });
    this.#channel.onClose((error) => {
      if (error !== null) this.#fail(error);
    });
    this.#send({
      type: 'init',
      config,
      backend: options.backend ?? 'auto',
      ...(options.sliceMs !== undefined ? { sliceMs: options.sliceMs } : {}),
      ...(options.targetMeanReturn !== undefined ? { targetMeanReturn: options.targetMeanReturn } : {}),
      observe: options.onObservation !== undefined,
      observeIntervalMs: options.observeIntervalMs ?? 33,
    });
  }

  /** Where training is. */
  get status(): PageTrainerStatus {
    return this.#status;
  }

  /** The error that ended training, when {@link WebWorkerTrainer.status} is `'failed'`. */
  get error(): Error | null {
    return this.#error;
  }

  /** Frames consumed by updates, as of the last update. */
  get frames(): number {
    return this.#frames;
  }

  /** Updates done, as of the last update. */
  get updates(): number {
    return this.#updates;
  }

  /** Seconds of training as of the last update (paused time excluded). */
  get elapsedSeconds(): number {
    return this.#elapsedSeconds;
  }

  /** The backend the worker selected, once {@link WebWorkerTrainer.ready} resolved (else null). */
  get backend(): string | null {
    return this.#backend;
  }

  /**
   * Resolves once the worker selected its backend and built the trainer.
   *
   * @returns when ready.
   * @throws the worker's error when it could not.
   */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** Starts (or resumes) training in the worker; returns at once. */
  start(): void {
    this.#assertUsable('start');
    if (this.#status === 'paused') {
      this.resume();
      return;
    }
    if (this.#status !== 'idle') return;
    this.#status = 'running';
    this.#send({ type: 'start' });
  }

  /**
   * Starts training and waits until it ends (finished, stopped or failed).
   *
   * @returns once training ended.
   * @throws the error training failed with.
   */
  async run(): Promise<void> {
    this.start();
    await this.#endedPromise;
    if (this.#error) throw this.#error;
  }

  /** Holds training after the worker's current update. */
  pause(): void {
    if (this.#status !== 'running') return;
    this.#status = 'paused';
    this.#send({ type: 'pause' });
  }

  /** Continues after {@link WebWorkerTrainer.pause}. */
  resume(): void {
    if (this.#status !== 'paused') return;
    this.#status = 'running';
    this.#send({ type: 'resume' });
  }

  /**
   * Ends training after the worker's current update.
   *
   * @returns once the worker has stopped.
   */
  async stop(): Promise<void> {
    if (this.#status !== 'running' && this.#status !== 'paused') return;
    this.#send({ type: 'stop' });
    await this.#endedPromise;
  }

  /**
   * A checkpoint of the worker's state (for `saveBrowserCheckpoint`), taken between two of its updates.
   *
   * @returns weights, learner and actor states and recent returns.
   * @throws when the worker could not make one, or failed.
   */
  async checkpoint(): Promise<Checkpoint> {
    this.#assertUsable('checkpoint');
    const reply = await this.#request((id) => ({ type: 'checkpoint', id }));
    if (reply.type !== 'checkpoint' || reply.checkpoint === undefined) throw deserialiseError(reply.type === 'checkpoint' && reply.error ? reply.error : { name: 'Error', message: 'no checkpoint' }, 'WebWorkerTrainer.checkpoint');
    return reply.checkpoint;
  }

  /**
   * Continues from a checkpoint (before {@link WebWorkerTrainer.start}); the configuration must build the same
   * network.
   *
   * @param checkpoint - from `loadBrowserCheckpoint`.
   * @returns once the worker restored it.
   * @throws the worker's error (e.g. a checkpoint of another network).
   */
  async restore(checkpoint: Checkpoint): Promise<void> {
    this.#assertUsable('restore');
    if (this.#status !== 'idle') throw new Error(`WebWorkerTrainer.restore: only before start (status '${this.#status}')`);
    const reply = await this.#request((id) => ({ type: 'restore', id, checkpoint }));
    if (reply.type !== 'restored' || reply.error !== undefined) throw deserialiseError(reply.type === 'restored' && reply.error ? reply.error : { name: 'Error', message: 'not restored' }, 'WebWorkerTrainer.restore');
    this.metrics.restoreRecentReturns(reply.recentReturns ?? []);
    this.#elapsedSeconds = reply.elapsedSeconds ?? 0;
  }

  /** Ends the worker at once (its tensors go with it); pending calls are rejected. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    void this.#channel.close();
    const disposed = new Error('WebWorkerTrainer: disposed');
    this.#rejectReady(disposed); // no effect once ready
    this.#rejectAll(disposed);
    if (this.#status === 'running' || this.#status === 'paused' || this.#status === 'idle') this.#status = 'stopped';
    this.#ended?.();
  }

  #assertUsable(what: string): void {
    if (this.#disposed) throw new Error(`WebWorkerTrainer.${what}: disposed`);
  }

  #send(message: ToTrainerWorker): void {
    if (!this.#disposed) this.#channel.send(message);
  }

  #request(make: (id: number) => ToTrainerWorker): Promise<FromTrainerWorker> {
    const id = this.#nextId++;
    return new Promise<FromTrainerWorker>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#send(make(id));
    });
  }

  #rejectAll(error: Error): void {
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
  }

  #fail(error: Error): void {
    if (this.#status === 'failed') return;
    this.#error = error;
    this.#status = 'failed';
    this.#rejectReady(error);
    this.#rejectAll(error);
    this.#ended?.();
  }

  #receive(message: FromTrainerWorker): void {
    switch (message.type) {
      case 'ready':
        this.#backend = message.backend;
        this.#resolveReady();
        break;
      case 'update':
        for (const e of message.episodes) this.metrics.addEpisodes(e.frames, [e]);
        this.metrics.addPoint(message.point);
        this.#frames = message.frames;
        this.#updates = message.updates;
        this.#elapsedSeconds = message.elapsedSeconds;
        this.#options.onUpdate?.(message.point, this);
        break;
      case 'observation':
        this.#options.onObservation?.(message.step);
        break;
      case 'status':
        if (message.status === 'failed') {
          this.#fail(deserialiseError(message.error ?? { name: 'Error', message: 'training failed' }, 'WebWorkerTrainer'));
          break;
        }
        // The worker's own end of a run (finished, stopped); its pause/resume echoes are already reflected here.
        if (message.status === 'finished' || message.status === 'stopped') {
          this.#status = message.status;
          this.#ended?.();
        }
        break;
      case 'checkpoint':
      case 'restored': {
        const pending = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        pending?.resolve(message);
        break;
      }
      case 'failed':
        this.#fail(deserialiseError(message.error, 'WebWorkerTrainer'));
        break;
    }
  }
}
