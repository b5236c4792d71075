/**
 * The configuration of {@link train}: its fields ({@link TrainConfig}), their defaults ({@link TRAIN_DEFAULTS},
 * the one place they are written; the learner, the actors and the CLI read them from here) and
 * {@link resolveTrainConfig}, which fills them in and checks every value before anything is built.
 */
import type { BackendRequest } from '../backends/backend-names.js';
import type { BuiltInTorso } from '../networks/network-options.js';
import { AgentError } from './errors.js';
import type { LearnerOptions } from './learner.js';

/**
 * Where {@link train} runs its actors; see {@link TrainConfig.actorMode}.
 * @category Agent
 */
export type ActorMode = 'auto' | 'inline' | 'workers';

/**
 * Configuration of {@link train}. Every field is JSON-serialisable (it is saved with checkpoints). The loss and
 * optimizer fields are the {@link Learner}'s options of the same names.
 * @category Agent
 */
export interface TrainConfig
  extends Pick<LearnerOptions, 'discount' | 'baselineCost' | 'entropyCost' | 'rewardClipping' | 'rewardScale' | 'learningRate' | 'actionRepeats' | 'maxGradNorm' | 'compile'> {
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
   * @defaultValue 32 (the paper's; before 0.2 `train` used 8)
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
  /** `'rmsprop'` (TF semantics) or `'adam'`. @defaultValue 'rmsprop' */
  readonly optimizer?: 'rmsprop' | 'adam';
  /** RMSProp ε. @defaultValue 0.1 */
  readonly rmspropEpsilon?: number;
  /** RMSProp decay. @defaultValue 0.99 */
  readonly rmspropDecay?: number;
  /**
   * Run directory: metrics (`metrics.jsonl`, `metrics.csv`, `episodes.csv`), TensorBoard event files
   * (`tensorboard/`), the learning curve (`learning-curve.svg`, written at the end) and checkpoints.
   * Nothing is written when omitted.
   */
  readonly runDir?: string;
  /**
   * Seconds between the metrics rows written to the run directory (`metrics.jsonl`, `metrics.csv`, TensorBoard
   * scalars) and between the CLI's progress lines; the last update is always written, and every finished
   * episode goes to `episodes.csv`. 0 writes a row per update.
   * @defaultValue 5
   */
  readonly logIntervalSeconds?: number;
  /** Seconds between checkpoints (also written at the end). @defaultValue 600 */
  readonly checkpointIntervalSeconds?: number;
  /**
   * Continue from the newest complete checkpoint in `runDir`. `true` is strict: with no checkpoint, or with
   * only damaged ones, `train` refuses (a `CheckpointError`) before writing anything. `'if-present'` starts
   * afresh when there is no checkpoint at all, but refuses as well when there is one and it cannot be loaded.
   * When the newest checkpoint is damaged and an older one loads, the run resumes from the older one and says so
   * (`TrainHooks.onWarning`).
   * @defaultValue false
   */
  readonly resume?: boolean | 'if-present';
  /**
   * Checkpoint folders kept in `runDir/checkpoints/` (the newest).
   * @defaultValue 3
   */
  readonly checkpointsKept?: number;
  /**
   * Seconds an actor may go without delivering an unroll before the fleet reports it as hung: a worker is
   * terminated and restarted with fresh environments, an inline actor is dropped with a warning. When no actor
   * is left the run stops with an error (after its final checkpoint).
   * @defaultValue 300
   */
  readonly actorTimeoutSeconds?: number;
  /**
   * Where the actors run: `'inline'` in this thread's event loop, interleaved with the learner; `'workers'`
   * one `worker_threads` worker per actor (a `WorkerActorFleet`; the learner stays in this thread, parameters
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
  /**
   * Where the built-in actors' policy runs: `'local'`, each actor on its own network copy (IMPALA);
   * `'central'`, one shared network for all actors, their steps batched into one call (SEED RL; a
   * `CentralInference` in this thread, so the actors run inline).
   * @defaultValue 'local'
   */
  readonly inference?: 'local' | 'central';
  /**
   * Where central inference runs its batches: `'learner'`, in this thread between learner updates; `'worker'`, in a
   * worker thread with its own network copy and tfjs backend (`startInferenceWorker`), concurrently with the
   * updates. Applies to `inference: 'central'` and to `impala-rl learner`'s thin actors. `'worker'` measured faster
   * with 8 actors (CartPole and the deep maze network), `'learner'` with 1–2 (docs/distributed.md, "Measured").
   * @defaultValue 'worker'
   */
  readonly inferenceThread?: 'learner' | 'worker';
  /**
   * Batching of `inference: 'central'` (see `CentralInferenceOptions`): actor steps a batch waits for, most steps
   * in one batch, longest wait in ms.
   * @defaultValue `{ minimumBatchSize: 1, maximumBatchSize: 1024, timeoutMs: 5 }`
   */
  readonly inferenceBatching?: {
    /** Actor steps a batch waits for (up to `timeoutMs`). */
    readonly minimumBatchSize?: number;
    /** Most actor steps in one batch. */
    readonly maximumBatchSize?: number;
    /** Longest wait for `minimumBatchSize` steps, in ms. */
    readonly timeoutMs?: number;
  };
}

/**
 * The {@link TrainConfig} fields that have a default ({@link TRAIN_DEFAULTS}).
 * @category Agent
 */
export type DefaultedField =
  | 'totalFrames' | 'seed' | 'numActors' | 'envsPerActor' | 'unrollLength' | 'batchSize' | 'discount' | 'baselineCost' | 'entropyCost'
  | 'rewardClipping' | 'rewardScale' | 'learningRate' | 'optimizer' | 'rmspropEpsilon' | 'rmspropDecay' | 'maxGradNorm' | 'actionRepeats'
  | 'checkpointIntervalSeconds' | 'logIntervalSeconds' | 'resume' | 'checkpointsKept' | 'actorTimeoutSeconds' | 'actorMode' | 'compile';

/**
 * The type of {@link TRAIN_DEFAULTS}: each {@link DefaultedField} with its value (see {@link TrainConfig} for each).
 * @category Agent
 */
export type TrainDefaults = { readonly [K in DefaultedField]-?: Exclude<TrainConfig[K], undefined> };

/**
 * The defaults of every {@link TrainConfig} field that has one: the original IMPALA's hyperparameters
 * (`experiment.py` defaults and the paper's Table G.1), with three changes for a single machine: `totalFrames`
 * is 1,000,000 instead of 10⁹, `unrollLength` is the Atari setting 20 instead of DMLab's 100, and
 * `actionRepeats` is 1 because the built-in environments do not repeat actions (the frame counter then counts
 * environment steps). `Learner`'s option defaults are the same values, read from here.
 * @category Agent
 */
export const TRAIN_DEFAULTS: TrainDefaults = Object.freeze({
  /** Environment frames to train for. */
  totalFrames: 1_000_000,
  /** Seed of initialisation, sampling and resets. */
  seed: 1,
  /** Actors. */
  numActors: 1,
  /** Environments per actor. */
  envsPerActor: 8,
  /** Unroll length T. */
  unrollLength: 20,
  /** Trajectories per update B. */
  batchSize: 32,
  /** γ. */
  discount: 0.99,
  /** Baseline loss weight. */
  baselineCost: 0.5,
  /** Entropy bonus weight. */
  entropyCost: 0.00025,
  /** Reward clipping. */
  rewardClipping: 'abs_one',
  /** Reward multiplier before clipping. */
  rewardScale: 1,
  /** Initial learning rate. */
  learningRate: 0.00048,
  /** Optimizer. */
  optimizer: 'rmsprop',
  /** RMSProp ε. */
  rmspropEpsilon: 0.1,
  /** RMSProp decay. */
  rmspropDecay: 0.99,
  /** Global-norm gradient clipping (null: none). */
  maxGradNorm: null as number | null,
  /** Frames per agent step. */
  actionRepeats: 1,
  /** Seconds between checkpoints. */
  checkpointIntervalSeconds: 600,
  /** Seconds between metrics rows. */
  logIntervalSeconds: 5,
  /** Continue from a checkpoint. */
  resume: false,
  /** Checkpoint folders kept. */
  checkpointsKept: 3,
  /** Seconds of silence after which an actor counts as hung. */
  actorTimeoutSeconds: 300,
  /** Where the actors run. */
  actorMode: 'auto',
  compile: 'auto',
});


/**
 * A {@link TrainConfig} with every default filled in (by {@link resolveTrainConfig}). `torso`, `lstmSize` and
 * `mlpHiddenSizes` stay optional: their defaults depend on the environment's observations (`buildNetwork`).
 * @category Agent
 */
export type ResolvedTrainConfig = Omit<TrainConfig, DefaultedField | 'envOptions'> & {
  readonly [K in DefaultedField]-?: NonNullable<TrainConfig[K]> | (K extends 'maxGradNorm' ? null : never);
} & {
  /** Options passed to `makeEnv` (empty when none were given). */
  readonly envOptions: Readonly<Record<string, unknown>>;
};

const FN = 'train';

function check(ok: boolean, field: string, expected: string, value: unknown): void {
  if (!ok) throw new AgentError(`${FN}: '${field}' must be ${expected}, got ${value === undefined ? 'undefined' : JSON.stringify(value)}`, { argumentName: field });
}

/**
 * Fills in the defaults of a training configuration and checks every value, so that a mistake is reported
 * before any environment, network or thread exists. The one owner of the defaults ({@link TRAIN_DEFAULTS}).
 *
 * @param config - what the caller set.
 * @returns the configuration with every default filled in.
 * @throws {@link AgentError} naming the field when a value is out of range or of the wrong type.
 *
 * @example
 * ```ts
 * const resolved = resolveTrainConfig({ env: 'CartPole-v1', totalFrames: 50_000 });
 * resolved.batchSize; // 32, from TRAIN_DEFAULTS
 * ```
 * @category Agent
 */
export function resolveTrainConfig(config: TrainConfig): ResolvedTrainConfig {
  if (typeof (config as unknown) !== 'object' || (config as unknown) === null) throw new AgentError(`${FN}: the configuration must be an object, got ${(config as unknown) === null ? "null" : typeof config}`);
  const defined = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) as TrainConfig;
  const r = { ...TRAIN_DEFAULTS, ...defined, envOptions: { ...config.envOptions } } as ResolvedTrainConfig;
  const ids = typeof r.env === 'string' ? [r.env] : r.env;
  check(Array.isArray(ids) && ids.length > 0 && ids.every((id) => typeof id === 'string' && id !== ''), 'env', 'an env id or a non-empty list of ids', r.env);
  for (const k of ['numActors', 'envsPerActor', 'unrollLength', 'batchSize', 'actionRepeats'] as const) {
    check(Number.isInteger(r[k]) && r[k] >= 1, k, 'an integer >= 1', r[k]);
  }
  check(typeof r.totalFrames === 'number' && r.totalFrames > 0, 'totalFrames', '> 0', r.totalFrames);
  check(Number.isInteger(r.seed), 'seed', 'an integer', r.seed);
  check(r.discount >= 0 && r.discount <= 1, 'discount', 'in [0, 1]', r.discount);
  for (const k of ['baselineCost', 'entropyCost', 'learningRate', 'rewardScale', 'rmspropEpsilon'] as const) {
    check(typeof r[k] === 'number' && Number.isFinite(r[k]) && r[k] >= 0, k, 'a finite number >= 0', r[k]);
  }
  check(r.rmspropDecay >= 0 && r.rmspropDecay < 1, 'rmspropDecay', 'in [0, 1)', r.rmspropDecay);
  check(r.maxGradNorm === null || r.maxGradNorm > 0, 'maxGradNorm', 'null or > 0', r.maxGradNorm);
  check(['rmsprop', 'adam'].includes(r.optimizer), 'optimizer', "'rmsprop' or 'adam'", r.optimizer);
  check(['auto', 'inline', 'workers'].includes(r.actorMode), 'actorMode', "'auto', 'inline' or 'workers'", r.actorMode);
  check(typeof r.logIntervalSeconds === 'number' && Number.isFinite(r.logIntervalSeconds) && r.logIntervalSeconds >= 0, 'logIntervalSeconds', 'a finite number >= 0', r.logIntervalSeconds);
  check(([true, false, 'if-present'] as unknown[]).includes(r.resume), 'resume', "true, false or 'if-present'", r.resume);
  check(Number.isInteger(r.checkpointsKept) && r.checkpointsKept >= 1, 'checkpointsKept', 'an integer >= 1', r.checkpointsKept);
  check(typeof r.actorTimeoutSeconds === 'number' && r.actorTimeoutSeconds > 0, 'actorTimeoutSeconds', '> 0', r.actorTimeoutSeconds);
  check(r.checkpointIntervalSeconds > 0, 'checkpointIntervalSeconds', '> 0', r.checkpointIntervalSeconds);
  check(r.lstmSize === undefined || (Number.isInteger(r.lstmSize) && r.lstmSize >= 0), 'lstmSize', 'an integer >= 0', r.lstmSize);
  check(r.inference === undefined || ['local', 'central'].includes(r.inference), 'inference', "'local' or 'central'", r.inference);
  check(r.inferenceThread === undefined || ['learner', 'worker'].includes(r.inferenceThread), 'inferenceThread', "'learner' or 'worker'", r.inferenceThread);
  if (r.inference === 'central') check(r.actorMode !== 'workers', 'actorMode', "'auto' or 'inline' with inference 'central' (the shared network lives in this thread)", r.actorMode);
  return r;
}

