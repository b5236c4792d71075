import * as tf from '@tensorflow/tfjs-core';
import type { BackendRequest } from '../backends/backend-names.js';
import type { ActorState } from './actor.js';
import type { ActorFleet } from './actor-fleet.js';
import type { ActorWorkerConfig, ActorWorkerInit, FromActorWorker, ToActorWorker } from './actor-worker-protocol.js';
import type { Channel } from './channel.js';
import type { ParameterSnapshot } from './core.js';
import { AgentError } from './errors.js';
import { resolveActorConfig } from './train-config.js';
import type { Trajectory } from './trajectory.js';
import { actorEnvId } from './actor-seed.js';
import { moduleUrl, openWorkerChannel, remoteError, resolveWorkerEntry } from './worker-channel.js';

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

interface WorkerSlot {
  channel: Channel<ToActorWorker, FromActorWorker>;
  readonly index: number;
  /** When the worker last sent anything (or was started). */
  lastSeen: number;
  /** Whether the current worker has said it is ready. */
  ready: boolean;
  /** Restarts since the worker last delivered an unroll. */
  restartsInARow: number;
  /** Given up on: hung after `maxRestarts` restarts. */
  dropped: boolean;
  state: ActorState;
  /** Parameter version last sent to the worker. */
  sentVersion: number;
  /** Counts restarts: unrolls of an earlier worker in this slot do not give the current one credits. */
  generation: number;
  /** Unrolls the worker may still run as far as this thread knows (its credits minus the unrolls received). */
  credits: number;
}

interface Waiter {
  resolve(value: IteratorResult<Trajectory[], undefined>): void;
  reject(error: Error): void;
}

