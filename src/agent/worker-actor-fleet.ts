import * as tf from '@tensorflow/tfjs-core';
import type { BackendRequest } from '../backends/backend-names.js';
import type { ActorState } from './actor.js';
import type { ActorFleet } from './actor-fleet.js';
import type { ActorWorkerConfig, ActorWorkerInit, FromActorWorker, ToActorWorker } from './actor-worker-protocol.js';
import type { Channel } from './channel.js';
import { ChannelActorFleet, checkFleetSize, checkHangWatch } from './channel-actor-fleet.js';
import type { ParameterSnapshot } from './core.js';
import { resolveActorConfig } from './train-config.js';
import type { Trajectory } from './trajectory.js';
import { moduleUrl, openWorkerChannel, resolveWorkerEntry } from './worker-channel.js';

export type { ActorWorkerConfig } from './actor-worker-protocol.js';

/**
 * Parameters for the workers.
 * @deprecated The same type as {@link ParameterSnapshot}; use that.
 * @category Agent
 */
export type VersionedWeights = ParameterSnapshot;

/**
 * Options of {@link WorkerActorFleet.start}.
 * @category Agent
 */
export interface WorkerActorFleetOptions {
  /** Worker threads, one `Actor` each (worker i is actor i, seeded like `train`'s in-process actor i). */
  readonly numWorkers: number;
  /** What every worker builds: environments (`makeEnv`) and its network copy (`buildNetwork`). */
  readonly config: ActorWorkerConfig;
  /**
   * tfjs backend of the workers (each worker selects it with `useBackend`; the package must be installed).
   * Actors only run inference, so no gradients are registered in the workers.
   * @defaultValue 'cpu'
   */
  readonly backend?: BackendRequest;
  /**
   * Unrolls a worker may finish before the consumer has taken its earlier ones (its credits). Bounds the
   * experience in flight to `numWorkers · maxUnrollsAhead` unrolls; 2 lets a worker act while the main
   * thread is busy with an update.
   * @defaultValue 2
   */
  readonly maxUnrollsAhead?: number;
  /**
   * Parameters to start from, sent to every worker. Without them, workers wait for the first
   * {@link WorkerActorFleet.publish}. Their `fingerprint`, when set, is checked against each worker's network at
   * start-up.
   */
  readonly parameters?: ParameterSnapshot;
  /** Actor states to restore (entry i for worker i), e.g. from a checkpoint. */
  readonly actorStates?: readonly ActorState[];
  /**
   * A module (path or file URL) every worker imports before it builds its environments: env ids registered
   * with `registerEnv` in the main thread do not exist in worker threads, so register them there.
   */
  readonly setupModule?: string | URL;
  /**
   * The worker entry. By default it is found next to this module: `actor-worker.js` (ESM build),
   * `actor-worker.cjs` (CommonJS build) or `actor-worker.ts` (sources, run through tsx).
   */
  readonly workerUrl?: URL;
  /**
   * A worker that has work (credits) but sends nothing for this long is taken as hung (an env that never
   * answers, a synchronous loop): it is reported through `onWarning`, terminated and restarted with fresh
   * environments (its actor state is the last it reported). A worker restarted `maxRestarts` times in a row
   * without delivering an unroll is dropped; with none left, iteration rejects. `Infinity` turns the watch off.
   * Start-up (until a worker is ready) gets at least 2 minutes.
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

const FN = 'WorkerActorFleet';

/**
 * IMPALA actors in `worker_threads`: K workers, each with its own environments (`makeEnv`), its own network
 * copy (`buildNetwork`), its own tfjs backend and an `Actor`, unrolling in a loop. The main thread (the
 * learner) takes their trajectories from the pool and publishes new parameters with
 * {@link WorkerActorFleet.publish}; both directions transfer the typed arrays' buffers instead of copying them.
 *
 * - Parameters: every worker gets its own copy of each published `{ version, weights }`; a worker applies the
 *   newest it has received before each unroll, and its trajectories carry that version (`policyVersion`), so
 *   the learner's policy lag is measured as in-process.
 * - Backpressure: a worker runs at most `maxUnrollsAhead` unrolls ahead of the consumer; it gets a credit
 *   back each time one of its unrolls is taken, so a learner queue bound holds.
 * - Errors: a failing worker (e.g. an unknown env id) makes the pending and every later {@link WorkerActorFleet.take}
 *   reject with an error that has the worker's message and stack; the pool then terminates all workers.
 * - Shutdown: {@link WorkerActorFleet.close} terminates the workers; the process can then exit.
 *
 * @example
 * ```ts
 * const pool = await WorkerActorFleet.start({ numWorkers: 2, config: { env: 'CartPole-v1', unrollLength: 20 },
 *   parameters: learner.latest() });
 * for await (const trajectories of pool) {          // one unroll of one worker: envsPerActor trajectories
 *   for (const t of trajectories) await queue.put(t);
 * }
 * // elsewhere, after each update: pool.publish(learner.latest()); at the end: await pool.close();
 * ```
 * @category Agent
 */
export class WorkerActorFleet implements ActorFleet, AsyncIterable<Trajectory[]> {
  readonly #core: ChannelActorFleet;
  readonly #warn: (message: string) => void;

