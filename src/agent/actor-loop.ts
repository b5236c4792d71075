/**
 * The actor's side of a fleet, over any {@link Channel}: builds the environments (the host's `makeEnvs`), a network copy
 * (`buildNetwork`), a tfjs backend (the host's `selectBackend`; inference only, so no gradients are registered) and an
 * `Actor`, then loops: apply the newest parameters received, unroll, send the trajectories back with their
 * buffers transferred, and wait for a credit when `credits` unrolls are not yet taken. Errors are sent to the
 * fleet with their stack. The messages are in `actor-worker-protocol.ts`. Free of Node: `actor-endpoint.ts` runs it
 * in Node (`useBackend`, `setImmediate`) and `browser/actor-web-worker.ts` in a Web Worker (`useBrowserBackend`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Actor, type ActorEnv } from './actor.js';
import type { ActorWorkerInit, FromActorWorker, ToActorWorker } from './actor-worker-protocol.js';
import { actorEnvId, actorSeed } from './actor-seed.js';
import { buildNetwork } from './build-network.js';
import type { Channel } from './channel.js';
import type { ParameterSnapshot } from './core.js';
import { checkModelFingerprint } from './model-fingerprint.js';
import { trajectoryBuffers } from './trajectory.js';

/**
 * What the carrier of an actor supplies to {@link runActorLoop}: how to select a tfjs backend, and how to give the
 * event loop a turn.
 * @category Agent
 */
export interface ActorLoopHost {
  /**
   * Selects the tfjs backend named in the init (`useBackend` in Node, `useBrowserBackend` in a Web Worker). Actors
   * only run inference, so no gradients need to be registered.
   */
  selectBackend(backend: ActorWorkerInit['backend']): Promise<void>;
  /** Resolves in a later task, after the messages already queued were handled. */
  yieldToEventLoop(): Promise<void>;
  /**
   * Makes the actor's `envsPerActor` environments (env j with id `actorEnvId(ids, envsPerActor, index, j)`):
   * `makeActorEnvs` in Node (it knows the Gymnasium bridge's ids), `makeEnv` in a browser.
   */
  makeEnvs(ids: readonly string[], envsPerActor: number, index: number, envOptions: Readonly<Record<string, unknown>>): Promise<ActorEnv[]>;
}

/**
 * Runs one actor for a fleet until the channel closes or the actor fails (the failure is sent as an `error`
 * message, with the stack), with the backend selection and event-loop yield of its carrier.
 *
 * @param channel - the actor's end of the channel to its fleet.
 * @param init - what to build (the fleet's `ActorWorkerInit`).
 * @param host - backend selection and event-loop yield (see {@link ActorLoopHost}).
 * @category Agent
 */
export async function runActorLoop(channel: Channel<FromActorWorker, ToActorWorker>, init: ActorWorkerInit, host: ActorLoopHost): Promise<void> {
  const { config, index } = init;
  let latest: ParameterSnapshot | null = null;
  let credits = init.credits;
  let wake: (() => void) | null = null;
  let actor: Actor | null = null;
  let pendingState = init.actorState;
  const hasParameters = (): boolean => latest !== null;
  const newer = (s: ParameterSnapshot | null): s is ParameterSnapshot => s !== null && (latest === null || s.version > latest.version);

  channel.onMessage((message: ToActorWorker) => {
    switch (message.type) {
      case 'parameters':
        if (newer(message.snapshot)) latest = message.snapshot;
        break;
      case 'credit':
        credits++;
        if (newer(message.parameters)) latest = message.parameters;
        break;
      case 'get-state':
        channel.send({ type: 'state', id: message.id, state: actor?.getState() ?? pendingState ?? { rng: [], unrolls: 0 } });
        break;
      case 'set-state':
        // Applied here when the actor exists (between two unrolls: messages are handled while the loop waits).
        if (actor) actor.setState(message.state);
        else pendingState = message.state;
        channel.send({ type: 'ack', id: message.id });
        break;
    }
    const w = wake;
    wake = null;
    w?.();
  });

  try {
    for (const [flag, value] of Object.entries(init.flags)) tf.env().set(flag, value);
    await host.selectBackend(init.backend); // actors only run inference
    if (init.setupModule !== null) await import(init.setupModule);
    const ids = typeof config.env === 'string' ? [config.env] : config.env;
    const envs = await host.makeEnvs(ids, config.envsPerActor, index, config.envOptions);
    const network = buildNetwork(config, envs[0]!, config.seed);
    if (init.fingerprint !== null) checkModelFingerprint(`actor ${index}`, init.fingerprint, network);
    actor = new Actor({
      envs,
      envIds: envs.map((_, j) => actorEnvId(ids, config.envsPerActor, index, j)),
      model: network,
      unrollLength: config.unrollLength,
      seed: actorSeed(config.seed, index),
      actorId: index,
      parameterSource: { latest: () => latest! },
    });
    if (pendingState) actor.setState(pendingState);
    channel.send({ type: 'ready', backend: tf.getBackend() });
    for (;;) {
      // (`latest` and `credits` change in the message handler above.)
      while (credits <= 0 || !hasParameters()) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      // Parameters that arrived during the last unroll are queued as messages: let them land first.
      await host.yieldToEventLoop();
      const trajectories = await actor.unroll();
      credits--;
      const transfer = [...new Set(trajectories.flatMap(trajectoryBuffers))];
      channel.send({ type: 'trajectories', trajectories, state: actor.getState() }, transfer);
    }
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    channel.send({ type: 'error', name: e.name, message: e.message, stack: e.stack ?? `${e.name}: ${e.message}` });
  }
}
