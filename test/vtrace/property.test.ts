/**
 * Property-based tests (fast-check, fixed seeds): random shapes, thresholds (including null and 0),
 * λ, trailing dims and episode ends; every path (arrays float64, arrays float32, tensors) is compared
 * with the slow paper-notation oracle in test/helpers/vtrace-oracle.ts, which is the source of the
 * expected values here. Both kernels run every property: the WebAssembly SIMD one (forced) and the JavaScript one.
 */
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { vtrace } from '../../src/index.js';
import { assertClose } from '../helpers/close.js';
import { setupTestBackend, tf } from '../helpers/tf.js';
import { vtraceOracle } from '../helpers/vtrace-oracle.js';
import { setVTraceKernelForTesting, type VTraceKernelName } from '../../src/vtrace/wasm-kernel.js';

await setupTestBackend();

const f32 = (min: number, max: number) => fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true, noDefaultInfinity: true });
const threshold = fc.constantFrom<number | null>(null, 0, 0.3, 0.5, 1, 2.5);

interface Case {
  T: number;
  B: number;
  K: number;
  logRhos: number[];
  discounts: number[];
  rewards: number[];
  values: number[];
  bootstrapValue: number[];
  clipRhoThreshold: number | null;
  clipCThreshold: number | null;
  clipPgRhoThreshold: number | null;
  lambda: number;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({ T: fc.integer({ min: 1, max: 9 }), B: fc.integer({ min: 1, max: 4 }), K: fc.constantFrom(1, 1, 2) })
  .chain(({ T, B, K }) => {
    const n = T * B * K;
    // An episode end gives discount 0; otherwise γ in [0.5, 1].
    const discount = fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: f32(0.5, 1), weight: 4 });
    return fc.record({
      T: fc.constant(T),
      B: fc.constant(B),
      K: fc.constant(K),
      logRhos: fc.array(f32(-2.5, 2.5), { minLength: n, maxLength: n }),
      discounts: fc.array(discount, { minLength: n, maxLength: n }),
      rewards: fc.array(f32(-5, 5), { minLength: n, maxLength: n }),
      values: fc.array(f32(-5, 5), { minLength: n, maxLength: n }),
      bootstrapValue: fc.array(f32(-5, 5), { minLength: B * K, maxLength: B * K }),
      clipRhoThreshold: threshold,
      clipCThreshold: fc.constantFrom<number | null>(null, 0.5, 1, 2),
      clipPgRhoThreshold: threshold,
      lambda: fc.constantFrom(0, 0.5, 0.9, 1),
    });
  });

/** Oracle over the flattened [T, B·K] columns (trailing dims are independent columns). */
function expected(c: Case): { vs: number[]; pgAdvantages: number[]; scale: number } {
  const N = c.B * c.K;
  const rows = (a: number[]) => Array.from({ length: c.T }, (_, t) => a.slice(t * N, (t + 1) * N));
  const r = vtraceOracle({
    logRhos: rows(c.logRhos),
    discounts: rows(c.discounts),
    rewards: rows(c.rewards),
    values: rows(c.values),
    bootstrapValue: c.bootstrapValue,
    clipRho: c.clipRhoThreshold,
    clipC: c.clipCThreshold,
    clipPgRho: c.clipPgRhoThreshold,
    lambda: c.lambda,
  });
  const vs = r.vs.flat();
  const pgAdvantages = r.pgAdvantages.flat();
  // Unclipped traces multiply ρ up to e^2.5 over T steps; compare relative to the case's magnitude.
  const scale = 1 + Math.max(...vs.map(Math.abs), ...pgAdvantages.map(Math.abs));
  return { vs, pgAdvantages, scale };
}

const options = (c: Case) => ({
  clipRhoThreshold: c.clipRhoThreshold,
  clipCThreshold: c.clipCThreshold,
  clipPgRhoThreshold: c.clipPgRhoThreshold,
  lambda: c.lambda,
});

