/**
 * The WebAssembly SIMD V-trace kernel (src/vtrace/wasm-kernel.ts) against its oracle, the JavaScript kernel
 * (src/vtrace/kernel.ts), which the golden and property suites check against the golden files and the
 * paper-notation oracle. Expected values here are the JavaScript kernel's results on deterministic inputs:
 * bit for bit for the float64-arithmetic paths (float64, mixed inputs, and float32 storage with float64
 * arithmetic: the same operations in the same order with the same exp), within the golden float32 tolerance
 * `1e-5 + 1e-5·|e|` for the float32-arithmetic (f32x4) path. The exps' expected values are Math.exp's (V8's
 * fdlibm port, within 1 ulp of exp), rounded to float32 for the float32 exp.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { vtrace } from '../../src/index.js';
import { resolveVTraceOptions } from '../../src/vtrace/options.js';
import { assertClose } from '../helpers/close.js';
import { setupTestBackend, tf } from '../helpers/tf.js';
import {
  runVTraceKernel,
  setVTraceKernelForTesting,
  vtraceKernelName,
  vtraceKernelRunsForTesting,
  wasmExpForTesting,
  wasmExpF32ForTesting,
  type VTraceKernelName,
} from '../../src/vtrace/wasm-kernel.js';

await setupTestBackend();
after(() => {
  setVTraceKernelForTesting('auto');
});

type Args = Parameters<typeof vtrace.arrays.fromImportanceWeights>[0];

/** Deterministic inputs (an LCG): log ρ in [−spread/2, spread/2], episode ends with probability 0.05. */
interface Inputs {
  T: number;
  B: number;
  logRhos: Float32Array;
  discounts: Float32Array;
  rewards: Float32Array;
  values: Float32Array;
  bootstrapValue: Float32Array;
}

function inputs(T: number, B: number, K = 1, seed = 7, spread = 4): Inputs {
  let state = seed >>> 0;
  const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const n = T * B * K;
  const fill = (len: number, f: () => number) => Float32Array.from({ length: len }, f);
  return {
    T,
    B,
    logRhos: fill(n, () => (rand() - 0.5) * spread),
    discounts: fill(n, () => (rand() < 0.05 ? 0 : 0.99)),
    rewards: fill(n, () => rand() * 2 - 1),
    values: fill(n, () => rand() * 4 - 2),
    bootstrapValue: fill(B * K, () => rand() * 4 - 2),
  };
}

function withKernel<R>(kernel: VTraceKernelName, f: () => R): R {
  setVTraceKernelForTesting(kernel);
  try {
    return f();
  } finally {
    setVTraceKernelForTesting('auto');
  }
}

/** Both kernels' results; asserts the WebAssembly one ran. */
function bothKernels(args: Args, label: string) {
  const before = vtraceKernelRunsForTesting()['wasm-simd'];
  const wasm = withKernel('wasm-simd', () => vtrace.arrays.fromImportanceWeights(args));
  assert.equal(vtraceKernelRunsForTesting()['wasm-simd'], before + 1, `${label}: the WebAssembly kernel did not run`);
  const js = withKernel('javascript', () => vtrace.arrays.fromImportanceWeights(args));
  assert.equal(wasm.vs.constructor, js.vs.constructor, `${label}: result type`);
  return { wasm, js };
}

/**
 * Float64 arithmetic paths: identical results. Float32 inputs and results (f32x4 arithmetic): within the golden
 * float32 tolerance, and the float32-storage, float64-arithmetic path (its fallback) identical.
 */
