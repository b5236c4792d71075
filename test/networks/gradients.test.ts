// Gradients of a loss on `unroll` outputs reach every trainable variable, and an RMSProp training step
// inside optimizer.minimize leaks no tensor. The loss mirrors the learner's (policy gradient with
// oneHot·logSoftmax, baseline, entropy); exact gradient values are not asserted here, only that every
// variable gets a finite, non-zero gradient and that training changes every variable.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setupTestBackend, tf } from '../helpers/tf.js';
import { ImpalaNetwork, type ImpalaNetworkOptions, type NetworkUnrollInputs } from '../../src/index.js';
import { disposeInputs, makeUnrollInputs, seededInts } from './network-inputs.js';

await setupTestBackend();

const T = 3;
const B = 2;

const CASES: Record<string, ImpalaNetworkOptions> = {
  'deep + LSTM + instruction': { torso: 'deep', observationShape: [12, 12, 3], numActions: 4, lstmSize: 8, useInstruction: true, seed: 1 },
  'shallow + LSTM': { torso: 'shallow', observationShape: [20, 20, 2], numActions: 3, lstmSize: 8, seed: 2 },
  'mlp multi-discrete feed-forward': { torso: 'mlp', observationShape: [4], numActions: [2, 3], lstmSize: 0, seed: 3 },
};

/** The learner's loss shape on unroll outputs, with fixed advantages and targets. */
function lossOf(net: ImpalaNetwork, inputs: NetworkUnrollInputs, dones: tf.Tensor, actions: tf.Tensor[]): tf.Scalar {
  const out = net.unroll(inputs, dones, net.initialState(B));
  const heads = net.splitPolicyLogits(out.policyLogits);
  const advantages = tf.reshape(tf.linspace(-1, 1, T * B), [T, B]);
  let loss: tf.Tensor = tf.mul(0.25, tf.sum(tf.square(tf.sub(tf.fill([T, B], 0.5), out.baseline))));
  heads.forEach((logits, h) => {
    const logProbs = tf.logSoftmax(logits);
    const chosen = tf.sum(tf.mul(tf.oneHot(actions[h]!, net.actionSizes[h]!), logProbs), -1);
    loss = tf.add(loss, tf.neg(tf.sum(tf.mul(chosen, advantages))));
    loss = tf.add(loss, tf.mul(0.01, tf.sum(tf.mul(tf.exp(logProbs), logProbs)))); // − entropy
  });
  return loss as tf.Scalar;
}

describe('gradients and training step', () => {
  for (const [label, options] of Object.entries(CASES)) {
    test(`${label}: every trainable variable gets a finite non-zero gradient; minimize leaks nothing`, () => {
      const net = new ImpalaNetwork(options);
      const inputs = makeUnrollInputs(net, T, B, 3);
      // A reset in the middle, so the gradient also flows through the masked state.
      const dones = tf.tensor([[true, true], [false, true], [false, false]], [T, B], 'bool');
      const actions = net.actionSizes.map((a, h) => tf.tensor(seededInts(T * B, a, 40 + h), [T, B], 'int32'));

      const { grads, value } = tf.variableGrads(() => lossOf(net, inputs, dones, actions), net.trainableVariables);
      assert.ok(Number.isFinite(value.dataSync()[0]));
      const names = new Map(net.trainableVariables.map((v, i) => [v.name, net.weightSpecs[i]!.name]));
      assert.equal(Object.keys(grads).length, net.weightSpecs.length, 'one gradient per variable');
      for (const [engineName, g] of Object.entries(grads)) {
        const data = g.dataSync();
        const name = names.get(engineName)!;
        assert.ok(data.every(Number.isFinite), `${name}: finite gradient`);
        assert.ok(data.some((x) => x !== 0), `${name}: non-zero gradient`);
      }
      tf.dispose([value, ...Object.values(grads)]);

      const optimizer = tf.train.rmsprop(1e-3, 0.99, 0, 0.1);
      const before = net.getWeights();
      // One warm-up step creates the optimizer's slot variables; the second must leave numTensors unchanged.
      optimizer.minimize(() => lossOf(net, inputs, dones, actions), false, net.trainableVariables);
      const count = tf.memory().numTensors;
      const returned = optimizer.minimize(() => lossOf(net, inputs, dones, actions), true, net.trainableVariables);
      returned?.dispose();
      assert.equal(tf.memory().numTensors, count, 'no tensor leaked by a training step');
      const after = net.getWeights();
      net.weightSpecs.forEach((s, i) => { assert.notDeepEqual(after[i], before[i], `${s.name} was updated`); });

      optimizer.dispose();
      disposeInputs(inputs);
      tf.dispose([dones, ...actions]);
      net.dispose();
    });
  }
});
