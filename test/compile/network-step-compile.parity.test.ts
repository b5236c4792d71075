// ImpalaNetwork.step compiled (ImpalaNetworkOptions.compile) against eager on the tensorflow/cuda backends:
// same outputs and states over several steps (float32 rounding), new weights picked up without
// recompiling, no tensor leak; on other backends 'auto' runs eagerly and `true` throws naming the reason.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { ImpalaNetwork } from '../../src/networks/index.js';
import { assertClose } from '../helpers/close.js';
import { setupTestBackend, testBackendName, tf } from '../helpers/tf.js';

const backend = testBackendName();
const libtensorflow = backend === 'tensorflow' || backend === 'cuda';

before(async () => {
  await setupTestBackend();
  if (libtensorflow) tf.env().set('IS_TEST', false); // its per-kernel leak check misfires on tfjs-node's fused ops
});

function inputs(B: number, S: number, step: number) {
  const obs = Int32Array.from({ length: B * S * S * 4 }, (_, i) => (i * 7 + step * 13) % 256);
  return {
    observation: tf.tensor(obs, [B, S, S, 4], 'int32'),
    lastAction: tf.tensor1d(Int32Array.from({ length: B }, (_, b) => (b + step) % 5), 'int32'),
    lastReward: tf.tensor1d(Float32Array.from({ length: B }, (_, b) => 0.5 * b - step)),
    done: tf.tensor1d(Uint8Array.from({ length: B }, (_, b) => ((b + step) % 3 === 0 ? 1 : 0)), 'bool'),
  };
}

describe(`ImpalaNetwork.step compile on ${backend}`, () => {
  for (const torso of ['shallow', 'deep'] as const) {
    test(`${torso}: compiled steps equal eager steps (batch 1 and 3), follow weight updates, leak nothing`, { skip: libtensorflow ? false : `needs libtensorflow (IMPALA_TEST_BACKEND=${backend})` }, () => {
      const S = 36;
      const make = (compile: boolean) => new ImpalaNetwork({ torso, observationShape: [S, S, 4], numActions: 5, seed: 2, compile });
      const eager = make(false);
      const compiled = make(true);
      for (const B of [1, 3]) {
        let se = eager.initialState(B);
        let sc = compiled.initialState(B);
        let tensors = 0;
        for (let step = 0; step < 4; step++) {
          if (step === 2) {
            // New weights (as an actor receives them): the graph reads the variables at every run.
            const w = compiled.getFlatWeights().map((x, i) => x * (1 + 0.01 * Math.sin(i)));
            eager.setWeights(w);
            compiled.setWeights(w);
          }
          const x = inputs(B, S, step);
          const oe = eager.step(x, se);
          const oc = compiled.step(x, sc);
          assertClose(oc.policyLogits.dataSync(), oe.policyLogits.dataSync(), 1e-5, 1e-4, `logits B=${B} step ${step}`);
          assertClose(oc.baseline.dataSync(), oe.baseline.dataSync(), 1e-5, 1e-4, `baseline B=${B} step ${step}`);
          assertClose(oc.state!.h.dataSync(), oe.state!.h.dataSync(), 1e-5, 1e-4, `h B=${B} step ${step}`);
          tf.dispose([...Object.values(x), oe.policyLogits, oe.baseline, oc.policyLogits, oc.baseline, se!.c, se!.h, sc!.c, sc!.h]);
          se = oe.state;
          sc = oc.state;
          if (step === 1) tensors = tf.memory().numTensors;
        }
        assert.equal(tf.memory().numTensors, tensors, 'tensors leaked by compiled steps');
        tf.dispose([se!.c, se!.h, sc!.c, sc!.h]);
      }
      eager.dispose();
      compiled.dispose();
    });
  }

  test("other backends: 'true' throws naming the reason", { skip: libtensorflow ? 'libtensorflow: covered above' : false }, () => {
    const net = new ImpalaNetwork({ torso: 'mlp', observationShape: [3], numActions: 2, compile: true });
    const x = { observation: tf.zeros([2, 3]), lastAction: tf.zeros([2], 'int32'), lastReward: tf.zeros([2]) };
    assert.throws(() => net.step(x, net.initialState(2)), new RegExp(`ImpalaNetwork.step: compile is true but it cannot run as one graph: the active tfjs backend is '${tf.getBackend()}'`));
    const off = new ImpalaNetwork({ torso: 'mlp', observationShape: [3], numActions: 2, compile: false });
    const out = off.step(x, off.initialState(2));
    assert.deepEqual(out.policyLogits.shape, [2, 2]);
    net.dispose();
    off.dispose();
  });
});