function assertSameAsJs(args: Args, label: string): void {
  const { wasm, js } = bothKernels(args, label);
  if (!(wasm.vs instanceof Float32Array) || Array.isArray(args.logRhos) || !(args.logRhos instanceof Float32Array) || args.dtype === 'float64') {
    assert.deepEqual(wasm.vs, js.vs, `${label}: vs`);
    assert.deepEqual(wasm.pgAdvantages, js.pgAdvantages, `${label}: pgAdvantages`);
    return;
  }
  // Equal values (±Infinity included: an overflow sends the call to float64 arithmetic) count as close.
  const close = (a: Float32Array | Float64Array, e: Float32Array | Float64Array, what: string) => {
    assertClose(a.map((v, i) => (Object.is(v, e[i]) ? 0 : v)), e.map((v, i) => (Object.is(v, a[i]) ? 0 : v)), 1e-5, 1e-5, `${label}: ${what} (f32x4)`);
  };
  close(wasm.vs, js.vs, 'vs');
  close(wasm.pgAdvantages, js.pgAdvantages, 'pgAdvantages');
  const n = args.logRhos.length;
  const exact = { vs: new Float32Array(n), pgAdvantages: new Float32Array(n) };
  const T = args.T;
  const shape = n === T * args.B ? [T, args.B] : [T, args.B, n / (T * args.B)];
  runVTraceKernel('test', shape, args, resolveVTraceOptions('test', args), exact, { exactFloat32: true });
  assert.deepEqual(exact.vs, js.vs, `${label}: vs (float32 storage, float64 arithmetic)`);
  assert.deepEqual(exact.pgAdvantages, js.pgAdvantages, `${label}: pgAdvantages (float32 storage, float64 arithmetic)`);
}

const f64 = (x: Float32Array) => Float64Array.from(x);

