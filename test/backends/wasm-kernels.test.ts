// impala-rl's wasm training kernels against the cpu backend (the reference: tfjs's plain-JS kernels,
// which follow TensorFlow's definitions). Tolerances are relative to the largest reference value
// (maxRelDiff): 1e-5 for sums of products (XNNPACK reorders them and uses FMA; every case here
// measured < 1e-6), 1e-6 for max-pool gradients (only the order in which dy values are added into a
// cell differs; measured ≤ 1.1e-7).
import { describe, test, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import '@tensorflow/tfjs-backend-wasm';
import { setupTestBackend, tf } from '../helpers/tf.js';
import {
  WASM_TRAINING_KERNELS,
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
} from '../../src/backends/index.js';
import { gradsOn, maxRelDiff, randomInt, randomValues, seededRandom, type InputSpec } from './compare.js';

const CONV_TOL = 1e-5;
const POOL_TOL = 1e-6;

function spec(rand: () => number, shape: number[], values?: Float32Array): InputSpec {
  return { shape, values: values ?? randomValues(rand, shape.reduce((a, b) => a * b, 1)) };
}

/** Output and input gradients of `f` on wasm and on cpu, from the same inputs and dy. */
async function compareWithCpu(
  f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: readonly InputSpec[], seed: number,
): Promise<{ yDiff: number; gradDiffs: number[] }> {
  const dy = (size: number): Float32Array => randomValues(seededRandom(seed), size);
  const w = await gradsOn('wasm', f, inputs, dy);
  const c = await gradsOn('cpu', f, inputs, dy);
  await tf.setBackend('wasm');
  return { yDiff: maxRelDiff(w.y, c.y), gradDiffs: w.grads.map((g, i) => maxRelDiff(g, c.grads[i]!)) };
}

before(async () => {
  await setupTestBackend();
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
});
// Every test starts (and the comparisons end) on wasm.
beforeEach(() => {
  assert.equal(tf.getBackend(), 'wasm');
});

describe('registerWasmTrainingKernels', () => {
  test('is idempotent and only touches wasm kernels', () => {
    assert.equal(tf.getBackend(), 'wasm');
    const cpuFilter = tf.getKernel('Conv2DBackpropFilter', 'cpu');
    assert.deepEqual(registerWasmTrainingKernels(), []);
    for (const name of WASM_TRAINING_KERNELS) assert.ok(tf.getKernel(name, 'wasm'), name);
    assert.equal(tf.getKernel('Conv2DBackpropFilter', 'cpu'), cpuFilter);
  });

  test('throws a named error when tfjs-backend-wasm has not been imported (fresh process)', () => {
    const code = "import { registerWasmTrainingKernels } from './src/backends/index.ts';" +
      'try { registerWasmTrainingKernels(); } catch (e) { console.log(e.message); }';
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
    assert.match(r.stdout, /registerWasmTrainingKernels: no 'wasm' kernels are registered; import '@tensorflow\/tfjs-backend-wasm' first/);
  });

  test('unregister restores the stock kernels; only= registers a subset', () => {
    const removed = unregisterWasmTrainingKernels();
    assert.deepEqual([...removed].sort(), [...WASM_TRAINING_KERNELS].sort());
    assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined);
    assert.equal(tf.getKernel('UnsortedSegmentSum', 'wasm'), undefined);
    const stockMaxPoolGrad = tf.getKernel('MaxPoolGrad', 'wasm');
    assert.deepEqual(registerWasmTrainingKernels({ only: ['MaxPoolGrad'] }), ['MaxPoolGrad']);
    assert.notEqual(tf.getKernel('MaxPoolGrad', 'wasm'), stockMaxPoolGrad);
    assert.deepEqual(unregisterWasmTrainingKernels(), ['MaxPoolGrad']);
    assert.equal(tf.getKernel('MaxPoolGrad', 'wasm'), stockMaxPoolGrad);
    assert.deepEqual(registerWasmTrainingKernels(), WASM_TRAINING_KERNELS);
  });
});

