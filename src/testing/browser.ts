/**
 * `impala-rl/testing` in a web page (the `browser` export condition): the V-trace conformance checker and the
 * environment checker, without Node built-ins. The golden cases are not read from disk here: fetch them with
 * {@link fetchVTraceGoldenCases} (or parse files you imported with {@link parseVTraceGoldenFile}) and pass them as
 * `cases`.
 *
 * @packageDocumentation
 */
import {
  runVTraceConformance,
  type CheckVTraceConformanceOptions,
  type VTraceConformanceReport,
  type VTraceImplementation,
} from './vtrace-conformance-core.js';
import { parseVTraceGoldenFile, VTRACE_GOLDEN_FILES } from './vtrace-golden-json.js';
import type { VTraceGoldenCase } from './vtrace-golden.js';

export { runVTraceConformance, parseVTraceGoldenFile, VTRACE_GOLDEN_FILES };
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
export type {
  VTraceGoldenCase,
  VTraceGoldenExpected,
  VTraceGoldenHyperparameters,
  VTraceGoldenInputs,
  VTraceGoldenKind,
} from './vtrace-golden.js';
export { checkEnv, assertEnv, EnvCheckError } from './check-env.js';
export type { CheckEnvOptions, CheckEnvReport } from './check-env.js';


/**
 * Fetches and parses the golden V-trace files from where the page serves them (copy or serve
 * `node_modules/impala-rl/test/fixtures/vtrace/`).
 *
 * @param baseUrl - the folder's URL (a trailing slash is added when missing).
 * @param fetchImpl - the fetch to use.
 * @returns the 35 cases, in file order.
 * @throws Error when a file cannot be fetched.
 * @category Testing
 */
export async function fetchVTraceGoldenCases(baseUrl: string | URL, fetchImpl: typeof fetch = fetch): Promise<VTraceGoldenCase[]> {
  const base = String(baseUrl).endsWith('/') ? String(baseUrl) : `${String(baseUrl)}/`;
  const files = await Promise.all(
    VTRACE_GOLDEN_FILES.map(async (file) => {
      const response = await fetchImpl(new URL(file, new URL(base, (globalThis as { location?: { href: string } }).location?.href)));
      if (!response.ok) throw new Error(`fetchVTraceGoldenCases: ${file}: HTTP ${response.status}`);
      return parseVTraceGoldenFile(await response.json());
    }),
  );
  return files.flat();
}

/**
 * Checks a V-trace implementation against golden cases, as `checkVTraceConformance` does in Node; in a page the
 * cases must be given (`options.cases`, from {@link fetchVTraceGoldenCases}).
 *
 * @param impl - the implementation under test.
 * @param options - tolerances, input storage, case filter, and the cases.
 * @returns the report.
 * @throws TypeError when `options.cases` is missing.
 * @category Testing
 */
export async function checkVTraceConformance(
  impl: VTraceImplementation,
  options: CheckVTraceConformanceOptions = {},
): Promise<VTraceConformanceReport> {
  if (options.cases === undefined) {
    throw new TypeError('checkVTraceConformance: in a browser pass the golden cases as options.cases (see fetchVTraceGoldenCases)');
  }
  return runVTraceConformance(impl, options.cases, options);
}

/**
 * Like {@link checkVTraceConformance}, but throws an `Error` whose message is the summary when any case fails.
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
