/**
 * `PageTrainer`: IMPALA training inside a web page's main thread, with start, pause, resume and stop, and the
 * metrics kept in memory. The same pieces as `train` (Actor, Learner, BatchingQueue), without the file system.
 */
import { actorSeed } from '../agent/actor-seed.js';
import { Actor, type ActorEnv } from '../agent/actor.js';
import { buildNetwork } from '../agent/build-network.js';
import type { Checkpoint } from '../agent/checkpoint.js';
import { createLearner } from '../agent/create-learner.js';
import type { Learner } from '../agent/learner.js';
import { resolveTrainConfig } from '../agent/train-config.js';
import type { TrainConfig } from '../agent/train.js';
import type { Trajectory } from '../agent/trajectory.js';
import { BatchingQueue } from '../batching/batching-queue.js';
import { BatcherClosedError } from '../batching/errors.js';
import { makeEnv } from '../envs/registry.js';
import type { ImpalaNetwork } from '../networks/impala-network.js';
import type { ActorState } from '../agent/actor.js';
import type { BrowserBackendRequest } from './backend.js';
import { nextMacrotask } from '../internal/macrotask.js';
import { MetricsSeries, type MetricsPoint } from './metrics-series.js';
import { WebWorkerActorFleet } from './web-worker-actor-fleet.js';
import type { WebWorkerLike } from './web-worker-channel.js';

/**
 * Configuration of a {@link PageTrainer}: `train`'s, less what needs a file system or threads (run directory,
 * checkpoint interval, resume, actor workers).
 * @category Browser
 */
export type PageTrainerConfig = Omit<TrainConfig, 'runDir' | 'checkpointIntervalSeconds' | 'resume' | 'actorMode' | 'actorBackend' | 'workerSetupModule'>;

/**
 * Where an environment sits, for {@link PageTrainerOptions.wrapEnv}.
 * @category Browser
 */
export interface EnvSlotInfo {
  /** The actor that steps it. */
  readonly actorId: number;
  /** Its index among that actor's environments. */
  readonly envIndex: number;
}

/**
 * Options of {@link PageTrainer} that are not part of the configuration.
 * @category Browser
 */
export interface PageTrainerOptions {
  /**
   * Wraps (or replaces) each environment after `makeEnv` made it: e.g. to watch one environment and draw it.
   * @defaultValue none
   */
  readonly wrapEnv?: (env: ActorEnv, slot: EnvSlotInfo) => ActorEnv;
  /**
   * Called after every learner update with its metrics.
   * @defaultValue none
   */
  readonly onUpdate?: (point: MetricsPoint, trainer: PageTrainer) => void;
  /**
   * Milliseconds of training between yields to the browser (rendering and input run in between).
   * @defaultValue 12
   */
  readonly sliceMs?: number;
  /**
   * Stop once the mean return of the last 100 episodes reaches this (besides `totalFrames`).
   * @defaultValue none
   */
  readonly targetMeanReturn?: number;
  /**
   * Runs the actors in Web Workers instead of the page's thread: called once per actor (`numActors` times) to
   * create its worker, whose module calls `serveActorInWebWorker` (see there), and again for an actor whose worker
   * hung (sent nothing for the config's `actorTimeoutSeconds`; it is terminated). The learner stays in the page.
   * `wrapEnv` is not applied to the workers' environments (they live in the workers).
   * @defaultValue none: the actors run in the page's thread
   */
  readonly actorWorker?: (actorId: number) => WebWorkerLike;
  /**
   * The backend the Web Worker actors select (`useBrowserBackend`; the worker module imports its package).
   * @defaultValue 'cpu'
   */
  readonly actorWorkerBackend?: BrowserBackendRequest;
}

/**
 * Where a {@link PageTrainer} is.
 * @category Browser
 */
export type PageTrainerStatus = 'idle' | 'running' | 'paused' | 'finished' | 'stopped' | 'failed';

