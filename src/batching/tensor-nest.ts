/**
 * Nests of tensors (a tensor, or arrays and plain objects of nests) for the tensor adapter: flattening,
 * structure checks and rebuilding. The only place in `batching/` besides `batch-fn.ts` that knows tensors.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { BatchShapeError } from './errors.js';

/**
 * A tensor, or an array or plain object whose values are nests: the structures the tensor adapter
 * stacks and splits (like `tf.nest` structures in the original).
 * @category Batching
 */
export type TensorNest = tf.Tensor | readonly TensorNest[] | { readonly [key: string]: TensorNest };

/**
 * The leaves of a nest in traversal order (array order, then object key order), with their paths.
 * @category Batching
 */
export interface FlatNest {
  readonly leaves: tf.Tensor[];
  readonly paths: string[];
}

function isTensor(value: unknown): value is tf.Tensor {
  return value instanceof tf.Tensor; // tfjs's Tensor[Symbol.hasInstance] is duck-typed, so this works across copies
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function describeLeaf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
    return `an object (${proto?.constructor?.name ?? 'no prototype'})`;
  }
  return `a ${typeof value}`;
}

/** Pushes the tensor leaves of `value` onto `leaves`; false at the first leaf that is not a tensor. */
function collectLeaves(value: unknown, leaves: tf.Tensor[]): boolean {
  if (isTensor(value)) {
    leaves.push(value);
    return true;
  }
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) if (!collectLeaves(item, leaves)) return false;
    return true;
  }
  if (!isPlainObject(value)) return false;
  for (const key of Object.keys(value)) if (!collectLeaves(value[key], leaves)) return false;
  return true;
}

/** The paths of the leaves of a nest (`args[0].obs`), in traversal order; throws at the first non-tensor leaf. */
function leafPaths(value: unknown, path: string, where: string, paths: string[]): void {
  if (isTensor(value)) {
    paths.push(path);
  } else if (Array.isArray(value)) {
    (value as unknown[]).forEach((item, i) => {
      leafPaths(item, `${path}[${i}]`, where, paths);
    });
  } else if (isPlainObject(value)) {
    for (const key of Object.keys(value)) leafPaths(value[key], `${path}.${key}`, where, paths);
  } else {
    throw new BatchShapeError(`${where}: ${path} is ${describeLeaf(value)}; every leaf must be a tf.Tensor`);
  }
}

/** A {@link FlatNest} whose paths (needed only in error messages) are built on first use. */
class LazyFlatNest implements FlatNest {
  #paths: string[] | undefined;
  constructor(
    readonly leaves: tf.Tensor[],
    private readonly nest: unknown,
    private readonly root: string,
    private readonly where: string,
  ) {}

  get paths(): string[] {
    if (this.#paths === undefined) {
      const paths: string[] = [];
      leafPaths(this.nest, this.root, this.where, paths);
      this.#paths = paths;
    }
    return this.#paths;
  }
}

/**
 * Flattens `nest` into its tensor leaves.
 *
 * @param nest - The nest.
 * @param root - Name of the nest in error messages and paths, e.g. `args`.
 * @param where - Function name for error messages, e.g. `batchFn`.
 * @throws {@link BatchShapeError} if a leaf is not a tensor.
 * @category Batching
 */
export function flattenNest(nest: unknown, root: string, where: string): FlatNest {
  const leaves: tf.Tensor[] = [];
  if (!collectLeaves(nest, leaves)) leafPaths(nest, root, where, []); // throws, naming the leaf
  return new LazyFlatNest(leaves, nest, root, where);
}

/** Pushes the leaves of `value` in the traversal order of `t`; false where the structures differ. */
function collectLike(t: unknown, value: unknown, leaves: tf.Tensor[]): boolean {
  if (isTensor(t)) {
    if (!isTensor(value)) return false;
    leaves.push(value);
    return true;
  }
  if (Array.isArray(t)) {
    if (!Array.isArray(value) || value.length !== t.length) return false;
    for (let i = 0; i < t.length; i++) if (!collectLike(t[i], value[i], leaves)) return false;
    return true;
  }
  if (!isPlainObject(value)) return false;
  const tObj = t as Readonly<Record<string, unknown>>;
  const keys = Object.keys(tObj);
  if (Object.keys(value).length !== keys.length) return false;
  for (const key of keys) if (!Object.hasOwn(value, key) || !collectLike(tObj[key], value[key], leaves)) return false;
  return true;
}

