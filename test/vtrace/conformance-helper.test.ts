/** The `impala-rl/testing` conformance helper: passes a correct implementation, fails broken ones. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { vtrace } from '../../src/index.js';
import { assertVTraceConformance, checkVTraceConformance, loadVTraceGoldenCases, type VTraceConformanceIWArgs } from '../../src/testing/index.js';

describe('checkVTraceConformance', () => {
  test('loads all 35 shipped golden cases', () => {
    const cases = loadVTraceGoldenCases();
    assert.equal(cases.length, 35);
    assert.equal(cases.filter((c) => c.kind === 'from_importance_weights').length, 24);
    assert.equal(cases.filter((c) => c.kind === 'from_logits_multi').length, 2);
  });

  test('vtrace.arrays passes every case at float64 tolerance', async () => {
    const report = await checkVTraceConformance(vtrace.arrays, { atol: 1e-9, rtol: 1e-9 });
    assert.ok(report.ok, report.summary);
    assert.equal(report.passed, 35);
  });

  test('float32 inputs, and an implementation with only one entry point (others skipped)', async () => {
    const report = await assertVTraceConformance({ fromImportanceWeights: vtrace.arrays.fromImportanceWeights }, { inputDType: 'float32', atol: 1e-5, rtol: 1e-5 });
    assert.equal(report.passed, 24);
    assert.equal(report.skipped, 11);
  });

  test('a V-trace that ignores clipPgRhoThreshold fails, naming the cases', async () => {
    const broken = {
      fromImportanceWeights: (a: VTraceConformanceIWArgs) => vtrace.arrays.fromImportanceWeights({ ...a, clipPgRhoThreshold: 1 }),
    };
    const report = await checkVTraceConformance(broken);
    assert.equal(report.ok, false);
    assert.match(report.summary, /FAIL iw_T5_B4_rho_1_pg_null: 'pgAdvantages'/);
    assert.match(report.summary, /FAIL iw_T20_B32_rho_3.7_pg_2.2/);
    await assert.rejects(assertVTraceConformance(broken), /V-trace conformance: \d+ passed, \d+ failed/);
  });

  test('a V-trace treating threshold 0 as "no clipping" fails the zero-threshold case', async () => {
    const truthy = {
      fromImportanceWeights: (a: VTraceConformanceIWArgs) =>
        // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing -- reproduces the upstream truthiness bug on purpose
        vtrace.arrays.fromImportanceWeights({ ...a, clipRhoThreshold: a.clipRhoThreshold || null, clipPgRhoThreshold: a.clipPgRhoThreshold || null }),
    };
    const report = await checkVTraceConformance(truthy);
    assert.deepEqual(report.results.filter((r) => r.status === 'failed').map((r) => r.name), ['iw_T5_B4_thresholds_zero']);
  });

  test('throwing and wrong-length implementations are reported, not thrown', async () => {
    const report = await checkVTraceConformance(
      { fromImportanceWeights: () => { throw new Error('boom'); }, fromLogits: () => ({ vs: [], pgAdvantages: [] }) },
      { filter: (c) => c.name === 'iw_T1_B1_default' || c.name.startsWith('fl_') },
    );
    assert.equal(report.ok, false);
    assert.match(report.results[0]!.message!, /threw boom/);
    assert.ok(report.results.slice(1).every((r) => r.status === 'failed' && r.message!.includes("'vs' has length 0, expected")));
  });
});
