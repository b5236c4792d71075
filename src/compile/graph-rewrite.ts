/**
 * Rewrites of a recorded graph before it is loaded (issue #16): tfjs-node issues the kernels of its
 * generic gradients and layers one by one, where TensorFlow's own graphs use fused kernels that Grappler
 * (and oneDNN's layout pass) then fuse further. Each rewrite replaces a node in place (same name, same
 * outputs), so consumers and fetched outputs are untouched; nodes left without consumers are pruned.
 *
 * - `reluGrad`: `Mul(dy, step(x))`, tfjs's ReLU gradient, with step(x) as tfjs-node's stock kernel writes it
 *   (`Select(IsNan(x), x, Select(Greater(x, 0), ones, fill(0)))`) or impala-rl's
 *   (`SelectV2(Greater(x, 0), 1, SelectV2(IsNan(x), x, 0))`), possibly through identity casts, becomes `ReluGrad(dy, relu(x))` (the Relu output when the graph has one, else
 *   x): one pass instead of five, and x is then consumed by the Relu alone, so that Grappler's remapper can
 *   fuse `Conv2D`/`MatMul` + `BiasAdd` + `Relu`. Same values for every non-NaN x (a NaN x gives 0 instead
 *   of NaN, but then the forward pass and the loss are NaN already).
 * - `biasAdd`: `Add`/`AddV2(y, b)` with y from `Conv2D`/`MatMul`/`BatchMatMulV2` and b of shape `[C]`,
 *   C the last dimension of y, becomes `BiasAdd(y, b)` (the same sums, element by element).
 * - `biasAddGrad`: `Sum(dy, [0, …, r − 2])` without kept dimensions, dy of rank r ≥ 2, becomes
 *   `BiasAddGrad(dy)` (the same sum; the order of the float32 additions may differ). oneDNN fuses it into
 *   `Conv2DBackpropFilter` when both read the same dy.
 * - `matMul`: `BatchMatMulV2` of two rank-2 tensors becomes `MatMul` (adj_x/adj_y as transpose_a/b): the
 *   same product, and the op Grappler's remapper fuses with a following `BiasAdd`(+ `Relu`); with a batch
 *   of one (tfjs's `matMul` reshapes its operands to rank 3) it becomes `Reshape(MatMul(reshaped
 *   operands))`.
 * - `identityCast`: a `Cast` to its own dtype (tfjs casts gradients to float32) is bypassed (kept only
 *   when fetched).
 * - `addN`: a tree of float32 `Add`/`AddV2` nodes of one shape, each inner node read by its parent alone,
 *   summing three or more tensors, becomes one `AddN` of them: how tfjs accumulates the gradient of a
 *   tensor read many times (the LSTM's recurrent kernel, once per time step) is a chain of `Add`s, each
 *   reading and writing the whole tensor; `AddN` reads every term once. The same sum; the order of the
 *   float32 additions may differ.
 */
import type { AttrValueSpec, NodeSpec } from './saved-model-proto.js';

/**
 * Dtype and shape of a graph tensor (`node:index`), as recorded.
 * @category Compile
 */
export type TensorMetadataOf = (tensor: string) => { readonly dtype: number; readonly shape: readonly number[] } | undefined;

/**
 * Which rewrites {@link rewriteGraph} applies (all by default).
 * @category Compile
 */
export interface RewriteOptions {
  readonly reluGrad?: boolean;
  readonly biasAdd?: boolean;
  readonly biasAddGrad?: boolean;
  readonly matMul?: boolean;
  readonly identityCast?: boolean;
  readonly addN?: boolean;
  /** Uint8 pixels fed as bytes to a uint8 placeholder ({@link uint8Placeholder}; applied by the learner's compiler). */
  readonly uint8Observation?: boolean;
}

/**
 * What {@link rewriteGraph} returns.
 * @category Compile
 */
export interface RewriteResult {
  /** The rewritten, pruned nodes. */
  readonly nodes: NodeSpec[];
  /** How many times each rewrite applied. */
  readonly counts: Readonly<Record<Exclude<keyof RewriteOptions, 'uint8Observation'>, number>>;
}

const nodeOf = (tensor: string): string => tensor.split(':')[0]!;
const indexOf = (tensor: string): number => Number(tensor.split(':')[1] ?? 0);

