/**
 * The flags of `impala-rl train` and their resolution into a `TrainConfig`:
 * paper defaults < the environment's preset < the saved `config.json` of a resumed run < flags.
 */
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { TrainConfig } from '../agent/train.js';
import { BACKEND_REQUESTS, type BackendRequest } from '../backends/backend-names.js';
import { REWARD_CLIPPING_MODES } from '../losses/reward-clipping.js';
import { CliUsageError } from './cli-usage-error.js';
import { integerAtLeast, integerList, keyValue, nameList, numberIn, orNone } from './flag-parsers.js';
import { PAPER_DEFAULTS, PAPER_PRESET, TRAIN_PRESETS, presetNameFor, resolvePreset } from './presets.js';
import { addAtariOptions, atariEnvOptions } from './atari-flags.js';
import { TRAIN_DEFAULTS } from '../agent/train-config.js';
import { isAsyncEnvId } from '../envs/make-envs.js';
import { envIds } from '../envs/registry.js';
import { didYouMean } from '../internal/did-you-mean.js';

/** A fully resolved training configuration: every field set, with the run directory. */
export type CliTrainConfig = TrainConfig & { readonly runDir: string };

/** What {@link parseTrainArgs} returns. */
export interface ParsedTrainArgs {
  /** The configuration to train with. */
  readonly config: CliTrainConfig;
  /** Only the fields the flags set. */
  readonly flags: Readonly<Partial<TrainConfig>>;
  /** The preset used (an id of `TRAIN_PRESETS` or `'paper'`), or null when a saved configuration was resumed. */
  readonly preset: string | null;
  /** Whether `config` continues a saved `config.json`. */
  readonly resumedConfig: boolean;
  /** `--backend`. */
  readonly backend: BackendRequest;
  /** `--quiet`: only the final summary and errors. */
  readonly quiet: boolean;
  /** `--log-interval` (the config's `logIntervalSeconds`): seconds between metrics rows and progress lines when stderr is not a terminal. */
  readonly logIntervalSeconds: number;
  /** `--verbose`: the backend's details (kernels registered, backends skipped). */
  readonly verbose: boolean;
}

/** Options of {@link parseTrainArgs}. */
export interface ParseTrainArgsOptions {
  /**
   * The time that names the default run directory `runs/<env>-<YYYYMMDD-HHMMSS>` (UTC).
   * @defaultValue now
   */
  readonly now?: Date;
  /**
   * Reads the `config.json` of a run directory for `--resume` (undefined when there is none). Without it a
   * resumed run takes its configuration from the flags and the preset alone.
   */
  readonly readSavedConfig?: (runDir: string) => Readonly<Record<string, unknown>> | undefined;
}

/** The command's flags as commander hands them over (undefined: not given). */
interface RawTrainOptions {
  env?: string[];
  envOption?: Record<string, unknown>;
  totalFrames?: number;
  seed?: number;
  numActors?: number;
  envsPerActor?: number;
  unrollLength?: number;
  batchSize?: number;
  torso?: NonNullable<TrainConfig['torso']>;
  lstmSize?: number;
  mlpHiddenSizes?: number[];
  discount?: number;
  baselineCost?: number;
  entropyCost?: number;
  rewardClipping?: NonNullable<TrainConfig['rewardClipping']>;
  rewardScale?: number;
  learningRate?: number;
  optimizer?: NonNullable<TrainConfig['optimizer']>;
  rmspropEpsilon?: number;
  rmspropDecay?: number;
  maxGradNorm?: number | 'none';
  compile?: boolean;
  actionRepeats?: number;
  runDir?: string;
  checkpointInterval?: number;
  keepCheckpoints?: number;
  actorTimeout?: number;
  inference?: 'local' | 'central';
  inferenceThread?: 'learner' | 'worker';
  minimumBatchSize?: number;
  maximumBatchSize?: number;
  timeoutMs?: number;
  resume?: boolean;
  actorMode?: NonNullable<TrainConfig['actorMode']>;
  actorBackend?: NonNullable<TrainConfig['actorBackend']>;
  workerSetupModule?: string;
  resumeOrStart?: boolean;
  backend: BackendRequest;
  preset?: string;
  quiet?: boolean;
  verbose?: boolean;
  logInterval?: number;
}

/**
 * Adds the flags of `impala-rl train` to a command.
 *
 * @param command - the command (a fresh `new Command('train')`).
 * @returns the same command.
 */
