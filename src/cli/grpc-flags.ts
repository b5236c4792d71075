/**
 * The flags the `learner`, `actor` and `health` commands share: token, TLS, message limits, compression; and
 * reading the files they name.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { checkToken } from '../grpc/transport-options.js';
import { CliUsageError } from './cli-usage-error.js';
import { numberIn } from './flag-parsers.js';

/** The environment variable holding the token when `--token-file` is not given. */
export const TOKEN_ENV = 'IMPALA_RL_TOKEN';

/** Adds `--token-file`, `--max-message-mb` and `--compression`. */
export function addTransportOptions(command: Command): Command {
  return command
    .option('--token-file <file>', `file holding the shared token (at least 16 printable characters; default: the ${TOKEN_ENV} environment variable)`)
    .option('--max-message-mb <n>', 'largest message accepted, in MiB (default: 64)', numberIn({ above: 0 }))
    .option('--compression <kind>', 'compression of the messages sent: none or gzip (default: none)');
}

/** What {@link readTransportOptions} reads. */
export interface CliTransport {
  readonly token: string | null;
  readonly maxMessageBytes?: number;
  readonly compression?: 'none' | 'gzip';
}

/**
 * Reads a PEM (or token) file for a flag.
 *
 * @throws {@link CliUsageError} naming the flag and the file.
 */
export function readFlagFile(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new CliUsageError(`${flag}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/**
 * The token from `--token-file` or {@link TOKEN_ENV}, the message limit and the compression.
 *
 * @param opts - commander's values.
 * @param env - the environment.
 * @param note - receives a warning about a token file others can read.
 */
export function readTransportOptions(opts: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv, note: (line: string) => void): CliTransport {
  let token: string | null = null;
  const file = opts.tokenFile as string | undefined;
  try {
    if (file !== undefined) {
      token = checkToken(readFlagFile('--token-file', file).toString('utf8').trim(), `--token-file ${file}`);
      if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) note(`impala-rl: WARNING: ${file} can be read by other users (chmod 600 it)`);
    } else if (env[TOKEN_ENV] !== undefined && env[TOKEN_ENV] !== '') {
      token = checkToken(env[TOKEN_ENV].trim(), TOKEN_ENV);
    }
  } catch (error) {
    if (error instanceof CliUsageError) throw error;
    throw new CliUsageError((error as Error).message);
  }
  const compression = opts.compression as string | undefined;
  if (compression !== undefined && compression !== 'none' && compression !== 'gzip') throw new CliUsageError(`--compression: expected none or gzip, got '${compression}'`);
  const mb = opts.maxMessageMb as number | undefined;
  return {
    token,
    ...(mb !== undefined ? { maxMessageBytes: Math.round(mb * 1024 * 1024) } : {}),
    ...(compression !== undefined ? { compression } : {}),
  };
}
