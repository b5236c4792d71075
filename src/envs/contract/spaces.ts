/**
 * Spaces: the sets that observations and actions belong to (Gymnasium's `Discrete`, `MultiDiscrete` and `Box`).
 *
 * Values are plain JavaScript: a `Discrete` element is a number, a `MultiDiscrete` element an `Int32Array`, a `Box`
 * element a flat typed array in row-major order whose class matches the box's `dtype` (a `float32` box holds
 * `Float32Array`s, a `uint8` box `Uint8Array`s). Code that needs to know which kind of space it has should test
 * `space.kind`, which (unlike `instanceof`) also works across two copies of this package.
 */
import type { Rng } from './rng.js';
import { EnvError } from '../errors.js';

/**
 * The kinds of space.
 * @category Environments
 */
export type SpaceKind = 'discrete' | 'multi-discrete' | 'box';

/**
 * Element types of a `Box`.
 * @category Environments
 */
export type BoxDtype = 'float32' | 'float64' | 'int32' | 'uint8';

/**
 * The typed array that holds the elements of a `Box` of the given dtype.
 * @category Environments
 */
export interface BoxArrayTypes {
  /** 32-bit floats. */
  float32: Float32Array;
  /** 64-bit floats. */
  float64: Float64Array;
  /** 32-bit signed integers. */
  int32: Int32Array;
  /** 8-bit unsigned integers (images). */
  uint8: Uint8Array;
}

/**
 * The value type of a `Box<D>`: `Float32Array` for `'float32'`, and so on.
 * @category Environments
 */
export type BoxValue<D extends BoxDtype> = BoxArrayTypes[D];

/**
 * Any typed array a `Box` can hold.
 * @category Environments
 */
export type BoxArray = BoxArrayTypes[BoxDtype];

/**
 * A set of values of type `T`.
 *
 * @typeParam T - the type of the elements.
 * @category Environments
 */
export interface Space<T> {
  /** Which kind of space this is; test it to narrow to {@link Discrete}, {@link MultiDiscrete} or {@link Box}. */
  readonly kind: SpaceKind;
  /** The shape of one element: `[]` for `Discrete`, `[nvec.length]` for `MultiDiscrete`, the box's shape. */
  readonly shape: readonly number[];
  /** The element type: `'int32'` for the discrete spaces, the box's dtype for a `Box`. */
  readonly dtype: BoxDtype;
  /**
   * Tests membership.
   *
   * @param value - any value.
   * @returns true when `value` is an element of this space (right type, dtype, length and bounds).
   */
  contains(value: unknown): value is T;
  /**
   * Says why `value` is not an element, in plain words.
   *
   * @param value - any value.
   * @returns `undefined` when `value` is an element; otherwise the reason.
   */
  explain(value: unknown): string | undefined;
  /**
   * Draws an element.
   *
   * @param rng - the generator to draw from.
   * @returns a new element of the space.
   */
  sample(rng: Rng): T;
  /**
   * A short description, e.g. `Discrete(2)` or `Box(float32, [4], low=[-4.8, …])`.
   *
   * @returns the description.
   */
  toString(): string;
}

/**
 * Any of the three built-in spaces.
 * @category Environments
 */
export type AnySpace = Discrete | MultiDiscrete | Box<BoxDtype>;

const ARRAY_CLASSES = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint8: Uint8Array,
} as const;

