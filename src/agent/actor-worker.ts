/**
 * The entry of one {@link WorkerActorFleet} worker thread: runs `runActorEndpoint` over the channel to the parent
 * thread (`worker-channel.ts`). tsup builds it as `dist/actor-worker.js`/`.cjs`, next to the fleet's chunk.
 */
import type { ActorWorkerInit, FromActorWorker, ToActorWorker } from './actor-worker-protocol.js';
import { runActorEndpoint } from './actor-endpoint.js';
import { parentChannel } from './worker-channel.js';

const { channel, data } = parentChannel<FromActorWorker, ToActorWorker>('actor-worker');
void runActorEndpoint(channel, data as ActorWorkerInit);
