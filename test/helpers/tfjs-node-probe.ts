/**
 * Whether `@tensorflow/tfjs-node` (its native addon) loads here, checked in a child process: tfjs-node has side
 * effects when it loads, so a test that only may use it probes first.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** @returns true when `require('@tensorflow/tfjs-node')` succeeds in a fresh Node process. */
export function tfjsNodeLoads(): boolean {
  const probe = spawnSync(process.execPath, ['-e', "require('@tensorflow/tfjs-node')"], {
    cwd: root,
    stdio: 'ignore',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
    timeout: 120_000,
  });
  return probe.status === 0;
}
