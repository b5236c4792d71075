import * as tf from '@tensorflow/tfjs-core';
import type { NamedGradients, Optimizer, OptimizerState } from './optimizer.js';
import { SlotStore } from './slots.js';
import { OptimizerError } from './errors.js';

/**
 * Options of {@link RMSProp}.
 * @category Optimizers
 */
export interface RMSPropOptions {
  /**
   * Decay of the running mean of squared gradients.
   * @defaultValue 0.99 (IMPALA)
   */
  readonly decay?: number;
  /**
   * Momentum.
   * @defaultValue 0 (IMPALA)
   */
  readonly momentum?: number;
  /**
   * ε, added to the mean square *inside* the square root (TensorFlow's semantics; PyTorch adds it outside).
   * @defaultValue 0.1 (IMPALA's DMLab setting; the paper uses 0.01 for Atari)
   */
  readonly epsilon?: number;
  /**
   * Initial value of the mean-square slots. TensorFlow 1's `RMSPropOptimizer`, which the original IMPALA
   * used, starts them at 1 (Keras, PyTorch and tfjs start at 0, which makes the first updates much larger).
   * @defaultValue 1
   */
  readonly initialMeanSquare?: number;
}

/**
 * RMSProp with TensorFlow 1's semantics, as used by the original IMPALA:
 * `ms ← decay·ms + (1 − decay)·g²`, `mom ← momentum·mom + lr·g / √(ms + ε)`, `θ ← θ − mom`.
 * The learning rate is passed at every step, so a schedule is a plain function of the frame count.
 * @category Optimizers
 */
export class RMSProp implements Optimizer {
  /** Always `'rmsprop'`. */
  readonly name = 'rmsprop';
  readonly #decay: number;
  readonly #momentum: number;
  readonly #epsilon: number;
  readonly #slots: SlotStore;
  #iterations = 0;

  /** @param options - see {@link RMSPropOptions}. */
  constructor(options: RMSPropOptions = {}) {
    this.#decay = options.decay ?? 0.99;
    this.#momentum = options.momentum ?? 0;
    this.#epsilon = options.epsilon ?? 0.1;
    for (const [k, v] of Object.entries({ decay: this.#decay, momentum: this.#momentum, epsilon: this.#epsilon })) {
      if (!(v >= 0) || (k === 'decay' && v >= 1)) throw new OptimizerError(`RMSProp: '${k}' must be ${k === 'decay' ? 'in [0, 1)' : '>= 0'}, got ${v}`);
    }
    this.#slots = new SlotStore({ ms: options.initialMeanSquare ?? 1, mom: 0 });
  }

  /** Updates applied so far. */
  get iterations(): number {
    return this.#iterations;
  }

  /** {@inheritDoc Optimizer.applyGradients} */
  applyGradients(variables: Readonly<Record<string, tf.Variable>>, grads: NamedGradients, learningRate: number | tf.Scalar): void {
    tf.tidy(() => {
      for (const [name, variable] of Object.entries(variables)) {
        const g = grads[name];
        if (g === undefined) continue;
        const ms = this.#slots.get(variable, name, 'ms');
        const newMs = tf.add(tf.mul(ms, this.#decay), tf.mul(tf.square(g), 1 - this.#decay));
        ms.assign(newMs);
        let update = tf.div(tf.mul(g, learningRate), tf.sqrt(tf.add(newMs, this.#epsilon)));
        if (this.#momentum > 0) {
          const mom = this.#slots.get(variable, name, 'mom');
          update = tf.add(tf.mul(mom, this.#momentum), update);
          mom.assign(update);
        }
        variable.assign(tf.sub(variable, update));
      }
    });
    this.#iterations++;
  }

  /**
   * Creates the slots of `variables` that do not exist yet (they are otherwise made by the first
   * update), so that a compiled update can take them as inputs from the start.
   * @param variables - the trainable variables, by name.
   */
  ensureSlots(variables: Readonly<Record<string, tf.Variable>>): void {
    for (const [name, variable] of Object.entries(variables)) {
      this.#slots.get(variable, name, 'ms');
      if (this.#momentum > 0) this.#slots.get(variable, name, 'mom');
    }
  }

  /**
   * Counts updates that a compiled learner graph applied with this optimizer's rule (it assigns the
   * slots itself), so that `iterations` and checkpoints match eager training.
   * @param n - updates applied.
   */
  countCompiledUpdates(n: number): void {
    this.#iterations += n;
  }

  /** {@inheritDoc Optimizer.getState} */
  getState(): OptimizerState {
    return { name: this.name, iterations: this.#iterations, slots: this.#slots.snapshot() };
  }

  /** {@inheritDoc Optimizer.setState} */
  setState(state: OptimizerState, variables: Readonly<Record<string, tf.Variable>>): void {
    if (state.name !== this.name) throw new OptimizerError(`RMSProp.setState: the state belongs to a '${state.name}' optimizer`);
    this.#slots.restore('RMSProp.setState', state.slots, variables);
    this.#iterations = state.iterations;
  }

  /** {@inheritDoc Optimizer.dispose} */
  dispose(): void {
    this.#slots.dispose();
  }
}
