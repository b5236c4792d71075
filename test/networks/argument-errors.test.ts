// Clear errors for wrong options, observation shapes/dtypes, action ranges, instructions and states.
// Expected messages are the ones documented in the source (each names the function, argument and shapes).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setupTestBackend, tf } from '../helpers/tf.js';
import { ImpalaNetwork, deepTorso, encodeInstructions, mlpTorso, shallowTorso } from '../../src/index.js';

await setupTestBackend();

describe('options', () => {
  test('invalid options are rejected with the option named', () => {
    const variablesBefore = Object.keys(tf.engine().registeredVariables).length;
    const base = { torso: 'mlp', observationShape: [4], numActions: 2 } as const;
    assert.throws(() => new ImpalaNetwork({ ...base, torso: 'resnet' as 'mlp' }), /ImpalaNetwork: options.torso must be 'deep', 'shallow', 'mlp' or a TorsoDefinition, got 'resnet'/);
    assert.throws(() => new ImpalaNetwork({ ...base, observationShape: [4, 0] }), /options.observationShape must be a list of positive integers, got \[4,0\]/);
    assert.throws(() => new ImpalaNetwork({ ...base, numActions: 0 }), /options.numActions must be a positive integer or a non-empty list/);
    assert.throws(() => new ImpalaNetwork({ ...base, numActions: [3, 1.5] }), /options.numActions/);
    assert.throws(() => new ImpalaNetwork({ ...base, numActions: [] }), /options.numActions/);
    assert.throws(() => new ImpalaNetwork({ ...base, lstmSize: -1 }), /options.lstmSize must be an integer >= 0/);
    assert.throws(() => new ImpalaNetwork({ ...base, torso: 'deep' }), /deepTorso: observationShape must be \[height, width, channels\]/);
    assert.throws(
      () => new ImpalaNetwork({ ...base, torso: 'shallow', observationShape: [10, 10, 3] }),
      /shallowTorso: observationShape \[10, 10, 3\] is too small: conv_1 \(4×4, stride 2, VALID\) gets 1×1 input/,
    );
    assert.throws(() => deepTorso({ channels: [] }), /deepTorso: channels must be a non-empty list/);
    assert.throws(() => shallowTorso({ hiddenSize: 0 }), /shallowTorso: hiddenSize must be a positive integer/);
    assert.throws(() => mlpTorso({ hiddenSizes: [8, -1] }), /mlpTorso: hiddenSizes must be a non-empty list of positive integers/);
    assert.equal(Object.keys(tf.engine().registeredVariables).length, variablesBefore, 'failed constructions leave no variables behind');
  });

  test('a custom torso returning the wrong shape is reported', () => {
    const net = new ImpalaNetwork({
      torso: { kind: 'broken', build: () => ({ outputSize: 5, apply: (obs) => tf.zeros([obs.shape[0], 4]) }) },
      observationShape: [2],
      numActions: 2,
    });
    const inputs = { observation: tf.zeros([3, 2]), lastAction: tf.zeros([3], 'int32'), lastReward: tf.zeros([3]) };
    assert.throws(() => net.step(inputs, net.initialState(3)), /torso 'broken' returned shape \[3, 4\], expected \[3, 5\]/);
    net.dispose();
  });
});

