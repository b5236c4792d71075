/**
 * {@link train}: the one-machine training loop, in parts: the configuration and its defaults
 * (`train-config.ts`), the network (`build-network.ts`), the learner (`learner.ts`), where the actors run (an
 * `ActorFleet`: `built-in-fleets.ts` or the caller's), the loop (`learner-loop.ts`), checkpoints
 * (`checkpoint.ts`) and the metrics files (`MetricsWriter`).
 */
import { ensureTfjsReady } from '../backends/ensure-tfjs-ready.js';
import { makeEnvs } from '../envs/make-envs.js';
import { MetricsWriter } from '../metrics/metrics-writer.js';
import type { ImpalaNetwork } from '../networks/impala-network.js';
import type { ActorEnv, ActorState } from './actor.js';
import type { ActorFleet, ActorFleetFactory } from './actor-fleet.js';
import { buildNetwork } from './build-network.js';
import { createBuiltInFleet } from './built-in-fleets.js';
import { checkCheckpointFits, CheckpointError, cleanCheckpointLeftovers, findCheckpoint, NoCheckpointError, saveCheckpoint, type CheckpointWriteStep, type FoundCheckpoint } from './checkpoint.js';
import { AgentError } from './errors.js';
import { Learner, type LearnerStepMetrics } from './learner.js';
import { runLearnerLoop } from './learner-loop.js';
import { createLearner } from './create-learner.js';
import { resolveTrainConfig, type ResolvedTrainConfig, type TrainConfig } from './train-config.js';
import type { EpisodeStats } from './trajectory.js';

export { buildNetwork, describeSpaces } from './build-network.js';
export { resolveActorMode } from './built-in-fleets.js';
export type { ActorMode, TrainConfig } from './train-config.js';

/**
 * Progress reported after every learner update.
 * @category Agent
 */
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
  /** Actors the fleet restarted so far in this session (hung actors restarted; remote actors that joined again). */
  readonly actorRestarts: number;
  /** Actors running now (remote actors connected now). */
  readonly connectedActors: number;
  /** Messages the fleet refused so far (malformed or unauthenticated remote calls; 0 for in-process fleets). */
  readonly rejectedMessages: number;
  /** Frames per second over the last 10 s of each connected actor, by actor id (empty for fleets without `stats`). */
  readonly actorFramesPerSecond: Readonly<Record<string, number>>;
  /** Seconds since the start (including before a resume). */
  readonly elapsedSeconds: number;
}

/**
 * Options of {@link train} that are not part of the saved configuration.
 * @category Agent
 */
export interface TrainHooks {
  /** Called after every update. */
  readonly onProgress?: (progress: TrainProgress) => void;
  /** Stops training cleanly (a final checkpoint is written when `runDir` is set). */
  readonly signal?: AbortSignal;
  /**
   * Where the actors run, when not one of the built-in `actorMode`s: a factory that gets the resolved
   * configuration, the initial parameters, the learner's model and (when resuming) the saved actor states, and
   * returns an {@link ActorFleet}. `train` closes it at the end.
   */
  readonly fleet?: ActorFleetFactory;
  /**
   * Called with one line when something goes wrong that does not stop the run (an older checkpoint used because
   * the newest is damaged, an actor reported as hung and dropped or restarted, a checkpoint saved without an
   * actor's state).
   * @defaultValue `console.warn`
   */
  readonly onWarning?: (message: string) => void;
  /**
   * Called once the checkpoint to resume from (if any) has been loaded and checked, before `train` writes
   * anything into `runDir`. A run that refuses to resume never calls it.
   */
  readonly onStart?: (info: TrainStartInfo) => void | Promise<void>;
  /**
   * Called (and awaited) after each step of every checkpoint write (see `saveCheckpoint`); for tests that stop the
   * process at a chosen instant of a write.
   */
  readonly onCheckpointStep?: (step: CheckpointWriteStep, folder: string) => void | Promise<void>;
}

/**
 * What {@link TrainHooks.onStart} learns.
 * @category Agent
 */
export interface TrainStartInfo {
  /** The checkpoint folder the run continues from, or null for a fresh start. */
  readonly resumedFrom: string | null;
  /** Frames already consumed (0 for a fresh start). */
  readonly frames: number;
  /** Updates already done (0 for a fresh start). */
  readonly updates: number;
}

/**
 * What {@link train} returns.
 * @category Agent
 */
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

/** How long a checkpoint waits for the actors' states before it saves the last ones they reported. */
const ACTOR_STATE_TIMEOUT_MS = 10_000;

