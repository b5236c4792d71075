// The graph rewrites applied to recorded steps before they are loaded (src/compile/graph-rewrite.ts).
// On the tensorflow and cuda backends, per pattern: a small tfjs function (forward and gradients, as the
// learner's) is recorded; the rewritten graph holds the fused op (ReluGrad, BiasAdd, BiasAddGrad, MatMul)
// instead of tfjs's kernels, and its outputs equal the recorded graph's within float32 rounding: at most
// 1e-6 of each output's largest magnitude (ReluGrad and BiasAdd compute the same products and sums; a
// BiasAddGrad, MatMul or AddN kernel may add the same terms in another order). Shapes that do not fit a pattern
// stay as recorded. On every backend: the rewriter's structural contract on hand-written nodes (fetched
// tensors are never bypassed, dead nodes are pruned, options turn rewrites off).
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledGraph } from '../../src/compile/compiled-graph.js';
import { recordOps, type RecordedInput } from '../../src/compile/op-recorder.js';
import { rewriteGraph, type RewriteOptions } from '../../src/compile/graph-rewrite.js';
import type { NodeSpec } from '../../src/compile/saved-model-proto.js';
import { bindingConstant, tensorflowBackend, type TensorflowBackend } from '../../src/compile/tensorflow-binding.js';
import { registerTensorflowTrainingKernels, unregisterTensorflowTrainingKernels } from '../../src/backends/index.js';
import { setupTestBackend, testBackendName, tf } from '../helpers/tf.js';

const backend = testBackendName();
const libtensorflow = backend === 'tensorflow' || backend === 'cuda';
const skip = libtensorflow ? false : `graph rewrites run on libtensorflow (IMPALA_TEST_BACKEND=${backend}; run IMPALA_TEST_BACKENDS=tensorflow npm run test:backends)`;
const OFF: RewriteOptions = { reluGrad: false, biasAdd: false, biasAddGrad: false, matMul: false, identityCast: false, addN: false };

before(async () => {
  await setupTestBackend();
  if (libtensorflow) tf.env().set('IS_TEST', false);
});

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296 - 0.5;
}

/** A random float32 tensor; a quarter of its entries exactly 0 (ReLU's kink). */
function random(shape: number[], seed: number): tf.Tensor {
  const r = lcg(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, (_, i) => (i % 4 === 3 ? 0 : r())), shape);
}

interface Compared {
  /** Op types of the rewritten graph. */
  readonly ops: Set<string>;
  /** Op types of the recorded graph. */
  readonly recordedOps: Set<string>;
  readonly counts: Readonly<Record<string, number>>;
}

/**
 * Records `fn(inputs)`, loads the recorded graph as is and rewritten, runs both on the inputs and checks
 * that the outputs agree (and agree with the eager result) within 1e-6 of each output's largest value.
 */
function compare(fn: (xs: readonly tf.Tensor[]) => tf.Tensor[], inputs: readonly tf.Tensor[]): Compared {
  const tb = tensorflowBackend() as TensorflowBackend;
  const ids = tb.getInputTensorIds(inputs);
  const recorded: RecordedInput[] = inputs.map((t, i) => ({ name: `input_${i}`, id: ids[i]!, dtype: bindingConstant(tb.binding, 'TF_FLOAT'), shape: t.shape }));
  const { result, graph, error } = recordOps(tb, recorded, () => tf.tidy(() => fn(inputs)));
  assert.equal(error, null);
  const outputs = result.map((t) => {
    const id = tb.getInputTensorIds([t])[0]!;
    return { name: graph.tensorName(id)!, dtype: graph.metadata(id)!.dtype, shape: t.shape };
  });
  const names = outputs.map((o) => o.name);
  const build = (options: RewriteOptions): { values: Float32Array[]; ops: Set<string>; counts: Record<string, number> } => {
    const { nodes, counts } = rewriteGraph(graph.nodes, names, (t) => graph.metadataOf(t), options);
    const used = new Set(nodes.map((n) => n.name));
    const feeds = recorded.filter((r) => used.has(r.name));
    const g = CompiledGraph.load(tb, { nodes, inputs: feeds.map((r) => ({ name: r.name, dtype: r.dtype, shape: r.shape })), outputs });
    const outs = g.run(feeds.map((r) => inputs[Number(r.name.slice(6))]!));
    const values = outs.map((o) => o.dataSync() as Float32Array);
    tf.dispose(outs);
    g.dispose();
    return { values, ops: new Set(nodes.map((n) => n.op)), counts };
  };
  const plain = build(OFF);
  const rewritten = build({});
  result.forEach((t, i) => {
    const eager = t.dataSync() as Float32Array;
    const scale = Math.max(1e-30, ...Array.from(eager, Math.abs));
    for (const [label, got] of [['recorded', plain.values[i]!], ['rewritten', rewritten.values[i]!]] as const) {
      let worst = 0;
      got.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - eager[j]!)); });
      assert.ok(worst <= 1e-6 * scale, `output ${i} (${label} graph) differs from eager by ${worst} (largest value ${scale})`);
    }
    let worst = 0;
    rewritten.values[i]!.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - plain.values[i]![j]!)); });
    assert.ok(worst <= 1e-6 * scale, `output ${i}: rewritten vs recorded graph differ by ${worst} (largest value ${scale})`);
  });
  tf.dispose(result);
  return { ops: rewritten.ops, recordedOps: plain.ops, counts: rewritten.counts };
}

