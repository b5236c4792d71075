// Classic-control envs beyond the golden dynamics (classic-control.golden.test.ts): seeding, reset bounds, the
// state property, time limits, order checks and the stateless CartPole. Expected values are Gymnasium 1.3's
// definitions (reset ranges, spaces, reward rules) as documented in its classic_control sources.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AcrobotEnv, CartPoleEnv, MountainCarEnv, makeEnv } from '../../src/index.js';

describe('classic control', () => {
  test('spaces match Gymnasium', () => {
    const cp = makeEnv('CartPole-v1');
    assert.equal(cp.actionSpace.toString(), 'Discrete(2)');
    assert.deepEqual(Array.from(cp.observationSpace.high), [4.8, Infinity, Math.fround((12 * 2 * Math.PI) / 360 * 2), Infinity].map(Math.fround));
    const ac = makeEnv('Acrobot-v1');
    assert.equal(ac.actionSpace.n, 3);
    assert.deepEqual(Array.from(ac.observationSpace.high), [1, 1, 1, 1, 4 * Math.PI, 9 * Math.PI].map(Math.fround));
    const mc = makeEnv('MountainCar-v0');
    assert.equal(mc.actionSpace.n, 3);
    assert.deepEqual(Array.from(mc.observationSpace.low), [-1.2, -0.07].map(Math.fround));
    for (const env of [cp, ac, mc]) assert.equal(env.observationSpace.dtype, 'float32');
  });

  test('seeded reset is deterministic and draws from the documented ranges', () => {
    for (const [make, low, high] of [
      [() => new CartPoleEnv(), -0.05, 0.05],
      [() => new AcrobotEnv(), -0.1, 0.1],
      [() => new MountainCarEnv(), -0.6, -0.4],
    ] as const) {
      const a = make();
      const b = make();
      const seen = new Set<string>();
      for (let seed = 0; seed < 20; seed++) {
        const oa = a.reset({ seed }).observation;
        const ob = b.reset({ seed }).observation;
        assert.deepEqual(oa, ob);
        seen.add(Array.from(a.state).join(','));
        const position = a.state[0]!;
        assert.ok(position >= Math.fround(low) && position <= high, `${a.spec.id} state[0] ${position}`);
      }
      assert.equal(seen.size, 20, `${a.spec.id}: different seeds give different initial states`);
    }
    const mc = new MountainCarEnv();
    mc.reset({ seed: 1 });
    assert.equal(mc.state[1], 0, 'MountainCar starts at rest');
  });

  test('reset without a seed continues the stream; the first unseeded reset uses entropy', () => {
    const a = new CartPoleEnv();
    const b = new CartPoleEnv();
    a.reset({ seed: 5 });
    b.reset({ seed: 5 });
    assert.deepEqual(a.reset().observation, b.reset().observation);
    assert.notDeepEqual(new CartPoleEnv().reset().observation, new CartPoleEnv().reset().observation);
  });

  test('reset options low/high change the initial-state bounds, as in Gymnasium', () => {
    const env = new CartPoleEnv();
    env.reset({ seed: 0, options: { low: 0.2, high: 0.3 } });
    for (const v of env.state) assert.ok(v >= 0.2 && v < 0.3);
    assert.throws(() => env.reset({ options: { low: 1, high: 0 } }), /CartPoleEnv.reset: options.low 1 must not exceed options.high 0/);
    assert.throws(() => env.reset({ options: { low: 'x' } }), /options.low must be a number/);
    const ac = new AcrobotEnv();
    ac.reset({ seed: 0, options: { low: -0.5, high: 0.5 } });
    for (const v of ac.state) assert.equal(v, Math.fround(v), 'Acrobot rounds its initial state to float32');
  });

  test('state is a live, writable float64 view', () => {
    const env = makeEnv('CartPole-v1');
    env.reset({ seed: 0 });
    env.state = [0.1, 0.2, 0.03, 0.04];
    assert.ok(env.state instanceof Float64Array);
    const view = env.state;
    const obs = env.step(1).observation;
    // Explicit Euler: x' = x + τ·ẋ and θ' = θ + τ·θ̇ with τ = 0.02.
    assert.equal(view[0], 0.1 + 0.02 * 0.2, 'the view returned before the step sees the update');
    assert.equal(view[2], 0.03 + 0.02 * 0.04);
    assert.deepEqual(obs, Float32Array.from(view));
    view[0] = 2.5; // outside ±2.4: the next step terminates
    assert.equal(env.step(0).terminated, true);
    assert.throws(() => (env.state = [1, 2]), /CartPoleEnv.state: expected 4 values, got 2/);
    assert.equal(env.unwrapped.state, env.state, "Gymnasium's env.unwrapped.state works too");
  });

  test('setting state makes a fresh env steppable; otherwise step before reset throws', () => {
    assert.throws(() => new CartPoleEnv().step(0), /CartPoleEnv.step: call reset\(\) \(or set state\) before step\(\)/);
    assert.throws(() => new AcrobotEnv().step(0), /AcrobotEnv.step: call reset/);
    const env = new MountainCarEnv();
    env.state = [-0.5, 0];
    assert.equal(env.step(1).reward, -1);
  });

  test('invalid actions are refused', () => {
    const env = makeEnv('CartPole-v1');
    env.reset({ seed: 0 });
    for (const bad of [2, -1, 0.5, '1', undefined]) {
      assert.throws(() => env.step(bad as number), /CartPoleEnv.step: invalid action .* for Discrete\(2\)/);
    }
  });

  test('time limits: 500, 500 and 200 steps, overridable', () => {
    for (const [id, limit] of [
      ['CartPole-v1', 500],
      ['Acrobot-v1', 500],
      ['MountainCar-v0', 200],
    ] as const) {
      const env = makeEnv(id);
      assert.equal(env.spec.maxEpisodeSteps, limit);
      env.reset({ seed: 0 });
      // Hold a state that never terminates, so only the time limit can end the episode.
      let truncatedAt = -1;
      for (let t = 1; t <= limit; t++) {
        if (id === 'CartPole-v1') env.state = [0, 0, 0, 0];
        if (id === 'MountainCar-v0') env.state = [-0.5, 0];
        if (id === 'Acrobot-v1') env.state = [0, 0, 0, 0];
        const r = env.step(id === 'CartPole-v1' ? t % 2 : 1);
        assert.equal(r.terminated, false);
        if (r.truncated) {
          truncatedAt = t;
          break;
        }
      }
      assert.equal(truncatedAt, limit, id);
    }
    const short = makeEnv('CartPole-v1', { maxEpisodeSteps: 3 });
    short.reset({ seed: 0 });
    assert.deepEqual([short.step(0).truncated, short.step(1).truncated, short.step(0).truncated], [false, false, true]);
    const unlimited = new MountainCarEnv({ maxEpisodeSteps: Infinity });
    unlimited.reset({ seed: 0 });
    for (let t = 0; t < 1000; t++) assert.equal(unlimited.step(1).truncated, false);
    assert.equal(unlimited.spec.maxEpisodeSteps, undefined);
    assert.throws(() => new CartPoleEnv({ maxEpisodeSteps: 0 }), /maxEpisodeSteps must be a positive integer or Infinity/);
  });

  test('CartPole pays 1 on the terminating step and 0 on steps past it (Gymnasium)', () => {
    const env = new CartPoleEnv();
    env.reset({ seed: 0 });
    env.state = [2.39, 1, 0, 0];
    const end = env.step(1);
    assert.deepEqual([end.reward, end.terminated], [1, true]);
    const past = env.step(1);
    assert.deepEqual([past.reward, past.terminated], [0, true]);
    env.reset({ seed: 0 });
    assert.equal(env.step(1).reward, 1, 'reset clears the past-termination count');
    const sb = new CartPoleEnv({ suttonBartoReward: true });
    sb.reset({ seed: 0 });
    assert.equal(sb.step(1).reward, 0);
    sb.state = [2.39, 1, 0, 0];
    assert.equal(sb.step(1).reward, -1);
  });

  test('Acrobot pays −1 per step and 0 on the terminating step; MountainCar terminates at the goal', () => {
    const ac = new AcrobotEnv();
    ac.reset({ seed: 0 });
    assert.equal(ac.step(1).reward, -1);
    ac.state = [Math.PI, 0, 0, 0]; // hanging straight up: −cos θ1 − cos(θ1 + θ2) = 2 > 1
    const r = ac.step(1);
    assert.deepEqual([r.reward, r.terminated], [0, true]);
    const mc = new MountainCarEnv();
    mc.state = [0.49, 0.02];
    const m = mc.step(2);
    assert.deepEqual([m.reward, m.terminated], [-1, true]);
    mc.state = [-1.2, -0.05];
    mc.step(0);
    assert.deepEqual(Array.from(mc.state), [-1.2, 0], 'hitting the left wall stops the car');
  });

  test('CartPoleStateless-v1 observes [x, θ] only and shares the dynamics', () => {
    const stateless = makeEnv('CartPoleStateless-v1');
    const full = makeEnv('CartPole-v1');
    assert.equal(stateless.spec.id, 'CartPoleStateless-v1');
    assert.deepEqual(stateless.observationSpace.shape, [2]);
    const a = stateless.reset({ seed: 9 }).observation;
    const b = full.reset({ seed: 9 }).observation;
    assert.deepEqual(Array.from(a), [b[0], b[2]]);
    for (let t = 0; t < 30; t++) {
      const x = stateless.step(t % 3 === 0 ? 1 : 0);
      const y = full.step(t % 3 === 0 ? 1 : 0);
      assert.deepEqual(Array.from(x.observation), [y.observation[0], y.observation[2]]);
      assert.equal(x.terminated, y.terminated);
      if (x.terminated) break;
    }
  });
});
