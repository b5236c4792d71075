import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendRequest } from '../backends/backend-names.js';
import type { ActorState } from './actor.js';
import type { ActorWorkerConfig, ActorWorkerInit, FromActorWorker, ToActorWorker } from './actor-worker-protocol.js';
import type { Trajectory } from './trajectory.js';
import { AgentError } from './errors.js';

export type { ActorWorkerConfig } from './actor-worker-protocol.js';

/**
 * Parameters for the workers, in the shape of the learner's `ParameterSnapshot` (so `learner.latest()` can be
 * passed as it is).
 */
export interface VersionedWeights {
  /** Parameter version; trajectories made with these weights carry it as `policyVersion`. */
  readonly version: number;
  /** All weights as one flat array, in the network's `getFlatWeights()` order. */
  readonly weights: Float32Array;
}

/** Options of {@link WorkerActorPool.start}. */
export interface WorkerActorPoolOptions {
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
  /** Parameters to start from, sent to every worker. Without them, workers wait for the first {@link WorkerActorPool.publish}. */
  readonly parameters?: VersionedWeights;
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
}

interface WorkerSlot {
  readonly worker: Worker;
  readonly index: number;
  state: ActorState;
  /** Parameter version last sent to the worker. */
  sentVersion: number;
  /** Unrolls the worker may still run as far as this thread knows (its credits minus the unrolls received). */
  credits: number;
  exited: boolean;
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

const FN = 'WorkerActorPool';

/**
 * Where the worker entry lives and how to start it, relative to the module that contains this code: in the
 * published package that is a file in `dist/` (ESM `.js` or CommonJS `.cjs`, where tsup shims
 * `import.meta.url`), next to which tsup emits `actor-worker.js`/`.cjs`; in the sources it is
 * `src/agent/worker-actor-pool.ts`, next to `actor-worker.ts`. A `.ts` entry is started through a small
 * bootstrap that registers tsx's ESM loader in the worker first: on Node 20, `execArgv: ['--import', 'tsx']`
 * does not apply tsx's hooks to a worker's entry ("Unknown file extension .ts").
 */
function resolveWorkerEntry(moduleUrl: string): { url: URL; bootstrap?: string } {
  const ext = /\.(c?js|mjs|m?ts)$/.exec(new URL(moduleUrl).pathname)?.[1];
  if (ext !== 'ts' && ext !== 'mts') return { url: new URL(ext === 'cjs' ? './actor-worker.cjs' : './actor-worker.js', moduleUrl) };
  const url = new URL('./actor-worker.ts', moduleUrl);
  let api: string;
  try {
    const packageJson = createRequire(moduleUrl).resolve('tsx/package.json');
    const exportsMap = (JSON.parse(readFileSync(packageJson, 'utf8')) as { exports?: Record<string, { import?: { default?: string } }> }).exports;
    api = new URL(exportsMap?.['./esm/api']?.import?.default ?? './dist/esm/api/index.mjs', pathToFileURL(packageJson)).href;
  } catch (error) {
    throw new AgentError(`${FN}: running from TypeScript sources (${moduleUrl}) needs tsx to load the worker, and tsx was not found`, { cause: error });
  }
  const bootstrap = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
  return { url, bootstrap };
}

/**
 * The Node options a worker inherits: the process's, without `--input-type`, which is only valid for code given
 * with `--eval` and makes a worker started from a file fail (ERR_INPUT_TYPE_NOT_ALLOWED).
 */
function workerExecArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--input-type') i++;
    else if (!arg.startsWith('--input-type=')) out.push(arg);
  }
  return out;
}

/** An Error for a worker's failure, carrying the worker's own stack. */
function workerError(index: number, name: string, message: string, stack: string): Error {
  const cause = new Error(message);
  cause.name = name;
  cause.stack = stack;
  const error = new Error(`${FN}: worker ${index} failed: ${message}`, { cause });
  error.stack = `${error.name}: ${error.message}\n    --- worker ${index} stack ---\n${stack}`;
  return error;
}