for (const kernel of ['wasm-simd', 'javascript'] as const satisfies readonly VTraceKernelName[]) {
  describe(`vtrace against the paper-notation oracle (property-based, ${kernel} kernel)`, () => {
    before(() => { setVTraceKernelForTesting(kernel); });
    after(() => { setVTraceKernelForTesting('auto'); });

    test('vtrace.arrays float64 (number[] inputs) within 1e-10 of the case scale', () => {
      fc.assert(
        fc.property(caseArb, (c) => {
          const e = expected(c);
          const out = vtrace.arrays.fromImportanceWeights({ ...c, ...options(c) });
          assertClose(out.vs, e.vs, 1e-10 * e.scale, 1e-10, 'vs');
          assertClose(out.pgAdvantages, e.pgAdvantages, 1e-10 * e.scale, 1e-10, 'pgAdvantages');
        }),
        { seed: 20181802, numRuns: 300 },
      );
    });

    test('vtrace.arrays float32 (Float32Array inputs) within 1e-6 relative', () => {
      fc.assert(
        fc.property(caseArb, (c) => {
          const e = expected(c);
          const F = Float32Array;
          const out = vtrace.arrays.fromImportanceWeights({
            T: c.T,
            B: c.B,
            ...options(c),
            logRhos: F.from(c.logRhos),
            discounts: F.from(c.discounts),
            rewards: F.from(c.rewards),
            values: F.from(c.values),
            bootstrapValue: F.from(c.bootstrapValue),
          });
          if (!(out.vs instanceof Float32Array)) throw new Error('expected Float32Array results');
          assertClose(out.vs, e.vs, 1e-6 * e.scale, 1e-6, 'vs');
          assertClose(out.pgAdvantages, e.pgAdvantages, 1e-6 * e.scale, 1e-6, 'pgAdvantages');
        }),
        { seed: 1802, numRuns: 200 },
      );
    });

    test('tensor path (with trailing dims) within 1e-5 relative, no leaked tensors', () => {
      fc.assert(
        fc.property(caseArb, (c) => {
          const e = expected(c);
          const shape = c.K === 1 ? [c.T, c.B] : [c.T, c.B, c.K];
          const before = tf.memory().numTensors;
          const t = (a: number[], s: number[]) => tf.tensor(a, s, 'float32');
          const inputs = {
            logRhos: t(c.logRhos, shape),
            discounts: t(c.discounts, shape),
            rewards: t(c.rewards, shape),
            values: t(c.values, shape),
            bootstrapValue: t(c.bootstrapValue, shape.slice(1)),
          };
          const out = vtrace.fromImportanceWeights({ ...inputs, ...options(c) });
          if (out.vs.shape.join() !== shape.join()) throw new Error(`vs shape ${out.vs.shape.join()} != ${shape.join()}`);
          assertClose(out.vs.dataSync(), e.vs, 1e-5 * e.scale, 1e-5, 'vs');
          assertClose(out.pgAdvantages.dataSync(), e.pgAdvantages, 1e-5 * e.scale, 1e-5, 'pgAdvantages');
          tf.dispose([...Object.values(inputs), out.vs, out.pgAdvantages]);
          if (tf.memory().numTensors !== before) throw new Error('leaked tensors');
        }),
        { seed: 2018, numRuns: 60 },
      );
    });

    test('fromLogits equals fromImportanceWeights on log π − log μ (arrays and tensors agree)', () => {
      const logitsCase = fc
        .record({ T: fc.integer({ min: 1, max: 6 }), B: fc.integer({ min: 1, max: 3 }), A: fc.integer({ min: 1, max: 5 }) })
        .chain(({ T, B, A }) =>
          fc.record({
            T: fc.constant(T),
            B: fc.constant(B),
            A: fc.constant(A),
            behaviour: fc.array(f32(-4, 4), { minLength: T * B * A, maxLength: T * B * A }),
            target: fc.array(f32(-4, 4), { minLength: T * B * A, maxLength: T * B * A }),
            actions: fc.array(fc.integer({ min: 0, max: A - 1 }), { minLength: T * B, maxLength: T * B }),
            discounts: fc.array(f32(0, 1), { minLength: T * B, maxLength: T * B }),
            rewards: fc.array(f32(-3, 3), { minLength: T * B, maxLength: T * B }),
            values: fc.array(f32(-3, 3), { minLength: T * B, maxLength: T * B }),
            bootstrapValue: fc.array(f32(-3, 3), { minLength: B, maxLength: B }),
            clipRhoThreshold: threshold,
            clipPgRhoThreshold: threshold,
          }),
        );
      fc.assert(
        fc.property(logitsCase, (c) => {
          const { T, B, A } = c;
          // Reference log-probs computed here directly: logit[a] − log Σ exp(logit).
          const logProb = (l: number[], i: number) => {
            const row = l.slice(i * A, (i + 1) * A);
            return row[c.actions[i]!]! - Math.log(row.reduce((s, x) => s + Math.exp(x), 0));
          };
          const logRhos = c.actions.map((_, i) => logProb(c.target, i) - logProb(c.behaviour, i));
          const opts = { clipRhoThreshold: c.clipRhoThreshold, clipPgRhoThreshold: c.clipPgRhoThreshold };
          const viaIw = vtrace.arrays.fromImportanceWeights({ ...c, ...opts, logRhos });
          const arr = vtrace.arrays.fromLogits({
            ...c,
            ...opts,
            numActions: A,
            behaviourPolicyLogits: c.behaviour,
            targetPolicyLogits: c.target,
          });
          assertClose(arr.logRhos, logRhos, 1e-12, 1e-12, 'logRhos');
          assertClose(arr.vs, viaIw.vs, 1e-9, 1e-9, 'vs');
          const before = tf.memory().numTensors;
          const inputs = {
            behaviourPolicyLogits: tf.tensor(c.behaviour, [T, B, A]),
            targetPolicyLogits: tf.tensor(c.target, [T, B, A]),
            actions: tf.tensor(c.actions, [T, B], 'int32'),
            discounts: tf.tensor(c.discounts, [T, B]),
            rewards: tf.tensor(c.rewards, [T, B]),
            values: tf.tensor(c.values, [T, B]),
            bootstrapValue: tf.tensor(c.bootstrapValue, [B]),
          };
          const ten = vtrace.fromLogits({ ...opts, ...inputs });
          assertClose(ten.logRhos.dataSync(), logRhos, 1e-5, 1e-5, 'tensor logRhos');
          const scale = 1 + Math.max(...Array.from(viaIw.vs, Math.abs), ...Array.from(viaIw.pgAdvantages, Math.abs));
          assertClose(ten.vs.dataSync(), viaIw.vs, 1e-5 * scale, 1e-5, 'tensor vs');
          assertClose(ten.pgAdvantages.dataSync(), viaIw.pgAdvantages, 1e-5 * scale, 1e-5, 'tensor pg');
          tf.dispose([ten.vs, ten.pgAdvantages, ten.logRhos, ten.behaviourActionLogProbs, ten.targetActionLogProbs, ...Object.values(inputs)]);
          if (tf.memory().numTensors !== before) throw new Error(`leaked ${tf.memory().numTensors - before} tensors`);
        }),
        { seed: 42, numRuns: 60 },
      );
    });
  });
}