/** Throws the {@link BatchShapeError} naming the first path where `value`'s structure differs from `t`'s. */
function throwStructureMismatch(t: unknown, value: unknown, path: string, where: string): void {
  const mismatch = (detail: string): BatchShapeError =>
    new BatchShapeError(`${where}: all inputs must have equal structures; at ${path}: ${detail}`);
  if (isTensor(t)) {
    if (!isTensor(value)) throw mismatch(`expected a tf.Tensor, got ${describeLeaf(value)}`);
  } else if (Array.isArray(t)) {
    if (!Array.isArray(value)) throw mismatch(`expected an array, got ${isTensor(value) ? 'a tf.Tensor' : describeLeaf(value)}`);
    if (value.length !== t.length) throw mismatch(`array length ${value.length} != ${t.length}`);
    t.forEach((item: unknown, i) => {
      throwStructureMismatch(item, value[i], `${path}[${i}]`, where);
    });
  } else {
    const tObj = t as Readonly<Record<string, unknown>>;
    if (!isPlainObject(value)) throw mismatch(`expected an object, got ${isTensor(value) ? 'a tf.Tensor' : describeLeaf(value)}`);
    const keys = Object.keys(tObj);
    const valueKeys = Object.keys(value);
    if (valueKeys.length !== keys.length || !keys.every((key) => Object.hasOwn(value, key))) {
      throw mismatch(`keys [${valueKeys.join(', ')}] != [${keys.join(', ')}]`);
    }
    for (const key of keys) throwStructureMismatch(tObj[key], value[key], `${path}.${key}`, where);
  }
}

/**
 * Collects the leaves of `nest` in the traversal order of `template`, checking that both have the same
 * structure (same array lengths and the same object keys, in any order).
 *
 * @param template - The reference nest (e.g. the first caller's arguments).
 * @param nest - The nest to read.
 * @param root - Name of `nest` in error messages, e.g. `args of call 3`.
 * @param where - Function name for error messages.
 * @throws {@link BatchShapeError} naming the first path where the structures differ.
 * @category Batching
 */
export function flattenLike(template: unknown, nest: unknown, root: string, where: string): tf.Tensor[] {
  const leaves: tf.Tensor[] = [];
  if (!collectLike(template, nest, leaves)) throwStructureMismatch(template, nest, root, where);
  return leaves;
}

/** The nest with the structure of `t` whose leaves are taken from `leaves` starting at `cursor.next`. */
function build(t: unknown, leaves: readonly tf.Tensor[], cursor: { next: number }): unknown {
  if (isTensor(t)) return leaves[cursor.next++];
  if (Array.isArray(t)) {
    const out = new Array<unknown>(t.length);
    for (let i = 0; i < t.length; i++) out[i] = build(t[i], leaves, cursor);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(t as Record<string, unknown>)) out[key] = build((t as Record<string, unknown>)[key], leaves, cursor);
  return out;
}

/**
 * Builds a nest with the structure of `template` whose leaves are `leaves`, in traversal order.
 *
 * @param template - A nest already validated by {@link flattenNest}.
 * @param leaves - One tensor per leaf of `template`.
 * @category Batching
 */
export function rebuildNest(template: unknown, leaves: readonly tf.Tensor[]): unknown {
  return build(template, leaves, { next: 0 });
}

/**
 * Disposes every tensor of a nest; other leaves are ignored.
 *
 * @param nest - The nest to dispose.
 * @category Batching
 */
export function disposeNest(nest: unknown): void {
  if (isTensor(nest)) nest.dispose();
  else if (Array.isArray(nest)) for (const item of nest) disposeNest(item);
  else if (isPlainObject(nest)) for (const value of Object.values(nest)) disposeNest(value);
}

