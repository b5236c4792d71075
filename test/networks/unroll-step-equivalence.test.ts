// `unroll` over T steps equals T calls of `step` (including resets at `done`), and a reset cuts the memory.
// Expected values come from the network itself: two code paths (one batched unroll vs. T single steps, and
// runs that differ only before a reset) must agree; the tolerance 1e-5 is the issue's.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setupTestBackend, tf } from '../helpers/tf.js';
import { ImpalaNetwork, type ModelState, type ImpalaNetworkOptions } from '../../src/index.js';
import { disposeInputs, makeUnrollInputs, maxAbsDiff, seededInts, stepSlice } from './network-inputs.js';

await setupTestBackend();

const T = 3;
const B = 2;
// dones[t][b]: row 1 starts a new episode at t = 1, row 0 at t = 2 (t = 0 too, as after initial()).
const DONES = [
  [true, false],
  [false, true],
  [true, false],
];

const CASES: Record<string, ImpalaNetworkOptions> = {
  'deep + LSTM + instruction': { torso: 'deep', observationShape: [12, 12, 3], numActions: 5, lstmSize: 16, useInstruction: true, seed: 1 },
  'shallow + LSTM': { torso: 'shallow', observationShape: [20, 20, 2], numActions: 4, lstmSize: 8, seed: 2 },
  'mlp feed-forward': { torso: 'mlp', observationShape: [4], numActions: 2, lstmSize: 0, seed: 3 },
  'mlp multi-discrete + LSTM': { torso: 'mlp', observationShape: [3, 2], numActions: [3, 2], lstmSize: 8, seed: 4 },
};

function disposeState(state: ModelState): void {
  if (state !== null) tf.dispose([state.c, state.h]);
}

/** A non-zero starting state, so that resets visibly change something. */
function randomState(net: ImpalaNetwork, seed: number, batch = B): ModelState {
  if (!net.isRecurrent) return null;
  const shape: [number, number] = [batch, net.lstmSize];
  return { c: tf.randomNormal(shape, 0, 1, 'float32', seed), h: tf.randomNormal(shape, 0, 0.5, 'float32', seed + 1) };
}

describe('unroll equals T calls of step', () => {
  for (const [label, options] of Object.entries(CASES)) {
    test(label, () => {
      const net = new ImpalaNetwork(options);
      const inputs = makeUnrollInputs(net, T, B, 11);
      const dones = tf.tensor(DONES, [T, B], 'bool');
      const initial = randomState(net, 5);
      const before = tf.memory().numTensors;

      const unrolled = net.unroll(inputs, dones, initial);
      let state = initial;
      for (let t = 0; t < T; t++) {
        const slice = stepSlice(inputs, t);
        const done = tf.tensor(DONES[t]!, [B], 'bool');
        const out = net.step({ ...slice, done }, state);
        const logitsT = tf.tidy(() => tf.squeeze(tf.slice(unrolled.policyLogits, [t], [1]), [0]));
        const baselineT = tf.tidy(() => tf.squeeze(tf.slice(unrolled.baseline, [t], [1]), [0]));
        assert.deepEqual(out.policyLogits.shape, [B, net.actionSizes.reduce((a, b) => a + b, 0)]);
        assert.ok(maxAbsDiff(out.policyLogits, logitsT) < 1e-5, `logits at t=${t}`);
        assert.ok(maxAbsDiff(out.baseline, baselineT) < 1e-5, `baseline at t=${t}`);
        if (state !== initial) disposeState(state);
        state = out.state;
        disposeInputs(slice);
        tf.dispose([done, out.policyLogits, out.baseline, logitsT, baselineT]);
      }
      if (net.isRecurrent) {
        assert.ok(maxAbsDiff(state!.c, unrolled.finalState!.c) < 1e-5, 'final c');
        assert.ok(maxAbsDiff(state!.h, unrolled.finalState!.h) < 1e-5, 'final h');
      } else {
        assert.equal(state, null);
        assert.equal(unrolled.finalState, null);
      }
      assert.deepEqual(unrolled.policyLogits.shape, [T, B, net.actionSizes.reduce((a, b) => a + b, 0)]);
      assert.deepEqual(unrolled.baseline.shape, [T, B]);
      disposeState(state);
      disposeState(unrolled.finalState);
      tf.dispose([unrolled.policyLogits, unrolled.baseline]);
      assert.equal(tf.memory().numTensors, before, 'no tensor leaked by step/unroll');
      disposeState(initial);
      disposeInputs(inputs);
      dones.dispose();
      net.dispose();
    });
  }
});