/** Keeps the nodes the outputs depend on (dead ops of the eager step and unused inputs go). */
export function pruneGraph(nodes: readonly NodeSpec[], outputs: readonly string[]): NodeSpec[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const keep = new Set<string>();
  const stack = outputs.map(nodeOf);
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (keep.has(name)) continue;
    keep.add(name);
    for (const input of byName.get(name)?.inputs ?? []) stack.push(nodeOf(input));
  }
  return nodes.filter((n) => keep.has(n.name));
}

const uniformValues = new WeakMap<NodeSpec, number | undefined>();

/** The value all elements of a float32 `Const` node share, or undefined (also when they differ); memoized. */
function constValues(node: NodeSpec | undefined): number | undefined {
  if (node === undefined) return undefined;
  if (uniformValues.has(node)) return uniformValues.get(node);
  const v = scanConst(node);
  uniformValues.set(node, v);
  return v;
}

function scanConst(node: NodeSpec): number | undefined {
  const t = node.op === 'Const' ? node.attrs.value?.tensor : undefined;
  if (t?.dtype !== 1 || t.content.byteLength < 4 || t.content.byteLength !== 4 * t.shape.reduce((a, b) => a * b, 1)) return undefined;
  const view = new DataView(t.content.buffer, t.content.byteOffset, t.content.byteLength);
  const first = view.getFloat32(0, true);
  for (let i = 4; i < t.content.byteLength; i += 4) if (view.getFloat32(i, true) !== first) return undefined;
  return first;
}

/** An int32 vector `Const` node. */
function int32Const(name: string, values: readonly number[]): NodeSpec {
  const content = new Uint8Array(new Int32Array(values).buffer);
  return { name, op: 'Const', inputs: [], attrs: { dtype: { type: 3 }, value: { tensor: { dtype: 3, shape: [values.length], content } } } };
}

/** The int32 values of a `Const` node, or undefined. */
function intsConst(node: NodeSpec | undefined): number[] | undefined {
  const t = node?.op === 'Const' ? node.attrs.value?.tensor : undefined;
  if (t?.dtype !== 3) return undefined;
  const view = new DataView(t.content.buffer, t.content.byteOffset, t.content.byteLength);
  return Array.from({ length: t.content.byteLength / 4 }, (_, i) => view.getInt32(4 * i, true));
}

const sameShape = (a: readonly number[] | undefined, b: readonly number[] | undefined): boolean =>
  a?.length === b?.length && a !== undefined && b !== undefined && a.every((d, i) => d === b[i]);

/**
 * Applies the rewrites listed in the module comment and prunes what no output needs.
 *
 * @param nodes - the recorded nodes (not modified).
 * @param outputs - the fetched tensors (`node:index`); they keep their names.
 * @param metadata - dtype and shape of the recorded tensors.
 * @param options - rewrites to turn off (all on by default).
 * @returns the new nodes and the count of each rewrite.
 * @category Compile
 */
