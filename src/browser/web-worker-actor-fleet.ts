/**
 * `WebWorkerActorFleet`: IMPALA actors in browser Web Workers, behind the same {@link ActorFleet} seam and over
 * the same messages as Node's worker-thread fleet (`WorkerActorFleet`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ActorState } from '../agent/actor.js';
import type { ActorFleet } from '../agent/actor-fleet.js';
import type { ActorWorkerConfig, ActorWorkerInit, FromActorWorker, ToActorWorker } from '../agent/actor-worker-protocol.js';
import type { Channel } from '../agent/channel.js';
import { ChannelActorFleet, checkFleetSize, checkHangWatch } from '../agent/channel-actor-fleet.js';
import type { ParameterSnapshot } from '../agent/core.js';
import { resolveActorConfig } from '../agent/train-config.js';
import type { Trajectory } from '../agent/trajectory.js';
import type { BrowserBackendRequest } from './backend.js';
import type { WebWorkerActorInit } from './web-worker-actor-protocol.js';
import { openWebWorkerChannel, type WebWorkerLike } from './web-worker-channel.js';

/**
 * Options of {@link WebWorkerActorFleet.start}.
 * @category Browser
 */
export interface WebWorkerActorFleetOptions {
  /** Web Workers, one `Actor` each (worker i is actor i, seeded like `train`'s actor i). */
  readonly numWorkers: number;
  /**
   * Creates the Web Worker of actor `index`; its module calls `serveActorInWebWorker` (see there for a
   * bundler-friendly worker module). Called again for an actor whose worker hung (see `actorTimeoutMs`).
   */
  readonly createWorker: (index: number) => WebWorkerLike;
  /** What every worker builds: environments (`makeEnv`) and its network copy (`buildNetwork`). */
  readonly config: ActorWorkerConfig;
  /**
   * The backend each worker selects with `useBrowserBackend` (its package must be imported by the worker module).
   * @defaultValue 'cpu'
   */
  readonly backend?: BrowserBackendRequest;
  /**
   * Unrolls a worker may finish before the consumer has taken its earlier ones (its credits).
   * @defaultValue 2
   */
  readonly maxUnrollsAhead?: number;
  /** Parameters to start from; without them, workers wait for the first {@link WebWorkerActorFleet.publish}. */
  readonly parameters?: ParameterSnapshot;
  /** Actor states to restore (entry i for worker i), e.g. from a checkpoint. */
  readonly actorStates?: readonly ActorState[];
  /**
   * A worker that has work (credits) but sends nothing for this long is taken as hung (an env that never
   * answers, a synchronous loop): it is reported through `onWarning` (naming the actor, its env ids and how long
   * it was silent), terminated, and replaced by a fresh worker from `createWorker` with fresh environments (its
   * actor state is the last it reported). A worker restarted `maxRestarts` times in a row without delivering an
   * unroll is dropped; with none left, iteration rejects. `Infinity` turns the watch off. A worker without
   * credits (waiting for the consumer) is never taken as hung; a restarted one gets at least 2 minutes to start.
   * As `WorkerActorFleet`'s option of the same name.
   * @defaultValue 300000 (5 minutes)
   */
  readonly actorTimeoutMs?: number;
  /**
   * Restarts in a row, without an unroll in between, after which a hung worker is dropped.
   * @defaultValue 3
   */
  readonly maxRestarts?: number;
  /** Where a hung worker is reported (one line naming the actor and its env ids). @defaultValue `console.warn` */
  readonly onWarning?: (message: string) => void;
}

const FN = 'WebWorkerActorFleet';

/**
 * IMPALA actors in Web Workers: K workers, each with its own environments, network copy, tfjs backend and `Actor`,
 * unrolling in a loop off the page's thread. The page (the learner) takes their trajectories and publishes new
 * parameters; both directions transfer the typed arrays' buffers. Backpressure, parameter versions and errors
 * work as in Node's `WorkerActorFleet` (a failing worker makes the pending and later takes reject with its message
 * and stack, and the fleet terminates every worker), and so does the hang watch: a worker that has work but sends
 * nothing for `actorTimeoutMs` is reported, terminated and replaced by a fresh one (see
 * {@link WebWorkerActorFleetOptions.actorTimeoutMs}).
 *
 * @example
 * ```ts
 * const fleet = await WebWorkerActorFleet.start({ numWorkers: 2, config: { env: 'CartPole-v1', unrollLength: 20 },
 *   createWorker: () => new Worker(new URL('./actor.worker.ts', import.meta.url), { type: 'module' }),
 *   parameters: learner.latest() });
 * for await (const trajectories of fleet) { ... fleet.publish(learner.latest()); }
 * await fleet.close();
 * ```
 * @category Browser
 */