const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/**
 * Trains an IMPALA agent on one machine: actors (`numActors`, each stepping `envsPerActor` environments with
 * batched inference and its own copy of the network) run in an actor fleet, inline or in worker threads
 * (`actorMode`), or in the caller's own fleet (`hooks.fleet`); the learner validates their trajectories, takes
 * batches of `batchSize`, updates, and publishes new parameters that actors pick up between unrolls. With a
 * `runDir` it writes metrics, TensorBoard files and checkpoints, and `resume` continues from the checkpoint.
 *
 * @param config - see {@link TrainConfig}; saved with checkpoints. Defaults: `TRAIN_DEFAULTS`.
 * @param hooks - progress callback, abort signal, and a custom actor fleet.
 * @returns the final counters and the trained network.
 *
 * @example
 * ```ts
 * import { presetFor, train, useBackend } from 'impala-rl';
 * await useBackend('auto');
 * const result = await train({ ...presetFor('CartPole-v1'), env: 'CartPole-v1', totalFrames: 50_000 });
 * console.log(result.meanReturn100);
 * result.network.dispose();
 * ```
 * @category Agent
 */
export async function train(config: TrainConfig, hooks: TrainHooks = {}): Promise<TrainResult> {
  const resolved = resolveTrainConfig(config);
  const warn = hooks.onWarning ?? ((message: string) => { console.warn(message); });
  // A backend and tfjs's gradients: selected and registered here when the caller has not (said once).
  await ensureTfjsReady('train');
  const ids = typeof resolved.env === 'string' ? [resolved.env] : resolved.env;
  // One environment sizes the network (its spaces); the actors make their own.
  const probe = (await makeEnvs(ids[0]!, 1, { ...resolved.envOptions }))[0] as unknown as ActorEnv;
  let network: ImpalaNetwork;
  try {
    network = buildNetwork(resolved, probe, resolved.seed);
  } finally {
    await probe.close?.();
  }
  let learner: Learner | null = null;
  let fleet: ActorFleet;
  let recentReturns: number[] = [];
  let priorSeconds = 0;
  let episodesBefore = 0;
  let restoredActorStates: readonly ActorState[] | undefined;
  let found: FoundCheckpoint | null = null;
  try {
    learner = createLearner(resolved, network);
    if (resolved.resume !== false && !resolved.runDir) throw new AgentError("train: 'resume' needs a 'runDir' to resume from");
    if (resolved.resume !== false && resolved.runDir) {
      found = await findResumeCheckpoint(resolved.runDir, resolved.resume);
      if (found) {
        const checkpoint = found.checkpoint;
        checkCheckpointFits(checkpoint, found.folder, network);
        network.setWeights(checkpoint.weights);
        learner.setState(checkpoint.learner);
        restoredActorStates = checkpoint.actors.length > 0 ? checkpoint.actors : undefined;
        recentReturns = [...checkpoint.recentReturns];
        priorSeconds = checkpoint.elapsedSeconds;
        episodesBefore = (checkpoint.config as { episodes?: number }).episodes ?? 0;
        if (found.skipped.length > 0) {
          const newest = found.skipped[0]!;
          warn(`train: resuming from the older checkpoint ${found.folder} (${learner.frames} frames): ${found.skipped.length === 1 ? 'the newest one is' : `the ${found.skipped.length} newer ones are`} damaged (${newest.error.message.replace(/^loadCheckpoint: /, '')})`);
        }
      }
    }
    await hooks.onStart?.({ resumedFrom: found?.folder ?? null, frames: learner.frames, updates: learner.updates });
    if (resolved.runDir) await cleanCheckpointLeftovers(resolved.runDir);
    const context = { config: resolved, parameters: learner.latest(), model: network, onWarning: warn, ...(restoredActorStates ? { actorStates: restoredActorStates } : {}) };
    fleet = await (hooks.fleet ?? createBuiltInFleet)(context);
  } catch (error) {
    learner?.dispose();
    network.dispose();
    throw error;
  }
  return runWithFleet(resolved, config, hooks, { network, learner, fleet, recentReturns, priorSeconds, episodesBefore, resumed: found !== null, warn });
}

/** The checkpoint to resume from: strict for `resume: true`, none when `'if-present'` finds nothing at all. */
async function findResumeCheckpoint(runDir: string, mode: true | 'if-present'): Promise<FoundCheckpoint | null> {
  try {
    return await findCheckpoint(runDir);
  } catch (error) {
    if (error instanceof NoCheckpointError) {
      if (mode === 'if-present') return null;
      throw new NoCheckpointError(`train: cannot resume: ${error.message.replace(/^loadCheckpoint: /, '')}; nothing was changed (start a new run without 'resume', or use resume: 'if-present')`, error.file);
    }
    if (error instanceof CheckpointError) {
      throw new CheckpointError(`train: cannot resume: ${error.message.replace(/^loadCheckpoint: /, '')}; nothing was changed`, error.file);
    }
    throw error;
  }
}

interface RunParts {
  readonly network: ImpalaNetwork;
  readonly learner: Learner;
  readonly fleet: ActorFleet;
  recentReturns: number[];
  readonly priorSeconds: number;
  readonly episodesBefore: number;
  readonly resumed: boolean;
  readonly warn: (message: string) => void;
}