export function rewriteGraph(nodes: readonly NodeSpec[], outputs: readonly string[], metadata: TensorMetadataOf, options: RewriteOptions = {}): RewriteResult {
  const on = (k: keyof RewriteOptions): boolean => options[k] !== false;
  const counts = { reluGrad: 0, biasAdd: 0, biasAddGrad: 0, matMul: 0, identityCast: 0, addN: 0 };
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const replaced = new Map<string, NodeSpec>();
  const added: NodeSpec[] = [];

  // identity casts: tensor → the tensor it copies (chains resolved); consumers read past them (a fetched
  // one stays in the graph for its fetch)
  const alias = new Map<string, string>();
  if (on('identityCast')) {
    for (const n of nodes) {
      if (n.op === 'Cast' && n.attrs.SrcT?.type !== undefined && n.attrs.SrcT.type === n.attrs.DstT?.type) {
        alias.set(`${n.name}:0`, n.inputs[0]!);
        counts.identityCast++;
      }
    }
  }
  const resolve = (t: string): string => {
    let x = t;
    for (let next = alias.get(x); next !== undefined; next = alias.get(x)) x = next;
    return x;
  };
  const producer = (t: string): NodeSpec | undefined => byName.get(nodeOf(resolve(t)));
  const reluOf = new Map<string, string>(); // x → Relu(x):0
  for (const n of nodes) if (n.op === 'Relu') reluOf.set(resolve(n.inputs[0]!), `${n.name}:0`);

  const isSelect = (n: NodeSpec | undefined): n is NodeSpec => n?.op === 'SelectV2' || n?.op === 'Select';
  /** The float32 constant value every element of `t` has (a `Const`, or `Fill` of a constant), or undefined. */
  const uniform = (t: string): number | undefined => {
    const n = producer(t);
    if (n?.op === 'Fill') return uniform(n.inputs[1]!);
    return constValues(n);
  };
  /** x when `t` is Greater(x, 0). */
  const positive = (t: string): string | undefined => {
    const n = producer(t);
    return n?.op === 'Greater' && uniform(n.inputs[1]!) === 0 && indexOf(resolve(t)) === 0 ? resolve(n.inputs[0]!) : undefined;
  };
  /** x when `t` is IsNan(x). */
  const nan = (t: string): string | undefined => {
    const n = producer(t);
    return n?.op === 'IsNan' ? resolve(n.inputs[0]!) : undefined;
  };
  /**
   * x when `t` is tfjs's step(x) (alpha 0, NaN passing through), as tfjs-node's stock kernel writes it,
   * Select(IsNan(x), x, Select(Greater(x, 0), ones, fill(0))), or as impala-rl's (backends/tensorflow-step.ts),
   * SelectV2(Greater(x, 0), 1, SelectV2(IsNan(x), x, 0)).
   */
  const stepInput = (t: string): string | undefined => {
    const outer = producer(t);
    if (!isSelect(outer) || indexOf(resolve(t)) !== 0) return undefined;
    const [c, a, b] = outer.inputs.map(resolve) as [string, string, string];
    const inner = producer(b);
    if (!isSelect(inner)) return undefined;
    const [ic, ia, ib] = inner.inputs.map(resolve) as [string, string, string];
    const x = positive(c);
    if (x !== undefined) { // impala-rl's
      return uniform(a) === 1 && nan(ic) === x && ia === x && uniform(ib) === 0 ? x : undefined;
    }
    const y = nan(c); // stock
    return y !== undefined && a === y && positive(ic) === y && uniform(ia) === 1 && uniform(ib) === 0 ? y : undefined;
  };

  for (const n of nodes) {
    const T = n.attrs.T;
    if (on('reluGrad') && n.op === 'Mul' && n.inputs.length === 2) {
      const [a, b] = n.inputs.map(resolve) as [string, string];
      for (const [dy, s] of [[a, b], [b, a]] as const) {
        const x = stepInput(s);
        if (x === undefined || !sameShape(metadata(dy)?.shape, metadata(x)?.shape) || metadata(x)?.dtype !== 1) continue;
        replaced.set(n.name, { name: n.name, op: 'ReluGrad', inputs: [dy, reluOf.get(x) ?? x], attrs: { T: T ?? { type: 1 } } });
        counts.reluGrad++;
        break;
      }
      continue;
    }
    if (on('biasAdd') && (n.op === 'Add' || n.op === 'AddV2') && n.inputs.length === 2) {
      const [y, b] = n.inputs.map(resolve) as [string, string];
      const ys = metadata(y)?.shape;
      const bs = metadata(b)?.shape;
      const from = producer(y)?.op;
      if ((from === 'Conv2D' || from === 'MatMul' || from === 'BatchMatMulV2') && ys !== undefined && ys.length >= 2 && bs?.length === 1 && bs[0] === ys[ys.length - 1]
        && sameShape(metadata(`${n.name}:0`)?.shape, ys) && metadata(y)?.dtype === 1 && metadata(b)?.dtype === 1) {
        replaced.set(n.name, { name: n.name, op: 'BiasAdd', inputs: [y, b], attrs: { T: T ?? { type: 1 }, data_format: { s: new TextEncoder().encode('NHWC') } } });
        counts.biasAdd++;
      }
      continue;
    }
    if (on('biasAddGrad') && n.op === 'Sum' && n.attrs.keep_dims?.b !== true) {
      const dy = resolve(n.inputs[0]!);
      const shape = metadata(dy)?.shape;
      const axes = intsConst(producer(n.inputs[1]!));
      if (shape !== undefined && shape.length >= 2 && metadata(dy)?.dtype === 1 && axes?.length === shape.length - 1 && axes.every((a, i) => a === i)) {
        replaced.set(n.name, { name: n.name, op: 'BiasAddGrad', inputs: [dy], attrs: { T: T ?? { type: 1 }, data_format: { s: new TextEncoder().encode('NHWC') } } });
        counts.biasAddGrad++;
      }
      continue;
    }
    if (on('matMul') && n.op === 'BatchMatMulV2') {
      const [a, b] = n.inputs.map(resolve) as [string, string];
      const as = metadata(a)?.shape;
      const bs = metadata(b)?.shape;
      const out = metadata(`${n.name}:0`)?.shape;
      const batchOfOne = (s: readonly number[]): boolean => s.slice(0, -2).every((d) => d === 1);
      if (as === undefined || bs === undefined || out === undefined || as.length < 2 || bs.length < 2 || !batchOfOne(as) || !batchOfOne(bs) || !batchOfOne(out)) continue;
      const attrs: Record<string, AttrValueSpec> = { T: T ?? { type: 1 }, transpose_a: { b: n.attrs.adj_x?.b === true }, transpose_b: { b: n.attrs.adj_y?.b === true } };
      if (as.length === 2 && bs.length === 2) {
        replaced.set(n.name, { name: n.name, op: 'MatMul', inputs: [a, b], attrs });
      } else {
        // a batch of one: MatMul on the matrices, reshaped back (Grappler folds the reshapes of reshapes)
        const matrix = (t: string, s: readonly number[], tag: string): string => {
          if (s.length === 2) return t;
          added.push(int32Const(`${n.name}/${tag}_shape`, s.slice(-2)), { name: `${n.name}/${tag}`, op: 'Reshape', inputs: [t, `${n.name}/${tag}_shape:0`], attrs: { T: T ?? { type: 1 }, Tshape: { type: 3 } } });
          return `${n.name}/${tag}:0`;
        };
        added.push({ name: `${n.name}/matmul`, op: 'MatMul', inputs: [matrix(a, as, 'a'), matrix(b, bs, 'b')], attrs }, int32Const(`${n.name}/shape`, out));
        replaced.set(n.name, { name: n.name, op: 'Reshape', inputs: [`${n.name}/matmul:0`, `${n.name}/shape:0`], attrs: { T: T ?? { type: 1 }, Tshape: { type: 3 } } });
      }
      counts.matMul++;
    }
  }
  const rewritten = [...nodes.map((n) => replaced.get(n.name) ?? (alias.size === 0 ? n : { ...n, inputs: n.inputs.map(resolve) })), ...added];
  return { nodes: pruneGraph(on('addN') ? sumTrees(rewritten, outputs, metadata, counts) : rewritten, outputs), counts };
}