/**
 * IMPALA actors in `worker_threads`: K workers, each with its own environments (`makeEnv`), its own network
 * copy (`buildNetwork`), its own tfjs backend and an `Actor`, unrolling in a loop. The main thread (the
 * learner) takes their trajectories from the pool and publishes new parameters with
 * {@link WorkerActorPool.publish}; both directions transfer the typed arrays' buffers instead of copying them.
 *
 * - Parameters: every worker gets its own copy of each published `{ version, weights }`; a worker applies the
 *   newest it has received before each unroll, and its trajectories carry that version (`policyVersion`), so
 *   the learner's policy lag is measured as in-process.
 * - Backpressure: a worker runs at most `maxUnrollsAhead` unrolls ahead of the consumer; it gets a credit
 *   back each time one of its unrolls is taken, so a learner queue bound holds.
 * - Errors: a failing worker (e.g. an unknown env id) makes the pending and every later {@link WorkerActorPool.take}
 *   reject with an error that has the worker's message and stack; the pool then terminates all workers.
 * - Shutdown: {@link WorkerActorPool.close} terminates the workers; the process can then exit.
 *
 * @example
 * ```ts
 * const pool = await WorkerActorPool.start({ numWorkers: 2, config: { env: 'CartPole-v1', unrollLength: 20 },
 *   parameters: learner.latest() });
 * for await (const trajectories of pool) {          // one unroll of one worker: envsPerActor trajectories
 *   for (const t of trajectories) await queue.put(t);
 * }
 * // elsewhere, after each update: pool.publish(learner.latest()); at the end: await pool.close();
 * ```
 */
export class WorkerActorPool implements AsyncIterable<Trajectory[]> {
  readonly #slots: WorkerSlot[];
  readonly #inbox: { slot: WorkerSlot; trajectories: Trajectory[] }[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #requests = new Map<number, StateRequest>();
  #nextRequestId = 0;
  #failure: Error | null = null;
  #closed = false;
  #terminated: Promise<void> | null = null;
  #latest: VersionedWeights | null = null;
  #handOutScheduled = false;
  #backend = '';

  private constructor(slots: WorkerSlot[]) {
    this.#slots = slots;
  }