describe('WebAssembly SIMD V-trace kernel', () => {
  test('is the kernel selected in Node (WebAssembly SIMD is available since Node 16.4)', () => {
    assert.equal(vtraceKernelName(), 'wasm-simd');
    assert.equal(vtrace.arrays.kernelName(), 'wasm-simd');
  });

  test('the tensor path runs it too (float32 arithmetic), with the same results as vtrace.arrays', () => {
    const x = inputs(7, 6, 1, 11);
    const t = (a: Float32Array, shape: number[]) => tf.tensor(a, shape, 'float32');
    const args = { logRhos: t(x.logRhos, [7, 6]), discounts: t(x.discounts, [7, 6]), rewards: t(x.rewards, [7, 6]), values: t(x.values, [7, 6]), bootstrapValue: t(x.bootstrapValue, [6]) };
    const before = vtraceKernelRunsForTesting()['wasm-simd'];
    const out = vtrace.fromImportanceWeights(args);
    assert.equal(vtraceKernelRunsForTesting()['wasm-simd'], before + 1);
    assert.deepEqual(out.vs.dataSync(), vtrace.arrays.fromImportanceWeights(x).vs);
    tf.dispose([...Object.values(args), out.vs, out.pgAdvantages]);
  });

  test('the committed .wat and bytes.ts are what src/vtrace/wasm/generate.mjs produces', () => {
    const script = fileURLToPath(new URL('../../src/vtrace/wasm/generate.mjs', import.meta.url));
    const r = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr + r.stdout);
  });

  test('matches the JavaScript kernel: shapes around the f32x4/f64x2 widths and the staging blocks', () => {
    // N = B·K not a multiple of 4 or 2 (tail columns), T not a multiple of the rows per block, N above the
    // staging block (one row per block), a single row and a single column.
    const shapes: [number, number, number][] = [[1, 1, 1], [3, 1, 1], [5, 3, 1], [7, 5, 1], [20, 32, 1], [9, 6, 3], [33, 257, 1], [100, 256, 1], [4, 8193, 1], [37, 130, 2]];
    for (const [T, B, K] of shapes) {
      const x = inputs(T, B, K, T * 1000 + B);
      const label = `[${T},${B},${K}]`;
      assertSameAsJs(x, `${label} float32`);
      assertSameAsJs({ ...x, logRhos: f64(x.logRhos), discounts: f64(x.discounts) }, `${label} float64 (mixed inputs)`);
      assertSameAsJs({ ...x, dtype: 'float64' }, `${label} float32 inputs, dtype float64`);
      assertSameAsJs({ ...x, rewards: Array.from(x.rewards, (r) => r * Math.PI), dtype: 'float32' }, `${label} number[] rewards, dtype float32`);
    }
  });

  test('matches the JavaScript kernel for every threshold, λ, and log ρ far outside (−40, 40) and (−80, 80)', () => {
    const thresholds = [null, 0, 0.5, 1, 2.5];
    let k = 0;
    for (const clipRhoThreshold of thresholds) {
      for (const clipPgRhoThreshold of thresholds) {
        for (const [clipCThreshold, lambda] of [[1, 1], [null, 0.9], [0.5, 0], [2, 0.5]] as const) {
          const x = inputs(6, 7, 1, k++, k % 2 === 0 ? 4 : 120); // spread 120: log ρ up to ±60, Math.exp lanes
          if (k % 3 === 0) x.logRhos.set([Infinity, -Infinity, 88, -100, 39.99, -39.99, 40, -40]);
          assertSameAsJs({ ...x, clipRhoThreshold, clipPgRhoThreshold, clipCThreshold, lambda }, `case ${k}`);
        }
      }
    }
  });

  test('non-finite inputs: the same errors as the JavaScript kernel, naming argument and index', () => {
    const T = 9;
    const B = 7; // columns 4..6 go through the tail code
    const message = (kernel: VTraceKernelName, args: Args): string =>
      withKernel(kernel, () => {
        try {
          vtrace.arrays.fromImportanceWeights(args);
        } catch (e) {
          return (e as Error).message;
        }
        return 'no error';
      });
    for (const name of ['logRhos', 'discounts', 'rewards', 'values', 'bootstrapValue'] as const) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        for (const at of [0, 5, 30, 62]) {
          for (const dtype of ['float32', 'float64'] as const) {
            const x = inputs(T, B, 1, at);
            const arrays: Record<string, Float32Array | Float64Array> = { logRhos: x.logRhos, discounts: x.discounts, rewards: x.rewards, values: x.values, bootstrapValue: x.bootstrapValue };
            if (dtype === 'float64') for (const key of Object.keys(arrays)) arrays[key] = f64(arrays[key] as Float32Array);
            const target = arrays[name]!;
            target[at % target.length] = bad;
            const args = { T, B, ...arrays } as unknown as Args;
            const expected = message('javascript', args);
            assert.equal(message('wasm-simd', args), expected, `${name}[${at}] = ${bad} (${dtype})`);
            if (name !== 'logRhos' || Number.isNaN(bad)) assert.match(expected, new RegExp(`'${name}' contains`));
          }
        }
      }
    }
  });

  test('the private memory is reused and grown: results do not depend on earlier calls', () => {
    const small = inputs(5, 3);
    const big = inputs(50, 9000);
    const first = vtrace.arrays.fromImportanceWeights(small);
    vtrace.arrays.fromImportanceWeights(big); // grows the memory
    const again = vtrace.arrays.fromImportanceWeights(small);
    assert.deepEqual(again, first);
    first.vs.fill(123); // results are the caller's own arrays, not views of the kernel's memory
    assert.notDeepEqual(vtrace.arrays.fromImportanceWeights(small).vs, first.vs);
    assertSameAsJs(big, 'after growth');
  });

  test('exp: within 2 ulps of Math.exp on (−40, 40) (200,001 points and the table boundaries), Math.exp outside', () => {
    const xs: number[] = [];
    for (let i = 0; i <= 200_000; i++) xs.push(-40 + (80 * i) / 200_000 + 1e-9 * Math.sin(i));
    for (let k = -3690; k <= 3690; k += 7) for (const dx of [-1e-12, 0, 1e-12]) xs.push((k * Math.LN2) / 64 + dx);
    xs.push(0, -0, 1e-300, -1e-300, Math.LN2 / 128, -Math.LN2 / 128, 39.999999, -39.999999);
    const outside = [-40, 40, -745, -800, 700, 710, -Infinity, Infinity, NaN];
    const got = wasmExpForTesting(Float64Array.from([...xs, ...outside]));
    assert.ok(got !== null, 'kernel unavailable');
    let worst = 0;
    xs.forEach((x, i) => {
      const expected = Math.exp(x);
      const ulp = 2 ** (Math.floor(Math.log2(expected)) - 52);
      worst = Math.max(worst, Math.abs(got[i]! - expected) / ulp);
    });
    assert.ok(worst <= 2, `max error ${worst} ulps`);
    outside.forEach((x, i) => { assert.ok(Object.is(got[xs.length + i], Math.exp(x)), `exp(${x})`); });
  });
});