describe('Conv2DBackpropFilter and Conv2DBackpropInput (conv2d gradients)', () => {
  type ConvCase = [x: number[], w: number[], strides: number | [number, number], pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]]];
  const fixed: ConvCase[] = [
    [[2, 20, 20, 3], [8, 8, 3, 4], 4, 'valid'], // shallow torso, layer 1 (84×84 scaled down)
    [[2, 9, 9, 4], [4, 4, 4, 5], 2, 'valid'], // shallow torso, layer 2
    [[2, 12, 12, 3], [3, 3, 3, 4], 1, 'same'], // deep torso convolutions
    [[2, 11, 13, 3], [3, 3, 3, 2], 2, 'same'], // odd sizes with stride 2
    [[1, 10, 11, 2], [3, 3, 2, 3], [2, 3], 'same'], // unequal strides
    [[2, 7, 7, 2], [3, 3, 2, 2], 1, [[0, 0], [1, 2], [0, 1], [0, 0]]], // explicit padding
    [[2, 9, 9, 3], [1, 1, 3, 4], 1, 'valid'], // 1×1
    [[2, 10, 10, 2], [3, 3, 2, 2], 4, 'same'], // stride > filter
    [[1, 9, 9, 2], [2, 2, 2, 3], 2, 'same'], // even filter, 'same'
    [[2, 10, 10, 2], [3, 3, 2, 2], 2, 'valid'], // rows the forward conv never reaches
    [[2, 13, 8, 2], [3, 3, 2, 2], 4, 'same'], // 'same' with no padding on W: stock Conv2D returned zeros
  ];
  const rand = seededRandom(11);
  const randomCases: ConvCase[] = [];
  while (randomCases.length < 12) {
    const h = randomInt(rand, 4, 16), w = randomInt(rand, 4, 16), fh = randomInt(rand, 1, 5), fw = randomInt(rand, 1, 5);
    const s = randomInt(rand, 1, 4), pad = rand() < 0.5 ? 'same' : 'valid';
    if (pad === 'valid' && (fh > h || fw > w)) continue;
    randomCases.push([[randomInt(rand, 1, 3), h, w, randomInt(rand, 1, 5)], [fh, fw, 0, randomInt(rand, 1, 5)], s, pad]);
  }
  for (const c of randomCases) c[1][2] = c[0][3]!;

  for (const [i, [xs, ws, strides, pad]] of [...fixed, ...randomCases].entries()) {
    test(`case ${i}: x [${xs.join()}] w [${ws.join()}] strides ${JSON.stringify(strides)} pad ${JSON.stringify(pad)}`, async () => {
      const r = seededRandom(100 + i);
      const { yDiff, gradDiffs } = await compareWithCpu(
        (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad), [spec(r, xs), spec(r, ws)], i);
      assert.ok(yDiff < CONV_TOL, `y ${yDiff}`);
      assert.ok(gradDiffs[0]! < CONV_TOL, `dx ${gradDiffs[0]}`);
      assert.ok(gradDiffs[1]! < CONV_TOL, `dw ${gradDiffs[1]}`);
    });
  }

  test('fused conv2d with bias and relu', async () => {
    const r = seededRandom(3);
    const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor =>
      tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, bias: b, strides: 2, pad: 'same', activation: 'relu' });
    const { yDiff, gradDiffs } = await compareWithCpu(f, [spec(r, [2, 9, 9, 3]), spec(r, [3, 3, 3, 4]), spec(r, [4])], 3);
    assert.ok(yDiff < CONV_TOL, `y ${yDiff}`);
    for (const d of gradDiffs) assert.ok(d < CONV_TOL, `grad ${d}`);
  });

  test('the stock Conv2D still returns zeros for an overshooting \'same\' (if this fails, upstream fixed it: drop the patch)', () => {
    // 8 rows, 3-row filter, stride 4: 'same' gives 2 output rows and no padding (cpu: 86, 218 below).
    const run = (): number[] => tf.tidy(() => Array.from(tf.conv2d(
      tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 8, 1, 1]), tf.tensor4d([1, 11, 21], [3, 1, 1, 1]), 4, 'same').dataSync()));
    // Hand-computed: rows 0..2 → 1·1 + 2·11 + 3·21 = 86; rows 4..6 → 5·1 + 6·11 + 7·21 = 218.
    assert.deepEqual(run(), [86, 218]);
    unregisterWasmTrainingKernels();
    try {
      assert.deepEqual(run(), [0, 0]);
    } finally {
      registerWasmTrainingKernels();
    }
  });

  test('Conv2DBackpropInput gives the stock kernel\'s result', () => {
    const r = seededRandom(5);
    const dy = spec(r, [2, 6, 6, 4]), w = spec(r, [3, 3, 3, 4]);
    const run = (): Float32Array => tf.tidy(() => tf.engine().runKernel<tf.Tensor>('Conv2DBackpropInput',
      { dy: tf.tensor(dy.values, [...dy.shape]), filter: tf.tensor(w.values, [...w.shape]) },
      { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [2, 11, 11, 3] }).dataSync() as Float32Array);
    const ours = run();
    unregisterWasmTrainingKernels();
    const stock = run();
    registerWasmTrainingKernels();
    assert.ok(maxRelDiff(ours, stock) < CONV_TOL);
  });
});

