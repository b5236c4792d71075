/**
 * `impala-rl train`: sets up tfjs, writes `config.json`, trains with a progress display, stops cleanly on
 * SIGINT/SIGTERM (a final resumable checkpoint), and prints a summary.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ActorFleetFactory } from '../agent/actor-fleet.js';
import { train, type TrainConfig, type TrainResult, type TrainStartInfo } from '../agent/train.js';
import { CliUsageError } from './cli-usage-error.js';
import { createProgressReporter, formatDuration, formatReturn, type ProgressStream } from './progress.js';
import { setupTfjs } from './setup-tfjs.js';
import { installStopSignals } from './stop-signals.js';
import type { ParsedTrainArgs } from './train-args.js';

/** The streams a command writes to. */
export interface CliIo {
  /** Results (the summary). */
  readonly stdout: ProgressStream;
  /** Progress, the backend line, notes and errors. */
  readonly stderr: ProgressStream;
}

/** Options of {@link runTrainCommand}. */
export interface RunTrainCommandOptions {
  /**
   * Install SIGINT/SIGTERM handlers (see `installStopSignals`): the first signal stops training through the
   * abort signal (a final checkpoint is written); a second one, 0.5 s or more later, terminates the process.
   * @defaultValue true
   */
  readonly handleSignals?: boolean;
  /** An outside abort signal (in addition to the process signals). */
  readonly signal?: AbortSignal;
  /**
   * The command as it names itself in its lines (`'learner'` serves remote actors with the same training loop).
   * @defaultValue `'train'`
   */
  readonly commandName?: 'train' | 'learner';
  /** Where the actors run, when not in this process (`impala-rl learner`: a `GrpcActorFleet`). */
  readonly fleet?: ActorFleetFactory;
  /** The flags to repeat in the resume hint besides `--run-dir` and `--resume` (e.g. `--listen HOST:PORT`). */
  readonly resumeFlags?: string;
}

/**
 * For tests only: when this environment variable holds a number of milliseconds, every step of a checkpoint write
 * is announced on stderr (`impala-rl train: checkpoint step <step>`) and followed by a pause that long, so that a
 * test can kill the process at a chosen instant of a write.
 */
export const CHECKPOINT_PAUSE_ENV = 'IMPALA_RL_TEST_CHECKPOINT_PAUSE_MS';

/** The name of the configuration file written into the run directory. */
export const CONFIG_FILE = 'config.json';

/**
 * Reads `<runDir>/config.json` for `--resume`.
 *
 * @param runDir - the run directory.
 * @returns the saved configuration, or undefined when the file does not exist.
 * @throws {@link CliUsageError} when it exists but is not a JSON object.
 */