  private constructor(core: ChannelActorFleet, warn: (message: string) => void) {
    this.#core = core;
    this.#warn = warn;
  }

  /** Workers restarted so far because they hung. */
  get restarts(): number {
    return this.#core.restarts;
  }

  /**
   * Starts the workers and waits until each has built its environments, network and backend.
   *
   * @param options - see {@link WorkerActorFleetOptions}.
   * @returns the running pool.
   * @throws when a worker fails to start (the others are terminated).
   */
  static async start(options: WorkerActorFleetOptions): Promise<WorkerActorFleet> {
    const { numWorkers } = options;
    const credits = options.maxUnrollsAhead ?? 2;
    checkFleetSize(FN, numWorkers, credits, options.actorStates);
    const entry: { url: URL; bootstrap?: string } = options.workerUrl ? { url: options.workerUrl } : resolveWorkerEntry(import.meta.url, 'actor-worker', FN);
    const setupModule = options.setupModule === undefined ? null : moduleUrl(options.setupModule);
    const flags = { IS_TEST: tf.env().getBool('IS_TEST'), PROD: tf.env().getBool('PROD') };
    const config = resolveActorConfig(options.config);
    const actorTimeoutMs = options.actorTimeoutMs ?? 300_000;
    const maxRestarts = options.maxRestarts ?? 3;
    checkHangWatch(FN, actorTimeoutMs, maxRestarts);
    const onWarning = options.onWarning ?? ((m: string) => { console.warn(m); });
    const open = (index: number, state: ActorState | null): Channel<ToActorWorker, FromActorWorker> => {
      const init: ActorWorkerInit = {
        config,
        index,
        backend: options.backend ?? 'cpu',
        credits,
        actorState: state,
        setupModule,
        flags,
        fingerprint: options.parameters?.fingerprint ?? null,
      };
      return openWorkerChannel<ToActorWorker, FromActorWorker>({ entry, data: init, caller: FN, who: `worker ${index}` });
    };
    const core = await ChannelActorFleet.start({
      caller: FN,
      numActors: numWorkers,
      config,
      credits,
      open,
      actorTimeoutMs,
      maxRestarts,
      onWarning,
      // Hands queued unrolls to waiting takers in a later macrotask, never inside a 'message' event. Node drains a
      // worker's message port in one loop, and the taker's continuation (in `train`, a whole learner update) would
      // run inside that loop: a worker that posts one unroll per update would then keep its port busy and starve
      // the other workers' ports (seen with the deep network: one worker's unrolls only, for minutes).
      scheduleHandOut: (run) => { setImmediate(run); },
      ...(options.parameters ? { parameters: options.parameters } : {}),
      ...(options.actorStates ? { actorStates: options.actorStates } : {}),
    });
    return new WorkerActorFleet(core, onWarning);
  }

  /** Number of workers. */
  get size(): number {
    return this.#core.size;
  }

  /** The tfjs backend the workers compute with (as `tf.getBackend()` names it there). */
  get backend(): string {
    return this.#core.backend;
  }

  /** Whether {@link WorkerActorFleet.close} was called. */
  get closed(): boolean {
    return this.#core.closed;
  }

  /** Unrolls received and not yet taken. */
  get pending(): number {
    return this.#core.pending;
  }

