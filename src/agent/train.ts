import { appendFile, mkdir, readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendRequest } from '../backends/backend-names.js';
import { BatchingQueue } from '../batching/batching-queue.js';
import { BatcherClosedError } from '../batching/errors.js';
import { createEnvRegistry } from '../envs/registry.js';
import { isBuiltinAsyncEnvId } from '../envs/make-envs.js';
import { makeAllActorEnvs } from './make-actor-envs.js';
import { actorSeed } from './actor-seed.js';
import type { RewardClipping } from '../losses/reward-clipping.js';
import { writeLearningCurve } from '../metrics/plot.js';
import { TensorBoardWriter } from '../metrics/tensorboard-writer.js';
import type { ImpalaNetwork } from '../networks/impala-network.js';
import type { BuiltInTorso } from '../networks/network-options.js';
import { Actor, type ActorState } from './actor.js';
import { buildNetwork } from './build-network.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { Learner, type LearnerStepMetrics } from './learner.js';
import type { EpisodeStats, Trajectory } from './trajectory.js';
import { WorkerActorPool } from './worker-actor-pool.js';

/** Where {@link train} runs its actors; see {@link TrainConfig.actorMode}. */
export type ActorMode = 'auto' | 'inline' | 'workers';

export { buildNetwork, describeSpaces } from './build-network.js';

/** Configuration of {@link train}. Every field is JSON-serialisable (it is saved with checkpoints). */
export interface TrainConfig {
  /** Environment id for `makeEnv` (e.g. `'CartPole-v1'`), or a list of ids for multi-task training (round-robin over environments). */
  readonly env: string | readonly string[];
  /** Options passed to `makeEnv`. */
  readonly envOptions?: Readonly<Record<string, unknown>>;
  /** Environment frames to train for (`B·T·actionRepeats` per update). */
  readonly totalFrames: number;
  /**
   * Seed of network initialisation, action sampling and environment resets.
   * @defaultValue 1
   */
  readonly seed?: number;
  /**
   * Actors (each with its own network copy, refreshed between unrolls).
   * @defaultValue 1
   */
  readonly numActors?: number;
  /**
   * Environments per actor, stepped together with batched inference.
   * @defaultValue 8
   */
  readonly envsPerActor?: number;
  /**
   * Unroll length T.
   * @defaultValue 20
   */
  readonly unrollLength?: number;
  /**
   * Trajectories per learner update (B).
   * @defaultValue 8
   */
  readonly batchSize?: number;
  /**
   * Network torso.
   * @defaultValue 'mlp' for vector observations, 'deep' for images
   */
  readonly torso?: BuiltInTorso;
  /**
   * LSTM units; 0 for a feed-forward core.
   * @defaultValue 0 for vector observations, 256 for images
   */
  readonly lstmSize?: number;
  /** Hidden layer sizes of the MLP torso. */
  readonly mlpHiddenSizes?: readonly number[];
  /** γ. @defaultValue 0.99 */
  readonly discount?: number;
  /** Baseline loss weight. @defaultValue 0.5 */
  readonly baselineCost?: number;
  /** Entropy bonus weight. @defaultValue 0.00025 */
  readonly entropyCost?: number;
  /** Reward clipping. @defaultValue 'abs_one' */
  readonly rewardClipping?: RewardClipping;
  /** Rewards are multiplied by this before clipping. @defaultValue 1 */
  readonly rewardScale?: number;
  /** Initial learning rate (linear decay to 0 over `totalFrames`). @defaultValue 0.00048 */
  readonly learningRate?: number;
  /** `'rmsprop'` (TF semantics) or `'adam'`. @defaultValue 'rmsprop' */
  readonly optimizer?: 'rmsprop' | 'adam';
  /** RMSProp ε. @defaultValue 0.1 */
  readonly rmspropEpsilon?: number;
  /** RMSProp decay. @defaultValue 0.99 */
  readonly rmspropDecay?: number;
  /** Global-norm gradient clipping (null: none). @defaultValue null */
  readonly maxGradNorm?: number | null;
  /** Frames per agent step, for the frame counter. @defaultValue 1 */
  readonly actionRepeats?: number;
  /**
   * Run directory: metrics (`metrics.jsonl`, `metrics.csv`, `episodes.csv`), TensorBoard event files
   * (`tensorboard/`), the learning curve (`learning-curve.svg`, written at the end) and checkpoints.
   * Nothing is written when omitted.
   */
  readonly runDir?: string;
  /** Seconds between checkpoints (also written at the end). @defaultValue 600 */
  readonly checkpointIntervalSeconds?: number;
  /** Continue from the checkpoint in `runDir` if there is one. @defaultValue false */
  readonly resume?: boolean;
  /**
   * Where the actors run: `'inline'` in this thread's event loop, interleaved with the learner; `'workers'`
   * one `worker_threads` worker per actor (a `WorkerActorPool`; the learner stays in this thread, parameters
   * and trajectories travel as transferred typed arrays); `'auto'` picks with {@link resolveActorMode}.
   * @defaultValue 'auto'
   */
  readonly actorMode?: ActorMode;
  /**
   * tfjs backend of the actor workers (`'workers'` mode); each worker loads it with `useBackend`.
   * @defaultValue the backend this thread computes with (`tf.getBackend()`)
   */
  readonly actorBackend?: BackendRequest;
  /**
   * A module (path or file URL) every actor worker imports before making its environments: env ids added with
   * `registerEnv` exist only in the thread that registered them, so register custom envs there. Without it,
   * `'auto'` keeps actors inline when an env id is not built in.
   */
  readonly workerSetupModule?: string;
}

