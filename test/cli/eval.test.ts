/**
 * Checkpoint evaluation (`impala-rl eval`): the network is rebuilt from the checkpoint's config and weights.
 * A hand-made checkpoint whose policy always pushes left is compared with CartPole stepped directly with
 * action 0 from the same reset seeds; a checkpoint from a tiny training run goes through the command itself.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveCheckpoint } from '../../src/agent/checkpoint.js';
import { buildNetwork, train, type TrainConfig } from '../../src/agent/train.js';
import { evaluateCheckpoint, returnStats } from '../../src/cli/evaluate.js';
import { runCli } from '../../src/cli/program.js';
import { makeEnv } from '../../src/envs/registry.js';
import { setupTestBackend, testBackendName, tf } from '../helpers/tf.js';

await setupTestBackend();
const backend = testBackendName();

class Capture {
  text = '';
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

/** Saves a checkpoint of `config` whose weights are all 0 except the policy bias (logits = bias everywhere). */
async function policyBiasCheckpoint(dir: string, config: TrainConfig, bias: number[]): Promise<void> {
  const network = buildNetwork(config, makeEnv('CartPole-v1'), 1);
  const specs = network.weightSpecs.map((w) => ({ name: w.name, shape: [...w.shape] }));
  network.dispose();
  const weights = new Float32Array(specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0));
  let offset = 0;
  for (const w of specs) {
    if (w.name === 'policy/bias') weights.set(bias, offset);
    offset += w.shape.reduce((a, b) => a * b, 1);
  }
  assert.ok(specs.some((w) => w.name === 'policy/bias'));
  await saveCheckpoint(dir, {
    config: config as unknown as Record<string, unknown>,
    weights,
    weightSpecs: specs,
    learner: { frames: 1234, updates: 5, optimizer: { name: 'rmsprop', iterations: 5, slots: {} } },
    actors: [],
    recentReturns: [],
    elapsedSeconds: 1,
    savedAt: new Date(0).toISOString(),
  });
}

/** Steps of CartPole-v1 under "always push left" after `reset({ seed })`: the reference. */
function alwaysLeftReturn(seed: number): number {
  const env = makeEnv('CartPole-v1');
  env.reset({ seed });
  let total = 0;
  for (;;) {
    const r = env.step(0);
    total += r.reward;
    if (r.terminated || r.truncated) return total;
  }
}

describe('evaluateCheckpoint', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'impala-eval-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('greedy actions of a checkpoint that always pushes left match CartPole stepped with action 0', async () => {
    const run = join(dir, 'left');
    await policyBiasCheckpoint(run, { env: 'CartPole-v1', totalFrames: 1 }, [5, -5]);
    const before = tf.memory().numTensors;
    // One episode per environment: environment i is reset with seed 7·1000 + i.
    const r = await evaluateCheckpoint({ checkpoint: run, episodes: 4, numEnvs: 4, seed: 7, greedy: true });
    assert.equal(tf.memory().numTensors, before, 'no leaked tensors');
    const expected = [0, 1, 2, 3].map((i) => alwaysLeftReturn(7000 + i));
    assert.deepEqual([...r.returns].sort((a, b) => a - b), [...expected].sort((a, b) => a - b));
    assert.deepEqual(r.lengths, r.returns, 'CartPole pays 1 per step');
    assert.equal(r.frames, 1234);
    assert.deepEqual(r.tasks, ['CartPole-v1', 'CartPole-v1', 'CartPole-v1', 'CartPole-v1']);
    const s = returnStats(expected);
    assert.equal(r.mean, s.mean);
    assert.ok(Math.abs(r.std - s.std) < 1e-12);
    assert.ok(r.max < 20, `always-left episodes are short, got ${r.max}`);
  });

  test('sampling follows the policy: with logits (0, 0) episodes are longer than always-left on average', async () => {
    const run = join(dir, 'uniform');
    await policyBiasCheckpoint(run, { env: 'CartPole-v1', totalFrames: 1 }, [0, 0]);
    const left = join(dir, 'left');
    const uniform = await evaluateCheckpoint({ checkpoint: run, episodes: 24, seed: 1 });
    const greedyLeft = await evaluateCheckpoint({ checkpoint: left, episodes: 24, seed: 1, greedy: true });
    // A uniform random policy lasts about 22 steps on CartPole, always-left about 9.
    assert.ok(uniform.mean > greedyLeft.mean + 5, `uniform ${uniform.mean} vs left ${greedyLeft.mean}`);
    assert.equal(uniform.returns.length, 24);
    const again = await evaluateCheckpoint({ checkpoint: run, episodes: 24, seed: 1 });
    assert.deepEqual(again.returns, uniform.returns, 'same seed, same episodes');
  });

  test('weights that do not fit the config are refused', async () => {
    const run = join(dir, 'mismatch');
    await policyBiasCheckpoint(run, { env: 'CartPole-v1', totalFrames: 1 }, [0, 0]);
    // Same weights, but the config now asks for an LSTM core.
    const { loadCheckpoint } = await import('../../src/agent/checkpoint.js');
    const c = await loadCheckpoint(run);
    await saveCheckpoint(run, { ...c, config: { ...c.config, lstmSize: 8 } });
    await assert.rejects(evaluateCheckpoint({ checkpoint: run, episodes: 1 }), /evaluateCheckpoint: the weights .* do not fit/);
  });

  test('impala-rl eval on a checkpoint made by a tiny training run', async () => {
    const run = join(dir, 'trained');
    const result = await train({ env: 'CartPole-v1', totalFrames: 400, unrollLength: 5, batchSize: 8, envsPerActor: 8, runDir: run, mlpHiddenSizes: [16] });
    result.network.dispose();
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runCli(['eval', '--checkpoint', run, '--episodes', '6', '--backend', backend], { stdout, stderr });
    assert.equal(code, 0, stderr.text);
    assert.match(stderr.text, new RegExp(`backend '${backend}'`));
    assert.match(stdout.text, /^impala-rl eval: CartPole-v1, checkpoint .* \(400 frames\), sampled actions, seed 0$/m);
    const m = /^return: mean ([\d.]+), std ([\d.]+), min ([\d.]+), max ([\d.]+) over 6 episodes$/m.exec(stdout.text);
    assert.ok(m, stdout.text);
    const [mean, std, min, max] = m.slice(1).map(Number) as [number, number, number, number];
    assert.ok(min >= 1 && min <= mean && mean <= max && max <= 500 && std >= 0, stdout.text);

    const json = new Capture();
    assert.equal(await runCli(['eval', '--checkpoint', run, '--episodes', '6', '--greedy', '--json', '--backend', backend], { stdout: json, stderr }), 0);
    const parsed = JSON.parse(json.text) as { returns: number[]; mean: number; greedy: boolean; frames: number };
    assert.equal(parsed.returns.length, 6);
    assert.equal(parsed.greedy, true);
    assert.equal(parsed.frames, 400);
    assert.equal(parsed.mean, parsed.returns.reduce((a, b) => a + b, 0) / 6);
  });

  test('impala-rl eval without a checkpoint is a usage error (exit code 2) that says where it looked', async () => {
    const stdout = new Capture();
    const stderr = new Capture();
    const missing = join(dir, 'missing');
    const code = await runCli(['eval', '--checkpoint', missing, '--backend', backend], { stdout, stderr });
    assert.equal(code, 2);
    assert.ok(stderr.text.includes(`--checkpoint: '${missing}' is not a directory`), stderr.text);
  });
});
