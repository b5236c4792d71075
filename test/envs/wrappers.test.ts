// Wrappers over a scripted env (test/helpers/envs.ts) whose observations, rewards and ends are known exactly, so
// every expected value below is worked out by hand from its definition. Each wrapper is run over a sync and an
// async inner env.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ActionRepeat,
  Box,
  ClipReward,
  Discrete,
  FrameStack,
  NormalizeObservation,
  RecordEpisodeStatistics,
  TimeLimit,
  Wrapper,
  makeEnv,
} from '../../src/index.js';
import type { Env, ResetResult, StepResult } from '../../src/index.js';
import { CountingEnv } from '../helpers/envs.js';

const modes = [
  ['sync', false],
  ['async', true],
] as const;

for (const [mode, isAsync] of modes) {
  describe(`wrappers over a ${mode} env`, () => {
    test('stay synchronous over a sync env and asynchronous over an async one', async () => {
      const env = new TimeLimit(new CountingEnv({ async: isAsync }), 3);
      const r = env.reset({ seed: 1 });
      assert.equal(r instanceof Promise, isAsync);
      await r;
      const s = env.step(1);
      assert.equal(s instanceof Promise, isAsync);
      await s;
    });

    test('TimeLimit truncates on the maxEpisodeSteps-th step and restarts the count on reset', async () => {
      const env = new TimeLimit(new CountingEnv({ async: isAsync }), 3);
      await env.reset();
      const flags: boolean[] = [];
      for (let i = 0; i < 4; i++) flags.push((await env.step(1)).truncated);
      assert.deepEqual(flags, [false, false, true, true]);
      await env.reset();
      assert.equal(env.elapsedSteps, 0);
      assert.equal((await env.step(1)).truncated, false);
      assert.throws(() => new TimeLimit(new CountingEnv(), 0), /TimeLimit: maxEpisodeSteps must be a positive integer, got 0/);
    });

    test('TimeLimit keeps terminated when both happen on the last step', async () => {
      const env = new TimeLimit(new CountingEnv({ async: isAsync, terminateAt: 2 }), 2);
      await env.reset();
      await env.step(1);
      const r = await env.step(1);
      assert.deepEqual([r.terminated, r.truncated], [true, true]);
    });

    test('RecordEpisodeStatistics reports return and length at the end of each episode', async () => {
      const env = new RecordEpisodeStatistics(new CountingEnv({ async: isAsync, terminateAt: 3 }), { bufferLength: 2 });
      for (const actions of [
        [2, 2, 0], // rewards 5 + 5 − 5 = 5
        [0, 0, 0], // −15
        [1, 2, 2], // 10
      ]) {
        await env.reset();
        let last: StepResult<Float32Array> | undefined;
        for (const a of actions) {
          last = await env.step(a);
          if (!last.terminated) assert.equal(last.info.episode, undefined);
        }
        const episode = last!.info.episode as { return: number; length: number; durationMs: number };
        assert.equal(episode.length, 3);
        assert.ok(episode.durationMs >= 0);
        assert.equal(last!.info.t, 3, 'inner info is kept');
      }
      assert.deepEqual(env.recentReturns, [-15, 10], 'keeps the last bufferLength episodes');
      assert.deepEqual(env.recentLengths, [3, 3]);
      assert.equal(env.episodeCount, 3);
    });

    test('ClipReward clips to [min, max] and keeps the raw reward in info', async () => {
      const env = new ClipReward(new CountingEnv({ async: isAsync }));
      await env.reset();
      const r = await env.step(2);
      assert.equal(r.reward, 1);
      assert.equal(r.info.rawReward, 5);
      assert.equal((await env.step(0)).reward, -1);
      assert.equal((await env.step(1)).reward, 0);
      const wide = new ClipReward(new CountingEnv({ async: isAsync }), { min: -2, max: 3 });
      await wide.reset();
      assert.equal((await wide.step(2)).reward, 3);
      assert.equal((await wide.step(0)).reward, -2);
      assert.throws(() => new ClipReward(new CountingEnv(), { min: 1, max: 0 }), /ClipReward: min 1 > max 0/);
    });

    test('ActionRepeat sums rewards over repeats and stops at the episode end', async () => {
      const inner = new CountingEnv({ async: isAsync, terminateAt: 5 });
      const env = new ActionRepeat(inner, 2);
      await env.reset();
      const a = await env.step(2);
      assert.equal(a.reward, 10);
      assert.equal(a.info.repeatedSteps, 2);
      assert.deepEqual(Array.from(a.observation), [0, 2, -1]);
      await env.step(1); // inner steps 3, 4
      const b = await env.step(2); // inner step 5 terminates: only one step taken
      assert.equal(b.reward, 5);
      assert.equal(b.terminated, true);
      assert.equal(b.info.repeatedSteps, 1);
      assert.equal(inner.t, 5);
    });

    test('FrameStack on a new leading axis, oldest first, padded with the reset frame', async () => {
      const env = new FrameStack(new CountingEnv({ async: isAsync }), 3);
      assert.deepEqual(env.observationSpace.shape, [3, 3]);
      const r0 = await env.reset({ seed: 4 });
      assert.deepEqual(Array.from(r0.observation), [0, 0, 4, 0, 0, 4, 0, 0, 4]);
      const r1 = await env.step(1);
      assert.deepEqual(Array.from(r1.observation), [0, 0, 4, 0, 0, 4, 0, 1, 4]);
      await env.step(1);
      const r3 = await env.step(1);
      assert.deepEqual(Array.from(r3.observation), [0, 1, 4, 0, 2, 4, 0, 3, 4]);
      assert.ok(r3.observation instanceof Float32Array);
      assert.ok(env.observationSpace.contains(r3.observation));
    });
  });
}

