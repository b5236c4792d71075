/**
 * {@link startInferenceWorker}: central inference in a worker thread, so that its batches and the learner's
 * updates (in the main thread) run at the same time.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendRequest } from '../backends/backend-names.js';
import type { InferenceRequest, InferenceRunner } from './central-inference.js';
import type { ModelStepOutputs, ParameterSnapshot } from './core.js';
import { AgentError } from './errors.js';
import type { FromInferenceWorker, InferenceWorkerInit, ToInferenceWorker } from './inference-worker-protocol.js';
import type { ResolvedActorConfig } from './train-config.js';
import { openWorkerChannel, remoteError, resolveWorkerEntry } from './worker-channel.js';

/**
 * Options of {@link startInferenceWorker}.
 * @category Agent
 */
export interface InferenceWorkerOptions {
  /** The network to build (the actor fields of the run's configuration, defaults filled in). */
  readonly config: ResolvedActorConfig;
  /** An env id whose spaces size the network. */
  readonly envId: string;
  /** The worker's tfjs backend (each worker thread loads its own). */
  readonly backend: BackendRequest;
  /** The parameters to start from. */
  readonly parameters: ParameterSnapshot;
}

const FN = 'startInferenceWorker';

/**
 * Starts a worker thread that runs {@link CentralInference}'s batches on its own copy of the network and its own
 * tfjs backend: pass the result as `CentralInference`'s `runner` (its `model` then only describes the network).
 * Inputs and outputs cross the thread boundary as typed arrays (transferred from the worker); new parameters
 * travel with the next batch.
 *
 * @param options - see {@link InferenceWorkerOptions}.
 * @returns the runner, once the worker has built its network.
 * @throws {@link AgentError} when the worker fails to start (with the worker's stack as the cause).
 *
 * @example
 * ```ts
 * const runner = await startInferenceWorker({ config: resolveActorConfig(config), envId: 'CartPole-v1', backend: 'tensorflow', parameters: learner.latest() });
 * const central = new CentralInference({ model: network, runner, minimumBatchSize: 4 });
 * ```
 * @category Agent
 */
export async function startInferenceWorker(options: InferenceWorkerOptions): Promise<InferenceRunner> {
  const init: InferenceWorkerInit = {
    config: options.config,
    envId: options.envId,
    backend: options.backend,
    weights: options.parameters.weights.slice(),
    flags: { IS_TEST: tf.env().getBool('IS_TEST'), PROD: tf.env().getBool('PROD') },
  };
  const channel = openWorkerChannel<ToInferenceWorker, FromInferenceWorker>({ entry: resolveWorkerEntry(import.meta.url, 'inference-worker', FN), data: init, caller: FN, who: 'the inference worker' });
  const waiting = new Map<number, { resolve: (m: Extract<FromInferenceWorker, { type: 'result' }>) => void; reject: (e: Error) => void }>();
  let failure: Error | null = null;
  const failAll = (error: Error): void => {
    failure ??= error;
    for (const w of waiting.values()) w.reject(failure);
    waiting.clear();
  };
  let ready: { resolve: () => void; reject: (e: Error) => void } | null = null;
  const started = new Promise<void>((resolve, reject) => {
    ready = { resolve, reject };
  });
  channel.onMessage((m) => {
    if (m.type === 'ready') ready?.resolve();
    else if (m.type === 'error') {
      const error = remoteError(FN, 'the inference worker', m.name, m.message, m.stack);
      ready?.reject(error);
      failAll(error);
    } else {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      w?.resolve(m);
    }
  });
  channel.onClose((error) => {
    const e = error ?? new AgentError(`${FN}: the inference worker stopped`);
    ready?.reject(e);
    failAll(e);
  });
  try {
    await started;
  } catch (error) {
    await channel.close();
    throw new AgentError(`${FN}: the inference worker failed to start: ${(error as Error).message}`, { cause: error });
  }
  let nextId = 0;
  return {
    async run(requests: readonly InferenceRequest[], parameters: ParameterSnapshot | null): Promise<ModelStepOutputs[]> {
      if (failure) throw failure;
      const sizes = requests.map((r) => r.inputs.observation.shape[0]);
      const rows = sizes.reduce((a, b) => a + b, 0);
      const first = requests[0]!.inputs;
      const cat = <A extends Float32Array | Int32Array | Uint8Array>(make: (n: number) => A, read: (r: InferenceRequest) => tf.Tensor | null): A | null => {
        const parts = requests.map((r) => read(r)?.dataSync() as A | undefined);
        if (parts.some((p) => p === undefined)) return null;
        const out = make(parts.reduce((n, p) => n + p!.length, 0));
        let at = 0;
        for (const p of parts) {
          out.set(p!, at);
          at += p!.length;
        }
        return out;
      };
      const pixels = first.observation.dtype === 'int32';
      const observation = pixels ? cat((n) => new Int32Array(n), (r) => r.inputs.observation)! : cat((n) => new Float32Array(n), (r) => r.inputs.observation)!;
      const lastAction = cat((n) => new Int32Array(n), (r) => r.inputs.lastAction)!;
      const lastReward = cat((n) => new Float32Array(n), (r) => r.inputs.lastReward)!;
      const done = cat((n) => new Uint8Array(n), (r) => r.inputs.done)!;
      const c = cat((n) => new Float32Array(n), (r) => r.state?.c ?? null);
      const h = cat((n) => new Float32Array(n), (r) => r.state?.h ?? null);
      const id = nextId++;
      const result = new Promise<Extract<FromInferenceWorker, { type: 'result' }>>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
      });
      const weights = parameters ? parameters.weights.slice() : null;
      const message: InferenceWorkerStep = { type: 'step', id, rows, observation, lastAction, lastActionShape: [rows, ...first.lastAction.shape.slice(1)], lastReward, done, c, h, weights };
      channel.send(message, [observation, lastAction, lastReward, done, ...(c ? [c] : []), ...(h ? [h] : []), ...(weights ? [weights] : [])].map((a) => a.buffer));
      const r = await result;
      const width = r.logits.length / rows;
      const units = r.c ? r.c.length / rows : 0;
      let at = 0;
      return sizes.map((n) => {
        const out: ModelStepOutputs = {
          policyLogits: tf.tensor2d(r.logits.subarray(at * width, (at + n) * width), [n, width]),
          baseline: tf.tensor1d(r.baseline.subarray(at, at + n)),
          state: r.c && r.h ? { c: tf.tensor2d(r.c.subarray(at * units, (at + n) * units), [n, units]), h: tf.tensor2d(r.h.subarray(at * units, (at + n) * units), [n, units]) } : null,
        };
        at += n;
        return out;
      });
    },
    async close(): Promise<void> {
      failAll(new AgentError(`${FN}: the inference worker was closed`));
      await channel.close();
    },
  };
}

type InferenceWorkerStep = Extract<ToInferenceWorker, { type: 'step' }>;
