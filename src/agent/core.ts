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

/** Recurrent core state as tensors (`c`, `h` each `[B, units]`), or null for a feed-forward model. */
export type ModelState = { readonly c: tf.Tensor2D; readonly h: tf.Tensor2D } | null;

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
  step(inputs: ModelStepInputs, state: ModelState): { policyLogits: tf.Tensor2D; baseline: tf.Tensor1D; state: ModelState };
  /** A whole `[T, B]` unroll with per-step resets at `dones`. */
  unroll(
    inputs: { readonly observation: tf.Tensor; readonly lastAction: tf.Tensor; readonly lastReward: tf.Tensor },
    dones: tf.Tensor,
    initialState: ModelState,
  ): { policyLogits: tf.Tensor3D; baseline: tf.Tensor2D; finalState: ModelState };
  /** Splits concatenated multi-head logits `[..., ΣA]` into one tensor per head. */
  splitPolicyLogits(logits: tf.Tensor): tf.Tensor[];
  /** The trainable variables, in the order of `weightSpecs`. */
  readonly trainableVariables: tf.Variable[];
  /** Public, stable names and shapes of the variables. */
  readonly weightSpecs: readonly { readonly name: string; readonly shape: readonly number[] }[];
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