describe('WebAssembly SIMD V-trace kernel, float32 exp', () => {
  test('within 2 float32 ulps of Math.exp rounded to float32 on (−80, 80) (400,000 points)', () => {
    const xs = new Float32Array(400_000);
    for (let i = 0; i < xs.length; i++) xs[i] = -80 + (160 * i) / xs.length + 1e-4 * Math.sin(i);
    const got = wasmExpF32ForTesting(xs);
    assert.ok(got !== null, 'kernel unavailable');
    let worst = 0;
    xs.forEach((x, i) => {
      const expected = Math.fround(Math.exp(x));
      const ulp = 2 ** (Math.floor(Math.log2(expected)) - 23);
      worst = Math.max(worst, Math.abs(got[i]! - expected) / ulp);
    });
    assert.ok(worst <= 2, `max error ${worst} float32 ulps`);
  });

  test('log ρ far outside the float32 exp\'s range: ρ = 0 below −87.3, an overflow is redone in float64 arithmetic', () => {
    for (const bad of [80, -80, 88, -87, -95, -200, -Infinity]) {
      const x = inputs(6, 9, 1, 3);
      x.logRhos[20] = bad;
      assertSameAsJs({ ...x, clipRhoThreshold: null }, `log ρ = ${bad}`);
    }
    // ρ = e^95 overflows float32: the whole call runs in float64 arithmetic, identical to the JavaScript kernel.
    for (const bad of [89, 95, 1000]) {
      const x = inputs(6, 9, 1, 3);
      x.logRhos[20] = bad;
      const args = { ...x, clipRhoThreshold: null, rewards: x.rewards.map((r) => r * 1e-30) };
      const { wasm, js } = bothKernels(args, String(bad));
      assert.deepEqual(wasm.vs, js.vs, `log ρ = ${bad}: vs`);
      assert.deepEqual(wasm.pgAdvantages, js.pgAdvantages, `log ρ = ${bad}: pgAdvantages`);
    }
  });
});

describe('vtrace.arrays.VTraceWorkspace', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    test(`${dtype}: same results as fromImportanceWeights, in place, reusable`, () => {
      const ws = new vtrace.arrays.VTraceWorkspace({ T: 11, B: 6, K: 3, dtype });
      assert.equal(ws.kernel, 'wasm-simd');
      for (const [seed, options] of [[1, {}], [2, { clipRhoThreshold: null, lambda: 0.5 }], [3, { clipPgRhoThreshold: 0 }]] as const) {
        const x = inputs(11, 6, 3, seed);
        ws.logRhos.set(x.logRhos);
        ws.discounts.set(x.discounts);
        ws.rewards.set(x.rewards);
        ws.values.set(x.values);
        ws.bootstrapValue.set(x.bootstrapValue);
        const out = ws.run(options);
        assert.equal(out.vs, ws.vs);
        const cast = dtype === 'float32' ? (a: Float32Array) => a : f64;
        const expected = vtrace.arrays.fromImportanceWeights({ T: 11, B: 6, ...options, logRhos: cast(x.logRhos), discounts: cast(x.discounts), rewards: cast(x.rewards), values: cast(x.values), bootstrapValue: cast(x.bootstrapValue) });
        assert.deepEqual(ws.vs, expected.vs);
        assert.deepEqual(ws.pgAdvantages, expected.pgAdvantages);
      }
    });
  }

  test('errors: bad sizes, bad options, non-finite inputs (argument and index named)', () => {
    assert.throws(() => new vtrace.arrays.VTraceWorkspace({ T: 0, B: 2 }), /'T' must be an integer >= 1/);
    assert.throws(() => new vtrace.arrays.VTraceWorkspace({ T: 2, B: 2, dtype: 'int8' as 'float32' }), /'dtype' must be 'float32' or 'float64'/);
    const ws = new vtrace.arrays.VTraceWorkspace({ T: 3, B: 2 });
    assert.throws(() => ws.run({ lambda: 2 }), /'lambda' must be a number in \[0, 1\]/);
    ws.rewards[4] = NaN;
    assert.throws(() => ws.run(), { name: 'VTraceArgumentError', message: "vtrace.arrays.VTraceWorkspace.run: 'rewards' contains a non-finite value (NaN) at [2,0]" });
  });

  test('B = 0: empty arrays, nothing to compute', () => {
    const ws = new vtrace.arrays.VTraceWorkspace({ T: 3, B: 0 });
    assert.equal(ws.vs.length, 0);
    assert.deepEqual(ws.run(), { vs: ws.vs, pgAdvantages: ws.pgAdvantages });
  });

  test('falls back to plain arrays and the JavaScript kernel where WebAssembly is unavailable', () => {
    const ws = withKernel('javascript', () => new vtrace.arrays.VTraceWorkspace({ T: 4, B: 3 }));
    assert.equal(ws.kernel, 'javascript');
    const x = inputs(4, 3);
    ws.logRhos.set(x.logRhos);
    ws.discounts.set(x.discounts);
    ws.rewards.set(x.rewards);
    ws.values.set(x.values);
    ws.bootstrapValue.set(x.bootstrapValue);
    assert.deepEqual(ws.run().vs, withKernel('javascript', () => vtrace.arrays.fromImportanceWeights(x)).vs);
  });
});

