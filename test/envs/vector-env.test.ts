// The vectorised env over scripted envs (test/helpers/envs.ts): expected observations, rewards and auto-resets
// are worked out from the scripted envs' definitions.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VectorEnv, makeEnv } from '../../src/index.js';
import type { Env } from '../../src/index.js';
import { CountingEnv } from '../helpers/envs.js';

describe('VectorEnv', () => {
  for (const isAsync of [false, true]) {
    test(`steps N copies and auto-resets finished ones, keeping the final observation (${isAsync ? 'async' : 'sync'})`, async () => {
      // Copy 0 ends after 2 steps, copy 1 after 3.
      const inner = [new CountingEnv({ terminateAt: 2, async: isAsync }), new CountingEnv({ terminateAt: 3, async: isAsync })];
      const envs = new VectorEnv(inner);
      assert.equal(envs.numEnvs, 2);
      const r = await envs.reset({ seed: 10 });
      assert.deepEqual(r.observations.map((o) => Array.from(o)), [[0, 0, 10], [0, 0, 11]], 'copy i gets seed + i');
      assert.deepEqual(r.infos, [{ resetInfo: 0 }, { resetInfo: 0 }]);

      const s1 = await envs.step([2, 0]);
      assert.deepEqual(Array.from(s1.rewards), [5, -5]);
      assert.deepEqual([s1.terminated, s1.truncated], [[false, false], [false, false]]);

      const s2 = await envs.step([1, 1]);
      assert.deepEqual(s2.terminated, [true, false]);
      // Copy 0 was reset: its observation starts episode 1, the final one is kept in info.
      assert.deepEqual(Array.from(s2.observations[0]!), [1, 0, 10]);
      assert.deepEqual(Array.from(s2.infos[0]!.finalObservation as Float32Array), [0, 2, 10]);
      assert.deepEqual(s2.infos[0]!.finalInfo, { t: 2 });
      assert.equal(s2.infos[0]!.resetInfo, 1);
      assert.deepEqual(Array.from(s2.observations[1]!), [0, 2, 11]);
      assert.equal(s2.infos[1]!.finalObservation, undefined);

      const s3 = await envs.step([1, 1]);
      assert.deepEqual(s3.terminated, [false, true]);
      assert.deepEqual(Array.from(s3.observations[0]!), [1, 1, 10]);
      assert.deepEqual(Array.from(s3.observations[1]!), [1, 0, 11]);
      assert.deepEqual(inner[0]!.calls, ['reset(10)', 'step(2)', 'step(1)', 'reset()', 'step(1)']);
      await envs.close();
      assert.deepEqual(inner.map((e) => e.closed), [1, 1]);
    });
  }

  test('is synchronous when every copy is', () => {
    const envs = new VectorEnv([new CountingEnv(), new CountingEnv()]);
    assert.ok(!(envs.reset() instanceof Promise));
    assert.ok(!(envs.step([0, 0]) instanceof Promise));
  });

  test('async copies are stepped concurrently', async () => {
    let active = 0;
    let maxActive = 0;
    const slow = (): Env<Float32Array, number> => {
      const env = new CountingEnv();
      return {
        observationSpace: env.observationSpace,
        actionSpace: env.actionSpace,
        reset: (args) => env.reset(args),
        step: async (a) => {
          active++;
          maxActive = Math.max(maxActive, active);
          await new Promise((resolve) => setTimeout(resolve, 5));
          active--;
          return env.step(a);
        },
      };
    };
    const envs = new VectorEnv([slow(), slow(), slow()]);
    await envs.reset();
    await envs.step([0, 1, 2]);
    assert.equal(maxActive, 3);
  });

  test('vectorised CartPole is deterministic under a seed', async () => {
    const run = async (): Promise<number[]> => {
      const envs = new VectorEnv(Array.from({ length: 4 }, () => makeEnv('CartPole-v1')));
      await envs.reset({ seed: 3 });
      const rewards: number[] = [];
      for (let t = 0; t < 60; t++) {
        const r = await envs.step([0, 1, 0, 1]);
        rewards.push(...r.rewards, ...r.observations.map((o) => o[0]!));
      }
      return rewards;
    };
    assert.deepEqual(await run(), await run());
  });

  test('checks its arguments', () => {
    assert.throws(() => new VectorEnv([]), /VectorEnv: needs at least one env, got 0/);
    assert.throws(
      () => new VectorEnv<Float32Array, number>([makeEnv('CartPole-v1'), makeEnv('Acrobot-v1')]),
      /VectorEnv: env 1 has observation space Box\(float32, \[6\]/,
    );
    const envs = new VectorEnv([new CountingEnv(), new CountingEnv()]);
    assert.throws(() => envs.step([0, 0]), /VectorEnv.step: call reset\(\) before step\(\)/);
    void envs.reset();
    assert.throws(() => envs.step([0]), /VectorEnv.step: got 1 actions for 2 envs/);
    assert.throws(() => envs.reset({ seed: -1 }), /VectorEnv.reset: seed must be a non-negative safe integer/);
  });
});