/** The `addN` rewrite (see the module comment) on `nodes`; counts each tree replaced. */
function sumTrees(nodes: NodeSpec[], outputs: readonly string[], metadata: TensorMetadataOf, counts: { addN: number }): NodeSpec[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const readers = new Map<string, number>(); // node → how many inputs (of any node) read one of its outputs
  for (const n of nodes) for (const i of n.inputs) readers.set(nodeOf(i), (readers.get(nodeOf(i)) ?? 0) + 1);
  for (const o of outputs) readers.set(nodeOf(o), (readers.get(nodeOf(o)) ?? 0) + 2); // fetched: never inner
  const isSum = (n: NodeSpec | undefined): n is NodeSpec => {
    if (n === undefined || (n.op !== 'Add' && n.op !== 'AddV2') || n.inputs.length !== 2 || n.attrs.T?.type !== 1) return false;
    const shape = metadata(`${n.name}:0`)?.shape;
    return shape !== undefined && n.inputs.every((i) => !i.startsWith('^') && sameShape(metadata(i)?.shape, shape));
  };
  /** A sum whose only reader is one input of another sum of the same shape. */
  const inner = (t: string): NodeSpec | undefined => {
    const n = byName.get(nodeOf(t));
    return isSum(n) && indexOf(t) === 0 && readers.get(n.name) === 1 ? n : undefined;
  };
  const parentIsSum = new Set<string>();
  for (const n of nodes) if (isSum(n)) for (const i of n.inputs) if (inner(i) !== undefined) parentIsSum.add(nodeOf(i));
  return nodes.map((n) => {
    if (!isSum(n) || parentIsSum.has(n.name)) return n;
    const terms: string[] = [];
    const collect = (t: string): void => {
      const child = inner(t);
      if (child === undefined) terms.push(t);
      else for (const i of child.inputs) collect(i);
    };
    for (const i of n.inputs) collect(i);
    if (terms.length < 3) return n;
    counts.addN++;
    return { name: n.name, op: 'AddN', inputs: terms, attrs: { N: { i: terms.length }, T: { type: 1 } } };
  });
}