describe('step and unroll inputs', () => {
  const net = new ImpalaNetwork({ torso: 'deep', observationShape: [12, 12, 3], numActions: 4, lstmSize: 8, useInstruction: true });
  const B = 2;
  const good = () => ({
    observation: tf.zeros([B, 12, 12, 3], 'int32'),
    lastAction: tf.tensor1d([0, 3], 'int32'),
    lastReward: tf.zeros([B]),
    instruction: encodeInstructions(['go left', '']),
  });

  test('valid inputs pass (control)', () => {
    tf.tidy(() => {
      const out = net.step(good(), net.initialState(B));
      assert.deepEqual(out.policyLogits.shape, [B, 4]);
    });
  });

  test('wrong observation shapes and dtypes', () => {
    tf.tidy(() => {
      const state = net.initialState(B);
      assert.throws(
        () => net.step({ ...good(), observation: tf.zeros([B, 12, 11, 3], 'int32') }, state),
        /ImpalaNetwork.step: inputs.observation must have shape \[B, ...observationShape\] with observationShape \[12, 12, 3\], got \[2, 12, 11, 3\]/,
      );
      assert.throws(() => net.step({ ...good(), observation: tf.zeros([12, 12, 3], 'int32') }, state), /inputs.observation must have shape/);
      assert.throws(() => net.step({ ...good(), observation: tf.zeros([B, 12, 12, 3], 'bool') }, state), /inputs.observation must have dtype int32 or float32, got bool/);
      assert.throws(() => net.step({ ...good(), observation: [[1]] as unknown as tf.Tensor }, state), /inputs.observation must be a tf.Tensor/);
      assert.throws(
        () => net.unroll({ ...good(), observation: tf.zeros([B, 12, 12, 3], 'int32') }, tf.zeros([1, B], 'bool'), state),
        /ImpalaNetwork.unroll: inputs.observation must have shape \[T, B, ...observationShape\]/,
      );
    });
  });

  test('wrong action dtypes, shapes and ranges', () => {
    tf.tidy(() => {
      const state = net.initialState(B);
      assert.throws(() => net.step({ ...good(), lastAction: tf.tensor1d([0, 4], 'int32') }, state), /ImpalaNetwork.step: inputs.lastAction\[1\] = 4 is outside \[0, 4\), the number of actions/);
      assert.throws(() => net.step({ ...good(), lastAction: tf.tensor1d([-1, 0], 'int32') }, state), /inputs.lastAction\[0\] = -1 is outside \[0, 4\)/);
      assert.throws(() => net.step({ ...good(), lastAction: tf.tensor1d([0, 1.5], 'float32') }, state), /inputs.lastAction\[1\] = 1.5 is not a whole number/);
      assert.throws(() => net.step({ ...good(), lastAction: tf.tensor1d([0, 1], 'bool') }, state), /inputs.lastAction must have dtype int32 or float32, got bool/);
      // Whole-number float32 actions are accepted and give the same outputs as int32 ones.
      const asInt = net.step(good(), state).policyLogits.arraySync();
      assert.deepEqual(net.step({ ...good(), lastAction: tf.tensor1d([0, 3], 'float32') }, state).policyLogits.arraySync(), asInt);
      assert.throws(() => net.step({ ...good(), lastAction: tf.tensor1d([0, 1, 2], 'int32') }, state), /inputs.lastAction must have shape \[B\] = \[2\], got \[3\]/);
      assert.throws(() => net.step({ ...good(), lastReward: tf.zeros([B, 1]) }, state), /inputs.lastReward must have shape \[B\] = \[2\], got \[2, 1\]/);
      assert.throws(() => net.step({ ...good(), done: tf.zeros([3], 'bool') }, state), /inputs.done must have shape \[B\] = \[2\], got \[3\]/);
    });
  });

  test('multi-discrete action ranges name the head', () => {
    const multi = new ImpalaNetwork({ torso: 'mlp', observationShape: [2], numActions: [3, 2], lstmSize: 0 });
    tf.tidy(() => {
      const inputs = { observation: tf.zeros([2, 2]), lastAction: tf.tensor2d([[2, 1], [0, 2]], [2, 2], 'int32'), lastReward: tf.zeros([2]) };
      assert.throws(() => multi.step(inputs, null), /inputs.lastAction\[1, 1\] = 2 is outside \[0, 2\) \(head 1\)/);
      assert.throws(() => multi.step({ ...inputs, lastAction: tf.tensor1d([0, 1], 'int32') }, null), /inputs.lastAction must have shape \[B, H\] = \[2, 2\]/);
    });
    multi.dispose();
  });

  test('instruction errors', () => {
    tf.tidy(() => {
      const state = net.initialState(B);
      const full = good();
      const withoutInstruction = { observation: full.observation, lastAction: full.lastAction, lastReward: full.lastReward };
      assert.throws(() => net.step(withoutInstruction, state), /built with useInstruction: true; pass inputs.instruction/);
      const tokens = tf.tensor2d([[1000], [0]], [2, 1], 'int32');
      assert.throws(() => net.step({ ...good(), instruction: { tokens, lengths: tf.tensor1d([1, 1], 'int32') } }, state), /inputs.instruction.tokens\[0, 0\] = 1000 is outside \[0, 1000\)/);
      assert.throws(
        () => net.step({ ...good(), instruction: { tokens: tf.zeros([2, 2], 'int32'), lengths: tf.tensor1d([3, 0], 'int32') } }, state),
        /inputs.instruction.lengths\[0\] = 3 is outside \[0, 3\)/,
      );
      const plain = new ImpalaNetwork({ torso: 'mlp', observationShape: [1], numActions: 2 });
      assert.throws(
        () => plain.step({ observation: tf.zeros([1, 1]), lastAction: tf.zeros([1], 'int32'), lastReward: tf.zeros([1]), instruction: encodeInstructions(['x']) }, plain.initialState(1)),
        /inputs.instruction was given but the network was built with useInstruction: false/,
      );
      plain.dispose();
    });
  });

  test('wrong states', () => {
    tf.tidy(() => {
      assert.throws(() => net.step(good(), null), /ImpalaNetwork.step: state must be \{ c, h \} with shapes \[B, 8\]/);
      assert.throws(() => net.step(good(), net.initialState(3)), /state.c must have shape \[B, lstmSize\] = \[2, 8\], got \[3, 8\]/);
      assert.throws(() => net.initialState(0), /initialState: batchSize must be a positive integer, got 0/);
      const ff = new ImpalaNetwork({ torso: 'mlp', observationShape: [1], numActions: 2, lstmSize: 0 });
      assert.equal(ff.initialState(2), null);
      assert.throws(
        () => ff.step({ observation: tf.zeros([1, 1]), lastAction: tf.zeros([1], 'int32'), lastReward: tf.zeros([1]) }, net.initialState(1)),
        /state must be null for a feed-forward network/,
      );
      ff.dispose();
    });
  });

  test('dones of the wrong shape; a disposed network', () => {
    tf.tidy(() => {
      const inputs = {
        observation: tf.zeros([2, B, 12, 12, 3], 'int32'),
        lastAction: tf.zeros([2, B], 'int32'),
        lastReward: tf.zeros([2, B]),
        instruction: encodeInstructions(['a', 'b', 'c', 'd'], { leadingShape: [2, B] }),
      };
      assert.throws(() => net.unroll(inputs, tf.zeros([B], 'bool'), net.initialState(B)), /ImpalaNetwork.unroll: dones must have shape \[T, B\] = \[2, 2\], got \[2\]/);
      assert.throws(() => net.unroll(inputs, tf.tensor(['a', 'b', 'c', 'd'], [2, B]), net.initialState(B)), /dones must have dtype bool or int32 or float32, got string/);
    });
    const gone = new ImpalaNetwork({ torso: 'mlp', observationShape: [1], numActions: 2 });
    gone.dispose();
    assert.throws(() => gone.initialState(1), /ImpalaNetwork.initialState: the network was disposed/);
    assert.throws(() => gone.getWeights(), /the network was disposed/);
  });

  test('checkInputValues: false skips the value-range reads but keeps shape checks', () => {
    const fast = new ImpalaNetwork({ torso: 'mlp', observationShape: [2], numActions: 3, checkInputValues: false });
    tf.tidy(() => {
      const inputs = { observation: tf.zeros([1, 2]), lastAction: tf.tensor1d([7], 'int32'), lastReward: tf.zeros([1]) };
      assert.doesNotThrow(() => fast.step(inputs, fast.initialState(1)));
      assert.throws(() => fast.step({ ...inputs, lastAction: tf.tensor1d([7, 1], 'int32') }, fast.initialState(1)), /must have shape/);
    });
    fast.dispose();
    net.dispose();
  });
});