describe('a reset at done cuts the memory', () => {
  test('outputs at and after a reset do not depend on inputs or state before it', () => {
    const net = new ImpalaNetwork({ torso: 'deep', observationShape: [12, 12, 3], numActions: 5, lstmSize: 16, useInstruction: true, seed: 9 });
    const time = 4;
    const inputs = makeUnrollInputs(net, time, B, 21);
    // Row 0 resets at t = 2; row 1 never resets (a control: its outputs must change).
    const dones = tf.tensor([[false, false], [false, false], [true, false], [false, false]], [time, B], 'bool');
    const a = net.unroll(inputs, dones, randomState(net, 1));

    // Replace everything before t = 2 (observations, actions, rewards, instructions) and the initial state.
    const other = makeUnrollInputs(net, time, B, 99);
    const keepFrom2 = (x: tf.Tensor, y: tf.Tensor): tf.Tensor =>
      tf.tidy(() => tf.concat([tf.slice(y, [0], [2]), tf.slice(x, [2], [time - 2])], 0));
    const mixed = {
      observation: keepFrom2(inputs.observation, other.observation),
      lastAction: keepFrom2(inputs.lastAction, other.lastAction),
      lastReward: keepFrom2(inputs.lastReward, other.lastReward),
      instruction: {
        tokens: keepFrom2(inputs.instruction!.tokens, other.instruction!.tokens),
        lengths: keepFrom2(inputs.instruction!.lengths, other.instruction!.lengths),
      },
    };
    const b = net.unroll(mixed, dones, randomState(net, 77));

    const la = a.policyLogits.arraySync();
    const lb = b.policyLogits.arraySync();
    const va = a.baseline.arraySync();
    const vb = b.baseline.arraySync();
    for (let t = 2; t < time; t++) {
      assert.deepEqual(lb[t]![0], la[t]![0], `row 0 logits at t=${t} are identical after its reset`);
      assert.equal(vb[t]![0], va[t]![0], `row 0 baseline at t=${t}`);
    }
    assert.notDeepEqual(lb[3]![1], la[3]![1], 'row 1 (no reset) still remembers the changed past');
    assert.notDeepEqual(lb[1]![0], la[1]![0], 'row 0 before the reset does depend on the changed inputs');
    tf.dispose([a.policyLogits, a.baseline, b.policyLogits, b.baseline, a.finalState!.c, a.finalState!.h, b.finalState!.c, b.finalState!.h]);
    disposeInputs(inputs);
    disposeInputs(other);
    disposeInputs(mixed);
    dones.dispose();
    net.dispose();
  });

  test('numeric 0/1 dones behave like bool dones; a reset step equals a fresh start from the zero state', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => { checkNumericDones(); });
    assert.equal(tf.memory().numTensors, before);
  });
});

function checkNumericDones(): void {
  {
    const net = new ImpalaNetwork({ torso: 'mlp', observationShape: [5], numActions: 3, lstmSize: 6, seed: 12 });
    const inputs = makeUnrollInputs(net, 2, 3, 5);
    const flags = seededInts(6, 2, 3);
    const boolDones = tf.tensor(Array.from(flags, (f) => f === 1), [2, 3], 'bool');
    const floatDones = tf.tensor(flags, [2, 3], 'float32');
    const start = randomState(net, 4, 3);
    const x = net.unroll(inputs, boolDones, start);
    const y = net.unroll(inputs, floatDones, start);
    assert.deepEqual(x.policyLogits.arraySync(), y.policyLogits.arraySync());
    // All rows reset at t = 0 ≡ starting from initialState.
    const allDone = tf.tensor([[1, 1, 1], [0, 0, 0]], [2, 3], 'int32');
    const zero = net.initialState(3);
    const z1 = net.unroll(inputs, allDone, start);
    const z2 = net.unroll(inputs, tf.zeros([2, 3], 'bool'), zero);
    assert.deepEqual(z1.policyLogits.arraySync(), z2.policyLogits.arraySync());
    net.dispose();
  }
}
