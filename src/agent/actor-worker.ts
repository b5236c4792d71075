/**
 * The entry of one {@link WorkerActorPool} worker thread: builds the environments (`makeEnv`), a network copy
 * (`buildNetwork`), a tfjs backend (`useBackend`; inference only, so no gradients are registered) and an
 * `Actor`, then loops: apply the newest parameters received, unroll, post the trajectories back with their
 * buffers transferred, and wait for a credit when `credits` unrolls are not yet taken. Errors are posted to
 * the pool with their stack. The protocol is in `actor-worker-protocol.ts`.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../backends/use-backend.js';
import { actorSeed } from './actor-seed.js';
import { Actor } from './actor.js';
import { makeActorEnvs } from './make-actor-envs.js';
import type { ActorWorkerInit, FromActorWorker, ToActorWorker } from './actor-worker-protocol.js';
import { buildNetwork } from './build-network.js';
import type { ParameterSnapshot } from './core.js';
import { trajectoryBuffers } from './trajectory.js';

function post(port: MessagePort, message: FromActorWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function runActorWorker(port: MessagePort, init: ActorWorkerInit): Promise<void> {
  const { config, index } = init;
  let latest: ParameterSnapshot | null = null;
  let credits = init.credits;
  let wake: (() => void) | null = null;
  let actor: Actor | null = null;
  let pendingState = init.actorState;
  const hasParameters = (): boolean => latest !== null;

  port.on('message', (message: ToActorWorker) => {
    switch (message.type) {
      case 'parameters':
        if (latest === null || message.version > latest.version) latest = { version: message.version, weights: message.weights };
        break;
      case 'credit':
        credits++;
        if (message.parameters && (latest === null || message.parameters.version > latest.version)) latest = message.parameters;
        break;
      case 'get-state':
        post(port, { type: 'state', id: message.id, state: actor?.getState() ?? pendingState ?? { rng: [], unrolls: 0 } });
        break;
      case 'set-state':
        // Applied here when the actor exists (between two unrolls: messages are handled while the loop waits).
        if (actor) actor.setState(message.state);
        else pendingState = message.state;
        post(port, { type: 'ack', id: message.id });
        break;
    }
    const w = wake;
    wake = null;
    w?.();
  });

  try {
    for (const [flag, value] of Object.entries(init.flags)) tf.env().set(flag, value);
    await useBackend(init.backend);
    if (init.setupModule !== null) await import(init.setupModule);
    const ids = typeof config.env === 'string' ? [config.env] : config.env;
    const envsPerActor = config.envsPerActor ?? 8;
    const seed = config.seed ?? 1;
    const envs = await makeActorEnvs(ids, envsPerActor, index, config.envOptions);
    const network = buildNetwork(config, envs[0]!, seed);
    actor = new Actor({
      envs,
      model: network,
      unrollLength: config.unrollLength ?? 20,
      seed: actorSeed(seed, index),
      actorId: index,
      parameterSource: { latest: () => latest! },
    });
    if (pendingState) actor.setState(pendingState);
    post(port, { type: 'ready', backend: tf.getBackend() });
    for (;;) {
      // (`latest` and `credits` change in the message handler above.)
      while (credits <= 0 || !hasParameters()) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      // Parameters that arrived during the last unroll are queued as messages: let them land first.
      await yieldToEventLoop();
      const trajectories = await actor.unroll();
      credits--;
      const transfer = [...new Set(trajectories.flatMap(trajectoryBuffers))];
      post(port, { type: 'trajectories', trajectories, state: actor.getState() }, transfer);
    }
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    post(port, { type: 'error', name: e.name, message: e.message, stack: e.stack ?? `${e.name}: ${e.message}` });
  }
}

if (parentPort === null) {
  throw new Error('actor-worker: this module is the entry of a WorkerActorPool worker thread; it cannot be imported');
}
void runActorWorker(parentPort, workerData as ActorWorkerInit);
