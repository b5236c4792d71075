/**
 * The trajectory contract: validateTrajectory names the actor and the field of every kind of fault, and
 * encodeTrajectory/decodeTrajectory round-trip every array bit for bit (expected values: the inputs themselves).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TrajectoryError } from '../../src/agent/errors.js';
import { stackTrajectories } from '../../src/agent/stack-trajectories.js';
import { decodeTrajectory, encodeTrajectory, validateTrajectory, type Trajectory, type TrajectorySpec } from '../../src/agent/trajectory.js';

const spec: TrajectorySpec = { observationShape: [2, 3], actionSizes: [3, 2], lstmSize: 4, unrollLength: 2, maxPolicyVersion: 10 };

/** A valid T = 2 trajectory for `spec` (uint8 or float observations). */
function make(pixels = false): Trajectory {
  const T1 = 3;
  const obs = Array.from({ length: T1 * 6 }, (_, i) => i * 7 % 251);
  return {
    unrollLength: 2,
    observationShape: [2, 3],
    observations: pixels ? Uint8Array.from(obs) : Float32Array.from(obs, (v) => v / 3),
    rewards: Float32Array.from([0, 1.5, -2]),
    dones: Uint8Array.from([1, 0, 0]),
    terminated: Uint8Array.from([0, 0, 0]),
    truncated: Uint8Array.from([0, 0, 1]),
    truncationValues: Float32Array.from([0, 0, 0.25]),
    lastActions: Int32Array.from([0, 0, 2, 1, 1, 0]),
    actions: Int32Array.from([2, 1, 1, 0, 0, 1]),
    behaviourLogits: Float32Array.from({ length: T1 * 5 }, (_, i) => (i === 4 ? -Infinity : i / 10)),
    initialState: { c: Float32Array.from([0.1, 0.2, 0.3, 0.4]), h: Float32Array.from([-1, 0, 1, 2]) },
    policyVersion: 7,
    episodes: [{ episodeReturn: 3.5, episodeLength: 12, truncated: false, actorId: 4, envIndex: 1, task: 'X' }],
    actorId: 4,
  };
}

