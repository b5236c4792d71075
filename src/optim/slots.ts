import * as tf from '@tensorflow/tfjs-core';
import { formatShape } from '../internal/format.js';
import type { OptimizerState } from './optimizer.js';
import { OptimizerError } from './errors.js';

/**
 * Per-variable slot variables (e.g. RMSProp's mean square), created lazily with a constant initial value.
 * @category Optimizers
 */
export class SlotStore {
  readonly #slots = new Map<string, tf.Variable>();

  /**
   * @param slotNames - the slots every variable gets, with their initial value.
   */
  constructor(private readonly slotNames: Readonly<Record<string, number>>) {}

  /** The slot `slot` of `variable`, created on first use. */
  get(variable: tf.Variable, variableName: string, slot: string): tf.Variable {
    const key = `${variableName}/${slot}`;
    let s = this.#slots.get(key);
    if (s === undefined) {
      const init = this.slotNames[slot] ?? 0;
      s = tf.tidy(() => tf.variable(tf.fill(variable.shape, init), false, `impala-rl/optimizer/${key}/${tf.util.now()}`));
      this.#slots.set(key, s);
    }
    return s;
  }

  /** Copies every slot's values. */
  snapshot(): OptimizerState['slots'] {
    const out: Record<string, { shape: readonly number[]; values: Float32Array }> = {};
    for (const [key, v] of this.#slots) out[key] = { shape: [...v.shape], values: Float32Array.from(v.dataSync()) };
    return out;
  }

  /** Restores slots from a snapshot, creating them as needed. */
  restore(fn: string, slots: OptimizerState['slots'], variables: Readonly<Record<string, tf.Variable>>): void {
    for (const [key, { shape, values }] of Object.entries(slots)) {
      const cut = key.lastIndexOf('/');
      const variableName = key.slice(0, cut);
      const variable = variables[variableName];
      if (variable === undefined) throw new OptimizerError(`${fn}: optimizer slot '${key}' names no variable of the network`);
      if (variable.shape.join() !== shape.join() || values.length !== variable.size) {
        throw new OptimizerError(`${fn}: optimizer slot '${key}' has shape ${formatShape(shape)}, variable has ${formatShape(variable.shape)}`);
      }
      const slot = this.get(variable, variableName, key.slice(cut + 1));
      tf.tidy(() => {
        slot.assign(tf.tensor(values, variable.shape, 'float32'));
      });
    }
  }

  /** Disposes every slot. */
  dispose(): void {
    for (const v of this.#slots.values()) v.dispose();
    this.#slots.clear();
  }
}
