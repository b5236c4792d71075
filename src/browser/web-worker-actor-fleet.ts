/**
 * `WebWorkerActorFleet`: IMPALA actors in browser Web Workers, behind the same {@link ActorFleet} seam and over
 * the same messages as Node's worker-thread fleet (`WorkerActorFleet`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ActorState } from '../agent/actor.js';
import type { ActorFleet } from '../agent/actor-fleet.js';
import type { ActorWorkerConfig, ActorWorkerInit, FromActorWorker, ToActorWorker } from '../agent/actor-worker-protocol.js';
import type { Channel } from '../agent/channel.js';
import type { ParameterSnapshot } from '../agent/core.js';
import { AgentError, remoteError } from '../agent/errors.js';
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
   * bundler-friendly worker module).
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
}

interface Slot {
  readonly channel: Channel<ToActorWorker, FromActorWorker>;
  readonly index: number;
  state: ActorState;
  sentVersion: number;
  credits: number;
}

interface Waiter {
  resolve(value: IteratorResult<Trajectory[], undefined>): void;
  reject(error: Error): void;
}

const FN = 'WebWorkerActorFleet';

/**
 * IMPALA actors in Web Workers: K workers, each with its own environments, network copy, tfjs backend and `Actor`,
 * unrolling in a loop off the page's thread. The page (the learner) takes their trajectories and publishes new
 * parameters; both directions transfer the typed arrays' buffers. Backpressure, parameter versions and errors
 * work as in Node's `WorkerActorFleet` (a failing worker makes the pending and later takes reject with its message
 * and stack, and the fleet terminates every worker); hung workers are not watched or restarted.
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
  readonly #slots: Slot[];
  readonly #inbox: { slot: Slot; trajectories: Trajectory[] }[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #requests = new Map<number, { slot: Slot; resolve(): void }>();
  #nextRequestId = 0;
  #failure: Error | null = null;
  #closed = false;
  #latest: ParameterSnapshot | null = null;
  #backend = '';

  private constructor(slots: Slot[]) {
    this.#slots = slots;
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
    if (!Number.isInteger(numWorkers) || numWorkers < 1) throw new AgentError(`${FN}: 'numWorkers' must be an integer >= 1, got ${numWorkers}`);
    if (!Number.isInteger(credits) || credits < 1) throw new AgentError(`${FN}: 'maxUnrollsAhead' must be an integer >= 1, got ${credits}`);
    if (options.actorStates && options.actorStates.length > numWorkers) throw new AgentError(`${FN}: ${options.actorStates.length} actor states for ${numWorkers} workers`);
    const config = resolveActorConfig(options.config);
    const flags = { IS_TEST: tf.env().getBool('IS_TEST'), PROD: tf.env().getBool('PROD') };
    const slots: Slot[] = [];
    try {
      for (let index = 0; index < numWorkers; index++) {
        const state = options.actorStates?.[index] ?? null;
        const channel = openWebWorkerChannel<ToActorWorker, FromActorWorker>(options.createWorker(index), { caller: FN, who: `worker ${index}` });
        slots.push({ channel, index, state: state ?? { rng: [], unrolls: 0 }, sentVersion: -1, credits });
        const init: ActorWorkerInit = { config, index, backend: 'cpu', credits, actorState: state, setupModule: null, flags, fingerprint: options.parameters?.fingerprint ?? null };
        const first: WebWorkerActorInit = { type: 'init', init, browserBackend: options.backend ?? 'cpu' };
        // The init goes through the same postMessage as the channel's messages (the first message of the worker).
        (channel as Channel<unknown, FromActorWorker>).send(first);
      }
    } catch (error) {
      await Promise.all(slots.map((s) => s.channel.close()));
      throw error;
    }
    const fleet = new WebWorkerActorFleet(slots);
    try {
      await fleet.#listen();
    } catch (error) {
      await fleet.close();
      throw error;
    }
    if (options.parameters) fleet.publish(options.parameters);
    return fleet;
  }

  /** Number of workers. */
  get size(): number {
    return this.#slots.length;
  }

  /** The tfjs backend the workers compute with (as `tf.getBackend()` names it there). */
  get backend(): string {
    return this.#backend;
  }

  /** Whether {@link WebWorkerActorFleet.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The actor states the workers reported with their last unrolls (entry i for worker i). */
  get lastActorStates(): ActorState[] {
    return this.#slots.map((s) => ({ rng: [...s.state.rng], unrolls: s.state.unrolls }));
  }

  #listen(): Promise<void> {
    let ready = 0;
    return new Promise<void>((resolve, reject) => {
      for (const slot of this.#slots) {
        const fail = (error: Error): void => {
          this.#fail(error);
          reject(error);
        };
        slot.channel.onMessage((message) => {
          switch (message.type) {
            case 'ready':
              this.#backend = message.backend;
              if (++ready === this.#slots.length) resolve();
              break;
            case 'error':
              fail(remoteError(FN, `worker ${slot.index}`, message.name, message.message, message.stack));
              break;
            case 'trajectories':
              slot.state = message.state;
              slot.credits--;
              if (this.#closed || this.#failure) return;
              this.#inbox.push({ slot, trajectories: message.trajectories });
              this.#handOut();
              break;
            case 'state':
            case 'ack': {
              if (message.type === 'state') slot.state = message.state;
              const request = this.#requests.get(message.id);
              this.#requests.delete(message.id);
              request?.resolve();
              break;
            }
          }
        });
        slot.channel.onClose((error) => {
          if (error !== null && !this.#closed) fail(error);
        });
      }
    });
  }

  #handOut(): void {
    while (this.#waiters.length > 0 && this.#inbox.length > 0) {
      const item = this.#inbox.shift()!;
      this.#credit(item.slot);
      this.#waiters.shift()!.resolve({ done: false, value: item.trajectories });
    }
  }

  /** Gives a worker one more unroll, with the newest parameters when it has not got them yet. */
  #credit(slot: Slot): void {
    const latest = this.#latest;
    if (latest && latest.version > slot.sentVersion) {
      const weights = latest.weights.slice();
      slot.channel.send({ type: 'credit', parameters: { ...latest, weights } }, [weights.buffer]);
      slot.sentVersion = latest.version;
    } else {
      slot.channel.send({ type: 'credit', parameters: null });
    }
    slot.credits++;
  }

  #fail(error: Error): void {
    if (this.#failure || this.#closed) return;
    this.#failure = error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    for (const request of this.#requests.values()) request.resolve();
    this.#requests.clear();
    this.#inbox.length = 0;
    for (const slot of this.#slots) void slot.channel.close();
  }

  /**
   * Makes new parameters available to the workers; each gets its own copy, transferred. A worker with credits gets
   * them at once; one without gets them with its next credit. Does nothing once the fleet is closed or failed.
   *
   * @param snapshot - the learner's `latest()`; its array is not modified.
   */
  publish(snapshot: ParameterSnapshot): void {
    if (this.#closed || this.#failure) return;
    this.#latest = snapshot;
    for (const slot of this.#slots) {
      if (snapshot.version <= slot.sentVersion || slot.credits <= 0) continue;
      const weights = snapshot.weights.slice();
      slot.channel.send({ type: 'parameters', snapshot: { ...snapshot, weights } }, [weights.buffer]);
      slot.sentVersion = snapshot.version;
    }
  }

  /**
   * The next unroll of any worker, in arrival order; taking it gives its worker a credit for one more.
   *
   * @returns the unroll, or `done` once the fleet is closed.
   * @throws the worker's error (message and stack) when a worker failed.
   */
  next(): Promise<IteratorResult<Trajectory[], undefined>> {
    if (this.#failure) return Promise.reject(this.#failure);
    const item = this.#waiters.length === 0 ? this.#inbox.shift() : undefined;
    if (item) {
      this.#credit(item.slot);
      return Promise.resolve({ done: false, value: item.trajectories });
    }
    if (this.#closed) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
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
    if (!this.#closed && !this.#failure) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, timeoutMs));
      });
      const answered = Promise.all(
        this.#slots.map(
          (slot) =>
            new Promise<void>((resolve) => {
              const id = this.#nextRequestId++;
              this.#requests.set(id, { slot, resolve });
              slot.channel.send({ type: 'get-state', id });
            }),
        ),
      );
      try {
        await Promise.race([answered, timeout]);
      } finally {
        clearTimeout(timer);
      }
    }
    return this.lastActorStates;
  }

  /** Terminates every worker and ends iteration; safe to call more than once, and after a failure. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      for (const waiter of this.#waiters.splice(0)) waiter.resolve({ done: true, value: undefined });
      for (const request of this.#requests.values()) request.resolve();
      this.#requests.clear();
      this.#inbox.length = 0;
      for (const slot of this.#slots) void slot.channel.close();
    }
    return Promise.resolve();
  }
}
