import { runVTraceConformance, type CheckVTraceConformanceOptions, type VTraceConformanceReport, type VTraceImplementation } from './vtrace-conformance-core.js';
import { loadVTraceGoldenCases } from './vtrace-golden.js';

export type {
  CheckVTraceConformanceOptions,
  VTraceConformanceIWArgs,
  VTraceConformanceIWOutputs,
  VTraceConformanceLogitsArgs,
  VTraceConformanceLogitsOutputs,
  VTraceConformanceMismatch,
  VTraceConformanceOptions,
  VTraceConformanceReport,
  VTraceConformanceResult,
  VTraceImplementation,
} from './vtrace-conformance-core.js';

/**
 * Checks a V-trace implementation against impala-rl's golden cases (35 cases covering clipping,
 * null and zero thresholds, episode ends, λ, large log ρ, single- and multi-head logits). Use it in
 * your own test suite to show that your V-trace matches the reference implementations.
 *
 * @param impl - the implementation: `fromImportanceWeights` and/or `fromLogits` over flat arrays
 *   (see {@link VTraceImplementation}).
 * @param options - tolerances, input storage, case filter.
 * @returns a report; `report.ok` is false when any case failed, and `report.summary` lists them.
 *
 * @example
 * ```ts
 * import { checkVTraceConformance } from 'impala-rl/testing';
 * const report = await checkVTraceConformance({ fromImportanceWeights: myVTrace }, { atol: 1e-5, rtol: 1e-5 });
 * assert.ok(report.ok, report.summary);
 * ```
 * @category Testing
 */
export async function checkVTraceConformance(
  impl: VTraceImplementation,
  options: CheckVTraceConformanceOptions = {},
): Promise<VTraceConformanceReport> {
  return runVTraceConformance(impl, options.cases ?? loadVTraceGoldenCases(), options);
}

/**
 * Like {@link checkVTraceConformance}, but throws an `Error` whose message is the summary when any
 * case fails.
 *
 * @param impl - the implementation under test.
 * @param options - as for {@link checkVTraceConformance}.
 * @returns the report, when every case passed or was skipped.
 * @category Testing
 */
export async function assertVTraceConformance(
  impl: VTraceImplementation,
  options: CheckVTraceConformanceOptions = {},
): Promise<VTraceConformanceReport> {
  const report = await checkVTraceConformance(impl, options);
  if (!report.ok) throw new Error(report.summary);
  return report;
}