/**
 * The fields of a {@link TrainConfig} an actor needs to build its environments and its network copy.
 * @category Agent
 */
export type ActorConfig = Pick<TrainConfig, 'env' | 'envOptions' | 'seed' | 'envsPerActor' | 'unrollLength' | 'torso' | 'lstmSize' | 'mlpHiddenSizes' | 'compile'>;

/**
 * An {@link ActorConfig} with its defaults filled in ({@link resolveActorConfig}).
 * @category Agent
 */
export type ResolvedActorConfig = Pick<ResolvedTrainConfig, keyof ActorConfig>;

/**
 * The actor fields of a configuration with their defaults ({@link TRAIN_DEFAULTS}) filled in, for an actor
 * built elsewhere (a worker thread, another process) that must not apply defaults of its own.
 *
 * @param config - the actor fields, e.g. a whole `TrainConfig`.
 * @returns the resolved fields.
 * @throws {@link AgentError} naming the field when a value is out of range.
 * @category Agent
 */
export function resolveActorConfig(config: ActorConfig): ResolvedActorConfig {
  const r = resolveTrainConfig({ totalFrames: TRAIN_DEFAULTS.totalFrames, ...config });
  return {
    env: r.env,
    envOptions: r.envOptions,
    seed: r.seed,
    envsPerActor: r.envsPerActor,
    unrollLength: r.unrollLength,
    ...(r.torso !== undefined ? { torso: r.torso } : {}),
    ...(r.lstmSize !== undefined ? { lstmSize: r.lstmSize } : {}),
    ...(r.mlpHiddenSizes !== undefined ? { mlpHiddenSizes: r.mlpHiddenSizes } : {}),
    compile: r.compile,
  };
}