describe('MaxPoolGrad', () => {
  // 2×2 windows, stride 2, on a 4×4 image. Windows (row-major cells):
  //   top-left {-3, -1, -0.5, -5} → max -0.5 at (1,0); top-right {-2, -9, -4, -1} → max -1 at (1,3);
  //   bottom-left {1, 2, 3, 4} → max 4 at (3,1); bottom-right {-7, 2, 2, 0.5} → tie, first max at (2,3).
  // With dy = [[10, 20], [30, 40]], dx is dy placed at those cells (hand-derived; the cpu and
  // tensorflow backends agree, the stock wasm kernel does not).
  const x = [-3, -1, -2, -9, -0.5, -5, -4, -1, 1, 2, -7, 2, 3, 4, 2, 0.5];
  const dy = [10, 20, 30, 40];
  const expected = [0, 0, 0, 0, 10, 0, 0, 20, 0, 0, 0, 40, 0, 30, 0, 0];
  const poolGrad = (): number[] => tf.tidy(() => {
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), tf.tensor4d(dy, [1, 2, 2, 1]))));
    return Array.from(g(tf.tensor4d(x, [1, 4, 4, 1])).dataSync());
  });

  test('negative windows and ties: the 4×4 example', async () => {
    assert.deepEqual(poolGrad(), expected);
    await tf.setBackend('cpu');
    assert.deepEqual(poolGrad(), expected);
    await tf.setBackend('wasm');
  });

  test('the stock wasm kernel still gets it wrong (if this fails, upstream fixed MaxPoolGrad: drop the patch)', () => {
    unregisterWasmTrainingKernels();
    try {
      assert.notDeepEqual(poolGrad(), expected);
    } finally {
      registerWasmTrainingKernels();
    }
  });

  test('without the forward output (fallback path) on the 4×4 example', () => {
    const out = tf.tidy(() => Array.from(tf.engine().runKernel<tf.Tensor>('MaxPoolGrad',
      { dy: tf.tensor4d(dy, [1, 2, 2, 1]), input: tf.tensor4d(x, [1, 4, 4, 1]) },
      { filterSize: 2, strides: 2, pad: 'valid' }).dataSync()));
    assert.deepEqual(out, expected);
  });

  type PoolCase = [x: number[], filter: number, stride: number, pad: 'same' | 'valid', ties: boolean];
  const cases: PoolCase[] = [
    [[2, 17, 17, 3], 3, 2, 'same', false], // the deep torso's pooling
    [[1, 21, 21, 4], 3, 2, 'same', true], // integer values: many ties
    [[2, 10, 10, 3], 2, 2, 'valid', false],
    [[2, 9, 9, 2], 3, 1, 'same', true],
    [[1, 11, 8, 3], 3, 2, 'valid', false],
    [[2, 5, 5, 2], 3, 2, 'same', true],
  ];
  for (const [i, [xs, f, s, pad, ties]] of cases.entries()) {
    test(`x [${xs.join()}] ${f}×${f} stride ${s} ${pad}${ties ? ', ties' : ''}`, async () => {
      const r = seededRandom(200 + i);
      const inp = spec(r, xs);
      if (ties) inp.values.forEach((v, j) => { inp.values[j] = Math.round(v); });
      const { yDiff, gradDiffs } = await compareWithCpu((t) => tf.maxPool(t as tf.Tensor4D, f, s, pad), [inp], i);
      assert.equal(yDiff, 0);
      assert.ok(gradDiffs[0]! < POOL_TOL, `dx ${gradDiffs[0]}`);
    });
  }
});