/** Gradients of sum(relu(conv2d(x, f) + b) · w) with respect to x, f and b, and the forward output. */
function convBiasRelu([x, f, b, w]: readonly tf.Tensor[]): tf.Tensor[] {
  const forward = (xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor): tf.Tensor =>
    tf.fused.conv2d({ x: xx as tf.Tensor4D, filter: ff as tf.Tensor4D, strides: 2, pad: 'valid', bias: bb, activation: 'relu' });
  const grads = tf.grads((xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(forward(xx, ff, bb), w!)))([x!, f!, b!]);
  return [forward(x!, f!, b!), ...grads];
}

/** Gradients of sum(relu(a·W + b) · w) with respect to a, W and b (tfjs's fused matMul, as the dense layers). */
function denseRelu([a, W, b, w]: readonly tf.Tensor[]): tf.Tensor[] {
  const forward = (aa: tf.Tensor, WW: tf.Tensor, bb: tf.Tensor): tf.Tensor => tf.fused.matMul({ a: aa, b: WW, bias: bb, activation: 'relu' });
  return tf.grads((aa: tf.Tensor, WW: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(forward(aa, WW, bb), w!)))([a!, W!, b!]);
}

describe(`graph rewrites on ${backend}`, () => {
  test('conv + bias + ReLU and their gradients: BiasAdd, ReluGrad, BiasAddGrad; same values', { skip }, () => {
    const inputs = [random([3, 9, 9, 4], 1), random([3, 3, 4, 5], 2), random([5], 3), random([3, 4, 4, 5], 4)];
    const r = compare(convBiasRelu, inputs);
    assert.ok(r.recordedOps.has('IsNan') && !r.recordedOps.has('ReluGrad'), 'the recorded graph has tfjs\'s step-based ReLU gradient');
    for (const op of ['BiasAdd', 'ReluGrad', 'BiasAddGrad', 'Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput']) assert.ok(r.ops.has(op), `${op} in ${[...r.ops].join(',')}`);
    for (const op of ['IsNan', 'Greater', 'Select', 'SelectV2']) assert.ok(!r.ops.has(op), `${op} left in the rewritten graph`);
    assert.deepEqual([r.counts.reluGrad, r.counts.biasAdd, r.counts.biasAddGrad], [1, 2, 1]); // BiasAdd: the forward output and the one under tf.grads
    tf.dispose(inputs);
  });

  test("ReLU gradient from tfjs-node's stock Step kernel (Select, ones, fill) becomes ReluGrad too", { skip }, () => {
    const inputs = [random([3, 9, 9, 4], 5), random([3, 3, 4, 5], 6), random([5], 7), random([3, 4, 4, 5], 8)];
    unregisterTensorflowTrainingKernels();
    try {
      const r = compare(convBiasRelu, inputs);
      assert.ok(r.recordedOps.has('Select') && r.recordedOps.has('Fill'), `stock step: ${[...r.recordedOps].join(',')}`);
      assert.equal(r.counts.reluGrad, 1);
      for (const op of ['IsNan', 'Greater', 'Select', 'Fill']) assert.ok(!r.ops.has(op), `${op} left in the rewritten graph`);
    } finally {
      registerTensorflowTrainingKernels();
    }
    tf.dispose(inputs);
  });

  test('dense + bias + ReLU (rank-2 matMul) and the LSTM-style batch-of-one matMul become MatMul; same values', { skip }, () => {
    const inputs = [random([7, 6], 11), random([6, 5], 12), random([5], 13), random([7, 5], 14)];
    const r = compare(denseRelu, inputs);
    assert.ok(r.recordedOps.has('BatchMatMulV2'));
    assert.ok(!r.ops.has('BatchMatMulV2') && r.ops.has('MatMul') && r.ops.has('ReluGrad') && r.ops.has('BiasAddGrad'), [...r.ops].join(','));
    assert.ok((r.counts.matMul ?? 0) >= 3, JSON.stringify(r.counts)); // forward, and the two of the backward pass
    // a transposed operand and a batch of one (rank 3)
    const batched = [random([1, 6, 7], 15), random([1, 6, 5], 16)];
    const b = compare(([x, y]) => [tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D, true, false)], batched);
    assert.ok(!b.ops.has('BatchMatMulV2') && b.ops.has('MatMul'), [...b.ops].join(','));
    tf.dispose([...inputs, ...batched]);
  });

  test("the gradient of a weight read at every step of a recurrence (a chain of Adds) becomes one AddN; same values", { skip }, () => {
    // h_t = tanh(h_{t−1}·W + x_t), 6 steps, as the LSTM's recurrent kernel: tfjs accumulates dW in 5 Adds
    const inputs = [random([6, 3, 4], 31), random([4, 4], 32), random([3, 4], 33)];
    const r = compare(([xs, W, h0]) => tf.grads((w: tf.Tensor) => {
      let h: tf.Tensor = h0!;
      for (const x of tf.unstack(xs!)) h = tf.tanh(tf.add(tf.matMul(h as tf.Tensor2D, w as tf.Tensor2D), x));
      return tf.sum(h);
    })([W!]), inputs);
    assert.ok(r.recordedOps.has('Add') && !r.recordedOps.has('AddN'), [...r.recordedOps].join(','));
    assert.ok(r.ops.has('AddN'), [...r.ops].join(','));
    assert.equal(r.counts.addN, 1, JSON.stringify(r.counts));
    tf.dispose(inputs);
  });

  test('shapes outside the patterns stay as recorded', { skip }, () => {
    const inputs = [random([2, 3, 4], 21), random([2, 4, 5], 22), random([2, 3, 5], 23), random([3, 5], 24)];
    const r = compare(([a, b, c, d]) => {
      const y = tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D); // batch of two
      return [tf.add(y, c!), tf.sum(tf.add(tf.slice(tf.matMul(tf.reshape(a!, [6, 4]), tf.reshape(b!, [4, 10])), [0, 0], [3, 5]), d!), 1)];
    }, inputs);
    assert.ok(r.ops.has('BatchMatMulV2'), 'a batch of two stays BatchMatMulV2');
    assert.equal(r.counts.biasAdd, 0, 'adding a full-shape tensor is no bias add');
    assert.equal(r.counts.biasAddGrad, 0, 'a sum over the last axis is no bias gradient');
    tf.dispose(inputs);
  });
});