/**
 * Trains an IMPALA agent in the page: `numActors` inline actors (or, with {@link PageTrainerOptions.actorWorker},
 * actors in Web Workers) (each stepping `envsPerActor` environments with
 * batched inference) feed a `BatchingQueue`; the learner updates on `batchSize` trajectories and publishes
 * parameters the actors pick up between unrolls. Work runs in slices of `sliceMs` so the page stays responsive;
 * {@link PageTrainer.pause} holds the learner between updates (the actors then stop at the full queue).
 * Select a backend first (`useBrowserBackend`). Metrics go to {@link PageTrainer.metrics}; checkpoints come from
 * {@link PageTrainer.checkpoint} for `saveBrowserCheckpoint`.
 *
 * @example
 * ```ts
 * const trainer = new PageTrainer({ env: 'CartPole-v1', ...presetFor('CartPole-v1') }, { targetMeanReturn: 475 });
 * await trainer.run(); // or trainer.start(), trainer.pause(), trainer.resume()
 * console.log(trainer.metrics.meanReturn);
 * trainer.dispose();
 * ```
 * @category Browser
 */
export class PageTrainer {
  /** The configuration. */
  readonly config: PageTrainerConfig;
  /** Metrics of every update and episode. */
  readonly metrics = new MetricsSeries();
  /** The learner's network (the actors act with copies). */
  readonly network: ImpalaNetwork;
  readonly #options: PageTrainerOptions;
  readonly #batchSize: number;
  readonly #envs: ActorEnv[][];
  readonly #actorNetworks: ImpalaNetwork[];
  readonly #actors: Actor[];
  readonly #learner: Learner;
  #status: PageTrainerStatus = 'idle';
  #run: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #activeMs = 0;
  #priorSeconds = 0;
  #error: Error | null = null;
  #disposed = false;
  /** With `actorWorker`: the actor states last reported by the workers (or restored, before start). */
  #workerStates: ActorState[] | null = null;
  #fleet: WebWorkerActorFleet | null = null;

  /**
   * Makes the environments, networks, actors and learner (nothing runs until {@link PageTrainer.start}).
   *
   * @param config - as for `train` (e.g. `{ env: 'CartPole-v1', ...presetFor('CartPole-v1') }`).
   * @param options - environment wrapping, update callback, slicing, target.
   */
  constructor(config: PageTrainerConfig, options: PageTrainerOptions = {}) {
    // Defaults and checks come from train's configuration (one owner of the defaults).
    const resolved = resolveTrainConfig(config);
    const { numActors, envsPerActor, unrollLength } = resolved;
    this.config = config;
    this.#batchSize = resolved.batchSize;
    this.#options = options;
    const seed = resolved.seed;
    const ids = typeof config.env === 'string' ? [config.env] : config.env;
    let made = 0;
    if (options.actorWorker) {
      // The actors and their environments live in the workers; one environment here gives the network's shapes.
      const probe = makeEnv(ids[0]!, { ...config.envOptions }) as unknown as ActorEnv;
      this.network = buildNetwork(config, probe, seed);
      void probe.close?.();
      this.#learner = createLearner(resolved, this.network);
      this.#envs = [];
      this.#actorNetworks = [];
      this.#actors = [];
      this.#workerStates = Array.from({ length: numActors }, () => ({ rng: [], unrolls: 0 }));
      return;
    }
    this.#envs = Array.from({ length: numActors }, (_, actorId) =>
      Array.from({ length: envsPerActor }, (_, envIndex) => {
        const env = makeEnv(ids[made++ % ids.length]!, { ...config.envOptions }) as unknown as ActorEnv;
        return options.wrapEnv ? options.wrapEnv(env, { actorId, envIndex }) : env;
      }),
    );
    const first = this.#envs[0]![0]!;
    this.network = buildNetwork(config, first, seed);
    this.#learner = createLearner(resolved, this.network);
    this.#actorNetworks = this.#envs.map(() => buildNetwork(config, first, seed));
    this.#actors = this.#actorNetworks.map(
      (model, i) => new Actor({ envs: this.#envs[i]!, model, unrollLength, seed: actorSeed(seed, i), actorId: i, parameterSource: this.#learner }),
    );
  }

  /** Where training is. */
  get status(): PageTrainerStatus {
    return this.#status;
  }