describe('BatchMatMul and _FusedMatMul transposed paths', () => {
  type MmCase = [a: number[], b: number[], ta: boolean, tb: boolean];
  const cases: MmCase[] = [
    [[5, 7], [7, 3], false, false],
    [[5, 7], [3, 7], false, true],
    [[7, 5], [7, 3], true, false],
    [[7, 5], [3, 7], true, true],
    [[2, 7, 5], [2, 3, 7], true, true], // batched
    [[3, 2, 5, 7], [3, 2, 7, 4], false, false], // rank 4
    [[3, 2, 7, 5], [3, 2, 4, 7], true, true], // rank 4, transposed
  ];
  for (const [i, [as, bs, ta, tb]] of cases.entries()) {
    test(`a [${as.join()}] b [${bs.join()}] transposeA ${ta} transposeB ${tb}`, async () => {
      const r = seededRandom(300 + i);
      const { yDiff, gradDiffs } = await compareWithCpu((a, b) => tf.matMul(a, b, ta, tb), [spec(r, as), spec(r, bs)], i);
      assert.ok(yDiff < CONV_TOL, `y ${yDiff}`);
      for (const d of gradDiffs) assert.ok(d < CONV_TOL, `grad ${d}`);
    });
  }
  // tfjs's BatchMatMul gradient does not reduce broadcast batch axes (on any backend), so broadcasting
  // is checked on the forward pass only.
  test('broadcast batch axes, transposed (forward)', async () => {
    const r = seededRandom(8);
    const a = spec(r, [3, 7, 5]), b = spec(r, [1, 4, 7]);
    const run = async (backend: string): Promise<Float32Array> => {
      await tf.setBackend(backend);
      return tf.tidy(() => tf.matMul(tf.tensor(a.values, [...a.shape]), tf.tensor(b.values, [...b.shape]), true, true).dataSync() as Float32Array);
    };
    const w = await run('wasm');
    const c = await run('cpu');
    await tf.setBackend('wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.ok(maxRelDiff(w, c) < CONV_TOL);
  });
  test('fused matMul, transposed, with bias and relu', async () => {
    const r = seededRandom(7);
    const f = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor): tf.Tensor =>
      tf.fused.matMul({ a: a, b: b, transposeA: true, transposeB: true, bias, activation: 'relu' });
    const { yDiff, gradDiffs } = await compareWithCpu(f, [spec(r, [6, 4]), spec(r, [3, 6]), spec(r, [3])], 7);
    assert.ok(yDiff < CONV_TOL, `y ${yDiff}`);
    for (const d of gradDiffs) assert.ok(d < CONV_TOL, `grad ${d}`);
  });
});

describe('UnsortedSegmentSum and Identity', () => {
  test('gather gradient (UnsortedSegmentSum) with repeated indices', async () => {
    const r = seededRandom(9);
    const idx = [3, 0, 3, 1, 3];
    const { yDiff, gradDiffs } = await compareWithCpu((p) => tf.gather(p, tf.tensor1d(idx, 'int32')), [spec(r, [5, 4])], 9);
    assert.equal(yDiff, 0);
    assert.ok(gradDiffs[0]! < 1e-7, `grad ${gradDiffs[0]}`);
  });

  test('unsortedSegmentSum: hand-computed sums, ids out of range dropped', () => {
    // rows 0 and 2 go to segment 1, row 1 to segment 0, row 3 (id 5) is outside [0, 3) and dropped.
    const out = tf.tidy(() => Array.from(tf.unsortedSegmentSum(
      tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]]), tf.tensor1d([1, 0, 1, 5], 'int32'), 3).dataSync()));
    assert.deepEqual(out, [3, 4, 6, 8, 0, 0]);
  });

  test('tf.clone shares the buffer and survives disposing the original', () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const a = tf.tensor1d([1, 2, 3]);
    const ids = backend.numDataIds();
    const b = tf.clone(a);
    assert.equal(backend.numDataIds(), ids);
    a.dispose();
    assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3]);
    b.dispose();
    assert.equal(backend.numDataIds(), ids - 1);
  });
});

