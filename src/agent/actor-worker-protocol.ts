/**
 * The messages between {@link WorkerActorPool} (main thread) and its actor workers (`actor-worker.ts`).
 * Types only: both sides import them with `import type`.
 *
 * ```text
 * main -> worker  workerData: ActorWorkerInit
 *                 { type: 'parameters', version, weights }   weights' buffer transferred (one copy per worker)
 *                 { type: 'credit', parameters }              one more unroll; newer parameters ride along
 *                 { type: 'get-state', id } / { type: 'set-state', id, state }
 * worker -> main  { type: 'ready', backend }
 *                 { type: 'trajectories', trajectories, state }  every array buffer transferred
 *                 { type: 'state', id, state } / { type: 'ack', id }
 *                 { type: 'error', name, message, stack }       then the pool terminates every worker
 * ```
 */
import type { BackendRequest } from '../backends/backend-names.js';
import type { BuiltInTorso } from '../networks/network-options.js';
import type { ActorState } from './actor.js';
import type { Trajectory } from './trajectory.js';

/** What a worker builds: its environments and its network copy (a subset of `train`'s configuration). */
export interface ActorWorkerConfig {
  /** Environment id for `makeEnv`, or a list of ids (dealt round-robin over all environments of all actors, as `train` does). */
  readonly env: string | readonly string[];
  /** Options passed to `makeEnv`. */
  readonly envOptions?: Readonly<Record<string, unknown>>;
  /**
   * Seed of the run; worker i's actor is seeded like `train`'s in-process actor i.
   * @defaultValue 1
   */
  readonly seed?: number;
  /**
   * Environments per worker, stepped together with batched inference.
   * @defaultValue 8
   */
  readonly envsPerActor?: number;
  /**
   * Unroll length T.
   * @defaultValue 20
   */
  readonly unrollLength?: number;
  /**
   * Network torso (see `TrainConfig.torso`).
   * @defaultValue 'mlp' for vector observations, 'deep' for images
   */
  readonly torso?: BuiltInTorso;
  /**
   * LSTM units; 0 for a feed-forward core.
   * @defaultValue 0 for vector observations, 256 for images
   */
  readonly lstmSize?: number;
  /** Hidden layer sizes of the MLP torso. */
  readonly mlpHiddenSizes?: readonly number[];
}

/** `workerData` of one actor worker. */
export interface ActorWorkerInit {
  readonly config: ActorWorkerConfig;
  /** Index of the worker in its pool; also its actor id. */
  readonly index: number;
  readonly backend: BackendRequest;
  /** Unrolls the worker may run before it needs a credit. */
  readonly credits: number;
  readonly actorState: ActorState | null;
  /** A module URL to import before building the envs (custom env registrations). */
  readonly setupModule: string | null;
  /** tfjs flags mirrored from the main thread (they silence tfjs' console notices). */
  readonly flags: { readonly IS_TEST: boolean; readonly PROD: boolean };
}

/** Messages from the pool to a worker. */
export type ToActorWorker =
  | { readonly type: 'parameters'; readonly version: number; readonly weights: Float32Array }
  | { readonly type: 'credit'; readonly parameters: { readonly version: number; readonly weights: Float32Array } | null }
  | { readonly type: 'get-state'; readonly id: number }
  | { readonly type: 'set-state'; readonly id: number; readonly state: ActorState };

/** Messages from a worker to the pool. */
export type FromActorWorker =
  | { readonly type: 'ready'; readonly backend: string }
  | { readonly type: 'trajectories'; readonly trajectories: Trajectory[]; readonly state: ActorState }
  | { readonly type: 'state'; readonly id: number; readonly state: ActorState }
  | { readonly type: 'ack'; readonly id: number }
  | { readonly type: 'error'; readonly name: string; readonly message: string; readonly stack: string };
