import type * as tf from '@tensorflow/tfjs-core';

/**
 * Gradients keyed by variable name, as returned by `tf.variableGrads`.
 * @category Optimizers
 */
export type NamedGradients = Readonly<Record<string, tf.Tensor>>;

/**
 * An optimizer whose whole state (slot variables and step count) can be checkpointed and restored,
 * with the learning rate given at every step (so a schedule needs no hidden state).
 * @category Optimizers
 */
export interface Optimizer {
  /** `'rmsprop'` or `'adam'`. */
  readonly name: string;
  /**
   * Applies one update to `variables` in place.
   * @param variables - the trainable variables, by name.
   * @param grads - their gradients, by the same names (missing names are skipped).
   * @param learningRate - the learning rate for this step.
   */
  applyGradients(variables: Readonly<Record<string, tf.Variable>>, grads: NamedGradients, learningRate: number): void;
  /** Number of updates applied so far. */
  readonly iterations: number;
  /** The slot values (copies, as `Float32Array`s keyed `<variable>/<slot>`) and the iteration count, for checkpoints. */
  getState(): OptimizerState;
  /** Restores a state from {@link Optimizer.getState}; throws naming the slot on a shape mismatch. */
  setState(state: OptimizerState, variables: Readonly<Record<string, tf.Variable>>): void;
  /** Frees the slot variables. */
  dispose(): void;
}

/**
 * A serialisable optimizer state.
 * @category Optimizers
 */
export interface OptimizerState {
  /** Optimizer name, checked on restore. */
  readonly name: string;
  /** Updates applied so far. */
  readonly iterations: number;
  /** Slot values keyed `<variable name>/<slot name>`, with their shapes. */
  readonly slots: Readonly<Record<string, SlotValue>>;
}

/**
 * One saved slot tensor.
 * @category Optimizers
 */
export interface SlotValue {
  /** The slot's shape (the variable's). */
  readonly shape: readonly number[];
  /** Its values, row-major. */
  readonly values: Float32Array;
}