describe('OneHot and Cast', () => {
  // indices 2, 0, 5 (outside [0, 3): an all-off row), −1 (likewise) and 1, depth 3.
  const indices = [2, 0, 5, -1, 1];
  const oneHot = (dtype: 'float32' | 'int32', on: number, off: number): number[] =>
    tf.tidy(() => Array.from(tf.oneHot(tf.tensor1d(indices, 'int32'), 3, on, off, dtype).dataSync()));

  test('float32 and int32 one-hots equal the cpu backend\'s (hand-checked rows)', async () => {
    const cases: [('float32' | 'int32'), number, number][] = [['float32', 1, 0], ['float32', 0.5, -1], ['int32', 1, 0], ['int32', 7, -2]];
    const wasm = cases.map(([d, on, off]) => oneHot(d, on, off));
    await tf.setBackend('cpu');
    const cpu = cases.map(([d, on, off]) => oneHot(d, on, off));
    await tf.setBackend('wasm');
    assert.deepEqual(wasm, cpu);
    // Row b holds `on` at column indices[b] when that is in [0, 3), `off` elsewhere.
    assert.deepEqual(wasm[1], [-1, -1, 0.5, 0.5, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0.5, -1]);
  });

  test('the stock OneHot still writes int32 bits into float32 (if this fails, upstream fixed it: drop the patch)', () => {
    unregisterWasmTrainingKernels();
    try {
      const stock = oneHot('float32', 1, 0);
      assert.equal(stock[2], 1.401298464324817e-45, 'the float32 whose bits are the int32 1');
    } finally {
      registerWasmTrainingKernels();
    }
  });

  test('a same-dtype Cast shares the buffer; conversions equal the cpu backend\'s', async () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const a = tf.tensor1d([1.5, -2, 3]);
    const ids = backend.numDataIds();
    const b = tf.cast(a, 'float32');
    assert.equal(backend.numDataIds(), ids);
    a.dispose();
    assert.deepEqual(Array.from(b.dataSync()), [1.5, -2, 3]);
    const c = tf.cast(b, 'int32');
    assert.equal(c.dtype, 'int32');
    assert.deepEqual(Array.from(c.dataSync()), [1, -2, 3]);
    tf.dispose([b, c]);
    // Conversions to bool: non-zero → 1 (hand-checked), as on the cpu backend.
    const conversions = (): number[][] => tf.tidy(() => [
      Array.from(tf.cast(tf.tensor1d([0, 2, 0, -3], 'int32'), 'bool').dataSync()),
      Array.from(tf.cast(tf.tensor1d([0, 0.5, -0, NaN, -1e-30]), 'bool').dataSync()),
      Array.from(tf.cast(tf.tensor1d([1.7, -1.7, 0.5]), 'int32').dataSync()),
      Array.from(tf.cast(tf.tensor1d([1, 0, 1], 'bool'), 'float32').dataSync()),
    ]);
    const wasm = conversions();
    await tf.setBackend('cpu');
    const cpu = conversions();
    await tf.setBackend('wasm');
    assert.deepEqual(wasm, cpu);
    assert.deepEqual(wasm[0], [0, 1, 0, 1]);
    assert.deepEqual(wasm[1], [0, 1, 0, 1, 1]);
  });

  test('the stock Cast to bool still keeps the numbers (if this fails, upstream fixed it: keep only the sharing)', () => {
    unregisterWasmTrainingKernels();
    try {
      assert.deepEqual(tf.tidy(() => Array.from(tf.cast(tf.tensor1d([0, 2], 'int32'), 'bool').dataSync())), [0, 2]);
    } finally {
      registerWasmTrainingKernels();
    }
  });
});
