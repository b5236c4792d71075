import type * as tf from '@tensorflow/tfjs-core';

/**
 * The agent interfaces that decouple actors and learners from the network and the transport
 * (after acme's `core.py` and haiku's IMPALA example). The loops, in one process:
 *
 * ```text
 * actor:   loop { params = source.latest(); if newer: model.setWeights(params);
 *                 trajectories = actor.unroll();           // T steps of every env, batched inference
 *                 for t of trajectories: await sink.put(t) }
 * learner: loop { batch = await queue.get();               // B trajectories
 *                 metrics = learner.step(batch);           // V-trace loss, one optimizer update
 *                 publish(learner.parameters()) }          // version + flat weights
 * ```
 * The same classes run across worker threads or machines by moving `put` and `latest` over a channel.
 */

/** LSTM state of B environments as tensors. */
export interface LstmTensorState {
  /** Cell state, `[B, units]`. */
  readonly c: tf.Tensor2D;
  /** Hidden state, `[B, units]`. */
  readonly h: tf.Tensor2D;
}

/** Recurrent core state, or null for a feed-forward model. */
export type ModelState = LstmTensorState | null;

/** What a model returns for one acting step. */
export interface ModelStepOutputs {
  /** `[B, ΣA]` policy logits (heads concatenated). */
  readonly policyLogits: tf.Tensor2D;
  /** `[B]` value estimates. */
  readonly baseline: tf.Tensor1D;
  /** The state after the step. */
  readonly state: ModelState;
}

/** What a model is given for a whole unroll (time-major). */
export interface ModelUnrollInputs {
  /** `[T, B, ...observationShape]`. */
  readonly observation: tf.Tensor;
  /** `[T, B]` int32 (`[T, B, H]` for H heads). */
  readonly lastAction: tf.Tensor;
  /** `[T, B]` float32. */
  readonly lastReward: tf.Tensor;
}

/** What a model returns for a whole unroll. */
export interface ModelUnrollOutputs {
  /** `[T, B, ΣA]` policy logits. */
  readonly policyLogits: tf.Tensor3D;
  /** `[T, B]` value estimates. */
  readonly baseline: tf.Tensor2D;
  /** The state after the last step. */
  readonly finalState: ModelState;
}

/** Name and shape of one trainable variable. */
export interface ModelWeightSpec {
  /** Stable public name, e.g. `'torso/conv_0/kernel'`. */
  readonly name: string;
  /** Shape. */
  readonly shape: readonly number[];
}

/** What a model is given at one acting step, for B environments. */
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

/** The network as the actor and the learner use it; `ImpalaNetwork` implements it. */
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

/** A versioned snapshot of the learner's parameters. */
export interface ParameterSnapshot {
  /** Increases by one with every learner update (0 = initial weights). */
  readonly version: number;
  /** Flat weights (see {@link AgentModel.getFlatWeights}). */
  readonly weights: Float32Array;
}

/** Where actors get parameters from. */
export interface ParameterSource {
  /** The newest snapshot (may be the same object as last time). */
  latest(): ParameterSnapshot | Promise<ParameterSnapshot>;
}
