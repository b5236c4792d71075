import * as tf from '@tensorflow/tfjs-core';
import type { NamedGradients, Optimizer, OptimizerState } from './optimizer.js';
import { SlotStore } from './slots.js';
import { OptimizerError } from './errors.js';

/**
 * Options of {@link Adam}.
 * @category Optimizers
 */
export interface AdamOptions {
  /**
   * Decay of the first moment.
   * @defaultValue 0.9
   */
  readonly beta1?: number;
  /**
   * Decay of the second moment.
   * @defaultValue 0.999
   */
  readonly beta2?: number;
  /**
   * ε, added outside the square root (Kingma & Ba).
   * @defaultValue 1e-8
   */
  readonly epsilon?: number;
}

/**
 * Adam (Kingma & Ba 2015) with bias correction:
 * `m ← β1 m + (1−β1) g`, `v ← β2 v + (1−β2) g²`, `θ ← θ − lr · m̂ / (√v̂ + ε)`.
 * @category Optimizers
 */
export class Adam implements Optimizer {
  /** Always `'adam'`. */
  readonly name = 'adam';
  readonly #beta1: number;
  readonly #beta2: number;
  readonly #epsilon: number;
  readonly #slots = new SlotStore({ m: 0, v: 0 });
  #iterations = 0;

  /** @param options - see {@link AdamOptions}. */
  constructor(options: AdamOptions = {}) {
    this.#beta1 = options.beta1 ?? 0.9;
    this.#beta2 = options.beta2 ?? 0.999;
    this.#epsilon = options.epsilon ?? 1e-8;
  }

  /** Updates applied so far. */
  get iterations(): number {
    return this.#iterations;
  }

  /** {@inheritDoc Optimizer.applyGradients} */
  applyGradients(variables: Readonly<Record<string, tf.Variable>>, grads: NamedGradients, learningRate: number): void {
    const t = this.#iterations + 1;
    const stepSize = (learningRate * Math.sqrt(1 - this.#beta2 ** t)) / (1 - this.#beta1 ** t);
    tf.tidy(() => {
      for (const [name, variable] of Object.entries(variables)) {
        const g = grads[name];
        if (g === undefined) continue;
        const m = this.#slots.get(variable, name, 'm');
        const v = this.#slots.get(variable, name, 'v');
        const newM = tf.add(tf.mul(m, this.#beta1), tf.mul(g, 1 - this.#beta1));
        const newV = tf.add(tf.mul(v, this.#beta2), tf.mul(tf.square(g), 1 - this.#beta2));
        m.assign(newM);
        v.assign(newV);
        const epsHat = this.#epsilon * Math.sqrt(1 - this.#beta2 ** t);
        variable.assign(tf.sub(variable, tf.div(tf.mul(newM, stepSize), tf.add(tf.sqrt(newV), epsHat))));
      }
    });
    this.#iterations = t;
  }

  /** {@inheritDoc Optimizer.getState} */
  getState(): OptimizerState {
    return { name: this.name, iterations: this.#iterations, slots: this.#slots.snapshot() };
  }

  /** {@inheritDoc Optimizer.setState} */
  setState(state: OptimizerState, variables: Readonly<Record<string, tf.Variable>>): void {
    if (state.name !== this.name) throw new OptimizerError(`Adam.setState: the state belongs to a '${state.name}' optimizer`);
    this.#slots.restore('Adam.setState', state.slots, variables);
    this.#iterations = state.iterations;
  }

  /** {@inheritDoc Optimizer.dispose} */
  dispose(): void {
    this.#slots.dispose();
  }
}
