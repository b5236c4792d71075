/**
 * Conformance of every V-trace path against the golden cases in test/fixtures/vtrace (copied from the
 * project's shared golden set; provenance in that folder's README.md: float64 truth from the paper's
 * definition, cross-checked against deepmind/scalable_agent under TF 2.21, torchbeast under
 * PyTorch 2.13 and, for λ ≠ 1, rlax under JAX). Tolerances are the README's: float64
 * `1e-9 + 1e-9·|e|`, float32 and tensors `1e-5 + 1e-5·|e|`.
 */
import { after, before, describe, test } from 'node:test';
import { vtrace } from '../../src/index.js';
import { loadVTraceGoldenCases, type VTraceGoldenCase } from '../../src/testing/index.js';
import { assertClose } from '../helpers/close.js';
import { setupTestBackend, tf } from '../helpers/tf.js';
import { setVTraceKernelForTesting, type VTraceKernelName } from '../../src/vtrace/wasm-kernel.js';

const backend = await setupTestBackend();
const cases = loadVTraceGoldenCases();

const options = (c: VTraceGoldenCase) => c.hyperparameters;
const heads = <X>(c: VTraceGoldenCase, xs: readonly X[]): X | readonly X[] => (c.kind === 'from_logits_multi' ? xs : xs[0]!);

function checkAll(c: VTraceGoldenCase, out: Record<string, ArrayLike<number> | undefined>, tol: number, label: string): void {
  assertClose(out.vs!, c.expected.vs, tol, tol, `${label} vs`);
  assertClose(out.pgAdvantages!, c.expected.pgAdvantages, tol, tol, `${label} pgAdvantages`);
  if (c.kind !== 'from_importance_weights') {
    assertClose(out.logRhos!, c.expected.logRhos!, tol, tol, `${label} logRhos`);
    assertClose(out.behaviourActionLogProbs!, c.expected.behaviourActionLogProbs!, tol, tol, `${label} behaviourActionLogProbs`);
    assertClose(out.targetActionLogProbs!, c.expected.targetActionLogProbs!, tol, tol, `${label} targetActionLogProbs`);
  }
}

function runArrays(c: VTraceGoldenCase, cast: (a: Float64Array) => Float64Array | Float32Array) {
  const common = {
    T: c.T,
    B: c.B,
    ...options(c),
    discounts: cast(c.inputs.discounts),
    rewards: cast(c.inputs.rewards),
    values: cast(c.inputs.values),
    bootstrapValue: cast(c.inputs.bootstrapValue),
  };
  if (c.kind === 'from_importance_weights') {
    return vtrace.arrays.fromImportanceWeights({ ...common, logRhos: cast(c.inputs.logRhos!) });
  }
  return vtrace.arrays.fromLogits({
    ...common,
    numActions: c.numActions!,
    behaviourPolicyLogits: heads(c, c.inputs.behaviourPolicyLogits!.map(cast)),
    targetPolicyLogits: heads(c, c.inputs.targetPolicyLogits!.map(cast)),
    actions: heads(c, c.inputs.actions!),
  });
}

for (const kernel of ['wasm-simd', 'javascript'] as const satisfies readonly VTraceKernelName[]) {
  describe(`${kernel} kernel`, () => {
    before(() => { setVTraceKernelForTesting(kernel); });
    after(() => { setVTraceKernelForTesting('auto'); });
    describe(`golden cases: vtrace.arrays in float64 (${kernel} kernel)`, () => {
      for (const c of cases) {
        test(c.name, () => {
          const out = runArrays(c, (a) => a);
          checkAll(c, out as unknown as Record<string, ArrayLike<number>>, 1e-9, 'f64');
          if (!(out.vs instanceof Float64Array)) throw new Error('float64 inputs must give Float64Array results');
        });
      }
    });

    describe(`golden cases: vtrace.arrays in float32 (${kernel} kernel)`, () => {
      for (const c of cases) {
        test(c.name, () => {
          const out = runArrays(c, (a) => Float32Array.from(a));
          if (!(out.vs instanceof Float32Array)) throw new Error('Float32Array inputs must give Float32Array results');
          checkAll(c, out as unknown as Record<string, ArrayLike<number>>, 1e-5, 'f32');
        });
      }
    });

    describe(`golden cases: tensors on the ${backend} backend (${kernel} kernel)`, () => {
      for (const c of cases) {
        test(c.name, () => {
          const before = tf.memory().numTensors;
          const bt = [c.T, c.B];
          const common = {
            ...options(c),
            discounts: tf.tensor(Float32Array.from(c.inputs.discounts), bt, 'float32'),
            rewards: tf.tensor(Float32Array.from(c.inputs.rewards), bt, 'float32'),
            values: tf.tensor(Float32Array.from(c.inputs.values), bt, 'float32'),
            bootstrapValue: tf.tensor(Float32Array.from(c.inputs.bootstrapValue), [c.B], 'float32'),
          };
          let result: Record<string, tf.Tensor>;
          if (c.kind === 'from_importance_weights') {
            const logRhos = tf.tensor(Float32Array.from(c.inputs.logRhos!), bt, 'float32');
            result = { ...vtrace.fromImportanceWeights({ ...common, logRhos }) };
            logRhos.dispose();
          } else {
            const numActions = Array.isArray(c.numActions) ? c.numActions : [c.numActions as number];
            const logits = (xs: readonly Float64Array[]) => xs.map((x, h) => tf.tensor(Float32Array.from(x), [...bt, numActions[h]!], 'float32'));
            const behaviour = logits(c.inputs.behaviourPolicyLogits!);
            const target = logits(c.inputs.targetPolicyLogits!);
            const actions = c.inputs.actions!.map((a) => tf.tensor(a, bt, 'int32'));
            result = {
              ...vtrace.fromLogits({
                ...common,
                behaviourPolicyLogits: heads(c, behaviour),
                targetPolicyLogits: heads(c, target),
                actions: heads(c, actions),
              }),
            };
            tf.dispose([...behaviour, ...target, ...actions]);
          }
          tf.dispose(Object.values(common).filter((x) => x instanceof tf.Tensor));
          const data = Object.fromEntries(Object.entries(result).map(([k, t]) => [k, t.dataSync()]));
          tf.dispose(Object.values(result));
          checkAll(c, data, 1e-5, backend);
          if (tf.memory().numTensors !== before) throw new Error(`leaked ${tf.memory().numTensors - before} tensors`);
        });
      }
    });
  });
}
