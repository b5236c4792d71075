/**
 * The messages between `WorkerActorFleet` (main thread) and its actor workers (`actor-worker.ts`).
 * Types only: both sides import them with `import type`.
 *
 * ```text
 * main -> worker  workerData: ActorWorkerInit
 *                 { type: 'parameters', snapshot }            weights' buffer transferred (one copy per worker)
 *                 { type: 'credit', parameters }              one more unroll; newer parameters ride along
 *                 { type: 'get-state', id } / { type: 'set-state', id, state }
 * worker -> main  { type: 'ready', backend }
 *                 { type: 'trajectories', trajectories, state }  every array buffer transferred
 *                 { type: 'state', id, state } / { type: 'ack', id }
 *                 { type: 'error', name, message, stack }       then the pool terminates every worker
 * ```
 */
import type { BackendRequest } from '../backends/backend-names.js';
import type { ActorState } from './actor.js';
import type { ParameterSnapshot } from './core.js';
import type { ActorConfig, ResolvedActorConfig } from './train-config.js';
import type { Trajectory } from './trajectory.js';

/** What a worker builds: its environments and its network copy (the actor fields of `TrainConfig`). */
export type ActorWorkerConfig = ActorConfig;

/** `workerData` of one actor worker. */
export interface ActorWorkerInit {
  /** What to build, with every default filled in (`resolveActorConfig`): the worker applies no defaults. */
  readonly config: ResolvedActorConfig;
  /** Index of the worker in its pool; also its actor id. */
  readonly index: number;
  readonly backend: BackendRequest;
  /** Unrolls the worker may run before it needs a credit. */
  readonly credits: number;
  readonly actorState: ActorState | null;
  /** A module URL to import before building the envs (custom env registrations). */
  readonly setupModule: string | null;
  /** The learner model's fingerprint, checked against the worker's network at start-up (null: not checked). */
  readonly fingerprint: string | null;
  /** tfjs flags mirrored from the main thread (they silence tfjs' console notices). */
  readonly flags: { readonly IS_TEST: boolean; readonly PROD: boolean };
}

/** Messages from the pool to a worker. */
export type ToActorWorker =
  | { readonly type: 'parameters'; readonly snapshot: ParameterSnapshot }
  | { readonly type: 'credit'; readonly parameters: ParameterSnapshot | null }
  | { readonly type: 'get-state'; readonly id: number }
  | { readonly type: 'set-state'; readonly id: number; readonly state: ActorState };

/** Messages from a worker to the pool. */
export type FromActorWorker =
  | { readonly type: 'ready'; readonly backend: string }
  | { readonly type: 'trajectories'; readonly trajectories: Trajectory[]; readonly state: ActorState }
  | { readonly type: 'state'; readonly id: number; readonly state: ActorState }
  | { readonly type: 'ack'; readonly id: number }
  | { readonly type: 'error'; readonly name: string; readonly message: string; readonly stack: string };
