/**
 * IMPALA's loss terms and reward clipping: pure functions over tensors and numbers.
 *
 * @module
 */
export { baselineLoss, policyEntropy, policyGradientLoss } from './impala-loss.js';
export { clipReward, clipRewards, REWARD_CLIPPING_MODES, type RewardClipping } from './reward-clipping.js';
export { LossArgumentError } from './errors.js';
