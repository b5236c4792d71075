#!/usr/bin/env node
/**
 * The `impala-rl` executable (`npx impala-rl train --env CartPole-v1`). Built to `dist/cli.js`.
 */
import { runCli } from './program.js';

// `impala-rl --help | head`: the reader closed the pipe; stop quietly instead of dying on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
