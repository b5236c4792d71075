/**
 * {@link createLearner}: the learner a training configuration describes.
 */
import type { AgentModel } from './core.js';
import { Learner } from './learner.js';
import type { ResolvedTrainConfig } from './train-config.js';

/**
 * The {@link Learner} of a training configuration: its loss, optimizer and schedule fields, defaults filled in by
 * `resolveTrainConfig` (`train` and the browser's `PageTrainer` build their learner with it).
 *
 * @param config - a resolved configuration.
 * @param model - the network to train.
 * @returns the learner (the caller disposes it).
 *
 * @example
 * ```ts
 * const config = resolveTrainConfig({ ...presetFor('CartPole-v1'), env: 'CartPole-v1' });
 * const learner = createLearner(config, buildNetwork(config, makeEnv('CartPole-v1'), config.seed));
 * ```
 * @category Agent
 */
export function createLearner(config: ResolvedTrainConfig, model: AgentModel): Learner {
  return new Learner({
    model,
    discount: config.discount,
    baselineCost: config.baselineCost,
    entropyCost: config.entropyCost,
    rewardClipping: config.rewardClipping,
    rewardScale: config.rewardScale,
    learningRate: config.learningRate,
    totalFrames: config.totalFrames,
    actionRepeats: config.actionRepeats,
    maxGradNorm: config.maxGradNorm,
    optimizer: config.optimizer,
    rmsprop: { epsilon: config.rmspropEpsilon, decay: config.rmspropDecay },
    compile: config.compile,
  });
}
