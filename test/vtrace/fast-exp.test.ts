// The V-trace kernel's table-based exp (src/vtrace/kernel.ts, ExpTables) against Math.exp, the
// reference (V8's port of fdlibm's exp, correctly rounded to within 1 ulp). Expected: relative error
// below 1e-15 (about 4.5 ulps; measured ≤ 1.8 ulps over 2·10⁶ points in [−40, 40]).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ExpTables } from '../../src/vtrace/kernel.js';

describe('V-trace kernel exp', () => {
  const exp = new ExpTables();

  test('matches Math.exp to 1e-15 relative on [−40, 40] (200,001 points, plus the table boundaries)', () => {
    let worst = 0;
    const check = (x: number): void => {
      const expected = Math.exp(x);
      worst = Math.max(worst, Math.abs(exp.of(x) - expected) / expected);
    };
    for (let i = 0; i <= 200_000; i++) check(-40 + (80 * i) / 200_000 + 1e-9 * Math.sin(i));
    // Around multiples of ln2/64, where the rounding of x·64/ln2 switches table entries.
    for (let k = -3690; k <= 3690; k += 7) for (const dx of [-1e-12, 0, 1e-12]) check((k * Math.LN2) / 64 + dx);
    for (const x of [0, -0, 1e-300, -1e-300, Math.LN2 / 128, -Math.LN2 / 128]) check(x);
    assert.ok(worst < 1e-15, `max relative error ${worst}`);
  });

  test('outside (−40, 40) and for non-finite x it is Math.exp', () => {
    for (const x of [-40, 40, -745, -800, 700, 710, -Infinity, Infinity]) assert.equal(exp.of(x), Math.exp(x), String(x));
    assert.ok(Number.isNaN(exp.of(NaN)));
  });
});
