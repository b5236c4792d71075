/**
 * Actor trajectories on a deterministic chain environment with a linear model whose policy always moves
 * right (logit bias ±50), so every expected entry can be written down by hand.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Actor } from '../../src/agent/actor.js';
import type { AgentModel } from '../../src/agent/core.js';
import { setupTestBackend, tf } from '../helpers/tf.js';
import { ChainEnv, LinearModel } from './fakes.js';

await setupTestBackend();

const rightModel = () => new LinearModel([2], 2, { W: [0, 0, 0, 0], b: [-50, 50], v: [2, 0.5], c: 0 });

describe('Actor', () => {
  test('T+1 entries, the last entry repeated first in the next unroll, logits and rewards in place', async () => {
    const model = rightModel();
    const actor = new Actor({ envs: [new ChainEnv(), new ChainEnv()], model, unrollLength: 3, seed: 1 });
    const [a0, a1] = await actor.unroll();
    const [b0] = await actor.unroll();
    assert.equal(a0!.observations.length, 4 * 2);
    // Positions 0,1,2,3 in the first unroll (observation = [pos/10, 1]), 3,4,5,6 in the second.
    assert.deepEqual(Array.from(a0!.observations, (x) => Math.round(x * 10) / 10), [0, 1, 0.1, 1, 0.2, 1, 0.3, 1]);
    assert.deepEqual(Array.from(b0!.observations, (x) => Math.round(x * 10) / 10), [0.3, 1, 0.4, 1, 0.5, 1, 0.6, 1]);
    assert.deepEqual(Array.from(a0!.dones), [1, 0, 0, 0]);
    assert.deepEqual(Array.from(b0!.dones), [0, 0, 0, 0]);
    assert.deepEqual(Array.from(a0!.rewards), [0, 1, 1, 1]);
    assert.deepEqual(Array.from(a0!.actions), [1, 1, 1, 1]);
    assert.deepEqual(Array.from(a0!.lastActions), [0, 1, 1, 1]);
    assert.deepEqual(Array.from(b0!.behaviourLogits.subarray(0, 2)), Array.from(a0!.behaviourLogits.subarray(6, 8)));
    assert.deepEqual(Array.from(a0!.behaviourLogits.subarray(0, 2)), [-50, 50]);
    assert.equal(a1!.actorId, 0);
    assert.equal(a0!.initialState, null);
    actor.dispose();
    model.dispose();
  });

  test('termination: flags on the entry after the last step, which is already the next episode', async () => {
    const model = rightModel();
    const env = new ChainEnv(2);
    const actor = new Actor({ envs: [env], model, unrollLength: 4, seed: 3 });
    const [t] = await actor.unroll();
    // Steps: pos 0 → 1 (r 1) → 2 terminated (r 1), reset to 0 → 1 (r 1) → 2 terminated again.
    assert.deepEqual(Array.from(t!.terminated), [0, 0, 1, 0, 1]);
    assert.deepEqual(Array.from(t!.dones), [1, 0, 1, 0, 1]);
    assert.deepEqual(Array.from(t!.rewards), [0, 1, 1, 1, 1]);
    assert.deepEqual(Array.from(t!.lastActions), [0, 1, 0, 1, 0]);
    assert.deepEqual(t!.episodes.map((e) => [e.episodeReturn, e.episodeLength, e.truncated]), [[2, 2, false], [2, 2, false]]);
    assert.deepEqual(Array.from(t!.truncationValues), [0, 0, 0, 0, 0]);
    actor.dispose();
    model.dispose();
  });

  test('truncation: the value of the final observation (before the reset) is stored', async () => {
    const model = rightModel();
    const actor = new Actor({ envs: [new ChainEnv(Infinity, 3)], model, unrollLength: 4, seed: 5 });
    const [t] = await actor.unroll();
    assert.deepEqual(Array.from(t!.truncated), [0, 0, 0, 1, 0]);
    // Final observation of the truncated episode: position 3 → [0.3, 1]; V = 2·0.3 + 0.5·1 = 1.1.
    assert.ok(Math.abs(t!.truncationValues[3]! - 1.1) < 1e-6, `truncation value ${t!.truncationValues[3]}`);
    // The stored observation at entry 3 is the next episode's first one.
    assert.deepEqual(Array.from(t!.observations.subarray(6, 8)), [0, 1]);
    assert.equal(t!.episodes[0]!.truncated, true);
    actor.dispose();
    model.dispose();
  });

  test('parameters are refreshed between unrolls from the source; no tensors leak', async () => {
    const model = rightModel();
    const weights = model.getFlatWeights();
    weights[4] = 50; // b[0]
    weights[5] = -50; // b[1]: now always action 0
    const actor = new Actor({ envs: [new ChainEnv()], model, unrollLength: 2, seed: 1, parameterSource: { latest: () => ({ version: 7, weights }) } });
    const [t] = await actor.unroll();
    assert.equal(t!.policyVersion, 7);
    assert.deepEqual(Array.from(t!.actions), [0, 0, 0]);
    await actor.unroll();
    const before = tf.memory().numTensors;
    await actor.unroll();
    assert.equal(tf.memory().numTensors, before);
    actor.dispose();
    model.dispose();
  });
});

describe('Actor with pixel observations', () => {
  test('every unroll, the first included, keeps uint8 observations as Uint8Array (the env\'s dtype)', async () => {
    const { makeEnv } = await import('../../src/envs/registry.js');
    const { buildNetwork } = await import('../../src/agent/build-network.js');
    const envs = [0, 1].map(() => makeEnv('Maze-v0', { height: 36, width: 48 }) as unknown as import('../../src/agent/actor.js').ActorEnv);
    const model = buildNetwork({ torso: 'shallow', lstmSize: 0 }, envs[0]!, 1);
    const actor = new Actor({ envs, model, unrollLength: 3, seed: 1 });
    for (let k = 0; k < 2; k++) {
      for (const t of await actor.unroll()) assert.ok(t.observations instanceof Uint8Array, `unroll ${k}: ${t.observations.constructor.name}`);
    }
    actor.dispose();
    model.dispose();
  });

  test('pixels reach the model as float32 tensors; an observation a model keeps (a reshape) is never overwritten', async () => {
    const { makeEnv } = await import('../../src/envs/registry.js');
    const { buildNetwork } = await import('../../src/agent/build-network.js');
    const envs = [0, 1].map(() => makeEnv('Maze-v0', { height: 36, width: 48 }) as unknown as import('../../src/agent/actor.js').ActorEnv);
    const net = buildNetwork({ torso: 'shallow', lstmSize: 0 }, envs[0]!, 1);
    // keeps a reshaped view of every observation it is given (on the cpu backend a reshape shares the data of
    // the tensor the actor made from its host array, which the actor disposes after the step)
    const kept: { view: tf.Tensor; values: Float32Array }[] = [];
    const dtypes = new Set<string>();
    const model: AgentModel = {
      observationShape: net.observationShape,
      actionSizes: net.actionSizes,
      lstmSize: net.lstmSize,
      trainableVariables: net.trainableVariables,
      weightSpecs: net.weightSpecs,
      initialState: (b) => net.initialState(b),
      unroll: (inputs, dones, state) => net.unroll(inputs, dones, state),
      splitPolicyLogits: (logits) => net.splitPolicyLogits(logits),
      getFlatWeights: () => net.getFlatWeights(),
      setWeights: (w) => { net.setWeights(w); },
      step: (inputs, state) => {
        dtypes.add(inputs.observation.dtype);
        kept.push({ view: tf.keep(tf.reshape(inputs.observation, [-1])), values: inputs.observation.dataSync().slice() as Float32Array });
        return net.step(inputs, state);
      },
    };
    const actor = new Actor({ envs, model, unrollLength: 4, seed: 1 });
    await actor.unroll();
    await actor.unroll();
    assert.deepEqual([...dtypes], ['float32']);
    assert.ok(kept.length >= 8, `${kept.length} steps`);
    kept.forEach(({ view, values }, i) => { assert.deepEqual(view.dataSync(), values, `observation of step ${i} changed after the step`); });
    tf.dispose(kept.map((k) => k.view));
    actor.dispose();
    net.dispose();
  });
});