const DTYPE_RANGE: Record<BoxDtype, readonly [number, number]> = {
  float32: [-Infinity, Infinity],
  float64: [-Infinity, Infinity],
  int32: [-2147483648, 2147483647],
  uint8: [0, 255],
};

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an Array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) {
    return `a ${value.constructor.name}${'length' in value ? ` of length ${String(value.length)}` : ''}`;
  }
  if (typeof value === 'object') {
    const ctor = (value as { constructor?: { name?: unknown } }).constructor;
    return typeof ctor?.name === 'string' && ctor.name !== 'Object' ? `an object (${ctor.name})` : 'a plain object';
  }
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${value.toString()}`;
  }
  return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
}

function formatList(values: ArrayLike<number>, max = 4): string {
  const n = values.length;
  const parts: string[] = [];
  for (let i = 0; i < Math.min(n, max); i++) parts.push(String(values[i]));
  return `[${parts.join(', ')}${n > max ? ', …' : ''}]`;
}

/**
 * The integers `start, start + 1, …, start + n − 1` (Gymnasium's `Discrete(n, start)`). Elements are numbers.
 *
 * @example
 * ```ts
 * const actions = new Discrete(3);
 * actions.contains(2); // true
 * actions.contains(3); // false
 * ```
 * @category Environments
 */
export class Discrete implements Space<number> {
  /** Always `'discrete'`. */
  readonly kind = 'discrete' as const;
  /** Always `[]`: an element is a scalar. */
  readonly shape: readonly number[] = [];
  /** Always `'int32'`. */
  readonly dtype = 'int32' as const;
  /** The number of elements. */
  readonly n: number;
  /** The smallest element. */
  readonly start: number;

  /**
   * @param n - the number of elements, a positive integer.
   * @param start - the smallest element.
   * @defaultValue `start`: 0
   */
  constructor(n: number, start = 0) {
    if (!Number.isSafeInteger(n) || n < 1) throw new EnvError(`Discrete: n must be a positive integer, got ${n}`);
    if (!Number.isSafeInteger(start)) throw new EnvError(`Discrete: start must be an integer, got ${start}`);
    this.n = n;
    this.start = start;
  }

  /** {@inheritDoc Space.contains} */
  contains(value: unknown): value is number {
    return (
      typeof value === 'number' && Number.isInteger(value) && value >= this.start && value < this.start + this.n
    );
  }

  /** {@inheritDoc Space.explain} */
  explain(value: unknown): string | undefined {
    if (this.contains(value)) return undefined;
    if (typeof value !== 'number') return `expected an integer number, got ${describeValue(value)}`;
    if (!Number.isInteger(value)) return `expected an integer, got ${value}`;
    return `${value} is outside ${this.start}..${this.start + this.n - 1}`;
  }

  /** {@inheritDoc Space.sample} */
  sample(rng: Rng): number {
    return this.start + rng.integer(this.n);
  }

  /** {@inheritDoc Space.toString} */
  toString(): string {
    return this.start === 0 ? `Discrete(${this.n})` : `Discrete(${this.n}, start=${this.start})`;
  }
}

/**
 * A vector of independent discrete choices: element `i` is an integer in `[0, nvec[i])` (Gymnasium's
 * `MultiDiscrete`). Elements are `Int32Array`s of length `nvec.length`.
 * @category Environments
 */
export class MultiDiscrete implements Space<Int32Array> {
  /** Always `'multi-discrete'`. */
  readonly kind = 'multi-discrete' as const;
  /** `[nvec.length]`. */
  readonly shape: readonly number[];
  /** Always `'int32'`. */
  readonly dtype = 'int32' as const;
  /** The number of choices of each component. */
  readonly nvec: Int32Array;

  /**
   * @param nvec - the number of choices of each component; positive integers, at least one component.
   */
  constructor(nvec: ArrayLike<number>) {
    if (nvec.length === 0) throw new EnvError('MultiDiscrete: nvec must have at least one component');
    for (let i = 0; i < nvec.length; i++) {
      const k = nvec[i]!;
      if (!Number.isInteger(k) || k < 1 || k > 2147483647) {
        throw new EnvError(`MultiDiscrete: nvec[${i}] must be a positive integer, got ${k}`);
      }
    }
    this.nvec = Int32Array.from(nvec);
    this.shape = [nvec.length];
  }

  /** {@inheritDoc Space.contains} */
  contains(value: unknown): value is Int32Array {
    return this.explain(value) === undefined;
  }

  /** {@inheritDoc Space.explain} */
  explain(value: unknown): string | undefined {
    if (!(value instanceof Int32Array)) return `expected an Int32Array, got ${describeValue(value)}`;
    if (value.length !== this.nvec.length) {
      return `expected length ${this.nvec.length}, got length ${value.length}`;
    }
    for (let i = 0; i < value.length; i++) {
      const v = value[i]!;
      if (v < 0 || v >= this.nvec[i]!) return `component ${i} is ${v}, outside 0..${this.nvec[i]! - 1}`;
    }
    return undefined;
  }

  /** {@inheritDoc Space.sample} */
  sample(rng: Rng): Int32Array {
    const out = new Int32Array(this.nvec.length);
    for (let i = 0; i < out.length; i++) out[i] = rng.integer(this.nvec[i]!);
    return out;
  }

  /** {@inheritDoc Space.toString} */
  toString(): string {
    return `MultiDiscrete(${formatList(this.nvec, 8)})`;
  }
}

/**
 * Options of the {@link Box} constructor.
 * @category Environments
 */
export interface BoxOptions<D extends BoxDtype> {
  /** Lower bounds: one number for every element, or one per element (`-Infinity` for unbounded). */
  low: number | ArrayLike<number>;
  /** Upper bounds: one number for every element, or one per element (`Infinity` for unbounded). */
  high: number | ArrayLike<number>;
  /** The shape of one element, e.g. `[4]` or `[72, 96, 3]`. */
  shape: readonly number[];
  /**
   * The element type.
   *
   * @defaultValue `'float32'`
   */
  dtype?: D;
}

/**
 * A (possibly unbounded) box in R^shape: elements are flat typed arrays of `size = prod(shape)` numbers in
 * row-major order, of the class that matches `dtype`, with `low[i] <= x[i] <= high[i]` (Gymnasium's `Box`).
 * Bounds are stored as float64 after rounding to the dtype (float32 bounds are rounded to float32, as NumPy does).
 *
 * @example
 * ```ts
 * const pixels = new Box({ low: 0, high: 255, shape: [72, 96, 3], dtype: 'uint8' });
 * pixels.contains(new Uint8Array(72 * 96 * 3)); // true
 * ```
 * @category Environments
 */
export class Box<D extends BoxDtype = 'float32'> implements Space<BoxValue<D>> {
  /** Always `'box'`. */
  readonly kind = 'box' as const;
  /** The shape of one element. */
  readonly shape: readonly number[];
  /** The element type. */
  readonly dtype: D;
  /** `prod(shape)`: the length of an element's typed array. */
  readonly size: number;
  /** Lower bounds, one per element (read-only by convention). */
  readonly low: Float64Array;
  /** Upper bounds, one per element (read-only by convention). */
  readonly high: Float64Array;

  /**
   * @param options - bounds, shape and dtype.
   */
  constructor(options: BoxOptions<D>);
  /**
   * Gymnasium's positional form, `Box(low, high, shape, dtype)`.
   *
   * @param low - lower bounds (one number, or one per element).
   * @param high - upper bounds (one number, or one per element).
   * @param shape - the shape; defaults to `[n]` when a bound is an array of `n` numbers.
   * @param dtype - the element type (default `'float32'`).
   */
  constructor(low: number | ArrayLike<number>, high: number | ArrayLike<number>, shape?: readonly number[], dtype?: D);
  constructor(
    first: BoxOptions<D> | number | ArrayLike<number>,
    high?: number | ArrayLike<number>,
    shapeArg?: readonly number[],
    dtypeArg?: D,
  ) {
    const options: BoxOptions<D> =
      typeof first === 'number' || Array.isArray(first) || ArrayBuffer.isView(first)
        ? Box.positional(first as number | ArrayLike<number>, high, shapeArg, dtypeArg)
        : (first as BoxOptions<D>);
    const dtype = options.dtype ?? ('float32' as D);
    if (!(dtype in ARRAY_CLASSES)) throw new EnvError(`Box: unknown dtype ${dtype}`);
    const shape = [...options.shape];
    for (const d of shape) {
      if (!Number.isSafeInteger(d) || d < 1) {
        throw new EnvError(`Box: shape must hold positive integers, got [${shape.join(', ')}]`);
      }
    }
    this.shape = shape;
    this.dtype = dtype;
    this.size = shape.reduce((a, b) => a * b, 1);
    this.low = this.bound(options.low, 'low');
    this.high = this.bound(options.high, 'high');
    for (let i = 0; i < this.size; i++) {
      if (Number.isNaN(this.low[i]) || Number.isNaN(this.high[i])) throw new EnvError(`Box: bound ${i} is NaN`);
      if (this.low[i]! > this.high[i]!) {
        throw new EnvError(`Box: low[${i}] = ${this.low[i]} > high[${i}] = ${this.high[i]}`);
      }
    }
  }

  private static positional<D extends BoxDtype>(
    low: number | ArrayLike<number>,
    high: number | ArrayLike<number> | undefined,
    shape: readonly number[] | undefined,
    dtype: D | undefined,
  ): BoxOptions<D> {
    if (high === undefined) throw new EnvError('Box: high is missing');
    const inferred =
      shape ?? (typeof low !== 'number' ? [low.length] : typeof high !== 'number' ? [high.length] : undefined);
    if (inferred === undefined) throw new EnvError('Box: shape is needed when low and high are both numbers');
    return { low, high, shape: inferred, ...(dtype !== undefined ? { dtype } : {}) };
  }

  private bound(value: number | ArrayLike<number>, name: string): Float64Array {
    const out = new Float64Array(this.size);
    if (typeof value === 'number') {
      out.fill(value);
    } else {
      if (value.length !== this.size) {
        throw new EnvError(`Box: ${name} has ${value.length} values, shape [${this.shape.join(', ')}] needs ${this.size}`);
      }
      out.set(value);
    }
    const [lo, hi] = DTYPE_RANGE[this.dtype];
    for (let i = 0; i < out.length; i++) {
      const v = out[i]!;
      if (this.dtype === 'float32') out[i] = Math.fround(v);
      else if (this.dtype !== 'float64' && Number.isFinite(v)) out[i] = Math.min(hi, Math.max(lo, v));
      else if (this.dtype !== 'float64') out[i] = v < 0 ? lo : hi;
    }
    return out;
  }

  /** True when every element is bounded below and above. */
  get isBounded(): boolean {
    for (let i = 0; i < this.size; i++) {
      if (!Number.isFinite(this.low[i]) || !Number.isFinite(this.high[i])) return false;
    }
    return true;
  }

  /** {@inheritDoc Space.contains} */
  contains(value: unknown): value is BoxValue<D> {
    const Cls = ARRAY_CLASSES[this.dtype];
    if (!(value instanceof Cls) || value.length !== this.size) return false;
    const low = this.low;
    const high = this.high;
    for (let i = 0; i < value.length; i++) {
      const v = value[i]!;
      // Written so that NaN fails.
      if (!(v >= low[i]! && v <= high[i]!)) return false;
    }
    return true;
  }

  /** {@inheritDoc Space.explain} */
  explain(value: unknown): string | undefined {
    const Cls = ARRAY_CLASSES[this.dtype];
    if (!(value instanceof Cls)) {
      return `expected a ${Cls.name} (Box dtype ${this.dtype}), got ${describeValue(value)}`;
    }
    if (value.length !== this.size) {
      return `expected ${this.size} elements (shape [${this.shape.join(', ')}]), got ${value.length}`;
    }
    for (let i = 0; i < value.length; i++) {
      const v = value[i]!;
      if (Number.isNaN(v)) return `element ${i} is NaN`;
      if (!(v >= this.low[i]! && v <= this.high[i]!)) {
        return `element ${i} is ${v}, outside [${this.low[i]}, ${this.high[i]}]`;
      }
    }
    return undefined;
  }

  /**
   * Draws an element like Gymnasium does: uniform where both bounds are finite, normal where neither is, and
   * a shifted exponential where only one is; integer dtypes draw integers in [low, high].
   *
   * @param rng - the generator to draw from.
   * @returns a new typed array of `size` elements.
   */
  sample(rng: Rng): BoxValue<D> {
    const out = new ARRAY_CLASSES[this.dtype](this.size) as BoxValue<D>;
    const isInt = this.dtype === 'int32' || this.dtype === 'uint8';
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i]!;
      const hi = this.high[i]!;
      const loF = Number.isFinite(lo);
      const hiF = Number.isFinite(hi);
      let v: number;
      if (isInt) {
        // Integer boxes always have finite bounds after clamping to the dtype's range.
        v = lo + rng.integer(hi - lo + 1);
      } else if (loF && hiF) {
        v = lo === hi ? lo : rng.uniform(lo, hi);
      } else if (!loF && !hiF) {
        v = rng.normal();
      } else if (loF) {
        v = lo + rng.exponential();
      } else {
        v = hi - rng.exponential();
      }
      out[i] = v;
      // Rounding to float32 can land exactly on an open upper end; keep samples inside the box.
      if (out[i]! > hi) out[i] = hi;
      if (out[i]! < lo) out[i] = lo;
    }
    return out;
  }

  /** {@inheritDoc Space.toString} */
  toString(): string {
    return `Box(${this.dtype}, [${this.shape.join(', ')}], low=${formatList(this.low)}, high=${formatList(this.high)})`;
  }
}

/**
 * Builds a typed array of a `Box`'s dtype (for example a new observation buffer).
 *
 * @param dtype - the element type.
 * @param length - the number of elements.
 * @returns a zero-filled typed array of the class that matches `dtype`.
 * @category Environments
 */
export function makeBoxArray<D extends BoxDtype>(dtype: D, length: number): BoxValue<D> {
  return new ARRAY_CLASSES[dtype](length) as BoxValue<D>;
}

/**
 * Narrows a space to one of the built-in classes by its `kind`, or throws.
 *
 * @param space - any space.
 * @param where - the calling function's name, for the error message.
 * @returns `space` typed as {@link AnySpace}.
 * @category Environments
 */
export function asBuiltinSpace(space: Space<unknown>, where: string): AnySpace {
  const kind = (space as { kind?: unknown }).kind;
  if (kind !== 'discrete' && kind !== 'multi-discrete' && kind !== 'box') {
    throw new EnvError(`${where}: unknown space kind ${JSON.stringify(kind)}`);
  }
  return space as AnySpace;
}