describe('negative discounts on the float32 path (checked by the kernel as it reads them)', () => {
  // Expected messages are those of the JavaScript scan (test/vtrace/errors.test.ts), which the kernel defers to.
  const cases: [string, number, number][] = [
    ['staged, first element', 7, 37],
    ['staged, last element (a tail column)', 7, 37],
    ['unstaged (a row longer than the staging arrays)', 2, 8195],
  ];
  for (const [name, T, B] of cases) {
    for (const kernel of ['wasm-simd', 'javascript'] as const) {
      test(`${name}, ${kernel} kernel`, () => {
        setVTraceKernelForTesting(kernel);
        try {
          const x = inputs(T, B);
          const at = name.includes('last') ? T * B - 1 : name.includes('first') ? 0 : T * B - 5;
          x.discounts[at] = -0.25;
          assert.throws(() => vtrace.arrays.fromImportanceWeights(x), new RegExp(`'discounts' holds -0.25 at \\[${at}\\]; discounts must be >= 0`));
          // A NaN log ρ elsewhere does not hide it: the discounts are reported first, as before.
          x.logRhos[1] = NaN;
          assert.throws(() => vtrace.arrays.fromImportanceWeights(x), /'discounts' holds -0.25/);
          // −∞ is a non-finite input, not a negative discount.
          x.logRhos[1] = 0;
          x.discounts[at] = -Infinity;
          assert.throws(() => vtrace.arrays.fromImportanceWeights(x), /'discounts' contains a non-finite value \(-Infinity\)/);
          // The kernel's running minimum starts afresh: valid discounts pass on the next call, and -0 is valid.
          x.discounts[at] = -0;
          const { vs } = vtrace.arrays.fromImportanceWeights(x);
          assert.ok(vs.every(Number.isFinite));
        } finally {
          setVTraceKernelForTesting('auto');
        }
      });
    }
  }
});

test('results own their buffers, of exactly their size (not views of a pool or of the kernel memory)', () => {
  for (const [T, B] of [[1, 1], [3, 5], [20, 300]] as const) {
    const x = inputs(T, B);
    const a = vtrace.arrays.fromImportanceWeights(x);
    const b = vtrace.arrays.fromImportanceWeights({ ...x, dtype: 'float64' });
    for (const arr of [a.vs, a.pgAdvantages, b.vs, b.pgAdvantages]) {
      assert.equal(arr.byteOffset, 0);
      assert.equal(arr.buffer.byteLength, arr.byteLength);
      assert.ok(arr.every(Number.isFinite));
    }
    assert.notEqual(a.vs.buffer, a.pgAdvantages.buffer);
  }
});