  /**
   * Makes new parameters available to the workers; each gets its own copy, transferred. A worker that may run
   * an unroll now gets them at once (it applies the newest it has before each unroll); a worker that has used
   * all its credits gets them with its next credit, in the same message, so an idle worker is not woken twice.
   * Versions not newer than what a worker already has are skipped. Does nothing once the pool is closed or failed.
   *
   * @param snapshot - the learner's `{ version, weights }` (e.g. `learner.latest()`); its array is not modified
   * (it is copied when sent, so keep it unchanged until the next publish).
   */
  publish(snapshot: ParameterSnapshot): void {
    this.#core.publish(snapshot);
  }

  /** The last snapshot given to {@link WorkerActorFleet.publish}, or null. */
  get latestParameters(): ParameterSnapshot | null {
    return this.#core.latestParameters;
  }

  /**
   * The next unroll of any worker, in arrival order: `envsPerActor` trajectories of T + 1 entries each. Taking
   * it gives its worker a credit for one more unroll.
   *
   * @returns the trajectories, or `null` once the pool is closed.
   * @throws the worker's error (message and stack) when a worker failed.
   */
  async take(): Promise<Trajectory[] | null> {
    const r = await this.next();
    return r.done === true ? null : r.value;
  }

  /**
   * Iterator protocol form of {@link WorkerActorFleet.take}.
   *
   * @returns the next unroll, or `done` once the pool is closed.
   */
  next(): Promise<IteratorResult<Trajectory[], undefined>> {
    return this.#core.next();
  }

  /**
   * Iterates over the unrolls until the pool is closed. Leaving the loop early does not close the pool.
   *
   * @returns an async iterator over unrolls.
   */
  [Symbol.asyncIterator](): AsyncIterator<Trajectory[], undefined> {
    return { next: () => this.next(), return: () => Promise.resolve({ done: true, value: undefined }) };
  }

  /**
   * Every worker's actor state (sampling RNG, unroll count), for checkpoints; worker i's is entry i. While the
   * pool runs the workers are asked (each answers between two unrolls); once it is closed or failed, the
   * states reported with each worker's last unroll are returned.
   *
   * @returns one state per worker.
   */
  getActorStates(): Promise<ActorState[]> {
    return this.#core.getActorStates();
  }

  /**
   * Restores actor states (entry i for worker i), applied by each worker before its next unroll.
   *
   * @param states - one state per worker, e.g. from {@link WorkerActorFleet.getActorStates}.
   */
  setActorStates(states: readonly ActorState[]): Promise<void> {
    return this.#core.setActorStates(states);
  }

  /**
   * The workers' actor states for a checkpoint (entry i for worker i), within `timeoutMs`; never waits longer. A
   * worker answers between two unrolls; one busy in a long (or stuck) unroll is represented by the state it
   * reported with its last unroll, and named in a warning (`onWarning`).
   *
   * @param timeoutMs - the longest wait.
   * @returns one state per worker.
   */
  async actorStates(timeoutMs: number): Promise<ActorState[]> {
    const { states, late } = await this.#core.actorStates(timeoutMs);
    if (late.length > 0) this.#warn(`${FN}.actorStates: actor(s) ${late.join(', ')} did not answer within ${timeoutMs / 1000} s: their last reported states are used`);
    return states;
  }

  /**
   * Terminates every worker and ends iteration (pending and later {@link WorkerActorFleet.take} calls return
   * null). Safe to call more than once, and after a failure.
   */
  close(): Promise<void> {
    return this.#core.close();
  }
}

/**
 * The earlier name of {@link WorkerActorFleet}.
 * @deprecated Use {@link WorkerActorFleet}.
 * @category Agent
 */
export const WorkerActorPool = WorkerActorFleet;
/**
 * The earlier name of {@link WorkerActorFleet}.
 * @deprecated Use {@link WorkerActorFleet}.
 * @category Agent
 */
export type WorkerActorPool = WorkerActorFleet;
/**
 * The earlier name of {@link WorkerActorFleetOptions}.
 * @deprecated Use {@link WorkerActorFleetOptions}.
 * @category Agent
 */
export type WorkerActorPoolOptions = WorkerActorFleetOptions;
