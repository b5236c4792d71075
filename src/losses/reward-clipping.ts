/**
 * Reward clipping modes of the original IMPALA (`experiment.py`, flag `reward_clipping`):
 * - `'abs_one'`: clip to [−1, 1] (the default there and for single tasks in the paper);
 * - `'soft_asymmetric'`: `s = tanh(r / 5)`, then `5 · (r < 0 ? 0.3 · s : s)`: negative rewards are
 *   squashed harder than positive ones (used for DMLab-30). Note the paper's Figure D.1 writes
 *   `0.3·min(tanh r, 0) + 5·max(tanh r, 0)`; the released code divides by 5 inside tanh, so the negative
 *   branch is 1.5·tanh(r/5). We follow the code, which produced the published results;
 * - `'none'`: unchanged.
 * @category Losses
 */
export type RewardClipping = 'abs_one' | 'soft_asymmetric' | 'none';

/**
 * The names accepted for {@link RewardClipping}, for argument parsing.
 * @category Losses
 */
export const REWARD_CLIPPING_MODES: readonly RewardClipping[] = ['abs_one', 'soft_asymmetric', 'none'];

/**
 * Clips one reward.
 *
 * @param reward - the environment's reward.
 * @param mode - the clipping mode.
 * @returns the clipped reward.
 * @category Losses
 */
export function clipReward(reward: number, mode: RewardClipping): number {
  switch (mode) {
    case 'abs_one':
      return reward < -1 ? -1 : reward > 1 ? 1 : reward;
    case 'soft_asymmetric': {
      const squeezed = Math.tanh(reward / 5);
      return 5 * (reward < 0 ? 0.3 * squeezed : squeezed);
    }
    case 'none':
      return reward;
  }
}

/**
 * Clips every reward of a flat array into a new `Float32Array`.
 *
 * @param rewards - rewards, any layout (e.g. `[T, B]` row-major).
 * @param mode - the clipping mode.
 * @returns the clipped rewards, same layout.
 * @category Losses
 */
export function clipRewards(rewards: ArrayLike<number>, mode: RewardClipping): Float32Array {
  const out = new Float32Array(rewards.length);
  for (let i = 0; i < rewards.length; i++) out[i] = clipReward(rewards[i]!, mode);
  return out;
}