/** Progress reported after every learner update. */
export interface TrainProgress extends Omit<LearnerStepMetrics, 'episodes'> {
  /** Mean return of the last 100 finished episodes (NaN before the first). */
  readonly meanReturn100: number;
  /** Episodes finished so far (this session and before a resume). */
  readonly episodes: number;
  /** Episodes that finished in this update's batch. */
  readonly newEpisodes: readonly EpisodeStats[];
  /** Environment frames per second over the session. */
  readonly framesPerSecond: number;
  /** Updates per second over the session. */
  readonly updatesPerSecond: number;
  /** Trajectories waiting in the learner queue. */
  readonly queueSize: number;
  /** Seconds since the start (including before a resume). */
  readonly elapsedSeconds: number;
}

/** Options of {@link train} that are not part of the saved configuration. */
export interface TrainHooks {
  /** Called after every update. */
  readonly onProgress?: (progress: TrainProgress) => void;
  /** Stops training cleanly (a final checkpoint is written when `runDir` is set). */
  readonly signal?: AbortSignal;
}

/** What {@link train} returns. */
export interface TrainResult {
  /** Frames consumed in total. */
  readonly frames: number;
  /** Updates done in total. */
  readonly updates: number;
  /** Episodes finished (this session and before a resume). */
  readonly episodes: number;
  /** Mean return of the last 100 episodes. */
  readonly meanReturn100: number;
  /** All episode returns of this session, in order. */
  readonly returns: readonly number[];
  /** Whether the run stopped before `totalFrames` (abort). */
  readonly stopped: boolean;
  /** The checkpoint folder, when `runDir` was set. */
  readonly checkpoint: string | null;
  /** Seconds of training (including before a resume). */
  readonly elapsedSeconds: number;
  /** The trained network (the caller disposes it). */
  readonly network: ImpalaNetwork;
}

function envIds(config: TrainConfig): readonly string[] {
  return typeof config.env === 'string' ? [config.env] : config.env;
}

/**
 * The actor mode {@link train} uses for a configuration. `'auto'` picks `'workers'` when there are several actors,
 * more than 2 CPUs (`os.availableParallelism()`), and every env id can be made in a worker (built in, or a
 * `workerSetupModule` is given); otherwise `'inline'`. On 2 CPUs inline measured faster (docs/agent.md,
 * "Actors in worker threads").
 *
 * @param config - the training configuration.
 * @param cpus - CPUs available to the process.
 * @returns `'inline'` or `'workers'`.
 */
export function resolveActorMode(config: Pick<TrainConfig, 'actorMode' | 'numActors' | 'env' | 'workerSetupModule'>, cpus: number = availableParallelism()): 'inline' | 'workers' {
  const mode = config.actorMode ?? 'auto';
  if (!['auto', 'inline', 'workers'].includes(mode)) {
    throw new Error(`train: 'actorMode' must be 'auto', 'inline' or 'workers', got ${JSON.stringify(mode)}`);
  }
  if (mode !== 'auto') return mode;
  const builtins = createEnvRegistry();
  const portable = config.workerSetupModule !== undefined || (typeof config.env === 'string' ? [config.env] : config.env).every((id) => builtins.get(id)?.builtin === true || isBuiltinAsyncEnvId(id));
  return (config.numActors ?? 1) > 1 && cpus > 2 && portable ? 'workers' : 'inline';
}

