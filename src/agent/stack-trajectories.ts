/**
 * Stacking B trajectories into the learner's time-major batch: {@link stackTrajectories}, a pure function on
 * typed arrays (no tensors), so it can be tested, reused by other learners and run off the critical path.
 */
import { clipReward, type RewardClipping } from '../losses/reward-clipping.js';
import { AgentError } from './errors.js';
import { validateTrajectory, type Trajectory, type TrajectorySpec } from './trajectory.js';

/**
 * How rewards and discounts are formed (the learner's settings).
 * @category Agent
 */
export interface StackOptions {
  /** γ. */
  readonly discount: number;
  /** Reward clipping applied to the scaled rewards. */
  readonly rewardClipping: RewardClipping;
  /** Factor applied to rewards before clipping. */
  readonly rewardScale: number;
}

/**
 * B trajectories of T steps as time-major flat arrays (row `t·B + b`).
 * @category Agent
 */
export interface StackedTrajectories {
  /** T. */
  readonly T: number;
  /** B. */
  readonly B: number;
  /**
   * `[T+1, B, ...observationShape]`; int32 for uint8 pixels (uint8 when the caller's buffer is a
   * `Uint8Array`), float32 otherwise.
   */
  readonly observation: Int32Array | Float32Array | Uint8Array;
  /** `[T+1, B, H]` last-action inputs. */
  readonly lastAction: Int32Array;
  /** `[T+1, B]` last-reward inputs (0 where an episode starts). */
  readonly lastReward: Float32Array;
  /** `[T+1, B]` 1 where an entry starts an episode. */
  readonly dones: Uint8Array;
  /** `[T, B, H]` actions taken. */
  readonly actions: Int32Array;
  /** `[T, B, ΣA]` behaviour logits. */
  readonly behaviourLogits: Float32Array;
  /**
   * `[T, B]` V-trace rewards of the transitions t → t+1: `clip(scale·r)`, plus `γ·V(x_final)` where the
   * transition was truncated.
   */
  readonly rewards: Float32Array;
  /** `[T, B]` γ, or 0 where the transition ended an episode. */
  readonly discounts: Float32Array;
  /** `[B, units]` initial core states (null for a feed-forward model). */
  readonly initialState: {
    /** `[B, units]` LSTM cell states. */
    readonly c: Float32Array;
    /** `[B, units]` LSTM hidden states. */
    readonly h: Float32Array;
  } | null;
}

/**
 * Stacks B trajectories (all with the same T) into time-major arrays for the learner, after validating each
 * (`validateTrajectory`). Entry t of a trajectory is row `t·B + b`; the V-trace inputs describe the transition
 * t → t+1 (its reward and whether an episode ended there), so they have T rows.
 *
 * @param batch - B ≥ 1 trajectories.
 * @param spec - the model's shapes.
 * @param options - discount, reward clipping and scale.
 * @param observationBuffer - a buffer of `(T+1)·B·observationSize` values to stack observations into (int32
 *   or uint8 for uint8 observations), reused across calls by the learner; a new one (int32 for uint8
 *   observations) is made when omitted.
 * @param where - the caller, for error messages.
 * @returns the stacked arrays.
 * @throws {@link AgentError} for an empty batch or mixed T; `TrajectoryError` for an invalid trajectory.
 * @category Agent
 */
export function stackTrajectories(
  batch: readonly Trajectory[],
  spec: Omit<TrajectorySpec, 'unrollLength'>,
  options: StackOptions,
  observationBuffer?: Int32Array | Float32Array | Uint8Array,
  where = 'stackTrajectories',
): StackedTrajectories {
  if (batch.length === 0) throw new AgentError(`${where}: the batch is empty`);
  const first = batch[0]!;
  const T = first.unrollLength;
  batch.forEach((t, b) => {
    if (t.unrollLength !== T) throw new AgentError(`${where}: trajectory ${b} has T = ${t.unrollLength}, trajectory 0 has T = ${T}`);
  });
  for (const t of batch) validateTrajectory(t, { ...spec, unrollLength: T }, where);
  const T1 = T + 1;
  const B = batch.length;
  const H = spec.actionSizes.length;
  const A = spec.actionSizes.reduce((a, b) => a + b, 0);
  const obsSize = spec.observationShape.reduce((a, b) => a * b, 1);
  const pixels = first.observations instanceof Uint8Array;
  if (batch.some((t) => t.observations instanceof Uint8Array !== pixels)) throw new AgentError(`${where}: the batch mixes uint8 and float32 observations`);
  const size = T1 * B * obsSize;
  const observation =
    observationBuffer?.length === size && observationBuffer instanceof Float32Array !== pixels
      ? observationBuffer
      : pixels ? new Int32Array(size) : new Float32Array(size);
  const lastAction = new Int32Array(T1 * B * H);
  const lastReward = new Float32Array(T1 * B);
  const dones = new Uint8Array(T1 * B);
  const actions = new Int32Array(T * B * H);
  const behaviourLogits = new Float32Array(T * B * A);
  const rewards = new Float32Array(T * B);
  const discounts = new Float32Array(T * B);
  const { discount, rewardClipping, rewardScale } = options;
  batch.forEach((traj, b) => {
    for (let t = 0; t < T1; t++) {
      const row = t * B + b;
      observation.set(traj.observations.subarray(t * obsSize, (t + 1) * obsSize), row * obsSize);
      lastAction.set(traj.lastActions.subarray(t * H, (t + 1) * H), row * H);
      dones[row] = traj.dones[t]!;
      lastReward[row] = traj.dones[t] ? 0 : traj.rewards[t]!;
      if (t < T) {
        actions.set(traj.actions.subarray(t * H, (t + 1) * H), row * H);
        behaviourLogits.set(traj.behaviourLogits.subarray(t * A, (t + 1) * A), row * A);
        // Transition t → t+1: its reward and whether an episode ended there.
        const next = t + 1;
        const ended = traj.dones[next] === 1;
        const bootstrap = traj.truncated[next] ? discount * traj.truncationValues[next]! : 0;
        rewards[row] = clipReward(rewardScale * traj.rewards[next]!, rewardClipping) + bootstrap;
        discounts[row] = ended ? 0 : discount;
      }
    }
  });
  const u = spec.lstmSize;
  let initialState: { c: Float32Array; h: Float32Array } | null = null;
  if (u > 0) {
    const c = new Float32Array(B * u);
    const h = new Float32Array(B * u);
    batch.forEach((t, b) => {
      c.set(t.initialState!.c, b * u);
      h.set(t.initialState!.h, b * u);
    });
    initialState = { c, h };
  }
  return { T, B, observation, lastAction, lastReward, dones, actions, behaviourLogits, rewards, discounts, initialState };
}
