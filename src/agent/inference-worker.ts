/**
 * The entry of the central-inference worker thread (`startInferenceWorker`): builds the network on its own tfjs
 * backend and runs the batches the learner's thread sends. tsup builds it as `dist/inference-worker.js`/`.cjs`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../backends/use-backend.js';
import { makeEnvs } from '../envs/make-envs.js';
import type { ActorEnv } from './actor.js';
import { buildNetwork } from './build-network.js';
import type { FromInferenceWorker, InferenceWorkerInit, ToInferenceWorker } from './inference-worker-protocol.js';
import { parentChannel } from './worker-channel.js';

const { channel, data } = parentChannel<FromInferenceWorker, ToInferenceWorker>('inference-worker');
const init = data as InferenceWorkerInit;

async function main(): Promise<void> {
  for (const [flag, value] of Object.entries(init.flags)) tf.env().set(flag, value);
  await useBackend(init.backend, { registerGradients: false });
  const env = (await makeEnvs(init.envId, 1, { ...init.config.envOptions }))[0] as unknown as ActorEnv;
  const network = buildNetwork(init.config, env, init.config.seed);
  await env.close?.();
  network.setWeights(init.weights);
  channel.onMessage((m: ToInferenceWorker) => {
    try {
      if (m.weights) network.setWeights(m.weights);
      const out = tf.tidy(() => {
        const observation = tf.tensor(m.observation, [m.rows, ...network.observationShape], m.observation instanceof Int32Array ? 'int32' : 'float32');
        const lastAction = tf.tensor(m.lastAction, [...m.lastActionShape], 'int32');
        const inputs = { observation, lastAction, lastReward: tf.tensor1d(m.lastReward), done: tf.tensor1d(m.done, 'bool') };
        const state = m.c && m.h ? { c: tf.tensor2d(m.c, [m.rows, network.lstmSize]), h: tf.tensor2d(m.h, [m.rows, network.lstmSize]) } : null;
        const o = network.step(inputs, state);
        return [o.policyLogits, o.baseline, ...(o.state ? [o.state.c, o.state.h] : [])];
      });
      const [logits, baseline, c, h] = out.map((t) => t.dataSync() as Float32Array);
      tf.dispose(out);
      const transfer = [logits!, baseline!, ...(c && h ? [c, h] : [])].map((a) => a.buffer as ArrayBuffer);
      channel.send({ type: 'result', id: m.id, logits: logits!, baseline: baseline!, c: c ?? null, h: h ?? null }, transfer);
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      channel.send({ type: 'error', name: e.name, message: e.message, stack: e.stack ?? e.message });
    }
  });
  channel.send({ type: 'ready', backend: tf.getBackend() });
}

main().catch((error: unknown) => {
  const e = error instanceof Error ? error : new Error(String(error));
  channel.send({ type: 'error', name: e.name, message: e.message, stack: e.stack ?? e.message });
});