/** The backend request matching this thread's tfjs backend. */
function currentBackend(): BackendRequest {
  const name = tf.getBackend();
  return name === 'cpu' || name === 'wasm' || name === 'tensorflow' ? name : 'auto';
}

/**
 * Trains an IMPALA agent on one machine: `numActors` actors (each stepping `envsPerActor` environments with
 * batched inference and its own copy of the network) feed a `BatchingQueue`; the learner takes batches of
 * `batchSize` trajectories, updates, and publishes new parameters that actors pick up between unrolls.
 * Actors and learner share one event loop (the embedded default).
 *
 * @param config - see {@link TrainConfig}; saved with checkpoints.
 * @param hooks - progress callback and abort signal.
 * @returns the final counters and the trained network.
 */
export async function train(config: TrainConfig, hooks: TrainHooks = {}): Promise<TrainResult> {
  const seed = config.seed ?? 1;
  const numActors = config.numActors ?? 1;
  const envsPerActor = config.envsPerActor ?? 8;
  const unrollLength = config.unrollLength ?? 20;
  const batchSize = config.batchSize ?? 8;
  for (const [k, v] of Object.entries({ numActors, envsPerActor, unrollLength, batchSize })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`train: '${k}' must be an integer >= 1, got ${v}`);
  }
  if (!(config.totalFrames > 0)) throw new Error(`train: 'totalFrames' must be > 0, got ${config.totalFrames}`);
  const ids = envIds(config);
  const workers = resolveActorMode(config) === 'workers';
  // In workers mode each worker makes its own envs; this thread needs one only to size the network.
  const envs = workers ? await makeAllActorEnvs(ids.slice(0, 1), 1, 1, config.envOptions) : await makeAllActorEnvs(ids, numActors, envsPerActor, config.envOptions);
  const network = buildNetwork(config, envs[0]![0]!, seed);
  const learner = new Learner({
    model: network,
    discount: config.discount,
    baselineCost: config.baselineCost,
    entropyCost: config.entropyCost,
    rewardClipping: config.rewardClipping,
    rewardScale: config.rewardScale,
    learningRate: config.learningRate,
    totalFrames: config.totalFrames,
    actionRepeats: config.actionRepeats,
    maxGradNorm: config.maxGradNorm ?? null,
    optimizer: config.optimizer ?? 'rmsprop',
    rmsprop: { epsilon: config.rmspropEpsilon ?? 0.1, decay: config.rmspropDecay ?? 0.99 },
  } as ConstructorParameters<typeof Learner>[0]);
  const actorNetworks = workers ? [] : envs.map(() => buildNetwork(config, envs[0]![0]!, seed));
  const actors = actorNetworks.map(
    (model, i) => new Actor({ envs: envs[i]!, model, unrollLength, seed: actorSeed(seed, i), actorId: i, parameterSource: learner }),
  );
  let restoredActorStates: readonly ActorState[] | undefined;

  let recentReturns: number[] = [];
  let priorSeconds = 0;
  let episodesBefore = 0;
  if (config.resume && config.runDir) {
    const checkpoint = await loadCheckpoint(config.runDir).catch(() => null);
    if (checkpoint) {
      network.setWeights(checkpoint.weights);
      learner.setState(checkpoint.learner);
      checkpoint.actors.forEach((s, i) => actors[i]?.setState(s));
      restoredActorStates = checkpoint.actors;
      recentReturns = [...checkpoint.recentReturns];
      priorSeconds = checkpoint.elapsedSeconds;
      episodesBefore = (checkpoint.config as { episodes?: number }).episodes ?? 0;
    }
  }

  let pool: WorkerActorPool | null = null;
  if (workers) {
    try {
      pool = await WorkerActorPool.start({
        numWorkers: numActors,
        config,
        backend: config.actorBackend ?? currentBackend(),
        parameters: learner.latest(),
        ...(restoredActorStates ? { actorStates: restoredActorStates.slice(0, numActors) } : {}),
        ...(config.workerSetupModule !== undefined ? { setupModule: config.workerSetupModule } : {}),
      });
    } catch (error) {
      learner.dispose();
      network.dispose();
      await Promise.all(envs.flat().map(async (e) => e.close?.()));
      throw error;
    }
  }
  const writer = config.runDir ? await MetricsWriter.open(config.runDir, envIds(config).join(', ')) : null;
  const queue = new BatchingQueue<Trajectory>({ batchSize, maximumQueueSize: batchSize * 2 });
  const started = performance.now();
  const startFrames = learner.frames;
  const startUpdates = learner.updates;
  const returns: number[] = [];
  let lastCheckpoint = performance.now();
  const checkpointEvery = (config.checkpointIntervalSeconds ?? 600) * 1000;
  let stopped = false;
  let checkpointPath: string | null = null;

  const writeCheckpoint = async (): Promise<void> => {
    if (!config.runDir) return;
    checkpointPath = await saveCheckpoint(config.runDir, {
      config: { ...config, episodes: episodesBefore + returns.length },
      weights: network.getFlatWeights(),
      weightSpecs: network.weightSpecs.map((w) => ({ name: w.name, shape: [...w.shape] })),
      learner: learner.getState(),
      actors: pool ? await pool.getActorStates() : actors.map((a) => a.getState()),
      recentReturns,
      elapsedSeconds: priorSeconds + (performance.now() - started) / 1000,
      savedAt: new Date().toISOString(),
    });
    lastCheckpoint = performance.now();
  };

  const actorLoops = actors.map(async (actor) => {
    try {
      while (!queue.closed) {
        const trajectories = await actor.unroll();
        for (const t of trajectories) await queue.put(t);
      }
    } catch (error) {
      if (!(error instanceof BatcherClosedError)) throw error;
    }
  });
  const workerPool = pool;
  if (workerPool) {
    // One loop forwards every worker's unrolls; taking an unroll gives its worker a credit, so at most
    // numActors·2 unrolls wait beyond the queue's bound.
    actorLoops.push((async () => {
      try {
        for await (const trajectories of workerPool) {
          for (const t of trajectories) await queue.put(t);
        }
      } catch (error) {
        if (!(error instanceof BatcherClosedError)) throw error;
      }
    })());
  }
  // Surface an actor crash immediately instead of waiting on an empty queue.
  const actorFailure = Promise.all(actorLoops).then(() => undefined);
  const failure: { error: Error | null } = { error: null };
  actorFailure.catch((e: unknown) => {
    failure.error = e instanceof Error ? e : new Error(String(e));
    queue.close(failure.error);
  });

  try {
    while (learner.frames < config.totalFrames) {
      if (hooks.signal?.aborted) {
        stopped = true;
        break;
      }
      let batch: Trajectory[];
      try {
        batch = await queue.get();
      } catch (error) {
        throw failure.error ?? error;
      }
      const m = learner.step(batch);
      pool?.publish(learner.latest());
      for (const e of m.episodes) {
        returns.push(e.episodeReturn);
        recentReturns.push(e.episodeReturn);
      }
      if (recentReturns.length > 100) recentReturns = recentReturns.slice(-100);
      const seconds = (performance.now() - started) / 1000;
      const { episodes: newEpisodes, ...rest } = m;
      const progress: TrainProgress = {
        ...rest,
        newEpisodes,
        meanReturn100: recentReturns.length ? recentReturns.reduce((a, b) => a + b, 0) / recentReturns.length : NaN,
        episodes: episodesBefore + returns.length,
        framesPerSecond: (learner.frames - startFrames) / seconds,
        updatesPerSecond: (learner.updates - startUpdates) / seconds,
        queueSize: queue.size,
        elapsedSeconds: priorSeconds + seconds,
      };
      await writer?.write(progress);
      hooks.onProgress?.(progress);
      if (config.runDir && performance.now() - lastCheckpoint > checkpointEvery) await writeCheckpoint();
    }
  } finally {
    queue.close();
    if (pool) {
      // The final checkpoint asks the workers for their actor states: write it before closing the pool.
      try {
        await writeCheckpoint();
      } finally {
        await pool.close();
        await Promise.allSettled(actorLoops);
      }
    } else {
      await Promise.allSettled(actorLoops);
      await writeCheckpoint();
    }
    await writer?.close();
    actors.forEach((a) => {
      a.dispose();
    });
    actorNetworks.forEach((n) => {
      n.dispose();
    });
    learner.dispose();
    await Promise.all(envs.flat().map(async (e) => e.close?.()));
  }
  return {
    frames: learner.frames,
    updates: learner.updates,
    episodes: episodesBefore + returns.length,
    meanReturn100: recentReturns.length ? recentReturns.reduce((a, b) => a + b, 0) / recentReturns.length : NaN,
    returns,
    stopped,
    checkpoint: checkpointPath,
    elapsedSeconds: priorSeconds + (performance.now() - started) / 1000,
    network,
  };
}

