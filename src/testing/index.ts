/**
 * `impala-rl/testing`: helpers for checking your own implementations against impala-rl's references.
 *
 * @packageDocumentation
 */
export {
  assertVTraceConformance,
  checkVTraceConformance,
  type CheckVTraceConformanceOptions,
  type VTraceConformanceIWArgs,
  type VTraceConformanceIWOutputs,
  type VTraceConformanceLogitsArgs,
  type VTraceConformanceLogitsOutputs,
  type VTraceConformanceMismatch,
  type VTraceConformanceOptions,
  type VTraceConformanceReport,
  type VTraceConformanceResult,
  type VTraceImplementation,
} from './vtrace-conformance.js';
export {
  loadVTraceGoldenCases,
  VTRACE_GOLDEN_FILES,
  type VTraceGoldenCase,
  type VTraceGoldenExpected,
  type VTraceGoldenHyperparameters,
  type VTraceGoldenInputs,
  type VTraceGoldenKind,
} from './vtrace-golden.js';
export { parseVTraceGoldenFile } from './vtrace-golden-json.js';
export { runVTraceConformance } from './vtrace-conformance-core.js';

export { checkEnv, assertEnv, EnvCheckError } from './check-env.js';
export type { CheckEnvOptions, CheckEnvReport } from './check-env.js';
