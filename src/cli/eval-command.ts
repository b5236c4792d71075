/**
 * `impala-rl eval --checkpoint DIR`: test episodes of a trained agent, with mean/std/min/max of the returns.
 */
import { Command, CommanderError, Option } from 'commander';
import { BACKEND_REQUESTS, type BackendRequest } from '../backends/backend-names.js';
import { readdirSync } from 'node:fs';
import { CliUsageError } from './cli-usage-error.js';
import { evaluateCheckpoint, type EvaluateResult, type ReturnStats } from './evaluate.js';
import { integerAtLeast } from './flag-parsers.js';
import { setupTfjs } from './setup-tfjs.js';
import type { CliIo } from './train-command.js';

/** What {@link parseEvalArgs} returns. */
export interface ParsedEvalArgs {
  /** `--checkpoint`: a run directory or a checkpoint folder. */
  readonly checkpoint: string;
  /** `--episodes`. */
  readonly episodes: number;
  /** `--seed`. */
  readonly seed: number;
  /** `--greedy`: argmax actions instead of sampling. */
  readonly greedy: boolean;
  /** `--num-envs`: environments run side by side. */
  readonly numEnvs: number;
  /** `--backend`. */
  readonly backend: BackendRequest;
  /** `--json`: print the result as one JSON object. */
  readonly json: boolean;
}

/**
 * Adds the flags of `impala-rl eval` to a command.
 *
 * @param command - a fresh `new Command('eval')`.
 * @returns the same command.
 */
export function addEvalOptions(command: Command): Command {
  return command
    .description('Run test episodes with a trained agent and print the mean, std, min and max return.')
    .requiredOption('--checkpoint <dir>', 'a run directory (or its checkpoint folder)')
    .option('--episodes <n>', 'episodes to run', integerAtLeast(1), 100)
    .option('--seed <n>', 'seed of the environment resets and of action sampling', integerAtLeast(0), 0)
    .option('--greedy', 'take the most likely action instead of sampling from the policy')
    .option('--num-envs <n>', 'environments run side by side (batched inference)', integerAtLeast(1), 16)
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(BACKEND_REQUESTS).default('auto'))
    .option('--json', 'print the result as JSON (returns included)');
}

/**
 * A usage error, before any setup, when `--checkpoint` names no directory or one without a checkpoint (its
 * `checkpoint*` folder, or `state.json` when it is a checkpoint folder itself).
 *
 * @param dir - the `--checkpoint` value.
 * @throws {@link CliUsageError} naming the directory.
 */
function checkCheckpointDir(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    throw new CliUsageError(`--checkpoint: '${dir}' is not a directory (give a run directory, e.g. runs/CartPole-v1-20260101-120000)`);
  }
  if (!entries.some((name) => name === 'state.json' || name.startsWith('checkpoint'))) {
    throw new CliUsageError(`--checkpoint: '${dir}' holds no checkpoint (no checkpoint/ folder; a run writes one at its end and every --checkpoint-interval seconds)`);
  }
}

/**
 * Resolves commander's option values of an `eval` command.
 *
 * @param raw - `command.opts()`.
 * @returns the arguments.
 */
export function resolveEvalOptions(raw: Readonly<Record<string, unknown>>): ParsedEvalArgs {
  return {
    checkpoint: raw.checkpoint as string,
    episodes: raw.episodes as number,
    seed: raw.seed as number,
    greedy: raw.greedy === true,
    numEnvs: raw.numEnvs as number,
    backend: raw.backend as BackendRequest,
    json: raw.json === true,
  };
}

/**
 * Parses the arguments of `impala-rl eval` (the words after `eval`). Prints nothing, never exits.
 *
 * @param argv - e.g. `['--checkpoint', 'runs/x', '--episodes', '10']`.
 * @returns the arguments.
 * @throws {@link CliUsageError} naming the flag at fault.
 */
export function parseEvalArgs(argv: readonly string[]): ParsedEvalArgs {
  const command = addEvalOptions(new Command('eval'))
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  try {
    command.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) throw new CliUsageError(error.message.replace(/^error: /, ''));
    throw error;
  }
  return resolveEvalOptions(command.opts());
}

function statsLine(s: ReturnStats): string {
  const f = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(2));
  return `mean ${f(s.mean)}, std ${f(s.std)}, min ${f(s.min)}, max ${f(s.max)} over ${s.episodes} episodes`;
}

/**
 * Formats an evaluation for people.
 *
 * @param result - from `evaluateCheckpoint`.
 * @param args - the command's arguments.
 * @returns the lines, with a final newline.
 */
export function formatEvaluation(result: EvaluateResult, args: Pick<ParsedEvalArgs, 'greedy' | 'seed' | 'checkpoint'>): string {
  const env = typeof result.config.env === 'string' ? result.config.env : result.config.env.join(',');
  const lines = [
    `impala-rl eval: ${env}, checkpoint ${args.checkpoint} (${result.frames} frames), ${args.greedy ? 'greedy' : 'sampled'} actions, seed ${args.seed}`,
    `return: ${statsLine(result)}`,
  ];
  const tasks = Object.entries(result.perTask);
  if (tasks.length > 1) for (const [task, s] of tasks) lines.push(`  ${task}: ${statsLine(s)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Runs a parsed `impala-rl eval` command.
 *
 * @param args - from `parseEvalArgs`.
 * @param io - where to write (results on stdout, the backend line on stderr).
 * @returns the exit code (0).
 * @throws {@link CliUsageError} when `--checkpoint` holds no checkpoint (before any setup).
 */
export async function runEvalCommand(args: ParsedEvalArgs, io: CliIo): Promise<number> {
  checkCheckpointDir(args.checkpoint);
  await setupTfjs(args.backend, (line) => io.stderr.write(`${line}\n`));
  const result = await evaluateCheckpoint({ checkpoint: args.checkpoint, episodes: args.episodes, seed: args.seed, greedy: args.greedy, numEnvs: args.numEnvs });
  if (args.json) {
    const { returns, lengths, tasks, perTask, frames, episodes, mean, std, min, max } = result;
    const out = { checkpoint: args.checkpoint, greedy: args.greedy, seed: args.seed, frames, episodes, mean, std, min, max, perTask, returns, lengths, tasks };
    io.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    io.stdout.write(formatEvaluation(result, args));
  }
  return 0;
}
