// Torso shapes and the custom-torso plug-in. Expected flattened sizes: impala-reference.md §2.1 (deep on
// 84×84: 11·11·32 = 3,872, TorchBeast's Linear(3872, 256)) and backends.md §3 (shallow on 84×84: 9·9·32 = 2,592).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setupTestBackend, tf } from '../helpers/tf.js';
import {
  ImpalaNetwork,
  deepTorso,
  fanInTruncatedNormalInitializer,
  shallowTorso,
  zerosInitializer,
  type TorsoDefinition,
} from '../../src/index.js';

await setupTestBackend();

const shapeOf = (net: ImpalaNetwork, name: string): readonly number[] | undefined => net.weightSpecs.find((s) => s.name === name)?.shape;

describe('built-in torsos', () => {
  test('flattened sizes on Atari frames: deep 3,872, shallow 2,592', () => {
    const deep = new ImpalaNetwork({ torso: 'deep', observationShape: [84, 84, 4], numActions: 18 });
    const shallow = new ImpalaNetwork({ torso: 'shallow', observationShape: [84, 84, 4], numActions: 18 });
    assert.deepEqual(shapeOf(deep, 'torso/linear/kernel'), [3872, 256]);
    assert.deepEqual(shapeOf(shallow, 'torso/linear/kernel'), [2592, 256]);
    assert.deepEqual(shapeOf(shallow, 'core/lstm/kernel'), [256 + 1 + 18 + 256, 1024]);
    deep.dispose();
    shallow.dispose();
  });

  test('configurable torsos: channels, blocks, hidden size', () => {
    const net = new ImpalaNetwork({ torso: deepTorso({ channels: [4, 8], residualBlocks: 1, hiddenSize: 10 }), observationShape: [8, 8, 1], numActions: 2, lstmSize: 0 });
    assert.deepEqual(shapeOf(net, 'torso/linear/kernel'), [2 * 2 * 8, 10]);
    assert.equal(shapeOf(net, 'torso/section_0/block_1/conv_0/kernel'), undefined);
    net.dispose();
    const s = new ImpalaNetwork({ torso: shallowTorso({ convolutions: [{ filters: 3, kernelSize: 2, stride: 2 }] }), observationShape: [6, 6, 1], numActions: 2 });
    assert.deepEqual(shapeOf(s, 'torso/linear/kernel'), [27, 256]);
    s.dispose();
  });

  test('int32 and float32 pixel frames holding the same values give the same outputs; a single action works', () => {
    const net = new ImpalaNetwork({ torso: 'deep', observationShape: [9, 9, 1], numActions: 1, lstmSize: 4 });
    tf.tidy(() => {
      const ints = tf.randomUniform([2, 9, 9, 1], 0, 256, 'int32', 3);
      const base = { lastAction: tf.zeros([2], 'int32'), lastReward: tf.ones([2]) };
      const a = net.step({ ...base, observation: ints }, net.initialState(2));
      const b = net.step({ ...base, observation: tf.cast(ints, 'float32') }, net.initialState(2));
      assert.deepEqual(a.policyLogits.arraySync(), b.policyLogits.arraySync());
      assert.deepEqual(a.policyLogits.shape, [2, 1]);
    });
    net.dispose();
  });
});

describe('custom torso plug-in', () => {
  // A user-defined torso: one dense layer with a tanh, accepting float32 only.
  const tanhTorso: TorsoDefinition = {
    kind: 'tanh-linear',
    build: ({ observationShape, weights }) => {
      const inputs = observationShape.reduce((a, b) => a * b, 1);
      const kernel = weights.addWeight('kernel', [inputs, 6], fanInTruncatedNormalInitializer(inputs));
      const bias = weights.addWeight('bias', [6], zerosInitializer());
      return {
        outputSize: 6,
        observationDtypes: ['float32'],
        apply: (obs) => tf.tanh(tf.add(tf.matMul(tf.reshape(obs, [obs.shape[0], inputs]), kernel as tf.Tensor2D), bias)),
      };
    },
  };

  test('its weights are scoped under torso/, it trains, and its dtype contract is enforced', () => {
    const net = new ImpalaNetwork({ torso: tanhTorso, observationShape: [2, 3], numActions: 3, lstmSize: 5 });
    assert.equal(net.torsoKind, 'tanh-linear');
    assert.deepEqual(net.weightSpecs.slice(0, 2).map((s) => s.name), ['torso/kernel', 'torso/bias']);
    assert.deepEqual(shapeOf(net, 'core/lstm/kernel'), [6 + 1 + 3 + 5, 20]);
    const inputs = { observation: tf.randomNormal([2, 4, 2, 3], 0, 1, 'float32', 1), lastAction: tf.zeros([2, 4], 'int32'), lastReward: tf.zeros([2, 4]) };
    const dones = tf.zeros([2, 4], 'bool');
    const { grads, value } = tf.variableGrads(() => tf.sum(net.unroll(inputs, dones, net.initialState(4)).baseline), net.trainableVariables);
    const torsoKernel = grads[net.trainableVariables[0]!.name]!;
    assert.ok(torsoKernel.dataSync().some((g) => g !== 0), 'the custom torso gets gradients');
    tf.dispose([value, ...Object.values(grads)]);
    assert.throws(
      () => net.unroll({ ...inputs, observation: tf.zeros([2, 4, 2, 3], 'int32') }, dones, null),
      /inputs.observation must have dtype float32, got int32/,
    );
    tf.dispose([inputs.observation, inputs.lastAction, inputs.lastReward, dones]);
    net.dispose();
  });

  test('weight names are validated', () => {
    const bad: TorsoDefinition = { kind: 'bad', build: ({ weights }) => (weights.addWeight('has space', [1], zerosInitializer()), { outputSize: 1, apply: (o) => o }) };
    assert.throws(() => new ImpalaNetwork({ torso: bad, observationShape: [1], numActions: 2 }), /weight name 'torso\/has space' may only contain/);
    const twice: TorsoDefinition = {
      kind: 'twice',
      build: ({ weights }) => {
        weights.addWeight('w', [1], zerosInitializer());
        weights.addWeight('w', [1], zerosInitializer());
        return { outputSize: 1, apply: (o) => o };
      },
    };
    assert.throws(() => new ImpalaNetwork({ torso: twice, observationShape: [1], numActions: 2 }), /weight name 'torso\/w' is used twice/);
  });
});
