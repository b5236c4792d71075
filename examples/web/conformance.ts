/**
 * The V-trace conformance suite in the page: impala-rl's golden cases (fetched from where the page serves
 * `test/fixtures/vtrace/`) run through `vtrace.fromImportanceWeights`/`vtrace.fromLogits` on tensors of the
 * active backend, and through the plain-JavaScript `vtrace.arrays`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { vtrace } from 'impala-rl';
import {
  checkVTraceConformance,
  fetchVTraceGoldenCases,
  type VTraceConformanceIWArgs,
  type VTraceConformanceLogitsArgs,
  type VTraceConformanceReport,
  type VTraceImplementation,
} from 'impala-rl/testing';

/** Where the page serves the golden files (vite.config.ts). */
export const GOLDEN_BASE = `${import.meta.env.BASE_URL}golden/vtrace/`;

const f32 = (a: ArrayLike<number>, shape: number[]): tf.Tensor => tf.tensor(Float32Array.from(a), shape, 'float32');

/** The tensor V-trace as an implementation under test (float32 on the active backend). */
export const tensorVTrace: VTraceImplementation = {
  async fromImportanceWeights(a: VTraceConformanceIWArgs) {
    const bt = [a.T, a.B];
    const inputs = {
      logRhos: f32(a.logRhos, bt),
      discounts: f32(a.discounts, bt),
      rewards: f32(a.rewards, bt),
      values: f32(a.values, bt),
      bootstrapValue: f32(a.bootstrapValue, [a.B]),
    };
    const out = vtrace.fromImportanceWeights({ ...inputs, clipRhoThreshold: a.clipRhoThreshold, clipPgRhoThreshold: a.clipPgRhoThreshold, clipCThreshold: a.clipCThreshold, lambda: a.lambda });
    const result = { vs: await out.vs.data(), pgAdvantages: await out.pgAdvantages.data() };
    tf.dispose([...Object.values(inputs), out.vs, out.pgAdvantages]);
    return result;
  },
  async fromLogits(a: VTraceConformanceLogitsArgs) {
    const bt = [a.T, a.B];
    const sizes = Array.isArray(a.numActions) ? (a.numActions as readonly number[]) : [a.numActions as number];
    const list = <X>(x: X | readonly X[]): readonly X[] => (Array.isArray(x) ? (x as readonly X[]) : [x as X]);
    const behaviour = list(a.behaviourPolicyLogits).map((x, h) => f32(x, [...bt, sizes[h]!]));
    const target = list(a.targetPolicyLogits).map((x, h) => f32(x, [...bt, sizes[h]!]));
    const actions = list(a.actions).map((x) => tf.tensor(x, bt, 'int32'));
    const multi = Array.isArray(a.numActions);
    const common = { discounts: f32(a.discounts, bt), rewards: f32(a.rewards, bt), values: f32(a.values, bt), bootstrapValue: f32(a.bootstrapValue, [a.B]) };
    const out = vtrace.fromLogits({
      ...common,
      behaviourPolicyLogits: multi ? behaviour : behaviour[0]!,
      targetPolicyLogits: multi ? target : target[0]!,
      actions: multi ? actions : actions[0]!,
      clipRhoThreshold: a.clipRhoThreshold,
      clipPgRhoThreshold: a.clipPgRhoThreshold,
      clipCThreshold: a.clipCThreshold,
      lambda: a.lambda,
    });
    const result = {
      vs: await out.vs.data(),
      pgAdvantages: await out.pgAdvantages.data(),
      logRhos: await out.logRhos.data(),
      behaviourActionLogProbs: await out.behaviourActionLogProbs.data(),
      targetActionLogProbs: await out.targetActionLogProbs.data(),
    };
    tf.dispose([...behaviour, ...target, ...actions, ...Object.values(common), out.vs, out.pgAdvantages, out.logRhos, out.behaviourActionLogProbs, out.targetActionLogProbs]);
    return result;
  },
};

/** Both reports. */
export interface ConformanceRun {
  /** Tensors on the active backend, float32 tolerance (1e-5 absolute and relative, the golden set's). */
  readonly tensors: VTraceConformanceReport;
  /** `vtrace.arrays` in float64, tolerance 1e-9. */
  readonly arrays: VTraceConformanceReport;
  /** The backend the tensor run used. */
  readonly backend: string;
  /** Tensors alive after the run minus before (0: nothing leaked). */
  readonly leakedTensors: number;
}

/** Fetches the golden cases and runs both implementations. */
export async function runConformance(): Promise<ConformanceRun> {
  const cases = await fetchVTraceGoldenCases(new URL(GOLDEN_BASE, location.href));
  const before = tf.memory().numTensors;
  const tensors = await checkVTraceConformance(tensorVTrace, { cases, atol: 1e-5, rtol: 1e-5, inputDType: 'float32' });
  const leakedTensors = tf.memory().numTensors - before;
  const arrays = await checkVTraceConformance(vtrace.arrays, { cases, atol: 1e-9, rtol: 1e-9 });
  return { tensors, arrays, backend: tf.getBackend(), leakedTensors };
}