export function readSavedConfig(runDir: string): Record<string, unknown> | undefined {
  const file = join(runDir, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliUsageError(`--resume: ${file} is not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CliUsageError(`--resume: ${file} does not hold a configuration object`);
  return value as Record<string, unknown>;
}

/** The configuration as saved in `config.json`: without `runDir` (so a run directory can be moved) and `resume`. */
function savedForm(config: TrainConfig): Record<string, unknown> {
  const saved: Record<string, unknown> = { ...config };
  delete saved.runDir;
  delete saved.resume;
  return saved;
}

function envName(config: TrainConfig): string {
  return typeof config.env === 'string' ? config.env : config.env.join(',');
}

/**
 * How the user runs impala-rl from where they are: `npm run train --` / `npm run eval --` in a clone of
 * impala-rl itself (where the package's own bin is not installed), `npx impala-rl train` elsewhere.
 *
 * @param command - `train` or `eval`.
 * @param cwd - the directory the user runs from.
 * @returns the command prefix, e.g. `npx impala-rl eval`.
 */
export function commandPrefix(command: 'train' | 'eval' | 'learner' | 'actor', cwd: string = process.cwd()): string {
  try {
    const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { name?: unknown; scripts?: Record<string, unknown> };
    if (pkg.name === 'impala-rl' && typeof pkg.scripts?.[command] === 'string') return `npm run ${command} --`;
  } catch {
    // no package.json here: not a clone
  }
  return `npx impala-rl ${command}`;
}

/** The command line that continues a run. */
function resumeCommand(runDir: string, command: 'train' | 'learner', extra: string): string {
  return `${commandPrefix(command)} --run-dir ${JSON.stringify(runDir)}${extra ? ` ${extra}` : ''} --resume`;
}

function summary(config: TrainConfig & { runDir: string }, result: TrainResult, command: 'train' | 'learner', resumeFlags: string): string {
  const fps = result.elapsedSeconds > 0 ? Math.round(result.frames / result.elapsedSeconds) : 0;
  const lines = [
    `impala-rl ${command}: ${result.stopped ? 'stopped' : 'finished'} ${envName(config)}: ${result.frames}/${config.totalFrames} frames, ${result.updates} updates, ` +
      `${result.episodes} episodes, mean return (last 100) ${formatReturn(result.meanReturn100)}, ${formatDuration(result.elapsedSeconds)} (${fps} frames/s)`,
    `run directory: ${config.runDir}`,
  ];
  if (result.checkpoint !== null) lines.push(`checkpoint: ${result.checkpoint}`);
  if (result.stopped) lines.push(`resume with: ${resumeCommand(config.runDir, command, resumeFlags)}`);
  lines.push(`evaluate with: ${commandPrefix('eval')} --checkpoint ${JSON.stringify(config.runDir)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Runs a parsed `impala-rl train` command.
 *
 * @param args - from `parseTrainArgs`.
 * @param io - where to write.
 * @param options - signal handling.
 * @returns the exit code: 0 when the frame budget was reached, 128 + the signal number (130 for SIGINT, 143
 * for SIGTERM; 130 for `options.signal`) when the run was stopped early, after its checkpoint was written.
 */
export async function runTrainCommand(args: ParsedTrainArgs, io: CliIo, options: RunTrainCommandOptions = {}): Promise<number> {
  const { config } = args;
  const command = options.commandName ?? 'train';
  const controller = new AbortController();
  const onOuterAbort = (): void => {
    controller.abort();
  };
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (options.signal?.aborted === true) controller.abort();
  const progress = createProgressReporter({ stream: io.stderr, totalFrames: config.totalFrames, quiet: args.quiet, logIntervalSeconds: args.logIntervalSeconds });
  const stop: { signal: NodeJS.Signals | null } = { signal: null };
  const handleSignals = options.handleSignals ?? true;
  let uninstallSignals: () => void = () => undefined;
  // The handlers are installed once start-up is over (onStart): until then SIGINT/SIGTERM keep their default
  // action, so a start-up step stuck in synchronous code (a backend load, an env constructor) cannot make the
  // process ignore them, and there is nothing to save yet.
  const installSignals = (): void => {
    if (!handleSignals) return;
    uninstallSignals = installStopSignals({
      onStop: (name) => {
        stop.signal = name;
        progress.note(`impala-rl ${command}: ${name}: stopping after this update and writing a resumable checkpoint (${name === 'SIGINT' ? 'Ctrl-C' : name} again to exit at once, without it)`);
        controller.abort();
      },
    });
  };
  const pauseMs = Number(process.env[CHECKPOINT_PAUSE_ENV] ?? '');
  try {
    const log = (line: string): void => {
      if (!args.quiet) io.stderr.write(`${line}\n`);
    };
    await setupTfjs(args.backend, log, args.verbose);
    const given = Object.keys(args.flags).filter((k) => k !== 'env' && k !== 'runDir');
    const withFlags = given.length > 0 ? ` + ${given.length === 1 ? 'flag' : 'flags'} ${given.join(', ')}` : '';
    const source = args.resumedConfig ? `${join(config.runDir, CONFIG_FILE)}${withFlags}` : `preset ${args.preset ?? 'none'}${withFlags}`;
    const onStart = (info: TrainStartInfo): void => {
      // Written only now: a run that refuses to resume changes nothing on disk.
      mkdirSync(config.runDir, { recursive: true });
      writeFileSync(join(config.runDir, CONFIG_FILE), `${JSON.stringify(savedForm(config), null, 2)}\n`);
      log(
        `impala-rl ${command}: ${envName(config)}, ${config.totalFrames} frames (${source}), T=${config.unrollLength} B=${config.batchSize}, ` +
          `${command === 'learner' ? 'remote actors' : `${config.numActors} actor(s)`} x ${config.envsPerActor} envs, ${config.optimizer} lr ${config.learningRate}; run directory ${config.runDir}` +
          (info.resumedFrom !== null ? ` (resuming from ${info.resumedFrom}, ${info.frames} frames)` : config.resume === 'if-present' ? ' (no checkpoint: starting afresh)' : ''),
      );
      installSignals();
    };
    const testHooks = Number.isFinite(pauseMs) && pauseMs > 0
      ? {
          onCheckpointStep: async (step: string): Promise<void> => {
            io.stderr.write(`impala-rl train: checkpoint step ${step}\n`);
            await new Promise((resolve) => setTimeout(resolve, pauseMs));
          },
        }
      : {};
    const result = await train(config, {
      signal: controller.signal,
      onProgress: (p) => {
        progress.update(p);
      },
      onWarning: (message) => {
        progress.note(message);
      },
      onStart,
      ...testHooks,
      ...(options.fleet ? { fleet: options.fleet } : {}),
    });
    progress.stop();
    result.network.dispose();
    io.stdout.write(summary(config, result, command, options.resumeFlags ?? ''));
    return result.stopped ? 128 + (stop.signal === 'SIGTERM' ? 15 : 2) : 0;
  } finally {
    progress.stop();
    options.signal?.removeEventListener('abort', onOuterAbort);
    uninstallSignals();
  }
}
