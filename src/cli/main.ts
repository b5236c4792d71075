#!/usr/bin/env node
/**
 * The `impala-rl` executable (`npx impala-rl train --env CartPole-v1`). Built to `dist/cli.js`.
 */
import { runCli } from './program.js';

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
