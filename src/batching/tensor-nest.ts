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
 */
export type TensorNest = tf.Tensor | readonly TensorNest[] | { readonly [key: string]: TensorNest };

/** The leaves of a nest in traversal order (array order, then object key order), with their paths. */
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

/**
 * Flattens `nest` into its tensor leaves.
 *
 * @param nest - The nest.
 * @param root - Name of the nest in error messages and paths, e.g. `args`.
 * @param where - Function name for error messages, e.g. `batchFn`.
 * @throws {@link BatchShapeError} if a leaf is not a tensor.
 */
export function flattenNest(nest: unknown, root: string, where: string): FlatNest {
  const leaves: tf.Tensor[] = [];
  const paths: string[] = [];
  const visit = (value: unknown, path: string): void => {
    if (isTensor(value)) {
      leaves.push(value);
      paths.push(path);
    } else if (Array.isArray(value)) {
      value.forEach((item: unknown, i) => {
        visit(item, `${path}[${i}]`);
      });
    } else if (isPlainObject(value)) {
      for (const key of Object.keys(value)) visit(value[key], `${path}.${key}`);
    } else {
      throw new BatchShapeError(`${where}: ${path} is ${describeLeaf(value)}; every leaf must be a tf.Tensor`);
    }
  };
  visit(nest, root);
  return { leaves, paths };
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
 */
export function flattenLike(template: unknown, nest: unknown, root: string, where: string): tf.Tensor[] {
  const leaves: tf.Tensor[] = [];
  const mismatch = (path: string, detail: string): BatchShapeError =>
    new BatchShapeError(`${where}: all inputs must have equal structures; at ${path}: ${detail}`);
  const visit = (t: unknown, value: unknown, path: string): void => {
    if (isTensor(t)) {
      if (!isTensor(value)) throw mismatch(path, `expected a tf.Tensor, got ${describeLeaf(value)}`);
      leaves.push(value);
    } else if (Array.isArray(t)) {
      if (!Array.isArray(value)) throw mismatch(path, `expected an array, got ${isTensor(value) ? 'a tf.Tensor' : describeLeaf(value)}`);
      if (value.length !== t.length) throw mismatch(path, `array length ${value.length} != ${t.length}`);
      t.forEach((item: unknown, i) => {
        visit(item, value[i], `${path}[${i}]`);
      });
    } else {
      const tObj = t as Readonly<Record<string, unknown>>;
      if (!isPlainObject(value)) throw mismatch(path, `expected an object, got ${isTensor(value) ? 'a tf.Tensor' : describeLeaf(value)}`);
      const keys = Object.keys(tObj);
      const valueKeys = Object.keys(value);
      if (valueKeys.length !== keys.length || !keys.every((key) => Object.hasOwn(value, key))) {
        throw mismatch(path, `keys [${valueKeys.join(', ')}] != [${keys.join(', ')}]`);
      }
      for (const key of keys) visit(tObj[key], value[key], `${path}.${key}`);
    }
  };
  visit(template, nest, root);
  return leaves;
}

/**
 * Builds a nest with the structure of `template` whose leaves are `leaves`, in traversal order.
 *
 * @param template - A nest already validated by {@link flattenNest}.
 * @param leaves - One tensor per leaf of `template`.
 */
export function rebuildNest(template: unknown, leaves: readonly tf.Tensor[]): unknown {
  let next = 0;
  const build = (t: unknown): unknown => {
    if (isTensor(t)) return leaves[next++];
    if (Array.isArray(t)) return t.map(build);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(t as Record<string, unknown>)) out[key] = build(value);
    return out;
  };
  return build(template);
}

/**
 * Disposes every tensor of a nest; other leaves are ignored.
 *
 * @param nest - The nest to dispose.
 */
export function disposeNest(nest: unknown): void {
  if (isTensor(nest)) nest.dispose();
  else if (Array.isArray(nest)) for (const item of nest) disposeNest(item);
  else if (isPlainObject(nest)) for (const value of Object.values(nest)) disposeNest(value);
}

/** Formats a shape as `[2,3]`. */
export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
