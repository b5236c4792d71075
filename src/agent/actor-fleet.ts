/**
 * The learner's side of "where actors run": {@link ActorFleet}. `train` takes its trajectories and publishes
 * parameters to it, and never learns whether the actors run in this thread ({@link InlineActorFleet}), in
 * worker threads ({@link WorkerActorFleet}), in other processes or on other machines.
 */
import type { ActorState } from './actor.js';
import type { AgentModel, ParameterSnapshot } from './core.js';
import type { ResolvedTrainConfig } from './train-config.js';
import type { Trajectory } from './trajectory.js';

/**
 * A group of actors as the learner sees it. Iterating yields the actors' unrolls as they arrive (each item is one
 * unroll of one actor: one trajectory per environment of that actor); {@link ActorFleet.publish} makes new
 * parameters available to them. A fleet owns its actors: {@link ActorFleet.close} stops them.
 *
 * Errors: when an actor fails, iteration rejects with an error that names the actor (a fleet may instead
 * replace the actor and go on). The learner validates every trajectory it takes (`validateTrajectory`), so a
 * fleet need not.
 *
 * @example A fleet of one in-process actor, written by hand:
 * ```ts
 * const fleet: ActorFleet = {
 *   size: 1,
 *   publish: (snapshot) => { latest = snapshot; },
 *   actorStates: async () => [actor.getState()],
 *   close: async () => { closed = true; },
 *   async *[Symbol.asyncIterator]() { while (!closed) yield await actor.unroll(); },
 * };
 * await train({ env: 'CartPole-v1', totalFrames: 10_000 }, { fleet: () => fleet });
 * ```
 * @category Agent
 */
export interface ActorFleet extends AsyncIterable<readonly Trajectory[]> {
  /** Number of actors (the checkpoint keeps one state per actor). */
  readonly size: number;
  /**
   * Makes parameters available to the actors, which pick them up between unrolls. Snapshots not newer than what
   * an actor has are skipped. Must not block; called after every learner update.
   *
   * @param snapshot - the learner's `latest()`: version, flat weights, model fingerprint. Its array is not
   *   modified; keep it unchanged until the next publish.
   */
  publish(snapshot: ParameterSnapshot): void;
  /**
   * The actors' states for a checkpoint (entry i for actor i), within `timeoutMs`: an actor that does not answer
   * in time is represented by the last state it reported. Never waits longer than `timeoutMs`.
   *
   * @param timeoutMs - the longest wait.
   * @returns one state per actor, or null when this fleet keeps no actor state (a resumed run then starts its
   *   actors afresh).
   */
  actorStates(timeoutMs: number): Promise<readonly ActorState[] | null>;
  /** Stops the actors and ends iteration; safe to call more than once. Must not wait on a hung actor. */
  close(): Promise<void>;
  /**
   * The run needs no more experience: tell the actors now (remote actors get the time of the final checkpoint to
   * hear it before `close`). Called by `train` as soon as its loop ends; `close` follows. Optional.
   */
  finish?(): void;
  /** Actors restarted so far because they hung (a fleet that never restarts actors may leave it out). */
  readonly restarts?: number;
  /**
   * Statistics of a fleet whose actors come and go (remote actors), for the metrics and the progress line;
   * called after every update. A fleet of fixed actors may leave it out.
   */
  stats?(): ActorFleetStats;
}

/**
 * What {@link ActorFleet.stats} reports.
 * @category Agent
 */
export interface ActorFleetStats {
  /** Actors connected now. */
  readonly connectedActors: number;
  /** Messages refused so far (malformed, unauthenticated, from unknown sessions). */
  readonly rejectedMessages: number;
  /** One entry per connected actor. */
  readonly actors: readonly {
    /** The actor's id. */
    readonly actorId: number;
    /** Frames per second it delivered over the last 10 s. */
    readonly framesPerSecond: number;
    /** Unrolls the learner took from it. */
    readonly unrolls: number;
    /** Its host name as it reported it. */
    readonly host: string;
  }[];
}

/**
 * What `train` gives an {@link ActorFleetFactory}.
 * @category Agent
 */
export interface ActorFleetContext {
  /** The run's configuration, defaults filled in. */
  readonly config: ResolvedTrainConfig;
  /** The parameters to start from (the learner's `latest()`). */
  readonly parameters: ParameterSnapshot;
  /** Actor states from the checkpoint a run resumes from (entry i for actor i), if any. */
  readonly actorStates?: readonly ActorState[];
  /** The learner's model (read its shapes and fingerprint; do not act with it: build a copy per actor). */
  readonly model: AgentModel;
  /** Where to report an actor found hung (dropped or restarted), in one line. */
  readonly onWarning?: (message: string) => void;
}

/**
 * Builds the fleet `train` runs with (the `fleet` hook of `TrainHooks`).
 * @category Agent
 */
export type ActorFleetFactory = (context: ActorFleetContext) => ActorFleet | Promise<ActorFleet>;
