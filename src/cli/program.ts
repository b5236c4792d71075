/**
 * The `impala-rl` command: `train` and `eval` subcommands (commander).
 */
import { Command, CommanderError } from 'commander';
import { version } from '../index.js';
import { CheckpointError } from '../agent/checkpoint.js';
import { CliUsageError } from './cli-usage-error.js';
import { actorCommand, healthCommand, learnerCommand } from './distributed-commands.js';
import { addEvalOptions, resolveEvalOptions, runEvalCommand } from './eval-command.js';
import { GrpcConfigError } from '../grpc/errors.js';
import { PAPER_PRESET, TRAIN_PRESETS } from './presets.js';
import { addTrainOptions, resolveTrainOptions } from './train-args.js';
import { readSavedConfig, runTrainCommand, type CliIo, type RunTrainCommandOptions } from './train-command.js';

/** Exit code of a usage error (a bad flag). */
export const USAGE_ERROR_EXIT_CODE = 2;

const TRAIN_EXAMPLES = `
Presets (--preset, default: the env's own, else '${PAPER_PRESET}'): ${[PAPER_PRESET, ...Object.keys(TRAIN_PRESETS)].join(', ')}.
Flags override the preset; with --resume, they override the run's config.json.

Examples:
  impala-rl train --env CartPole-v1
  impala-rl train --env Acrobot-v1 --total-frames 200000 --seed 2 --run-dir runs/acrobot
  impala-rl train --env Maze-v0 --env-option height=36 --env-option width=48 --backend tensorflow
  impala-rl train --run-dir runs/acrobot --resume          (after Ctrl-C)`;

/**
 * Runs the `impala-rl` command line.
 *
 * @param argv - the arguments after the program name, e.g. `['train', '--env', 'CartPole-v1']`.
 * @param io - where to write.
 * @param options - signal handling of `train`.
 * @returns the exit code: 0 on success, 130 when training was stopped by a signal, 2 on a usage error or a
 * checkpoint that cannot be resumed from (nothing is changed on disk then), 1 on any other error.
 */
export async function runCli(argv: readonly string[], io: CliIo, options: RunTrainCommandOptions = {}): Promise<number> {
  let code = 0;
  const ran = { train: false };
  const program = new Command('impala-rl')
    .description('IMPALA (Espeholt et al. 2018) for TensorFlow.js: train and evaluate agents.')
    .version(version)
    .exitOverride()
    .showHelpAfterError('(add --help for the list of flags)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  program.addCommand(
    addTrainOptions(new Command('train'))
      .addHelpText('after', TRAIN_EXAMPLES)
      .action(async (_opts: unknown, command: Command) => {
        ran.train = true;
        const parsed = resolveTrainOptions(command.opts(), { readSavedConfig });
        code = await runTrainCommand(parsed, io, options);
      }),
  );
  program.addCommand(
    addEvalOptions(new Command('eval')).action(async (_opts: unknown, command: Command) => {
      code = await runEvalCommand(resolveEvalOptions(command.opts()), io);
    }),
  );
  const setCode = (c: number): void => {
    code = c;
  };
  program.addCommand(learnerCommand(io, options, setCode, () => {
    ran.train = true;
  }));
  program.addCommand(actorCommand(io, options, setCode));
  program.addCommand(healthCommand(io, setCode));
  // Subcommands inherit the output and exit behaviour of the program only when set before they are added.
  for (const c of program.commands) {
    c.exitOverride().showHelpAfterError('(add --help for the list of flags)');
    c.configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version output end with exitCode 0; everything else is a usage error already printed.
      return error.exitCode === 0 ? 0 : USAGE_ERROR_EXIT_CODE;
    }
    if (error instanceof CliUsageError || error instanceof GrpcConfigError || (error instanceof CheckpointError && ran.train)) {
      io.stderr.write(`impala-rl: ${error.message}\n`);
      return USAGE_ERROR_EXIT_CODE;
    }
    io.stderr.write(`impala-rl: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
