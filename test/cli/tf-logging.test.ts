// `impala-rl train` on tfjs-node: libtensorflow's INFO lines (the CPU-feature notice, "Reading SavedModel from ..."
// for every compiled graph) are silenced unless --verbose or TF_CPP_MIN_LOG_LEVEL says otherwise.
// Real CLI processes, CartPole for 2,000 frames; skipped where @tensorflow/tfjs-node does not load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tfjsNodeLoads } from '../helpers/tfjs-node-probe.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const skip = tfjsNodeLoads() ? false : '@tensorflow/tfjs-node does not load here (scripts/setup-tfjs-node-offline.sh builds it)';

function train(extraArgs: string[], env: Record<string, string | undefined>): string {
  const dir = mkdtempSync(join(tmpdir(), 'impala-cli-tflog-'));
  try {
    const childEnv = Object.fromEntries(Object.entries({ ...process.env, ...env }).filter(([, v]) => v !== undefined));
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'train', '--env', 'CartPole-v1', '--backend', 'tensorflow', '--total-frames', '2000', '--run-dir', join(dir, 'run'), ...extraArgs],
      { cwd: root, env: childEnv, encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    return `${r.stdout}\n${r.stderr}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('train on tensorflow prints no libtensorflow INFO lines; --verbose and TF_CPP_MIN_LOG_LEVEL=0 keep them', { skip, timeout: 360_000 }, () => {
  const quiet = train([], { TF_CPP_MIN_LOG_LEVEL: undefined });
  assert.match(quiet, /impala-rl train: finished CartPole-v1/);
  // (libtensorflow's oneDNN notice is written before its logging reads the level, so it stays.)
  assert.doesNotMatch(quiet, /Reading SavedModel|cpu_feature_guard|rebuild TensorFlow/);
  // The compiled learner step loaded a graph: with INFO logging on, libtensorflow says so.
  assert.match(train(['--verbose'], { TF_CPP_MIN_LOG_LEVEL: undefined }), /Reading SavedModel from/);
  assert.match(train([], { TF_CPP_MIN_LOG_LEVEL: '0' }), /Reading SavedModel from/);
});