interface StateRequest {
  readonly slot: WorkerSlot;
  resolve(): void;
  reject(error: Error): void;
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
  readonly #slots: WorkerSlot[];
  readonly #inbox: { slot: WorkerSlot; trajectories: Trajectory[]; generation: number }[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #requests = new Map<number, StateRequest>();
  #nextRequestId = 0;
  #failure: Error | null = null;
  #closed = false;
  #terminated: Promise<void> | null = null;
  #latest: ParameterSnapshot | null = null;
  #handOutScheduled = false;
  #backend = '';
  #restarts = 0;
  #watch: ReturnType<typeof setInterval> | null = null;
  #timeoutMs = 300_000;
  #maxRestarts = 3;
  #credits = 2;
  #warn: (message: string) => void = (m) => {
    console.warn(m);
  };
  #open: ((slot: WorkerSlot) => Channel<ToActorWorker, FromActorWorker>) | null = null;
  #envIds: readonly string[][] = [];

  private constructor(slots: WorkerSlot[]) {
    this.#slots = slots;
  }

  /** Workers restarted so far because they hung. */
  get restarts(): number {
    return this.#restarts;
  }

  /** Checks the workers that have work against the timeout; restarts or drops the hung ones. */
  #checkWorkers(): void {
    if (this.#closed || this.#failure) return;
    const now = performance.now();
    for (const slot of this.#slots) {
      if (slot.dropped) continue;
      const limit = slot.ready ? this.#timeoutMs : Math.max(this.#timeoutMs, 120_000);
      // A worker without credits waits for the learner: its silence is expected.
      if ((slot.ready && slot.credits <= 0) || now - slot.lastSeen <= limit) continue;
      const envs = [...new Set(this.#envIds[slot.index] ?? [])].join(', ');
      const silent = Math.round((now - slot.lastSeen) / 1000);
      const old = slot.channel;
      void old.close();
      if (slot.restartsInARow >= this.#maxRestarts) {
        slot.dropped = true;
        const left = this.#slots.filter((s) => !s.dropped).length;
        this.#warn(`${FN}: actor ${slot.index} (env ${envs}) sent nothing for ${silent} s after ${slot.restartsInARow} restart(s): dropped, ${left} actor(s) left`);
        this.#settleRequestsOf(slot);
        if (left === 0) this.#fail(new AgentError(`${FN}: no actor left: every worker hung (sent nothing for ${this.#timeoutMs / 1000} s, even after restarts); see the warnings for their env ids`));
        continue;
      }
      slot.restartsInARow++;
      this.#restarts++;
      this.#warn(`${FN}: actor ${slot.index} (env ${envs}) sent nothing for ${silent} s (timeout ${this.#timeoutMs / 1000} s): worker terminated and restarted with fresh environments (restart ${this.#restarts})`);
      this.#settleRequestsOf(slot);
      slot.channel = this.#open!(slot);
      slot.ready = false;
      slot.lastSeen = performance.now();
      slot.sentVersion = -1;
      slot.credits = this.#credits;
      slot.generation++;
      this.#wire(slot, () => {
        // A restarted worker gets the newest parameters as soon as it is ready.
        if (this.#latest && !this.#closed) {
          const weights = this.#latest.weights.slice();
          this.#post(slot, { type: 'parameters', snapshot: { ...this.#latest, weights } }, [weights.buffer]);
          slot.sentVersion = this.#latest.version;
        }
      });
    }
  }

  /** Ends the pending state requests of a worker that is gone: its last reported state stands. */
  #settleRequestsOf(slot: WorkerSlot): void {
    for (const [id, request] of this.#requests) {
      if (request.slot !== slot) continue;
      this.#requests.delete(id);
      request.resolve();
    }
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
    if (!Number.isInteger(numWorkers) || numWorkers < 1) throw new AgentError(`${FN}: 'numWorkers' must be an integer >= 1, got ${numWorkers}`);
    if (!Number.isInteger(credits) || credits < 1) throw new AgentError(`${FN}: 'maxUnrollsAhead' must be an integer >= 1, got ${credits}`);
    if (options.actorStates && options.actorStates.length > numWorkers) {
      throw new AgentError(`${FN}: ${options.actorStates.length} actor states for ${numWorkers} workers`);
    }
    const entry: { url: URL; bootstrap?: string } = options.workerUrl ? { url: options.workerUrl } : resolveWorkerEntry(import.meta.url, 'actor-worker', FN);
    const setupModule = options.setupModule === undefined ? null : moduleUrl(options.setupModule);
    const flags = { IS_TEST: tf.env().getBool('IS_TEST'), PROD: tf.env().getBool('PROD') };
    const config = resolveActorConfig(options.config);
    const timeoutMs = options.actorTimeoutMs ?? 300_000;
    if (!(timeoutMs > 0)) throw new AgentError(`${FN}: 'actorTimeoutMs' must be > 0, got ${timeoutMs}`);
    const maxRestarts = options.maxRestarts ?? 3;
    if (!Number.isInteger(maxRestarts) || maxRestarts < 0) throw new AgentError(`${FN}: 'maxRestarts' must be an integer >= 0, got ${maxRestarts}`);
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
    const slots: WorkerSlot[] = [];
    try {
      for (let index = 0; index < numWorkers; index++) {
        const state = options.actorStates?.[index];
        const channel = open(index, state ?? null);
        slots.push({ channel, index, state: state ?? { rng: [], unrolls: 0 }, sentVersion: -1, credits, lastSeen: performance.now(), ready: false, restartsInARow: 0, dropped: false, generation: 0 });
      }
    } catch (error) {
      await Promise.all(slots.map((slot) => slot.channel.close()));
      throw error;
    }
    const pool = new WorkerActorFleet(slots);
    pool.#timeoutMs = timeoutMs;
    pool.#maxRestarts = maxRestarts;
    pool.#credits = credits;
    if (options.onWarning) pool.#warn = options.onWarning;
    pool.#open = (slot) => open(slot.index, slot.state.rng.length > 0 ? slot.state : null);
    const ids = typeof config.env === 'string' ? [config.env] : config.env;
    pool.#envIds = slots.map((_, i) => Array.from({ length: config.envsPerActor }, (_, j) => actorEnvId(ids, config.envsPerActor, i, j)));
    try {
      await pool.#listen();
    } catch (error) {
      await pool.close();
      throw error;
    }
    pool.#onStartFailure = null;
    // The watch starts once every worker is ready (start-up has its own failure path).
    if (Number.isFinite(timeoutMs) && !pool.#closed) {
      pool.#watch = setInterval(() => {
        pool.#checkWorkers();
      }, Math.min(1000, Math.max(10, timeoutMs / 4)));
      pool.#watch.unref();
    }
    if (options.parameters) pool.publish(options.parameters);
    return pool;
  }

  /** Number of workers. */
  get size(): number {
    return this.#slots.length;
  }

  /** The tfjs backend the workers compute with (as `tf.getBackend()` names it there). */
  get backend(): string {
    return this.#backend;
  }

  /** Whether {@link WorkerActorFleet.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Unrolls received and not yet taken. */
  get pending(): number {
    return this.#inbox.length;
  }

  /** Wires the workers' events; resolves when every worker is ready. */
  #listen(): Promise<void> {
    let ready = 0;
    return new Promise<void>((resolve, reject) => {
      this.#onStartFailure = (error: Error): void => {
        reject(error);
      };
      for (const slot of this.#slots) {
        this.#wire(slot, () => {
          if (++ready === this.#slots.length) resolve();
        });
      }
    });
  }

  #onStartFailure: ((error: Error) => void) | null = null;

  /** Wires the events of a slot's current worker. */
  #wire(slot: WorkerSlot, onReady: () => void): void {
    const { channel, index } = slot;
    const failed = (error: Error): void => {
      this.#fail(error);
      this.#onStartFailure?.(error);
    };
    channel.onMessage((message: FromActorWorker) => {
      if (channel !== slot.channel) return; // a terminated worker's last words
      slot.lastSeen = performance.now();
      if (message.type === 'ready') {
        this.#backend = message.backend;
        slot.ready = true;
        onReady();
      } else if (message.type === 'error') {
        failed(remoteError(FN, `worker ${index}`, message.name, message.message, message.stack));
      } else {
        this.#receive(slot, message);
      }
    });
    channel.onClose((error) => {
      if (error !== null && !this.#closed && channel === slot.channel && !slot.dropped) failed(error);
    });
  }

  #receive(slot: WorkerSlot, message: Exclude<FromActorWorker, { type: 'ready' | 'error' }>): void {
    if (message.type === 'trajectories') {
      slot.state = message.state;
      slot.credits--;
      slot.restartsInARow = 0;
      if (this.#closed || this.#failure) return;
      this.#inbox.push({ slot, trajectories: message.trajectories, generation: slot.generation });
      this.#scheduleHandOut();
      return;
    }
    if (message.type === 'state') slot.state = message.state;
    const request = this.#requests.get(message.id);
    this.#requests.delete(message.id);
    request?.resolve();
  }

  /**
   * Hands queued unrolls to waiting takers in a later macrotask, never inside a 'message' event. Node drains a
   * worker's message port in one loop, and the taker's continuation (in `train`, a whole learner update) would
   * run inside that loop: a worker that posts one unroll per update would then keep its port busy and starve
   * the other workers' ports (seen with the deep network: one worker's unrolls only, for minutes).
   */
  #scheduleHandOut(): void {
    if (this.#handOutScheduled || this.#waiters.length === 0) return;
    this.#handOutScheduled = true;
    setImmediate(() => {
      this.#handOutScheduled = false;
      while (this.#waiters.length > 0 && this.#inbox.length > 0) {
        const item = this.#inbox.shift()!;
        if (item.generation === item.slot.generation && !item.slot.dropped) this.#credit(item.slot);
        this.#waiters.shift()!.resolve({ done: false, value: item.trajectories });
      }
    });
  }

  /** Gives a worker one more unroll, with the newest parameters when it has not got them yet. */
  #credit(slot: WorkerSlot): void {
    const latest = this.#latest;
    if (latest && latest.version > slot.sentVersion) {
      const weights = latest.weights.slice();
      this.#post(slot, { type: 'credit', parameters: { ...latest, weights } }, [weights.buffer]);
      slot.sentVersion = latest.version;
    } else {
      this.#post(slot, { type: 'credit', parameters: null });
    }
    slot.credits++;
  }

  #post(slot: WorkerSlot, message: ToActorWorker, transfer: ArrayBuffer[] = []): void {
    slot.channel.send(message, transfer);
  }

  #fail(error: Error): void {
    if (this.#failure || this.#closed) return;
    this.#failure = error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    for (const request of this.#requests.values()) request.reject(error);
    this.#requests.clear();
    this.#inbox.length = 0;
    if (this.#watch !== null) clearInterval(this.#watch);
    this.#terminated = this.#terminate();
  }

  async #terminate(): Promise<void> {
    await Promise.all(this.#slots.map((slot) => slot.channel.close()));
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
    if (this.#closed || this.#failure) return;
    this.#latest = snapshot;
    for (const slot of this.#slots) {
      if (snapshot.version <= slot.sentVersion || slot.credits <= 0) continue;
      const weights = snapshot.weights.slice();
      this.#post(slot, { type: 'parameters', snapshot: { ...snapshot, weights } }, [weights.buffer]);
      slot.sentVersion = snapshot.version;
    }
  }

  /** The last snapshot given to {@link WorkerActorFleet.publish}, or null. */
  get latestParameters(): ParameterSnapshot | null {
    return this.#latest;
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
    if (this.#failure) return Promise.reject(this.#failure);
    // Earlier takers still waiting for a hand-out go first.
    const item = this.#waiters.length === 0 ? this.#inbox.shift() : undefined;
    if (item) {
      if (item.generation === item.slot.generation && !item.slot.dropped) this.#credit(item.slot);
      return Promise.resolve({ done: false, value: item.trajectories });
    }
    if (this.#closed) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#scheduleHandOut();
    });
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
  async getActorStates(): Promise<ActorState[]> {
    if (!this.#closed && !this.#failure) {
      await Promise.all(this.#slots.map((slot) => this.#request(slot, (id) => ({ type: 'get-state', id })))).catch((error: unknown) => {
        // A worker failed while answering: fall back to the last reported states, as after a failure.
        if (error !== this.#failure) throw error;
      });
    }
    return this.#slots.map((s) => ({ rng: [...s.state.rng], unrolls: s.state.unrolls }));
  }

  /**
   * Restores actor states (entry i for worker i), applied by each worker before its next unroll.
   *
   * @param states - one state per worker, e.g. from {@link WorkerActorFleet.getActorStates}.
   */
  async setActorStates(states: readonly ActorState[]): Promise<void> {
    if (states.length !== this.#slots.length) throw new AgentError(`${FN}: setActorStates got ${states.length} states for ${this.#slots.length} workers`);
    this.#throwIfUnusable('setActorStates');
    await Promise.all(this.#slots.map((slot, i) => this.#request(slot, (id) => ({ type: 'set-state', id, state: states[i]! }))));
    this.#slots.forEach((slot, i) => {
      slot.state = states[i]!;
    });
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
    if (!this.#closed && !this.#failure) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, timeoutMs));
      });
      const late = new Set(this.#slots.filter((s) => !s.dropped));
      const answered = Promise.all([...late].map((slot) => this.#request(slot, (id) => ({ type: 'get-state', id })).then(() => { late.delete(slot); }))).then(
        () => undefined,
        (error: unknown) => {
          if (error !== this.#failure) throw error;
        },
      );
      try {
        await Promise.race([answered, timeout]);
      } finally {
        clearTimeout(timer);
      }
      if (late.size > 0) {
        this.#warn(`${FN}.actorStates: actor(s) ${[...late].map((s) => s.index).join(', ')} did not answer within ${timeoutMs / 1000} s: their last reported states are used`);
      }
    }
    return this.#slots.map((s) => ({ rng: [...s.state.rng], unrolls: s.state.unrolls }));
  }

  #throwIfUnusable(what: string): void {
    if (this.#failure) throw this.#failure;
    if (this.#closed) throw new AgentError(`${FN}: ${what} after close()`);
  }

  #request(slot: WorkerSlot, message: (id: number) => ToActorWorker): Promise<void> {
    const id = this.#nextRequestId++;
    return new Promise<void>((resolve, reject) => {
      this.#requests.set(id, { slot, resolve, reject });
      this.#post(slot, message(id));
    });
  }

  /**
   * Terminates every worker and ends iteration (pending and later {@link WorkerActorFleet.take} calls return
   * null). Safe to call more than once, and after a failure.
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      if (this.#watch !== null) clearInterval(this.#watch);
      for (const waiter of this.#waiters.splice(0)) waiter.resolve({ done: true, value: undefined });
      // Outstanding state requests end with the last reported states.
      for (const request of this.#requests.values()) request.resolve();
      this.#requests.clear();
      this.#inbox.length = 0;
      this.#terminated ??= this.#terminate();
    }
    await this.#terminated;
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