/**
 * Appends per-update metrics to `metrics.jsonl` and `metrics.csv`, finished episodes to `episodes.csv`,
 * scalars to TensorBoard event files in `tensorboard/`, and draws `learning-curve.svg` from the whole
 * history (earlier sessions of a resumed run included) when closed.
 */
class MetricsWriter {
  static readonly COLUMNS = ['frames', 'updates', 'elapsedSeconds', 'meanReturn100', 'episodes', 'totalLoss', 'policyLoss', 'baselineLoss', 'entropyLoss', 'entropy', 'gradNorm', 'learningRate', 'policyLag', 'framesPerSecond', 'updatesPerSecond', 'queueSize'] as const;

  #csvHeaderWritten = false;
  #episodesHeaderWritten = false;

  private constructor(
    private readonly dir: string,
    private readonly title: string,
    private readonly tensorboard: TensorBoardWriter,
  ) {}

  static async open(dir: string, title: string): Promise<MetricsWriter> {
    await mkdir(dir, { recursive: true });
    const w = new MetricsWriter(dir, title, await TensorBoardWriter.create(join(dir, 'tensorboard')));
    // A resumed run appends to the files of the first session: write the CSV headers only once.
    const hasContent = async (name: string) => (await stat(join(dir, name)).catch(() => null))?.size ?? 0;
    w.#csvHeaderWritten = (await hasContent('metrics.csv')) > 0;
    w.#episodesHeaderWritten = (await hasContent('episodes.csv')) > 0;
    return w;
  }

