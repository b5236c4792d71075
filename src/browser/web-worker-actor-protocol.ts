/**
 * The first message a {@link WebWorkerActorFleet} sends each Web Worker; the messages after it are the worker-thread
 * actors' (`ToActorWorker`, `FromActorWorker`). Types only.
 */
import type { ActorWorkerInit } from '../agent/actor-worker-protocol.js';
import type { BrowserBackendRequest } from './backend.js';

/**
 * What a Web Worker actor builds: the worker-thread actors' init, and the browser backend to select.
 * @category Browser
 */
export interface WebWorkerActorInit {
  /** Marks the first message. */
  readonly type: 'init';
  /** What to build (its `backend` is not used in a browser: see `browserBackend`). */
  readonly init: ActorWorkerInit;
  /** The backend the worker selects with `useBrowserBackend` (its package must be imported in the worker module). */
  readonly browserBackend: BrowserBackendRequest;
}
