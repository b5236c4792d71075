import type * as tf from '@tensorflow/tfjs-core';

import type { LstmState } from '../networks/lstm.js';

/**
 * The small interfaces where the agent's parts meet (after acme's `core.py`): the model the actor and the
 * learner share ({@link AgentModel}), the parameters that travel from the learner to the actors
 * ({@link ParameterSnapshot}, {@link ParameterSource}). The actor fleet (`actor-fleet.ts`) is the third seam:
 * where actors run. In one process:
 *
 * ```text
 * actors:  loop { snapshot = source.latest(); if newer: model.setWeights(snapshot.weights);
 *                 trajectories = actor.unroll() }          // T steps of every env, batched inference
 *          (an ActorFleet runs them and hands their trajectories out as an async iterable)
 * learner: loop { batch = B trajectories from the fleet (through a BatchingQueue);
 *                 metrics = learner.step(batch);           // V-trace loss, one optimizer update
 *                 fleet.publish(learner.latest()) }        // version, flat weights, fingerprint
 * ```
 * The same classes run across worker threads or machines: only the fleet changes.
 */

/**
 * LSTM state of B environments as tensors (`c` and `h`, each `[B, units]`).
 * @category Agent
 */
export type LstmTensorState = LstmState;

/**
 * Recurrent core state, or null for a feed-forward model.
 * @category Agent
 */
export type ModelState = LstmTensorState | null;

/**
 * What a model returns for one acting step.
 * @category Agent
 */
export interface ModelStepOutputs {
  /** `[B, ΣA]` policy logits (heads concatenated). */
  readonly policyLogits: tf.Tensor2D;
  /** `[B]` value estimates. */
  readonly baseline: tf.Tensor1D;
  /** The state after the step. */
  readonly state: ModelState;
}

/**
 * What a model is given for a whole unroll (time-major).
 * @category Agent
 */
export interface ModelUnrollInputs {
  /** `[T, B, ...observationShape]`. */
  readonly observation: tf.Tensor;
  /** `[T, B]` int32 (`[T, B, H]` for H heads). */
  readonly lastAction: tf.Tensor;
  /** `[T, B]` float32. */
  readonly lastReward: tf.Tensor;
}

/**
 * What a model returns for a whole unroll.
 * @category Agent
 */
export interface ModelUnrollOutputs {
  /** `[T, B, ΣA]` policy logits. */
  readonly policyLogits: tf.Tensor3D;
  /** `[T, B]` value estimates. */
  readonly baseline: tf.Tensor2D;
  /** The state after the last step. */
  readonly finalState: ModelState;
}

/**
 * Name and shape of one trainable variable.
 * @category Agent
 */
export interface ModelWeightSpec {
  /** Stable public name, e.g. `'torso/conv_0/kernel'`. */
  readonly name: string;
  /** Shape. */
  readonly shape: readonly number[];
}

/**
 * What a model is given at one acting step, for B environments.
 * @category Agent
 */
export interface ModelStepInputs {
  /** `[B, ...observationShape]`. */
  readonly observation: tf.Tensor;
  /** `[B]` int32 (`[B, H]` for H action heads). */
  readonly lastAction: tf.Tensor;
  /** `[B]` float32. */
  readonly lastReward: tf.Tensor;
  /** `[B]` bool: the observation starts an episode (reset the state first). */
  readonly done?: tf.Tensor;
}

/**
 * The network as the actor and the learner use it; `ImpalaNetwork` implements it.
 * @category Agent
 */
export interface AgentModel {
  /** Shape of one observation. */
  readonly observationShape: readonly number[];
  /** Number of actions of each head. */
  readonly actionSizes: readonly number[];
  /** Units of the recurrent core (0 when feed-forward). */
  readonly lstmSize: number;
  /** Zero state for B environments. */
  initialState(batchSize: number): ModelState;
  /** One acting step. */
  step(inputs: ModelStepInputs, state: ModelState): ModelStepOutputs;
  /** A whole `[T, B]` unroll with per-step resets at `dones`. */
  unroll(inputs: ModelUnrollInputs, dones: tf.Tensor, initialState: ModelState): ModelUnrollOutputs;
  /** Splits concatenated multi-head logits `[..., ΣA]` into one tensor per head. */
  splitPolicyLogits(logits: tf.Tensor): tf.Tensor[];
  /** The trainable variables, in the order of `weightSpecs`. */
  readonly trainableVariables: tf.Variable[];
  /** Public, stable names and shapes of the variables. */
  readonly weightSpecs: readonly ModelWeightSpec[];
  /** All weights as one flat Float32Array (for shipping to actors). */
  getFlatWeights(): Float32Array;
  /** Loads weights from {@link AgentModel.getFlatWeights}'s format. */
  setWeights(weights: Float32Array): void;
}

/**
 * A versioned snapshot of the learner's parameters: the one type for weights on their way to actors, in this
 * thread, to worker threads or over a network.
 * @category Agent
 */
export interface ParameterSnapshot {
  /** Increases by one with every learner update (0 = initial weights). */
  readonly version: number;
  /** Flat weights (see {@link AgentModel.getFlatWeights}). */
  readonly weights: Float32Array;
  /**
   * The model's fingerprint (`modelFingerprint`: weight names and shapes); a receiver checks it against its own
   * model before loading the weights. Optional for snapshots made by hand.
   */
  readonly fingerprint?: string;
}

/**
 * Where actors get parameters from.
 * @category Agent
 */
export interface ParameterSource {
  /** The newest snapshot (may be the same object as last time). */
  latest(): ParameterSnapshot | Promise<ParameterSnapshot>;
}