export function addTrainOptions(command: Command): Command {
  const positive = integerAtLeast(1);
  command
    .description('Train an IMPALA agent on one machine (learner and actors in this process).')
    .option('--env <ids>', 'environment id, or comma-separated ids for multi-task training (e.g. CartPole-v1)', nameList)
    .option('--env-option <key=value>', 'option passed to makeEnv (repeatable; JSON values, e.g. height=24)', keyValue)
    .addOption(new Option('--preset <name>', `hyperparameter preset: an env id with a preset or '${PAPER_PRESET}' (default: the env's preset)`))
    .option('--total-frames <n>', 'environment frames to train for (B·T·action repeats per update)', positive)
    .option('--seed <n>', 'seed of initialisation, sampling and resets', integerAtLeast(0))
    .option('--num-actors <n>', 'actors (each with its own copy of the network)', positive)
    .option('--envs-per-actor <n>', 'environments per actor, stepped with batched inference', positive)
    .option('--unroll-length <n>', 'unroll length T', positive)
    .option('--batch-size <n>', 'trajectories per learner update B', positive)
    .addOption(new Option('--torso <kind>', 'network torso (default: mlp for vectors, deep for images)').choices(['deep', 'shallow', 'mlp']))
    .option('--lstm-size <n>', 'LSTM units; 0 for a feed-forward core', integerAtLeast(0))
    .option('--mlp-hidden-sizes <list>', 'hidden layer sizes of the MLP torso, e.g. 64,64', integerList(1))
    .option('--discount <gamma>', 'discount γ', numberIn({ min: 0, max: 1 }))
    .option('--baseline-cost <x>', 'weight of the baseline loss', numberIn({ min: 0 }))
    .option('--entropy-cost <x>', 'weight of the entropy bonus', numberIn({ min: 0 }))
    .addOption(new Option('--reward-clipping <mode>', 'reward clipping').choices(REWARD_CLIPPING_MODES))
    .option('--reward-scale <x>', 'rewards are multiplied by this before clipping', numberIn({ min: 0 }))
    .option('--learning-rate <x>', 'initial learning rate (linear decay to 0)', numberIn({ above: 0 }))
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(['rmsprop', 'adam']))
    .option('--rmsprop-epsilon <x>', 'RMSProp ε (inside the square root)', numberIn({ above: 0 }))
    .option('--rmsprop-decay <x>', 'RMSProp decay', numberIn({ min: 0, max: 1 }))
    .option('--max-grad-norm <x|none>', 'global-norm gradient clipping, or none', orNone(numberIn({ above: 0 })))
    .option('--action-repeats <n>', 'frames per agent step, for the frame counter', positive)
    .option('--run-dir <dir>', 'run directory (default: runs/<env>-<UTC timestamp>)')
    .option('--checkpoint-interval <seconds>', 'seconds between checkpoints (one is also written at the end)', numberIn({ above: 0 }))
    .addOption(new Option('--actor-mode <mode>', "where actors run: inline, workers (one worker thread each) or auto").choices(['auto', 'inline', 'workers']))
    .addOption(new Option('--actor-backend <name>', "tfjs backend of the actor workers (default: the learner's)").choices(BACKEND_REQUESTS))
    .option('--worker-setup-module <path>', 'module each actor worker imports first (register custom envs there)')
    .option('--keep-checkpoints <n>', 'checkpoint folders kept in <run-dir>/checkpoints (the newest)', positive)
    .addOption(new Option('--inference <where>', "where the actors' policy runs: local (a network copy per actor) or central (one shared network, steps batched; actors inline)").choices(['local', 'central']))
    .addOption(new Option('--inference-thread <thread>', 'central inference runs in a worker thread alongside the updates (default), or in the learner thread between them').choices(['learner', 'worker']))
    .option('--minimum-batch-size <n>', 'central inference: actor steps an inference batch waits for (default: 1)', integerAtLeast(1))
    .option('--maximum-batch-size <n>', 'central inference: most actor steps in one inference batch (default: 1024)', integerAtLeast(1))
    .option('--timeout-ms <ms>', 'central inference: longest wait in ms for --minimum-batch-size steps before a smaller batch runs (default: 5)', numberIn({ min: 0 }))
    .option('--actor-timeout <seconds>', 'an actor silent this long is reported as hung (a worker is restarted, an inline actor dropped)', numberIn({ above: 0 }))
    .option('--resume', 'continue the run in --run-dir from its newest complete checkpoint (with its config.json unless flags override it); refuses (exit 2) when there is none or it cannot be loaded')
    .option('--resume-or-start', 'like --resume, but start a new run when --run-dir holds no checkpoint at all (never when one is damaged)')
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(BACKEND_REQUESTS).default('auto'))
    .option('--compile', 'run each learner update as one libtensorflow graph; fail if impossible (default: when the backend allows)')
    .option('--no-compile', 'run learner updates and actor network steps eagerly, op by op')
    .option('--quiet', 'print only the final summary and errors')
    .option('--verbose', "print the backend's details (kernels registered, backends skipped)")
    .option('--log-interval <seconds>', `seconds between metrics rows (metrics.csv, metrics.jsonl, TensorBoard) and between progress lines when stderr is not a terminal; the last update is always written (default: ${TRAIN_DEFAULTS.logIntervalSeconds})`, numberIn({ min: 0 }));
  return addAtariOptions(command);
}

