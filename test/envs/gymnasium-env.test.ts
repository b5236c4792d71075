// The Python Gymnasium bridge. Runs when a Python with gymnasium is found (IMPALA_RL_PYTHON, bench/.venv, or
// python3); skipped with a message otherwise. Expected values: Gymnasium's own spaces and CartPole dynamics,
// compared against this package's port (which matches Gymnasium bit for bit on the golden trajectories).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CartPoleEnv, GymnasiumEnv } from '../../src/index.js';
import { checkEnv } from '../../src/testing/index.js';

const venvPython = fileURLToPath(new URL('../../bench/.venv/bin/python', import.meta.url));
const candidates = [process.env.IMPALA_RL_PYTHON, existsSync(venvPython) ? venvPython : undefined, 'python3'];
const python = candidates.find(
  (p) => p !== undefined && spawnSync(p, ['-c', 'import gymnasium, numpy'], { stdio: 'ignore' }).status === 0,
);
const skip =
  python === undefined
    ? 'no Python with gymnasium found (set IMPALA_RL_PYTHON, or `python3 -m venv bench/.venv && bench/.venv/bin/pip install gymnasium`)'
    : false;
if (skip !== false) console.log(`# gymnasium bridge tests skipped: ${skip}`);

describe('GymnasiumEnv (Python subprocess bridge)', () => {
  test('translates spaces and spec, and steps CartPole like the TypeScript port', { skip }, async () => {
    const env = await GymnasiumEnv.make('CartPole-v1', { python: python! });
    try {
      assert.equal(env.actionSpace.toString(), 'Discrete(2)');
      assert.equal(env.observationSpace.toString(), new CartPoleEnv().observationSpace.toString());
      assert.deepEqual(env.spec, { id: 'CartPole-v1', maxEpisodeSteps: 500, rewardThreshold: 475 });
      assert.match(env.gymnasiumVersion, /^\d+\.\d+/);
      const first = await env.reset({ seed: 42 });
      assert.ok(first.observation instanceof Float32Array);
      assert.deepEqual((await env.reset({ seed: 42 })).observation, first.observation, 'seeded resets repeat');
      // Start the port from the same (float32-rounded) state: Gymnasium's float64 state is not sent over, so the
      // port's trajectory is compared with a tolerance that allows for the float32 rounding of the start state.
      const port = new CartPoleEnv();
      port.state = first.observation;
      for (let t = 0; t < 10; t++) {
        const a = t % 2;
        const py = await env.step(a);
        const ts = port.step(a);
        assert.equal(py.reward, ts.reward);
        assert.equal(py.terminated, ts.terminated);
        const o = py.observation as Float32Array;
        ts.observation.forEach((v, i) => { assert.ok(Math.abs(v - o[i]!) < 1e-5, `step ${t} element ${i}: ${v} vs ${o[i]}`); });
      }
    } finally {
      await env.close();
    }
  });

  test('passes checkEnv, passes Box actions, reports Python errors', { skip }, async () => {
    const report = await checkEnv(() => GymnasiumEnv.make('CartPole-v1', { python: python! }), { rolloutSteps: 30 });
    // Gymnasium's CartPole through the bridge meets the whole contract (its OrderEnforcing wrapper refuses step
    // before reset, and the refusal comes back as a rejected promise).
    assert.deepEqual(report.problems, []);
    const pendulum = await GymnasiumEnv.make('Pendulum-v1', { python: python! });
    try {
      assert.equal(pendulum.actionSpace.kind, 'box');
      await pendulum.reset({ seed: 0 });
      const r = await pendulum.step(Float32Array.of(0.5));
      assert.equal(typeof r.reward, 'number');
      // A malformed action is refused before it is sent (the binary protocol carries numbers only).
      await assert.rejects(pendulum.step('left'), /GymnasiumEnv \(Pendulum-v1\): expected an action of 1 value\(s\), got left/);
    } finally {
      await pendulum.close();
    }
    await assert.rejects(GymnasiumEnv.make('NoSuchEnv-v0', { python: python! }), /GymnasiumEnv.make\('NoSuchEnv-v0'\): NameNotFound/);
  });

  test('a missing Python executable is reported', async () => {
    await assert.rejects(
      GymnasiumEnv.make('CartPole-v1', { python: '/nonexistent/python3' }),
      /GymnasiumEnv.make\('CartPole-v1'\): could not start \/nonexistent\/python3/,
    );
  });
});