async function runWithFleet(resolved: ResolvedTrainConfig, config: TrainConfig, hooks: TrainHooks, parts: RunParts): Promise<TrainResult> {
  const { network, learner, fleet, priorSeconds, episodesBefore, warn } = parts;
  let { recentReturns } = parts;
  const ids = typeof resolved.env === 'string' ? [resolved.env] : resolved.env;
  const runDir = resolved.runDir;
  let writer: MetricsWriter | null = null;
  try {
    writer = runDir ? await MetricsWriter.open(runDir, ids.join(', '), { keepUpTo: { frames: learner.frames, updates: learner.updates }, restart: parts.resumed, intervalSeconds: resolved.logIntervalSeconds }) : null;
  } catch (error) {
    await fleet.close().catch(() => undefined);
    learner.dispose();
    network.dispose();
    throw error;
  }
  const started = performance.now();
  const startFrames = learner.frames;
  const startUpdates = learner.updates;
  const returns: number[] = [];
  let lastCheckpoint = performance.now();
  const checkpointEvery = resolved.checkpointIntervalSeconds * 1000;
  let checkpointPath: string | null = null;
  const elapsed = (): number => priorSeconds + (performance.now() - started) / 1000;

  const writeCheckpoint = async (): Promise<void> => {
    if (!runDir) return;
    let actors = (await fleet.actorStates(Math.min(ACTOR_STATE_TIMEOUT_MS, resolved.actorTimeoutSeconds * 1000))) ?? [];
    if (actors.length > 0 && actors.length !== fleet.size) {
      warn(`train: checkpoint at ${learner.frames} frames saved without actor states (${actors.length} of ${fleet.size} answered); a resume starts the actors afresh`);
      actors = [];
    }
    checkpointPath = await saveCheckpoint(
      runDir,
      {
        config: { ...config, episodes: episodesBefore + returns.length },
        weights: network.getFlatWeights(),
        weightSpecs: network.weightSpecs.map((w) => ({ name: w.name, shape: [...w.shape] })),
        learner: learner.getState(),
        actors,
        recentReturns,
        elapsedSeconds: elapsed(),
        savedAt: new Date().toISOString(),
      },
      { keep: resolved.checkpointsKept, ...(hooks.onCheckpointStep ? { onStep: hooks.onCheckpointStep } : {}) },
    );
    lastCheckpoint = performance.now();
  };

  const onUpdate = async (m: LearnerStepMetrics, queueSize: number): Promise<void> => {
    for (const e of m.episodes) {
      returns.push(e.episodeReturn);
      recentReturns.push(e.episodeReturn);
    }
    if (recentReturns.length > 100) recentReturns = recentReturns.slice(-100);
    const seconds = (performance.now() - started) / 1000;
    const { episodes: newEpisodes, ...rest } = m;
    const stats = fleet.stats?.();
    const progress: TrainProgress = {
      ...rest,
      newEpisodes,
      meanReturn100: mean(recentReturns),
      episodes: episodesBefore + returns.length,
      framesPerSecond: (learner.frames - startFrames) / seconds,
      updatesPerSecond: (learner.updates - startUpdates) / seconds,
      queueSize,
      actorRestarts: fleet.restarts ?? 0,
      connectedActors: stats?.connectedActors ?? fleet.size,
      rejectedMessages: stats?.rejectedMessages ?? 0,
      actorFramesPerSecond: Object.fromEntries((stats?.actors ?? []).map((a) => [String(a.actorId), a.framesPerSecond])),
      elapsedSeconds: priorSeconds + seconds,
    };
    await writer?.write(progress);
    hooks.onProgress?.(progress);
    if (runDir && performance.now() - lastCheckpoint > checkpointEvery) await writeCheckpoint();
  };

  let stopped = false;
  let forwarding: Promise<void> = Promise.resolve();
  let failed = false;
  try {
    const loop = runLearnerLoop({
      learner,
      fleet,
      batchSize: resolved.batchSize,
      unrollLength: resolved.unrollLength,
      totalFrames: resolved.totalFrames,
      signal: hooks.signal,
      onUpdate,
    });
    ({ stopped, forwarding } = await loop);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // The final checkpoint asks the fleet for its actors' states: write it before closing the fleet.
    fleet.finish?.();
    try {
      if (failed) {
        // Keep the run's error: a final checkpoint that cannot be written is only reported.
        await writeCheckpoint().catch((e: unknown) => { warn(`train: final checkpoint not written: ${e instanceof Error ? e.message : String(e)}`); });
      } else {
        await writeCheckpoint();
      }
    } finally {
      await fleet.close();
      await forwarding.catch(() => undefined);
      await writer?.close();
      learner.dispose();
      if (failed) network.dispose();
    }
  }
  return {
    frames: learner.frames,
    updates: learner.updates,
    episodes: episodesBefore + returns.length,
    meanReturn100: mean(recentReturns),
    returns,
    stopped,
    checkpoint: checkpointPath,
    elapsedSeconds: elapsed(),
    network,
  };
}
