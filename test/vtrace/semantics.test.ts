/**
 * Pins down the semantics the reference implementations agree on (docs/reference-facts.md §3). Expected values are derived by hand in each test.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { vtrace } from '../../src/index.js';
import { assertClose } from '../helpers/close.js';

const T = 4;
const B = 2;
const base = {
  T,
  B,
  discounts: [0.9, 0.9, 0.8, 0, 0.9, 0.9, 0.9, 0.9],
  rewards: [1, -1, 0.5, 2, -0.5, 1, 1, 0],
  values: [0.2, 0.1, -0.3, 0.4, 0.5, -0.2, 0.1, 0.3],
  bootstrapValue: [0.7, -0.4],
};

describe('vtrace semantics', () => {
  test('on-policy with λ = 1: vs is the discounted n-step return with bootstrap', () => {
    const out = vtrace.arrays.fromImportanceWeights({ ...base, logRhos: new Array(T * B).fill(0) });
    // Hand-computed: G_t = r_t + d_t G_{t+1}, G_T = bootstrap.
    for (let b = 0; b < B; b++) {
      let g = base.bootstrapValue[b]!;
      for (let t = T - 1; t >= 0; t--) {
        g = base.rewards[t * B + b]! + base.discounts[t * B + b]! * g;
        assert.ok(Math.abs(out.vs[t * B + b]! - g) < 1e-12, `vs[${t},${b}]`);
      }
    }
  });

  test('λ = 0 gives the one-step target V + ρ̄(r + dV′ − V)', () => {
    const logRhos = [0.3, -0.2, 1.1, -2, 0, 0.5, -0.1, 2];
    const out = vtrace.arrays.fromImportanceWeights({ ...base, logRhos, lambda: 0, clipRhoThreshold: 1.5 });
    for (let i = 0; i < T * B; i++) {
      const t = Math.floor(i / B);
      const next = t === T - 1 ? base.bootstrapValue[i % B]! : base.values[i + B]!;
      const expected = base.values[i]! + Math.min(1.5, Math.exp(logRhos[i]!)) * (base.rewards[i]! + base.discounts[i]! * next - base.values[i]!);
      assert.ok(Math.abs(out.vs[i]! - expected) < 1e-12);
    }
  });

  test('null means no clipping and 0 clips to 0 (vs = V, pg = 0)', () => {
    const logRhos = [1, 1, 1, 1, 1, 1, 1, 1];
    const zero = vtrace.arrays.fromImportanceWeights({ ...base, logRhos, clipRhoThreshold: 0, clipPgRhoThreshold: 0 });
    assert.deepEqual(Array.from(zero.vs), base.values);
    assert.ok(Array.from(zero.pgAdvantages).every((x) => x === 0)); // ±0
    const none = vtrace.arrays.fromImportanceWeights({ ...base, logRhos, clipRhoThreshold: null, clipPgRhoThreshold: null, clipCThreshold: null });
    const one = vtrace.arrays.fromImportanceWeights({ ...base, logRhos, clipRhoThreshold: 1, clipPgRhoThreshold: 1, clipCThreshold: 1 });
    assert.notDeepEqual(Array.from(none.vs), Array.from(one.vs));
    // Last step, b = 0: pg = ρ(r + d·bootstrap − V) with ρ = e unclipped.
    assert.ok(Math.abs(none.pgAdvantages[6]! - Math.E * (1 + 0.9 * 0.7 - 0.1)) < 1e-12);
  });

  test('c̄ defaults to 1 whatever ρ̄ is, and is a parameter', () => {
    const logRhos = [1, 1, 1, 1, 1, 1, 1, 1]; // ρ = e > 1
    const a = vtrace.arrays.fromImportanceWeights({ ...base, logRhos, clipRhoThreshold: 2 });
    const b = vtrace.arrays.fromImportanceWeights({ ...base, logRhos, clipRhoThreshold: 2, clipCThreshold: 1 });
    assert.deepEqual(Array.from(a.vs), Array.from(b.vs));
    const c = vtrace.arrays.fromImportanceWeights({ ...base, logRhos, clipRhoThreshold: 2, clipCThreshold: 2 });
    // t = T−2, b = 1: vs = V + δ_t + d_t c_t δ_{t+1}, with c_t = min(2, e) = 2 and ρ̄ = 2.
    const d = (t: number) => 2 * (base.rewards[t * B + 1]! + base.discounts[t * B + 1]! * (t === T - 1 ? base.bootstrapValue[1]! : base.values[(t + 1) * B + 1]!) - base.values[t * B + 1]!);
    const expected = base.values[2 * B + 1]! + d(2) + base.discounts[2 * B + 1]! * 2 * d(3);
    assert.ok(Math.abs(c.vs[2 * B + 1]! - expected) < 1e-12);
  });

  test('a zero discount cuts the trace: earlier targets ignore everything after the episode end', () => {
    const logRhos = [0, 0, 0, 0, 0, 0, 0, 0];
    const out1 = vtrace.arrays.fromImportanceWeights({ ...base, logRhos });
    const rewards = [...base.rewards];
    rewards[6] = 100; // step t = 3, b = 0, after the episode end at t = 1? b = 1 ends at t = 1 (d = 0)
    rewards[7] = 100; // t = 3, b = 1
    const out2 = vtrace.arrays.fromImportanceWeights({ ...base, logRhos, rewards });
    // Column b = 1 has d_1 = 0, so vs_0 and vs_1 of that column do not change.
    assert.equal(out2.vs[1], out1.vs[1]);
    assert.equal(out2.vs[3], out1.vs[3]);
    assert.notEqual(out2.vs[0], out1.vs[0]);
  });

  test('pgAdvantages bootstrap from vs_{s+1}, not V(x_{s+1})', () => {
    const logRhos = [0.5, -0.5, 0.2, 0.1, -0.3, 0.4, 0, 0];
    const out = vtrace.arrays.fromImportanceWeights({ ...base, logRhos });
    const s = 1;
    const b = 0;
    const expected = Math.min(1, Math.exp(logRhos[s * B + b]!)) * (base.rewards[s * B + b]! + base.discounts[s * B + b]! * out.vs[(s + 1) * B + b]! - base.values[s * B + b]!);
    assert.ok(Math.abs(out.pgAdvantages[s * B + b]! - expected) < 1e-12);
  });

  test('trailing dims are independent columns; B = 0 gives empty results', () => {
    const K = 3;
    const n = T * B * K;
    const logRhos = Array.from({ length: n }, (_, i) => Math.sin(i));
    const rep = (a: number[]) => a.flatMap((x) => [x, x * 0.5, -x]);
    const out = vtrace.arrays.fromImportanceWeights({
      T, B, logRhos, discounts: base.discounts.flatMap((d) => [d, d, d]), rewards: rep(base.rewards), values: rep(base.values), bootstrapValue: rep(base.bootstrapValue),
    });
    for (let k = 0; k < K; k++) {
      const col = (a: ArrayLike<number>) => Array.from({ length: T * B }, (_, i) => a[i * K + k]!);
      const single = vtrace.arrays.fromImportanceWeights({
        T, B, logRhos: col(logRhos), discounts: base.discounts, rewards: col(rep(base.rewards)), values: col(rep(base.values)),
        bootstrapValue: Array.from({ length: B }, (_, b) => rep(base.bootstrapValue)[b * K + k]!),
      });
      assertClose(col(out.vs), single.vs, 0, 0, `vs column ${k}`);
    }
    const empty = vtrace.arrays.fromImportanceWeights({ T: 3, B: 0, logRhos: [], discounts: [], rewards: [], values: [], bootstrapValue: [] });
    assert.equal(empty.vs.length, 0);
  });

  test('dtype: number[] gives Float64Array, mixed Float32Array/number[] gives Float64Array, dtype overrides', () => {
    const logRhos = new Float32Array(T * B);
    assert.ok(vtrace.arrays.fromImportanceWeights({ ...base, logRhos }).vs instanceof Float64Array);
    assert.ok(vtrace.arrays.fromImportanceWeights({ ...base, logRhos, dtype: 'float32' }).vs instanceof Float32Array);
  });

  test('multi-head log-probs are the sum over heads', () => {
    const lp = vtrace.arrays.actionLogProbs({ T: 1, B: 1, numActions: [2, 3], policyLogits: [[0, 0], [0, 0, 0]], actions: [[1], [2]] });
    assert.ok(Math.abs(lp[0]! - (Math.log(1 / 2) + Math.log(1 / 3))) < 1e-12);
  });

  test('-Infinity logits mark impossible actions: log-prob of a possible action stays finite', () => {
    const lp = vtrace.arrays.actionLogProbs({ T: 1, B: 1, numActions: 3, policyLogits: [0, -Infinity, 0], actions: [2] });
    assert.ok(Math.abs(lp[0]! - Math.log(0.5)) < 1e-12);
  });
});
