/**
 * The unit of experience an actor sends to the learner: one environment's unroll of T steps, stored as
 * T + 1 entries (entry 0 repeats the last entry of the previous unroll, as in the original IMPALA), in
 * flat typed arrays so it can cross a `worker_threads` or network boundary without conversion.
 *
 * Entry t describes observation x_t and what happened when the actor arrived there and acted:
 * - `rewards[t]`: reward of the transition x_{t−1} → x_t (0 at the very first entry);
 * - `dones[t]`: x_t is the first observation of an episode (the recurrent state resets before x_t);
 * - `terminated[t]` / `truncated[t]`: the transition into entry t ended an episode by termination (no
 *   bootstrap) or truncation (bootstrap from the final observation, whose value the actor estimated as
 *   `truncationValues[t]`); x_t is then already the first observation of the next episode;
 * - `lastActions[t]`: the network's last-action input at x_t (0 where `dones[t]`);
 * - `actions[t]`, `behaviourLogits[t]`: the behaviour policy's action at x_t and its logits.
 */

/** Return and length of one finished episode. */
export interface EpisodeStats {
  /** Sum of the environment's (unclipped) rewards. */
  readonly episodeReturn: number;
  /** Number of environment steps (agent steps; multiply by action repeats for frames). */
  readonly episodeLength: number;
  /** Whether it ended by truncation (time limit) rather than termination. */
  readonly truncated: boolean;
  /** Which actor produced it. */
  readonly actorId: number;
  /** Which of that actor's environments. */
  readonly envIndex: number;
  /** Optional task name (multi-task training), from the environment's `spec.id`. */
  readonly task?: string | undefined;
}

/** Recurrent state as plain arrays: `c` and `h` of length `lstmSize` each (one environment). */
export interface ArrayCoreState {
  /** LSTM cell state. */
  readonly c: Float32Array;
  /** LSTM hidden state. */
  readonly h: Float32Array;
}

/** One environment's unroll: T + 1 entries, row-major flat arrays (see the module comment). */
export interface Trajectory {
  /** T, the number of new steps (the arrays hold T + 1 entries). */
  readonly unrollLength: number;
  /** Shape of one observation. */
  readonly observationShape: readonly number[];
  /** `[T+1, ...observationShape]` observations, float32 or uint8 (pixels). */
  readonly observations: Float32Array | Uint8Array;
  /** `[T+1]` rewards of the transitions into each entry (unclipped). */
  readonly rewards: Float32Array;
  /** `[T+1]` 1 where the entry starts an episode. */
  readonly dones: Uint8Array;
  /** `[T+1]` 1 where the transition into the entry terminated an episode. */
  readonly terminated: Uint8Array;
  /** `[T+1]` 1 where the transition into the entry truncated an episode. */
  readonly truncated: Uint8Array;
  /** `[T+1]` the actor's value estimate of the final observation where `truncated`, else 0. */
  readonly truncationValues: Float32Array;
  /** `[T+1, H]` last-action inputs (H action heads). */
  readonly lastActions: Int32Array;
  /** `[T+1, H]` actions taken by the behaviour policy. */
  readonly actions: Int32Array;
  /** `[T+1, ΣA]` behaviour policy logits. */
  readonly behaviourLogits: Float32Array;
  /** Core state before entry 0 (null for a feed-forward network). */
  readonly initialState: ArrayCoreState | null;
  /** Version of the parameters that generated the unroll. */
  readonly policyVersion: number;
  /** Episodes that finished during the unroll. */
  readonly episodes: readonly EpisodeStats[];
  /** Actor id. */
  readonly actorId: number;
}

/** The transferable buffers of a trajectory (for `postMessage(..., transferList)`). */
export function trajectoryBuffers(t: Trajectory): ArrayBuffer[] {
  const arrays = [t.observations, t.rewards, t.dones, t.terminated, t.truncated, t.truncationValues, t.lastActions, t.actions, t.behaviourLogits];
  if (t.initialState) arrays.push(t.initialState.c, t.initialState.h);
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}