describe('validateTrajectory', () => {
  test('a valid trajectory passes (−Infinity logits mark masked actions)', () => {
    validateTrajectory(make(), spec);
    validateTrajectory(make(true), spec);
  });

  const cases: [string, (t: Trajectory) => Trajectory, RegExp][] = [
    ['NaN reward', (t) => ({ ...t, rewards: Float32Array.from([0, NaN, 0]) }), /actor 4: 'rewards'\[1\] = NaN is not finite/],
    ['infinite observation', (t) => ({ ...t, observations: Object.assign(new Float32Array(18), { 7: Infinity }) }), /'observations'\[1,0,1\] = Infinity is not finite/],
    ['observation length', (t) => ({ ...t, observations: new Float32Array(17) }), /'observations' has 17 values, expected 18/],
    ['observation dtype', (t) => ({ ...t, observations: new Float64Array(18) as unknown as Float32Array }), /'observations' must be a Float32Array or Uint8Array, got Float64Array/],
    ['observation shape', (t) => ({ ...t, observationShape: [6] }), /'observationShape' is \[6\], the model expects \[2,3\]/],
    ['action out of range', (t) => ({ ...t, actions: Int32Array.from([2, 1, 1, 2, 0, 1]) }), /'actions'\[1,1\] = 2 is outside \[0, 2\) \(head 1\)/],
    ['negative last action', (t) => ({ ...t, lastActions: Int32Array.from([-1, 0, 0, 0, 0, 0]) }), /'lastActions'\[0,0\] = -1 is outside \[0, 3\)/],
    ['flag not 0/1', (t) => ({ ...t, dones: Uint8Array.from([1, 2, 0]) }), /'dones'\[1\] = 2 is not 0 or 1/],
    ['NaN logit', (t) => ({ ...t, behaviourLogits: Object.assign(new Float32Array(15), { 3: NaN }) }), /'behaviourLogits'\[0,3\] = NaN/],
    ['wrong T', (t) => ({ ...t, unrollLength: 3 }), /'unrollLength' is 3, the learner expects T = 2/],
    ['missing state', (t) => ({ ...t, initialState: null }), /'initialState' is missing; the model has an LSTM of 4 units/],
    ['NaN state', (t) => ({ ...t, initialState: { c: Float32Array.from([0, NaN, 0, 0]), h: new Float32Array(4) } }), /'initialState.c'\[1\] = NaN is not finite/],
    ['version from the future', (t) => ({ ...t, policyVersion: 11 }), /'policyVersion' is 11, newer than the learner's 10/],
    ['bad episode', (t) => ({ ...t, episodes: [{ ...t.episodes[0]!, episodeReturn: NaN }] }), /'episodes'\[0\] must have a finite episodeReturn/],
  ];
  for (const [name, mutate, message] of cases) {
    test(`rejects: ${name}`, () => {
      assert.throws(
        () => { validateTrajectory(mutate(make()), spec, 'Learner.step'); },
        (e: unknown) => e instanceof TrajectoryError && e.actorId === 4 && e.message.startsWith("Learner.step: trajectory from actor 4: ") && message.test(e.message),
      );
    });
  }
});

describe('encodeTrajectory / decodeTrajectory', () => {
  for (const pixels of [false, true]) {
    test(`round-trips every field (${pixels ? 'uint8' : 'float32'} observations, LSTM state, −Infinity logits)`, () => {
      const t = make(pixels);
      const bytes = encodeTrajectory(t);
      assert.equal(bytes.length % 8, 0);
      const back = decodeTrajectory(bytes);
      assert.deepEqual(back, t);
      assert.equal(back.observations.constructor, t.observations.constructor);
      validateTrajectory(back, spec);
    });
  }

  test('a feed-forward trajectory has no state and decodes from an unaligned copy', () => {
    const t = { ...make(), initialState: null };
    const bytes = encodeTrajectory(t);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    assert.deepEqual(decodeTrajectory(shifted.subarray(3)), t);
  });

  test('malformed bytes are rejected with what is wrong', () => {
    const bytes = encodeTrajectory(make());
    assert.throws(() => decodeTrajectory(new Uint8Array(5)), /decodeTrajectory: expected at least 12 bytes, got 5/);
    assert.throws(() => decodeTrajectory(Uint8Array.from(bytes, (b, i) => (i === 0 ? b ^ 1 : b))), /bad magic bytes/);
    assert.throws(() => decodeTrajectory(bytes.subarray(0, bytes.length - 8)), /the arrays need more bytes than the \d+ given/);
    const longer = new Uint8Array(bytes.length + 8);
    longer.set(bytes);
    assert.throws(() => decodeTrajectory(longer), /8 bytes follow the last array/);
  });
});

describe('stackTrajectories', () => {
  test('time-major rows, rewards with the truncation bootstrap, discounts cut at episode ends', () => {
    // Two copies of the trajectory (B = 2); γ = 0.5, no clipping, scale 2. Transition 1 → 2 is truncated with
    // V(final) = 0.25: reward 2·(−2) + 0.5·0.25 = −3.875, discount 0.5 (dones[2] = 0, the entry does not start an
    // episode); transition 0 → 1: reward 2·1.5 = 3.
    const s = stackTrajectories([make(), make()], { observationShape: [2, 3], actionSizes: [3, 2], lstmSize: 4 }, { discount: 0.5, rewardClipping: 'none', rewardScale: 2 });
    assert.equal(s.T, 2);
    assert.equal(s.B, 2);
    assert.deepEqual(Array.from(s.rewards), [3, 3, -3.875, -3.875]);
    assert.deepEqual(Array.from(s.discounts), [0.5, 0.5, 0.5, 0.5]);
    assert.deepEqual(Array.from(s.dones), [1, 1, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(s.lastReward), [0, 0, 1.5, 1.5, -2, -2]);
    assert.deepEqual(Array.from(s.actions), [2, 1, 2, 1, 1, 0, 1, 0]);
    assert.deepEqual(Array.from(s.initialState!.h), [-1, 0, 1, 2, -1, 0, 1, 2]);
  });
});
