import * as tf from '@tensorflow/tfjs-core';
import { fnv1a32 } from './fnv1a.js';
import type { WeightFactory } from './torso.js';
import type { WeightInitializer } from './weight-initializers.js';
import { NetworkError } from './errors.js';

/**
 * Name and shape of one trainable variable, in the network's fixed order.
 * @category Networks
 */
export interface WeightSpec {
  /** Deterministic name, e.g. `torso/section_0/conv/kernel`. */
  readonly name: string;
  /** Variable shape. */
  readonly shape: readonly number[];
  /** Number of elements (product of `shape`). */
  readonly size: number;
}

interface Entry {
  readonly spec: WeightSpec;
  readonly variable: tf.Variable;
}

const NAME_PATTERN = /^[A-Za-z0-9_.\-/]+$/;

/**
 * Owns the variables of one network, in creation order, keyed by deterministic names.
 * The tfjs engine requires globally unique variable names, so each variable is registered under
 * `<prefix>/<name>`, with the prefix made unique per network instance; the public name stays `<name>`.
 * @category Networks
 */
export class ParameterStore {
  readonly #entries: Entry[] = [];
  readonly #byName = new Map<string, Entry>();
  readonly #enginePrefix: string;
  readonly #seed: number;

  constructor(namePrefix: string, seed: number) {
    this.#seed = seed;
    const registered = tf.engine().registeredVariables;
    let prefix = namePrefix;
    for (let k = 1; Object.keys(registered).some((n) => n.startsWith(`${prefix}/`)); k++) prefix = `${namePrefix}_${k}`;
    this.#enginePrefix = prefix;
  }

  /** The engine-level prefix of this store's variables (unique among live networks). */
  get enginePrefix(): string {
    return this.#enginePrefix;
  }

  /**
   * A factory that creates variables under `scope` (e.g. `torso/`).
   *
   * @param scope - Prefix ending in `/`, or `''`.
   */
  scope(scope: string): WeightFactory {
    return { addWeight: (name, shape, initializer) => this.add(`${scope}${name}`, shape, initializer) };
  }

  /** Creates one variable. */
  add(name: string, shape: readonly number[], initializer: WeightInitializer): tf.Variable {
    if (!NAME_PATTERN.test(name)) {
      throw new NetworkError(`ImpalaNetwork: weight name '${name}' may only contain letters, digits, '_', '-', '.' and '/'`);
    }
    if (this.#byName.has(name)) throw new NetworkError(`ImpalaNetwork: weight name '${name}' is used twice`);
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new NetworkError(`ImpalaNetwork: weight '${name}' needs positive integer dimensions, got [${shape.join(', ')}]`);
    }
    const seed = fnv1a32(`${this.#seed}:${name}`);
    const initial = initializer(shape, seed);
    try {
      if (initial.dtype !== 'float32' || !tf.util.arraysEqual(initial.shape, [...shape])) {
        throw new NetworkError(
          `ImpalaNetwork: initialiser of '${name}' returned ${initial.dtype} [${initial.shape.join(', ')}], ` +
            `expected float32 [${shape.join(', ')}]`,
        );
      }
      const variable = tf.variable(initial, true, `${this.#enginePrefix}/${name}`, 'float32');
      const entry: Entry = { spec: { name, shape: [...shape], size: tf.util.sizeFromShape([...shape]) }, variable };
      this.#entries.push(entry);
      this.#byName.set(name, entry);
      return variable;
    } finally {
      initial.dispose();
    }
  }

  /** Specs in creation order. */
  get specs(): readonly WeightSpec[] {
    return this.#entries.map((e) => e.spec);
  }

  /** Variables in creation order. */
  get variables(): readonly tf.Variable[] {
    return this.#entries.map((e) => e.variable);
  }

  /** Variable by public name, or undefined. */
  get(name: string): tf.Variable | undefined {
    return this.#byName.get(name)?.variable;
  }

  /** Disposes every variable. */
  dispose(): void {
    for (const e of this.#entries) e.variable.dispose();
  }
}
