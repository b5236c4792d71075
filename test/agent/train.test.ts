/** End-to-end: train() improves on a trivial env in seconds; a stopped run resumes its counters and LR schedule exactly. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '../../src/agent/checkpoint.js';
import { train, type TrainConfig } from '../../src/agent/train.js';
import { registerEnv } from '../../src/envs/registry.js';
import { linearDecay } from '../../src/optim/schedules.js';
import { setupTestBackend } from '../helpers/tf.js';
import { ChainEnv } from './fakes.js';

await setupTestBackend();
// A 10-step chain: action 1 pays 1, action 0 pays 0; a uniform policy averages 5, the optimum is 10.
registerEnv('TestChain-v0', () => new ChainEnv(Infinity, 10), { override: true });

const base: TrainConfig = {
  logIntervalSeconds: 0, // a metrics row per update (the tests count them)
  env: 'TestChain-v0',
  totalFrames: 3000,
  envsPerActor: 4,
  batchSize: 4,
  unrollLength: 5,
  optimizer: 'adam',
  learningRate: 0.01,
  entropyCost: 0,
  rewardClipping: 'none',
  mlpHiddenSizes: [16],
  seed: 3,
};

describe('train()', () => {
  test('a tiny run improves the return on a trivial env', async () => {
    const result = await train(base);
    const first = result.returns.slice(0, 20);
    const last = result.returns.slice(-20);
    const mean = (a: readonly number[]) => a.reduce((s, x) => s + x, 0) / a.length;
    assert.ok(mean(first) < 7.5, `early mean ${mean(first)}`);
    assert.ok(mean(last) > 9, `late mean ${mean(last)} (early ${mean(first)})`);
    assert.equal(result.frames, 3000);
    result.network.dispose();
  });

  test('stop and resume: frames, updates, LR schedule, optimizer state and metrics files continue', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'impala-train-'));
    try {
      const controller = new AbortController();
      const first = await train(
        { ...base, runDir },
        {
          signal: controller.signal,
          onProgress: (p) => {
            if (p.frames >= 1000) controller.abort();
          },
        },
      );
      assert.equal(first.stopped, true);
      first.network.dispose();
      const saved = await loadCheckpoint(runDir);
      assert.equal(saved.learner.frames, first.frames);
      assert.equal(saved.learner.optimizer.iterations, first.updates);
      const seen: { frames: number; updates: number; lr: number }[] = [];
      const second = await train({ ...base, runDir, resume: true }, { onProgress: (p) => seen.push({ frames: p.frames, updates: p.updates, lr: p.learningRate }) });
      // The first update after resuming continues the counters and the learning-rate schedule exactly.
      assert.equal(seen[0]!.frames, first.frames + 4 * 5);
      assert.equal(seen[0]!.updates, first.updates + 1);
      assert.equal(seen[0]!.lr, linearDecay(0.01, first.frames, 3000));
      assert.equal(second.frames, 3000);
      assert.equal(second.stopped, false);
      second.network.dispose();
      const csv = readFileSync(join(runDir, 'metrics.csv'), 'utf8').trim().split('\n');
      assert.equal(csv.filter((l) => l.startsWith('frames,')).length, 1, 'one CSV header across the resume');
      assert.equal(csv.length - 1, second.updates, 'one CSV row per update, before and after the resume');
      const final = await loadCheckpoint(runDir);
      assert.equal(final.learner.frames, 3000);
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  });
});

describe('resolveActorConfig', () => {
  test('carries compile to actors built elsewhere (workers, remote actors), defaulting to auto', async () => {
    const { resolveActorConfig } = await import('../../src/agent/train-config.js');
    assert.equal(resolveActorConfig({ env: 'CartPole-v1' }).compile, 'auto');
    assert.equal(resolveActorConfig({ env: 'CartPole-v1', compile: false }).compile, false);
    assert.equal(resolveActorConfig({ env: 'CartPole-v1', compile: true }).compile, true);
  });
});