export class WebWorkerActorFleet implements ActorFleet, AsyncIterable<Trajectory[]> {
  readonly #core: ChannelActorFleet;

  private constructor(core: ChannelActorFleet) {
    this.#core = core;
  }

  /**
   * Starts the workers and waits until each has built its environments, network and backend.
   *
   * @param options - see {@link WebWorkerActorFleetOptions}.
   * @returns the running fleet.
   * @throws when a worker fails to start (every worker is then terminated).
   */
  static async start(options: WebWorkerActorFleetOptions): Promise<WebWorkerActorFleet> {
    const { numWorkers } = options;
    const credits = options.maxUnrollsAhead ?? 2;
    checkFleetSize(FN, numWorkers, credits, options.actorStates);
    const config = resolveActorConfig(options.config);
    const actorTimeoutMs = options.actorTimeoutMs ?? 300_000;
    const maxRestarts = options.maxRestarts ?? 3;
    checkHangWatch(FN, actorTimeoutMs, maxRestarts);
    const flags = { IS_TEST: tf.env().getBool('IS_TEST'), PROD: tf.env().getBool('PROD') };
    const open = (index: number, state: ActorState | null): Channel<ToActorWorker, FromActorWorker> => {
      const channel = openWebWorkerChannel<ToActorWorker, FromActorWorker>(options.createWorker(index), { caller: FN, who: `worker ${index}` });
      const init: ActorWorkerInit = { config, index, backend: 'cpu', credits, actorState: state, setupModule: null, flags, fingerprint: options.parameters?.fingerprint ?? null };
      const first: WebWorkerActorInit = { type: 'init', init, browserBackend: options.backend ?? 'cpu' };
      try {
        // The init goes through the same postMessage as the channel's messages (the first message of the worker).
        (channel as Channel<unknown, FromActorWorker>).send(first);
      } catch (error) {
        void channel.close();
        throw error;
      }
      return channel;
    };
    const core = await ChannelActorFleet.start({
      caller: FN,
      numActors: numWorkers,
      config,
      credits,
      open,
      actorTimeoutMs,
      maxRestarts,
      onWarning: options.onWarning ?? ((m) => { console.warn(m); }),
      ...(options.parameters ? { parameters: options.parameters } : {}),
      ...(options.actorStates ? { actorStates: options.actorStates } : {}),
    });
    return new WebWorkerActorFleet(core);
  }

  /** Number of workers. */
  get size(): number {
    return this.#core.size;
  }

  /** Workers restarted so far because they hung. */
  get restarts(): number {
    return this.#core.restarts;
  }

  /** The tfjs backend the workers compute with (as `tf.getBackend()` names it there). */
  get backend(): string {
    return this.#core.backend;
  }

  /** Whether {@link WebWorkerActorFleet.close} was called. */
  get closed(): boolean {
    return this.#core.closed;
  }

  /** The actor states the workers reported with their last unrolls (entry i for worker i). */
  get lastActorStates(): ActorState[] {
    return this.#core.lastActorStates;
  }

  /**
   * Makes new parameters available to the workers; each gets its own copy, transferred. A worker with credits gets
   * them at once; one without gets them with its next credit. Does nothing once the fleet is closed or failed.
   *
   * @param snapshot - the learner's `latest()`; its array is not modified.
   */
  publish(snapshot: ParameterSnapshot): void {
    this.#core.publish(snapshot);
  }

  /**
   * The next unroll of any worker, in arrival order; taking it gives its worker a credit for one more.
   *
   * @returns the unroll, or `done` once the fleet is closed.
   * @throws the worker's error (message and stack) when a worker failed.
   */
  next(): Promise<IteratorResult<Trajectory[], undefined>> {
    return this.#core.next();
  }

  /**
   * Iterates over the unrolls until the fleet is closed. Leaving the loop early does not close the fleet.
   *
   * @returns an async iterator over unrolls.
   */
  [Symbol.asyncIterator](): AsyncIterator<Trajectory[], undefined> {
    return { next: () => this.next(), return: () => Promise.resolve({ done: true, value: undefined }) };
  }

  /**
   * The workers' actor states (entry i for worker i), within `timeoutMs`: a worker that does not answer in time
   * (busy in an unroll) is represented by the state it reported with its last unroll.
   *
   * @param timeoutMs - the longest wait.
   * @returns one state per worker.
   */
  async actorStates(timeoutMs: number): Promise<ActorState[]> {
    return (await this.#core.actorStates(timeoutMs)).states;
  }

  /** Terminates every worker and ends iteration; safe to call more than once, and after a failure. */
  close(): Promise<void> {
    return this.#core.close();
  }
}