/**
 * Environment variable turning rewrites off (for comparisons): `all`, or a comma-separated list of
 * {@link RewriteOptions} keys, e.g. `IMPALA_COMPILE_REWRITES_OFF=reluGrad,biasAdd`. Read when a compiler is made.
 * @category Compile
 */
export const REWRITES_OFF_ENV = 'IMPALA_COMPILE_REWRITES_OFF';

const REWRITES: readonly (keyof RewriteOptions)[] = ['reluGrad', 'biasAdd', 'biasAddGrad', 'matMul', 'identityCast', 'addN', 'uint8Observation'];

/**
 * The rewrites a {@link REWRITES_OFF_ENV} value leaves on (the Node build reads the variable in
 * compiled-graph.ts: a browser bundle has no `process`).
 *
 * @param off - the variable's value (undefined: every rewrite on).
 * @returns the options.
 * @category Compile
 */
export function parseRewritesOff(off: string | undefined): RewriteOptions {
  const names = (off ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  return Object.fromEntries(REWRITES.map((k) => [k, !(names.includes('all') || names.includes(k))]));
}

const SHAPE_OPS = new Set(['Reshape', 'ExpandDims', 'Squeeze', 'Identity']);

/**
 * Makes an int32 placeholder whose values are bytes (0–255) a uint8 one: the reshapes it goes through
 * read uint8 instead, the casts that read it cast from uint8 (the same values), and any other consumer
 * reads a `Cast` to int32 of it. The graph then takes the pixels as they are stacked (a quarter of the
 * bytes of int32 to copy into libtensorflow and to read in the first cast).
 *
 * @param nodes - the graph's nodes (not modified).
 * @param placeholder - the placeholder's node name.
 * @returns the new nodes, or null when the placeholder is not an int32 one.
 * @category Compile
 */
export function uint8Placeholder(nodes: readonly NodeSpec[], placeholder: string): NodeSpec[] | null {
  const p = nodes.find((n) => n.name === placeholder);
  if (p?.op !== 'Placeholder' || p.attrs.dtype?.type !== 3) return null;
  const consumers = new Map<string, NodeSpec[]>();
  for (const n of nodes) for (const i of n.inputs) consumers.set(nodeOf(i), [...(consumers.get(nodeOf(i)) ?? []), n]);
  const changed = new Map<string, NodeSpec>([[placeholder, { ...p, attrs: { ...p.attrs, dtype: { type: 4 } } }]]);
  const widened = `${placeholder}/int32`;
  const found = { widened: false, failed: false };
  const visit = (name: string): void => {
    for (const c of consumers.get(name) ?? []) {
      if (changed.has(c.name)) continue;
      const first = nodeOf(c.inputs[0] ?? '') === name && c.inputs.slice(1).every((i) => nodeOf(i) !== name);
      if (first && SHAPE_OPS.has(c.op) && c.attrs.T?.type === 3) {
        changed.set(c.name, { ...c, attrs: { ...c.attrs, T: { type: 4 } } });
        visit(c.name);
      } else if (first && c.op === 'Cast' && c.attrs.SrcT?.type === 3) {
        changed.set(c.name, { ...c, attrs: { ...c.attrs, SrcT: { type: 4 } } });
      } else if (name === placeholder) {
        found.widened = true;
        changed.set(c.name, { ...c, inputs: c.inputs.map((i) => (nodeOf(i) === placeholder ? `${widened}:0` : i)) });
      } else {
        found.failed = true;
        return;
      }
    }
  };
  visit(placeholder);
  if (found.failed) return null; // a reshaped view read by something else than a cast: keep int32
  const out = nodes.map((n) => changed.get(n.name) ?? n);
  if (found.widened) out.push({ name: widened, op: 'Cast', inputs: [`${placeholder}:0`], attrs: { SrcT: { type: 4 }, DstT: { type: 3 }, Truncate: { b: false } } });
  return out;
}