describe('graph rewrites: structure (any backend)', () => {
  const f32 = (v: number): NodeSpec['attrs'] => ({ dtype: { type: 1 }, value: { tensor: { dtype: 1, shape: [], content: new Uint8Array(new Float32Array([v]).buffer) } } });
  const placeholder = (name: string): NodeSpec => ({ name, op: 'Placeholder', inputs: [], attrs: { dtype: { type: 1 } } });
  const shapes: Record<string, number[]> = { 'x:0': [4, 3], 'dy:0': [4, 3], 'relu:0': [4, 3], 'zero:0': [], 'one:0': [], 'gt:0': [4, 3], 'nan:0': [4, 3], 'sel:0': [4, 3], 'step:0': [4, 3], 'cast:0': [4, 3], 'grad:0': [4, 3], 'dead:0': [4, 3] };
  const meta = (t: string): { dtype: number; shape: number[] } | undefined => (shapes[t] ? { dtype: 1, shape: shapes[t] } : undefined);
  const nodes: NodeSpec[] = [
    placeholder('x'), placeholder('dy'),
    { name: 'zero', op: 'Const', inputs: [], attrs: f32(0) },
    { name: 'one', op: 'Const', inputs: [], attrs: f32(1) },
    { name: 'relu', op: 'Relu', inputs: ['x:0'], attrs: { T: { type: 1 } } },
    { name: 'gt', op: 'Greater', inputs: ['x:0', 'zero:0'], attrs: { T: { type: 1 } } },
    { name: 'nan', op: 'IsNan', inputs: ['x:0'], attrs: { T: { type: 1 } } },
    { name: 'sel', op: 'SelectV2', inputs: ['nan:0', 'x:0', 'zero:0'], attrs: { T: { type: 1 } } },
    { name: 'step', op: 'SelectV2', inputs: ['gt:0', 'one:0', 'sel:0'], attrs: { T: { type: 1 } } },
    { name: 'cast', op: 'Cast', inputs: ['step:0'], attrs: { SrcT: { type: 1 }, DstT: { type: 1 } } },
    { name: 'grad', op: 'Mul', inputs: ['dy:0', 'cast:0'], attrs: { T: { type: 1 } } },
    { name: 'dead', op: 'Neg', inputs: ['x:0'], attrs: { T: { type: 1 } } },
  ];

  test('the step pattern becomes ReluGrad(dy, relu(x)) in place; its pieces and dead nodes are pruned', () => {
    const { nodes: out, counts } = rewriteGraph(nodes, ['grad:0', 'relu:0'], meta);
    assert.deepEqual(out.map((n) => `${n.name}:${n.op}(${n.inputs.join(',')})`), ['x:Placeholder()', 'dy:Placeholder()', 'relu:Relu(x:0)', 'grad:ReluGrad(dy:0,relu:0)']);
    assert.deepEqual(counts, { reluGrad: 1, biasAdd: 0, biasAddGrad: 0, matMul: 0, identityCast: 1, addN: 0 });
  });

  test('a fetched identity Cast is kept; rewrites can be turned off', () => {
    const kept = rewriteGraph(nodes, ['grad:0', 'cast:0'], meta);
    assert.ok(kept.nodes.some((n) => n.name === 'cast' && n.op === 'Cast'));
    assert.equal(kept.counts.reluGrad, 1);
    const off = rewriteGraph(nodes, ['grad:0'], meta, { reluGrad: false, identityCast: false });
    assert.equal(off.nodes.find((n) => n.name === 'grad')!.op, 'Mul');
    assert.ok(off.nodes.some((n) => n.name === 'cast'));
    const noRelu = rewriteGraph(nodes.filter((n) => n.name !== 'relu'), ['grad:0'], meta);
    assert.deepEqual(noRelu.nodes.find((n) => n.name === 'grad')!.inputs, ['dy:0', 'x:0'], 'without a Relu node, ReluGrad reads x');
  });

  test('a tree of same-shape Adds becomes one AddN of its terms; a fetched or twice-read inner sum, a broadcast and two terms stay', () => {
    const sums: Record<string, number[]> = { 'a:0': [2, 3], 'b:0': [2, 3], 'c:0': [2, 3], 'd:0': [2, 3], 'v:0': [3], 's1:0': [2, 3], 's2:0': [2, 3], 's3:0': [2, 3], 'bc:0': [2, 3], 'u:0': [2, 3] };
    const m = (t: string): { dtype: number; shape: number[] } | undefined => (sums[t] ? { dtype: 1, shape: sums[t] } : undefined);
    const add = (name: string, x: string, y: string): NodeSpec => ({ name, op: 'Add', inputs: [x, y], attrs: { T: { type: 1 } } });
    const graph: NodeSpec[] = [
      ...['a', 'b', 'c', 'd', 'v'].map(placeholder),
      add('s1', 'a:0', 'b:0'), add('s2', 's1:0', 'c:0'), add('s3', 'd:0', 's2:0'), // ((a + b) + c) + d
      add('bc', 'a:0', 'v:0'), add('u', 'bc:0', 'c:0'), // a + v broadcasts: not an inner sum
    ];
    const show = (ns: readonly NodeSpec[], name: string): string => {
      const n = ns.find((x) => x.name === name)!;
      return `${n.op}(${n.inputs.join(',')})${n.op === 'AddN' ? ` N=${n.attrs.N?.i}` : ''}`;
    };
    const all = rewriteGraph(graph, ['s3:0', 'u:0'], m);
    assert.equal(show(all.nodes, 's3'), 'AddN(d:0,a:0,b:0,c:0) N=4');
    assert.ok(!all.nodes.some((n) => n.name === 's1' || n.name === 's2'), 'inner sums are pruned');
    assert.equal(show(all.nodes, 'u'), 'Add(bc:0,c:0)', 'the broadcasting a + v is a term: two terms stay an Add');
    assert.equal(show(all.nodes, 'bc'), 'Add(a:0,v:0)');
    assert.equal(all.counts.addN, 1);
    const fetched = rewriteGraph(graph, ['s3:0', 's1:0'], m); // s1 fetched: a term, not an inner sum
    assert.equal(show(fetched.nodes, 's3'), 'AddN(d:0,s1:0,c:0) N=3');
    assert.equal(show(fetched.nodes, 's1'), 'Add(a:0,b:0)');
    const twice = rewriteGraph([...graph, { name: 'neg', op: 'Neg', inputs: ['s2:0'], attrs: { T: { type: 1 } } }], ['s3:0', 'neg:0'], m);
    assert.equal(show(twice.nodes, 's3'), 'Add(d:0,s2:0)', 's2 is read twice: it stays, and so does its parent');
    assert.equal(show(twice.nodes, 's2'), 'AddN(a:0,b:0,c:0) N=3');
    assert.equal(rewriteGraph(graph, ['s3:0'], m, { addN: false }).nodes.find((n) => n.name === 's3')!.op, 'Add');
  });
});