/** `runs/<env>-<YYYYMMDD-HHMMSS>` (UTC). */
export function defaultRunDir(env: string | readonly string[], now: Date): string {
  const name = (typeof env === 'string' ? [env] : env).join('+').replace(/[^A-Za-z0-9._+-]/g, '_');
  const stamp = now.toISOString().replace(/\.\d+Z$/, '').replace(/-/g, '').replace('T', '-').replace(/:/g, '');
  return join('runs', `${name}-${stamp}`);
}

/**
 * The fields of a `TrainConfig` that a parsed command line sets.
 *
 * @param raw - commander's option values.
 * @returns only the given fields.
 */
function flagsOf(raw: RawTrainOptions): Partial<TrainConfig> {
  const env = raw.env && (raw.env.length === 1 ? raw.env[0]! : raw.env);
  const out: Record<string, unknown> = {
    env,
    envOptions: raw.envOption,
    totalFrames: raw.totalFrames,
    seed: raw.seed,
    numActors: raw.numActors,
    envsPerActor: raw.envsPerActor,
    unrollLength: raw.unrollLength,
    batchSize: raw.batchSize,
    torso: raw.torso,
    lstmSize: raw.lstmSize,
    mlpHiddenSizes: raw.mlpHiddenSizes,
    discount: raw.discount,
    baselineCost: raw.baselineCost,
    entropyCost: raw.entropyCost,
    rewardClipping: raw.rewardClipping,
    rewardScale: raw.rewardScale,
    learningRate: raw.learningRate,
    optimizer: raw.optimizer,
    rmspropEpsilon: raw.rmspropEpsilon,
    rmspropDecay: raw.rmspropDecay,
    maxGradNorm: raw.maxGradNorm === 'none' ? null : raw.maxGradNorm,
    compile: raw.compile,
    actionRepeats: raw.actionRepeats,
    runDir: raw.runDir,
    checkpointIntervalSeconds: raw.checkpointInterval,
    logIntervalSeconds: raw.logInterval,
    actorMode: raw.actorMode,
    actorBackend: raw.actorBackend,
    workerSetupModule: raw.workerSetupModule,
    checkpointsKept: raw.keepCheckpoints,
    actorTimeoutSeconds: raw.actorTimeout,
    inference: raw.inference,
    inferenceThread: raw.inferenceThread,
    inferenceBatching:
      raw.minimumBatchSize === undefined && raw.maximumBatchSize === undefined && raw.timeoutMs === undefined
        ? undefined
        : Object.fromEntries(Object.entries({ minimumBatchSize: raw.minimumBatchSize, maximumBatchSize: raw.maximumBatchSize, timeoutMs: raw.timeoutMs }).filter(([, v]) => v !== undefined)),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

function sameEnv(a: unknown, b: unknown): boolean {
  return JSON.stringify(typeof a === 'string' ? [a] : a) === JSON.stringify(typeof b === 'string' ? [b] : b);
}

/**
 * Resolves the parsed flags of a `train` command into a configuration.
 *
 * @param raw - commander's option values (`command.opts()`).
 * @param options - the clock and the saved-config reader.
 * @returns the resolved arguments.
 * @throws {@link CliUsageError} naming the flag at fault.
 */
export function resolveTrainOptions(raw: Readonly<Record<string, unknown>>, options: ParseTrainArgsOptions = {}): ParsedTrainArgs {
  const opts = raw as unknown as RawTrainOptions;
  const flags = flagsOf(opts);
  if (opts.resume === true && opts.resumeOrStart === true) throw new CliUsageError('--resume-or-start: cannot be combined with --resume (pick one)');
  const resume: boolean | 'if-present' = opts.resumeOrStart === true ? 'if-present' : opts.resume === true;
  if (resume !== false && flags.runDir === undefined) throw new CliUsageError(`${resume === true ? '--resume' : '--resume-or-start'}: needs --run-dir <dir>, the run to continue`);
  const saved = resume !== false ? options.readSavedConfig?.(flags.runDir!) : undefined;
  let base: Record<string, unknown>;
  let preset: string | null = null;
  if (saved !== undefined) {
    if (flags.env !== undefined && saved.env !== undefined && !sameEnv(flags.env, saved.env)) {
      throw new CliUsageError(
        `--env: ${JSON.stringify(flags.env)} differs from the env ${JSON.stringify(saved.env)} of the run in ${flags.runDir} (its config.json); omit --env to continue it`,
      );
    }
    if (opts.preset !== undefined) throw new CliUsageError('--preset: cannot be combined with --resume of a run that has a config.json (flags still override single fields)');
    base = { ...saved };
    delete base.resume;
  } else {
    if (flags.env === undefined) throw new CliUsageError('--env: required, e.g. --env CartPole-v1');
    const firstEnv = typeof flags.env === 'string' ? flags.env : flags.env[0]!;
    preset = opts.preset ?? presetNameFor(firstEnv);
    const values = resolvePreset(preset);
    if (values === undefined) {
      throw new CliUsageError(`--preset: unknown preset '${preset}'; known presets: ${[PAPER_PRESET, ...Object.keys(TRAIN_PRESETS)].join(', ')}`);
    }
    base = { ...values };
  }
  // The Atari flags go into envOptions, over the preset's (or saved) envOptions and --env-option.
  const atari = atariEnvOptions(raw);
  const merged = { ...PAPER_DEFAULTS, ...base, ...flags, ...(atari && { envOptions: { ...(base.envOptions as object | undefined), ...flags.envOptions, ...atari } }) } as Record<string, unknown> & TrainConfig;
  // An unknown env id is a usage error, reported before anything is set up or written (ALE/… and gym:… ids, and
  // registered namespaces, are made asynchronously and checked when made).
  const known = envIds();
  for (const id of typeof merged.env === 'string' ? [merged.env] : merged.env) {
    if (!known.includes(id) && !isAsyncEnvId(id)) throw new CliUsageError(`--env: unknown env id '${id}'${didYouMean(id, known)}; known ids: ${known.join(', ')} (and ALE/<game>-v5, gym:<Gymnasium id>)`);
  }
  const batching = merged.inferenceBatching;
  if (batching?.minimumBatchSize !== undefined && batching.maximumBatchSize !== undefined && batching.maximumBatchSize < batching.minimumBatchSize) {
    throw new CliUsageError(`--maximum-batch-size: ${batching.maximumBatchSize} is below --minimum-batch-size ${batching.minimumBatchSize}`);
  }
  const config: CliTrainConfig = {
    ...merged,
    runDir: merged.runDir ?? defaultRunDir(merged.env, options.now ?? new Date()),
    resume,
  };
  return {
    config,
    flags,
    preset,
    resumedConfig: saved !== undefined,
    backend: opts.backend,
    quiet: opts.quiet === true,
    verbose: opts.verbose === true,
    logIntervalSeconds: config.logIntervalSeconds ?? TRAIN_DEFAULTS.logIntervalSeconds,
  };
}

/**
 * Parses the arguments of `impala-rl train` (the words after `train`) into a training configuration.
 * Pure apart from the injected clock and config reader: nothing is printed, nothing exits.
 *
 * @example
 * ```ts
 * parseTrainArgs(['--env', 'CartPole-v1', '--total-frames', '2000']).config;
 * // { env: 'CartPole-v1', totalFrames: 2000, unrollLength: 5, batchSize: 8, ..., runDir: 'runs/CartPole-v1-20260101-120000' }
 * ```
 * @param argv - the arguments, e.g. `['--env', 'CartPole-v1', '--total-frames', '2000']`.
 * @param options - the clock for the default run directory, the saved-config reader for `--resume`.
 * @returns the configuration, the flags given, and the command's own settings.
 * @throws {@link CliUsageError} whose message names the flag at fault.
 */
export function parseTrainArgs(argv: readonly string[], options: ParseTrainArgsOptions = {}): ParsedTrainArgs {
  const command = addTrainOptions(new Command('train'))
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined })
    .allowExcessArguments(false);
  try {
    command.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) throw new CliUsageError(error.message.replace(/^error: /, ''));
    throw error;
  }
  return resolveTrainOptions(command.opts(), options);
}
