// Axis ticks and labels. Expected values worked out by hand from the rule: step = 1, 2 or 5 × 10^k, whichever is
// nearest in log scale to (max - min) / count (thresholds √2, √10, √50), domain widened to multiples of the step.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTick, niceDomain, tickStep, ticksIn } from '../../src/metrics/nice-ticks.js';

describe('nice ticks', () => {
  test('tickStep picks 1-2-5 steps', () => {
    assert.equal(tickStep(0, 300_000, 6), 50_000); // raw 50k
    assert.equal(tickStep(0, 300_000, 7), 50_000); // raw 42.9k: 4.29 → 5
    assert.equal(tickStep(0, 500, 7), 100); // raw 71.4: 7.14 ≥ √50 → 10
    assert.equal(tickStep(0, 2e6, 7), 200_000); // raw 285.7k: 2.86 → 2
    assert.equal(tickStep(0, 1, 10), 0.1);
    assert.equal(tickStep(0, 1, 4), 0.2); // raw 0.25: 2.5 → 2
    assert.equal(tickStep(-500, -60, 7), 50); // raw 62.9: 6.29 → 5
  });

  test('niceDomain widens to whole steps', () => {
    assert.deepEqual(niceDomain(3, 97, 5), { min: 0, max: 100, step: 20 });
    assert.deepEqual(niceDomain(0.013, 0.987, 5), { min: 0, max: 1, step: 0.2 });
    assert.deepEqual(niceDomain(-500, -60, 7), { min: -500, max: -50, step: 50 });
    assert.deepEqual(niceDomain(97, 3, 5), { min: 0, max: 100, step: 20 }, 'reversed bounds');
    assert.deepEqual(niceDomain(1234, 1_000_900, 5), { min: 0, max: 1_200_000, step: 200_000 });
  });

  test('niceDomain widens a degenerate range by 10% (by 1 around zero)', () => {
    assert.deepEqual(niceDomain(500, 500, 5), { min: 440, max: 560, step: 20 });
    assert.deepEqual(niceDomain(0, 0, 5), { min: -1, max: 1, step: 0.5 });
    assert.deepEqual(niceDomain(-2, -2, 4), { min: -2.2, max: -1.8, step: 0.1 }); // 0.4 / 4 = 0.1 exactly
    assert.throws(() => niceDomain(NaN, 1, 5), /niceDomain: bounds must be finite/);
  });

  test('ticksIn lists clean multiples of the step', () => {
    assert.deepEqual(ticksIn(0, 1, 0.1), [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    assert.deepEqual(ticksIn(-0.25, 0.75, 0.5), [0, 0.5]);
    assert.deepEqual(ticksIn(5, 95, 20), [20, 40, 60, 80]);
  });

  test('formatTick: SI suffixes, minimal decimals, true minus sign', () => {
    const cases: [number, number, string][] = [
      [0, 1, '0'],
      [-0, 1, '0'],
      [-1e-17, 0.1, '0'],
      [100_000, 50_000, '100k'],
      [50_000, 50_000, '50k'],
      [1_000_000, 500_000, '1M'],
      [1_500_000, 500_000, '1.5M'],
      [1_200_000, 200_000, '1.2M'],
      [2.5e9, 5e8, '2.5G'],
      [1e12, 1e11, '1T'],
      [1000, 200, '1k'],
      [1200, 200, '1.2k'],
      [999, 1, '999'],
      [-500, 50, '\u2212500'],
      [-1500, 500, '\u22121.5k'],
      [0.2, 0.2, '0.2'],
      [0.25, 0.05, '0.25'],
      [0.0001, 0.0001, '0.0001'],
      [475, 25, '475'],
      [1_000_002, 2, '1.000002M'],
    ];
    for (const [value, step, label] of cases) assert.equal(formatTick(value, step), label, `${value} step ${step}`);
  });
});