describe('FrameStack', () => {
  test("axis 'last' concatenates channels of [H, W, C] images and keeps the dtype", async () => {
    // A 1×2×2 uint8 "image" whose pixel values encode (step, pixel, channel).
    class ImageEnv implements Env<Uint8Array, number> {
      readonly observationSpace = new Box({ low: 0, high: 255, shape: [1, 2, 2], dtype: 'uint8' });
      readonly actionSpace = new Discrete(1);
      t = 0;
      frame(): Uint8Array {
        return Uint8Array.of(this.t * 10 + 0, this.t * 10 + 1, this.t * 10 + 2, this.t * 10 + 3);
      }
      reset(): ResetResult<Uint8Array> {
        this.t = 0;
        return { observation: this.frame(), info: {} };
      }
      step(): StepResult<Uint8Array> {
        this.t++;
        return { observation: this.frame(), reward: 0, terminated: false, truncated: false, info: {} };
      }
    }
    const env = new FrameStack(new ImageEnv(), 2, { axis: 'last' });
    assert.deepEqual(env.observationSpace.shape, [1, 2, 4]);
    assert.equal(env.observationSpace.dtype, 'uint8');
    await env.reset();
    const r = await env.step(0);
    // Pixel 0: channels of frame 0 (0, 1) then frame 1 (10, 11); pixel 1: (2, 3) then (12, 13).
    assert.deepEqual(Array.from(r.observation), [0, 1, 10, 11, 2, 3, 12, 13]);
    assert.ok(r.observation instanceof Uint8Array);
  });

  test('needs a Box observation space and a positive numStack', () => {
    class DiscreteObsEnv extends CountingEnv {
      override readonly observationSpace = new Discrete(2) as unknown as Box;
    }
    assert.throws(() => new FrameStack(new DiscreteObsEnv(), 2), /FrameStack: observation space must be a Box, got Discrete\(2\)/);
    assert.throws(() => new FrameStack(new CountingEnv(), 0), /numStack must be a positive integer/);
  });
});

describe('NormalizeObservation', () => {
  test('matches a running mean/variance computed by hand (Gymnasium initial count 1e-4, mean 0, variance 1)', () => {
    const env = new NormalizeObservation(new CountingEnv());
    const seen: number[][] = [];
    const outputs: Float32Array[] = [];
    const r = env.reset({ seed: 2 }) as ResetResult<Float32Array>;
    seen.push([0, 0, 2]);
    outputs.push(r.observation);
    for (let i = 0; i < 4; i++) {
      outputs.push((env.step(1) as StepResult<Float32Array>).observation);
      seen.push([0, i + 1, 2]);
    }
    // Reference: the same parallel update written out over the observations seen so far.
    let count = 1e-4;
    let mean = [0, 0, 0];
    let variance = [1, 1, 1];
    seen.forEach((x, k) => {
      const total = count + 1;
      const delta = x.map((v, i) => v - mean[i]!);
      mean = mean.map((m, i) => m + delta[i]! / total);
      variance = variance.map((v, i) => (v * count + (delta[i]! * delta[i]! * count) / total) / total);
      count = total;
      const expected = x.map((v, i) => Math.fround((v - mean[i]!) / Math.sqrt(variance[i]! + 1e-8)));
      assert.deepEqual(Array.from(outputs[k]!), expected, `observation ${k}`);
    });
    const stats = env.getStatistics();
    assert.ok(Math.abs(stats.count - 5.0001) < 1e-12);
    assert.ok(Math.abs(stats.mean[1]! - 2) < 1e-3, 'mean of 0,1,2,3,4 is about 2');
    assert.ok(Math.abs(stats.variance[1]! - 2) < 1e-3, 'population variance of 0..4 is 2');
    assert.ok(env.observationSpace.contains(outputs[4]));
  });

  test('frozen statistics, clipping, and restoring statistics', async () => {
    const env = new NormalizeObservation(new CountingEnv(), { update: false, clip: 0.5 });
    env.setStatistics({ mean: Float64Array.of(0, 1, 0), variance: Float64Array.of(1, 4, 1), count: 10 });
    await env.reset({ seed: 0 });
    const r = await env.step(1); // observation [0, 1, 0]
    assert.deepEqual(Array.from(r.observation), [0, 0, 0]);
    const r2 = await env.step(1); // [0, 2, 0] → (2 − 1) / 2 = 0.5
    assert.equal(r2.observation[1], 0.5);
    await env.step(1);
    const r4 = await env.step(1); // [0, 4, 0] → 1.5, clipped to 0.5
    assert.equal(r4.observation[1], 0.5);
    assert.equal(env.getStatistics().count, 10, 'update: false leaves the statistics alone');
    assert.throws(
      () => { env.setStatistics({ mean: new Float64Array(2), variance: new Float64Array(3), count: 1 }); },
      /expected 3 elements, got mean 2, variance 3/,
    );
  });
});

describe('Wrapper', () => {
  test('forwards everything and exposes the innermost env as unwrapped', async () => {
    const cartpole = makeEnv('CartPole-v1');
    const env = new ClipReward(new RecordEpisodeStatistics(cartpole));
    assert.equal(env.unwrapped, cartpole);
    assert.equal(env.spec?.id, 'CartPole-v1');
    assert.equal(env.observationSpace, cartpole.observationSpace);
    const inner = new CountingEnv();
    const plain = new Wrapper(inner);
    await plain.reset();
    await plain.step(2);
    await plain.close();
    assert.deepEqual(inner.calls, ['reset()', 'step(2)']);
    assert.equal(inner.closed, 1);
  });
});
