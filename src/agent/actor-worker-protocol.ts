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

/**
 * What a worker builds: its environments and its network copy (the actor fields of `TrainConfig`).
 * @category Agent
 */
export type ActorWorkerConfig = ActorConfig;

/**
 * `workerData` of one actor worker (the `init` of `runActorEndpoint`).
 * @category Agent
 */
export interface ActorWorkerInit {
  /** What to build, with every default filled in (`resolveActorConfig`): the worker applies no defaults. */
  readonly config: ResolvedActorConfig;
  /** Index of the worker in its pool; also its actor id. */
  readonly index: number;
  /** The tfjs backend the worker selects with `useBackend`. */
  readonly backend: BackendRequest;
  /** Unrolls the worker may run before it needs a credit. */
  readonly credits: number;
  /** The actor state to restore (from a checkpoint), or null. */
  readonly actorState: ActorState | null;
  /** A module URL to import before building the envs (custom env registrations). */
  readonly setupModule: string | null;
  /** The learner model's fingerprint, checked against the worker's network at start-up (null: not checked). */
  readonly fingerprint: string | null;
  /** tfjs flags mirrored from the main thread (they silence tfjs' console notices). */
  readonly flags: {
    /** tfjs's `IS_TEST` flag. */
    readonly IS_TEST: boolean;
    /** tfjs's `PROD` flag. */
    readonly PROD: boolean;
  };
}

/**
 * Messages from the fleet to an actor.
 * @category Agent
 */
export type ToActorWorker =
  | {
      /** New parameters, its weights' buffer transferred. */
      readonly type: 'parameters';
      /** The snapshot (version, weights, fingerprint). */
      readonly snapshot: ParameterSnapshot;
    }
  | {
      /** One more unroll may run. */
      readonly type: 'credit';
      /** Newer parameters riding along, or null. */
      readonly parameters: ParameterSnapshot | null;
    }
  | {
      /** Asks for the actor's state (answered with `state`). */
      readonly type: 'get-state';
      /** Request id, echoed in the answer. */
      readonly id: number;
    }
  | {
      /** Sets the actor's state (answered with `ack`). */
      readonly type: 'set-state';
      /** Request id, echoed in the answer. */
      readonly id: number;
      /** The state to apply before the next unroll. */
      readonly state: ActorState;
    };

/**
 * Messages from an actor to its fleet.
 * @category Agent
 */
export type FromActorWorker =
  | {
      /** The actor is built and waits for parameters. */
      readonly type: 'ready';
      /** The tfjs backend it computes with. */
      readonly backend: string;
    }
  | {
      /** One unroll, every array buffer transferred. */
      readonly type: 'trajectories';
      /** One trajectory per environment. */
      readonly trajectories: Trajectory[];
      /** The actor's state after the unroll. */
      readonly state: ActorState;
    }
  | {
      /** The answer to `get-state`. */
      readonly type: 'state';
      /** The request id. */
      readonly id: number;
      /** The actor's state. */
      readonly state: ActorState;
    }
  | {
      /** The answer to `set-state`. */
      readonly type: 'ack';
      /** The request id. */
      readonly id: number;
    }
  | {
      /** The actor failed; the fleet stops. */
      readonly type: 'error';
      /** The error's name. */
      readonly name: string;
      /** The error's message. */
      readonly message: string;
      /** The error's stack, in the actor's thread or process. */
      readonly stack: string;
    };
