/**
 * The actor's side of a fleet in Node, over any {@link Channel}: {@link runActorLoop} with the backend selected by
 * `useBackend` (inference only, so no gradients are registered), `setImmediate` for the event-loop yield and
 * `makeActorEnvs` (Gymnasium bridge ids included).
 * `actor-worker.ts` runs this in a worker thread, and any other carrier of a Channel can run it elsewhere.
 */
import { useBackend } from '../backends/use-backend.js';
import type { ActorWorkerInit, FromActorWorker, ToActorWorker } from './actor-worker-protocol.js';
import { runActorLoop } from './actor-loop.js';
import { makeActorEnvs } from './make-actor-envs.js';
import type { Channel } from './channel.js';

/**
 * Runs one actor for a fleet until the channel closes or the actor fails (the failure is sent as an `error`
 * message, with the stack).
 *
 * @param channel - the actor's end of the channel to its fleet.
 * @param init - what to build (the fleet's `ActorWorkerInit`).
 * @category Agent
 */
export function runActorEndpoint(channel: Channel<FromActorWorker, ToActorWorker>, init: ActorWorkerInit): Promise<void> {
  return runActorLoop(channel, init, {
    selectBackend: async (backend) => {
      await useBackend(backend, { registerGradients: false });
    },
    yieldToEventLoop: () => new Promise((resolve) => setImmediate(resolve)),
    makeEnvs: makeActorEnvs,
  });
}