  /**
   * Starts the workers and waits until each has built its environments, network and backend.
   *
   * @param options - see {@link WorkerActorPoolOptions}.
   * @returns the running pool.
   * @throws when a worker fails to start (the others are terminated).
   */
  static async start(options: WorkerActorPoolOptions): Promise<WorkerActorPool> {
    const { numWorkers } = options;
    const credits = options.maxUnrollsAhead ?? 2;
    if (!Number.isInteger(numWorkers) || numWorkers < 1) throw new AgentError(`${FN}: 'numWorkers' must be an integer >= 1, got ${numWorkers}`);
    if (!Number.isInteger(credits) || credits < 1) throw new AgentError(`${FN}: 'maxUnrollsAhead' must be an integer >= 1, got ${credits}`);
    if (options.actorStates && options.actorStates.length > numWorkers) {
      throw new AgentError(`${FN}: ${options.actorStates.length} actor states for ${numWorkers} workers`);
    }
    const entry: { url: URL; bootstrap?: string } = options.workerUrl ? { url: options.workerUrl } : resolveWorkerEntry(import.meta.url);
    if (entry.url.protocol === 'file:' && !existsSync(fileURLToPath(entry.url))) {
      throw new AgentError(`${FN}: the worker entry ${entry.url.href} does not exist (was impala-rl bundled? pass 'workerUrl')`);
    }
    const setupModule = options.setupModule === undefined ? null : moduleUrl(options.setupModule);
    const flags = { IS_TEST: tf.env().getBool('IS_TEST'), PROD: tf.env().getBool('PROD') };
    const slots = Array.from({ length: numWorkers }, (_, index): WorkerSlot => {
      const state = options.actorStates?.[index];
      const init: ActorWorkerInit = {
        config: options.config,
        index,
        backend: options.backend ?? 'cpu',
        credits,
        actorState: state ?? null,
        setupModule,
        flags,
      };
      const execArgv = workerExecArgv(process.execArgv);
      const worker = entry.bootstrap === undefined
        ? new Worker(entry.url, { workerData: init, execArgv })
        : new Worker(entry.bootstrap, { eval: true, workerData: init, execArgv });
      return { worker, index, state: state ?? { rng: [], unrolls: 0 }, sentVersion: -1, credits, exited: false };
    });
    const pool = new WorkerActorPool(slots);
    try {
      await pool.#listen();
    } catch (error) {
      await pool.close();
      throw error;
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

  /** Whether {@link WorkerActorPool.close} was called. */
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
      const failed = (error: Error): void => {
        this.#fail(error);
        reject(error);
      };
      for (const slot of this.#slots) {
        const { worker, index } = slot;
        worker.on('message', (message: FromActorWorker) => {
          if (message.type === 'ready') {
            this.#backend = message.backend;
            if (++ready === this.#slots.length) resolve();
          } else if (message.type === 'error') {
            failed(workerError(index, message.name, message.message, message.stack));
          } else {
            this.#receive(slot, message);
          }
        });
        worker.on('error', (error: Error) => {
          failed(workerError(index, error.name, error.message, error.stack ?? String(error)));
        });
        worker.on('messageerror', (error: Error) => {
          failed(workerError(index, error.name, `a message could not be deserialised: ${error.message}`, error.stack ?? ''));
        });
        worker.on('exit', (code) => {
          slot.exited = true;
          if (!this.#closed) failed(new Error(`${FN}: worker ${index} exited unexpectedly with code ${code}`));
        });
      }
    });
  }

  #receive(slot: WorkerSlot, message: Exclude<FromActorWorker, { type: 'ready' | 'error' }>): void {
    if (message.type === 'trajectories') {
      slot.state = message.state;
      slot.credits--;
      if (this.#closed || this.#failure) return;
      this.#inbox.push({ slot, trajectories: message.trajectories });
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
        this.#credit(item.slot);
        this.#waiters.shift()!.resolve({ done: false, value: item.trajectories });
      }
    });
  }

  /** Gives a worker one more unroll, with the newest parameters when it has not got them yet. */
  #credit(slot: WorkerSlot): void {
    const latest = this.#latest;
    if (latest && latest.version > slot.sentVersion) {
      const weights = latest.weights.slice();
      this.#post(slot, { type: 'credit', parameters: { version: latest.version, weights } }, [weights.buffer]);
      slot.sentVersion = latest.version;
    } else {
      this.#post(slot, { type: 'credit', parameters: null });
    }
    slot.credits++;
  }

  #post(slot: WorkerSlot, message: ToActorWorker, transfer: ArrayBuffer[] = []): void {
    if (!slot.exited) slot.worker.postMessage(message, transfer);
  }

  #fail(error: Error): void {
    if (this.#failure || this.#closed) return;
    this.#failure = error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    for (const request of this.#requests.values()) request.reject(error);
    this.#requests.clear();
    this.#inbox.length = 0;
    this.#terminated = this.#terminate();
  }

  async #terminate(): Promise<void> {
    await Promise.all(this.#slots.map(async (slot) => {
      if (!slot.exited) await slot.worker.terminate();
      slot.exited = true;
    }));
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
  publish(snapshot: VersionedWeights): void {
    if (this.#closed || this.#failure) return;
    this.#latest = snapshot;
    for (const slot of this.#slots) {
      if (snapshot.version <= slot.sentVersion || slot.credits <= 0) continue;
      const weights = snapshot.weights.slice();
      this.#post(slot, { type: 'parameters', version: snapshot.version, weights }, [weights.buffer]);
      slot.sentVersion = snapshot.version;
    }
  }

  /** The last snapshot given to {@link WorkerActorPool.publish}, or null. */
  get latestParameters(): VersionedWeights | null {
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
   * Iterator protocol form of {@link WorkerActorPool.take}.
   *
   * @returns the next unroll, or `done` once the pool is closed.
   */
  next(): Promise<IteratorResult<Trajectory[], undefined>> {
    if (this.#failure) return Promise.reject(this.#failure);
    // Earlier takers still waiting for a hand-out go first.
    const item = this.#waiters.length === 0 ? this.#inbox.shift() : undefined;
    if (item) {
      this.#credit(item.slot);
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
   * @param states - one state per worker, e.g. from {@link WorkerActorPool.getActorStates}.
   */
  async setActorStates(states: readonly ActorState[]): Promise<void> {
    if (states.length !== this.#slots.length) throw new AgentError(`${FN}: setActorStates got ${states.length} states for ${this.#slots.length} workers`);
    this.#throwIfUnusable('setActorStates');
    await Promise.all(this.#slots.map((slot, i) => this.#request(slot, (id) => ({ type: 'set-state', id, state: states[i]! }))));
    this.#slots.forEach((slot, i) => {
      slot.state = states[i]!;
    });
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
   * Terminates every worker and ends iteration (pending and later {@link WorkerActorPool.take} calls return
   * null). Safe to call more than once, and after a failure.
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
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

function moduleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  return /^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module) ? module : pathToFileURL(module).href;
}