  async write(p: TrainProgress): Promise<void> {
    const row = MetricsWriter.COLUMNS.map((c) => p[c]);
    const jsonl = JSON.stringify(Object.fromEntries(MetricsWriter.COLUMNS.map((c) => [c, p[c]])));
    const csv = `${this.#csvHeaderWritten ? '' : `${MetricsWriter.COLUMNS.join(',')}\n`}${row.join(',')}\n`;
    this.#csvHeaderWritten = true;
    await appendFile(join(this.dir, 'metrics.jsonl'), `${jsonl}\n`);
    await appendFile(join(this.dir, 'metrics.csv'), csv);
    const scalars: Record<string, number> = {
      'loss/total': p.totalLoss,
      'loss/policy': p.policyLoss,
      'loss/baseline': p.baselineLoss,
      'loss/entropy': p.entropyLoss,
      'policy/entropy': p.entropy,
      'optim/grad_norm': p.gradNorm,
      'optim/learning_rate': p.learningRate,
      'system/policy_lag': p.policyLag,
      'system/frames_per_second': p.framesPerSecond,
      'system/updates_per_second': p.updatesPerSecond,
      'system/queue_size': p.queueSize,
    };
    if (Number.isFinite(p.meanReturn100)) scalars['episode/mean_return_100'] = p.meanReturn100;
    this.tensorboard.addScalars(scalars, p.frames);
    if (p.newEpisodes.length > 0) {
      for (const e of p.newEpisodes) {
        this.tensorboard.addScalar(e.task ? `episode/return/${e.task}` : 'episode/return', e.episodeReturn, p.frames);
      }
      const header = this.#episodesHeaderWritten ? '' : 'frames,actor,env,task,return,length,truncated\n';
      this.#episodesHeaderWritten = true;
      const lines = p.newEpisodes.map((e) => `${p.frames},${e.actorId},${e.envIndex},${e.task ?? ''},${e.episodeReturn},${e.episodeLength},${e.truncated}`);
      await appendFile(join(this.dir, 'episodes.csv'), `${header}${lines.join('\n')}\n`);
    }
  }

  async close(): Promise<void> {
    await this.tensorboard.close();
    const points = (await readFile(join(this.dir, 'metrics.jsonl'), 'utf8').catch(() => ''))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { frames: number; meanReturn100: number | null })
      .map((m) => ({ x: m.frames, y: m.meanReturn100 ?? NaN }));
    const raw = (await readFile(join(this.dir, 'episodes.csv'), 'utf8').catch(() => ''))
      .split('\n')
      .slice(1)
      .filter((l) => l !== '')
      .map((l) => l.split(','))
      .map((cells) => ({ x: Number(cells[0]), y: Number(cells[4]) }));
    await writeLearningCurve(join(this.dir, 'learning-curve.svg'), [{ name: 'mean return (last 100 episodes)', points, raw }], {
      title: this.title,
      xLabel: 'environment frames',
      yLabel: 'episode return',
    });
  }
}
