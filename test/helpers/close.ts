import assert from 'node:assert/strict';

/** Asserts `|a − e| ≤ atol + rtol·|e|` element-wise, reporting the worst element. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol: number,
  rtol: number,
  label = 'value',
): void {
  assert.equal(actual.length, expected.length, `${label}: length ${actual.length} != ${expected.length}`);
  let worst = -1;
  let worstRatio = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const err = Math.abs(actual[i]! - e);
    const ratio = Number.isNaN(err) ? Infinity : err / (atol + rtol * Math.abs(e));
    if (ratio > worstRatio || worst < 0) {
      worst = i;
      worstRatio = ratio;
    }
  }
  if (worstRatio > 1) {
    assert.fail(
      `${label}[${worst}] = ${actual[worst]}, expected ${expected[worst]} (|err| ${Math.abs(actual[worst]! - expected[worst]!)} > ${atol} + ${rtol}·|e|)`,
    );
  }
}
