/**
 * Every example's `main` at a tiny budget (the examples' own defaults train for minutes to hours). The checks
 * are what a few updates can show: the frame counter, episode bookkeeping, returns inside the range each
 * environment allows, and no leaked tensors. Frame budgets are multiples of B·T so they are reached exactly.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { main as acrobot } from '../../examples/acrobot.js';
import { main as cartpole } from '../../examples/cartpole.js';
import { main as customEnv } from '../../examples/custom-env.js';
import { main as mazeDeep } from '../../examples/maze-deep.js';
import { main as multitaskMaze } from '../../examples/multitask-maze.js';
import { setupTestBackend, testBackendName, tf } from '../helpers/tf.js';

await setupTestBackend();
const backend = testBackendName();

/** Runs `fn` and checks that it leaves no tensors behind. */
async function noLeak<T>(fn: () => Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  return out;
}

describe('examples', () => {
  test('cartpole: episodes finish with returns in [1, 500]', async () => {
    // 400 frames = 10 updates of B·T = 8·5; CartPole episodes of a near-uniform policy last about 20 steps.
    const r = await noLeak(() => cartpole({ totalFrames: 400, backend, verbose: false }));
    assert.equal(r.frames, 400);
    assert.ok(r.episodes >= 5, `episodes ${r.episodes}`);
    assert.ok(r.meanReturn100 >= 1 && r.meanReturn100 <= 500, `mean ${r.meanReturn100}`);
    assert.ok(r.firstReturns >= 1 && r.firstReturns <= 500, `first ${r.firstReturns}`);
  });

  test('acrobot: −1 per step, so a 25-step cap bounds every return to [−25, 0]', async () => {
    // 8 envs × 50 agent steps: each env finishes at least one capped episode.
    const r = await acrobot({ totalFrames: 400, maxEpisodeSteps: 25, backend, verbose: false });
    assert.equal(r.frames, 400);
    assert.ok(r.episodes >= 8, `episodes ${r.episodes}`);
    for (const x of r.returns) assert.ok(Number.isInteger(x) && x >= -25 && x <= 0, `return ${x}`);
  });

  test('maze-deep: the deep net trains on 24×32 frames; the random baseline is a multiple of the goal reward', async () => {
    // T = 2, B = 2 (2 envs): 8 frames = 2 updates, and 4 steps per env, so the 4-step episodes end once each.
    // (The deep torso's filter gradients are slow on the cpu backend: about 8 s per update here.)
    const r = await mazeDeep({ totalFrames: 8, height: 24, width: 32, maxEpisodeSteps: 4, unrollLength: 2, batchSize: 2, envsPerActor: 2, lstmSize: 32, randomEpisodes: 3, backend, verbose: false });
    assert.equal(r.frames, 8);
    assert.deepEqual(r.observationShape, [24, 32, 3]);
    assert.equal(r.episodes, 2);
    // Rewards are +10 per goal reached; over 3 episodes the mean is a multiple of 10/3.
    assert.ok(r.randomReturn >= 0 && Math.abs(r.randomReturn * 3 / 10 - Math.round(r.randomReturn * 3 / 10)) < 1e-9, `random ${r.randomReturn}`);
    assert.ok(r.meanReturn100 >= 0 && r.meanReturn100 <= 40, `mean ${r.meanReturn100}`);
  });

  test('multitask-maze: returns are reported for every task', async () => {
    // 3 tasks round-robin over 3 envs (one each), T = 2, B = 3: 24 frames = 4 updates = 8 steps per env;
    // with 4-step episodes every task finishes 2 episodes.
    const tasks = ['Maze-v0', 'MazeNoCues-v0', 'MazeLocal-v0'];
    const r = await multitaskMaze({ tasks, totalFrames: 24, height: 24, width: 32, maxEpisodeSteps: 4, torso: 'shallow', lstmSize: 16, unrollLength: 2, batchSize: 3, envsPerActor: 3, backend, verbose: false });
    assert.equal(r.frames, 24);
    assert.deepEqual(Object.keys(r.perTask).sort(), [...tasks].sort());
    for (const [task, s] of Object.entries(r.perTask)) {
      assert.equal(s.episodes, 2, `${task} episodes`);
      assert.ok(s.meanReturn100 >= 0 && s.meanReturn100 <= 20, `${task} mean ${s.meanReturn100}`);
    }
  });

  test('custom-env: the corridor passes checkEnv, registers and trains', async () => {
    const r = await customEnv({ totalFrames: 800, length: 6, maxEpisodeSteps: 30, backend, verbose: false });
    assert.equal(r.check.ok, true, r.check.problems.join('; '));
    assert.equal(r.frames, 800);
    assert.ok(r.episodes > 0);
    // Reaching the end pays 1 and ends the episode; a truncated episode pays 0. From cell 0 or 1 the end of a
    // 6-cell corridor is at least 4 steps away, and the time limit is 30.
    assert.ok(r.meanReturn100 >= 0 && r.meanReturn100 <= 1, `mean ${r.meanReturn100}`);
    assert.ok(r.meanLength100 >= 4 && r.meanLength100 <= 30, `mean length ${r.meanLength100}`);
  });

  test('an example with truncated episodes leaves no tensors behind', async () => {
      // 8 envs × 50 steps with a 25-step cap: 2 truncating steps.
    await noLeak(() => acrobot({ totalFrames: 400, maxEpisodeSteps: 25, backend, verbose: false }));
  });
});

describe('examples as commands', () => {
  test('cartpole.ts takes flags, resolves impala-rl by name, prints progress with an ETA and no NaN or tfjs banner', async () => {
    const { spawnSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'examples/cartpole.ts', '--total-frames', '200', '--backend', 'cpu', '--seed', '2'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout + r.stderr;
    assert.match(out, /\/200 frames, mean return \(last 100\) .*ETA \d+ s/);
    assert.match(out, /CartPole-v1: 200 frames/);
    assert.doesNotMatch(out, /NaN/);
    assert.doesNotMatch(out, /looks like you are running TensorFlow\.js in Node/);
  });
});