  /** The error that ended training, when {@link PageTrainer.status} is `'failed'`. */
  get error(): Error | null {
    return this.#error;
  }

  /** Frames consumed. */
  get frames(): number {
    return this.#learner.frames;
  }

  /** Updates done. */
  get updates(): number {
    return this.#learner.updates;
  }

  /** Seconds of training, paused time excluded (and including time before a restored checkpoint). */
  get elapsedSeconds(): number {
    return this.#priorSeconds + this.#activeMs / 1000;
  }

  /**
   * Starts (or resumes) training in the background; returns at once. {@link PageTrainer.run} waits for the end.
   */
  start(): void {
    if (this.#disposed) throw new Error('PageTrainer: disposed');
    if (this.#status === 'paused') {
      this.resume();
      return;
    }
    if (this.#status !== 'idle') return;
    this.#status = 'running';
    this.#run = this.#loop().catch((error: unknown) => {
      this.#error = error instanceof Error ? error : new Error(String(error));
      this.#status = 'failed';
    });
  }

  /**
   * Starts training and waits until it finishes (`totalFrames` or the target reached), is stopped, or fails.
   *
   * @returns once training ended.
   * @throws the error training failed with.
   */
  async run(): Promise<void> {
    this.start();
    await this.#run;
    if (this.#error) throw this.#error;
  }

  /** Holds training after the current update. */
  pause(): void {
    if (this.#status === 'running') this.#status = 'paused';
  }

  /** Continues after {@link PageTrainer.pause}. */
  resume(): void {
    if (this.#status !== 'paused') return;
    this.#status = 'running';
    this.#wake?.();
  }

  /**
   * Ends training after the current update (it cannot be started again; make a new trainer).
   *
   * @returns once the loop has ended.
   */
  async stop(): Promise<void> {
    if (this.#status === 'running' || this.#status === 'paused') this.#status = 'stopped';
    this.#wake?.();
    await this.#run;
  }

  /**
   * A checkpoint of the current state (for `saveBrowserCheckpoint`); call it while paused or between updates.
   *
   * @returns weights, learner and actor states and recent returns.
   */
  checkpoint(): Checkpoint {
    return {
      config: { ...this.config, episodes: this.metrics.episodeCount },
      weights: this.network.getFlatWeights(),
      weightSpecs: this.network.weightSpecs.map((w) => ({ name: w.name, shape: [...w.shape] })),
      learner: this.#learner.getState(),
      actors: this.#workerStates ? (this.#fleet?.lastActorStates ?? this.#workerStates) : this.#actors.map((a) => a.getState()),
      recentReturns: this.metrics.recentReturns,
      elapsedSeconds: this.elapsedSeconds,
      savedAt: new Date().toISOString(),
    };
  }

  /**
   * Continues from a checkpoint (before {@link PageTrainer.start}); the configuration must build the same network.
   *
   * @param checkpoint - from `loadBrowserCheckpoint` (or `loadCheckpoint` in Node).
   */
  restore(checkpoint: Checkpoint): void {
    if (this.#status !== 'idle') throw new Error(`PageTrainer.restore: only before start (status '${this.#status}')`);
    this.network.setWeights(checkpoint.weights);
    this.#learner.setState(checkpoint.learner);
    checkpoint.actors.forEach((s, i) => this.#actors[i]?.setState(s));
    if (this.#workerStates) this.#workerStates = this.#workerStates.map((s, i) => checkpoint.actors[i] ?? s);
    this.metrics.restoreRecentReturns(checkpoint.recentReturns);
    this.#priorSeconds = checkpoint.elapsedSeconds;
  }

  /** Frees the tensors and closes the environments (stop first). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#actors.forEach((a) => {
      a.dispose();
    });
    this.#actorNetworks.forEach((n) => {
      n.dispose();
    });
    this.#learner.dispose();
    this.network.dispose();
    for (const env of this.#envs.flat()) void env.close?.();
  }

  async #loop(): Promise<void> {
    const batchSize = this.#batchSize;
    const queue = new BatchingQueue<Trajectory>({ batchSize, maximumQueueSize: batchSize * 2 });
    const fleet = this.#options.actorWorker ? await this.#startFleet() : null;
    const feed = async (unrolls: AsyncIterable<readonly Trajectory[]>): Promise<void> => {
      try {
        for await (const trajectories of unrolls) {
          for (const t of trajectories) await queue.put(t);
          if (queue.closed) break;
        }
      } catch (error) {
        if (!(error instanceof BatcherClosedError)) throw error;
      }
    };
    const actorLoops = fleet
      ? [feed(fleet)]
      : this.#actors.map(async (actor) => {
          try {
            while (!queue.closed) {
              const trajectories = await actor.unroll();
              for (const t of trajectories) await queue.put(t);
            }
          } catch (error) {
            if (!(error instanceof BatcherClosedError)) throw error;
          }
        });
    const failure: { error: Error | null } = { error: null };
    Promise.all(actorLoops).catch((e: unknown) => {
      failure.error = e instanceof Error ? e : new Error(String(e));
      queue.close(failure.error);
    });
    const sliceMs = this.#options.sliceMs ?? 12;
    const target = this.#options.targetMeanReturn;
    const startFrames = this.#learner.frames;
    let sliceStart = performance.now();
    let sliceOpen = true;
    try {
      while (this.#learner.frames < this.config.totalFrames) {
        if (this.#status === 'paused') {
          this.#activeMs += performance.now() - sliceStart;
          sliceOpen = false;
          await new Promise<void>((resolve) => (this.#wake = resolve));
          this.#wake = null;
          sliceStart = performance.now();
          sliceOpen = true;
        }
        if (this.#status !== 'running') break;
        let batch: Trajectory[];
        try {
          batch = await queue.get();
        } catch (error) {
          throw failure.error ?? error;
        }
        const m = this.#learner.step(batch);
        fleet?.publish(this.#learner.latest());
        this.metrics.addEpisodes(m.frames, m.episodes);
        const now = performance.now();
        const seconds = (this.#activeMs + now - sliceStart) / 1000;
        const point: MetricsPoint = {
          frames: m.frames,
          updates: m.updates,
          elapsedSeconds: this.#priorSeconds + seconds,
          meanReturn100: this.metrics.meanReturn,
          episodes: this.metrics.episodeCount,
          totalLoss: m.totalLoss,
          policyLoss: m.policyLoss,
          baselineLoss: m.baselineLoss,
          entropyLoss: m.entropyLoss,
          entropy: m.entropy,
          gradNorm: m.gradNorm,
          learningRate: m.learningRate,
          policyLag: m.policyLag,
          framesPerSecond: (m.frames - startFrames) / Math.max(seconds, 1e-9),
        };
        this.metrics.addPoint(point);
        this.#options.onUpdate?.(point, this);
        if (target !== undefined && this.metrics.meanReturn >= target && this.metrics.episodeCount >= 100) break;
        if (now - sliceStart >= sliceMs) {
          this.#activeMs += now - sliceStart;
          await nextMacrotask(); // the browser's turn: rendering and input run in between
          sliceStart = performance.now();
        }
      }
      if (this.#status === 'running' || this.#status === 'paused') this.#status = 'finished';
    } finally {
      if (sliceOpen) this.#activeMs += performance.now() - sliceStart;
      queue.close();
      if (fleet) {
        this.#workerStates = fleet.lastActorStates;
        await fleet.close();
      }
      await Promise.allSettled(actorLoops);
    }
  }

  /** Starts the Web Worker actors (`actorWorker`) with the learner's parameters and the actor states. */
  async #startFleet(): Promise<WebWorkerActorFleet> {
    const { actorWorker, actorWorkerBackend } = this.#options;
    const fleet = await WebWorkerActorFleet.start({
      numWorkers: this.#workerStates!.length,
      createWorker: actorWorker!,
      config: this.config,
      backend: actorWorkerBackend ?? 'cpu',
      actorTimeoutMs: resolveTrainConfig(this.config).actorTimeoutSeconds * 1000,
      parameters: this.#learner.latest(),
      ...(this.#workerStates!.some((s) => s.rng.length > 0) ? { actorStates: this.#workerStates! } : {}),
    });
    this.#fleet = fleet;
    return fleet;
  }
}
