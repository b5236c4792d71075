/**
 * Axis ticks at "nice" steps (1, 2 or 5 times a power of ten) and their labels with SI suffixes (`100k`, `1.5M`).
 */
import { MetricsError } from './errors.js';

/** √50, √10, √2: geometric midpoints between 10/5, 5/2 and 2/1, so the chosen step is the nearest in log scale. */
const MID_10_5 = Math.sqrt(50);
const MID_5_2 = Math.sqrt(10);
const MID_2_1 = Math.SQRT2;

/** Rounds away floating-point noise such as `0.30000000000000004`. */
function clean(x: number): number {
  return Number(x.toPrecision(12));
}

/**
 * The 1-2-5 step that splits `[lo, hi]` into about `count` intervals. `lo < hi`, both finite, `count >= 1`.
 * @category Metrics
 */
export function tickStep(lo: number, hi: number, count: number): number {
  const raw = (hi - lo) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const ratio = raw / magnitude;
  const nice = ratio >= MID_10_5 ? 10 : ratio >= MID_5_2 ? 5 : ratio >= MID_2_1 ? 2 : 1;
  return clean(nice * magnitude);
}

/**
 * The multiples of `step` inside `[lo, hi]` (ends included, up to float noise).
 * @category Metrics
 */
export function ticksIn(lo: number, hi: number, step: number): number[] {
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const out: number[] = [];
  for (let i = first; i <= last; i++) out.push(clean(i * step));
  return out;
}

/**
 * Widens `[lo, hi]` to whole multiples of a 1-2-5 step giving about `count` intervals. A degenerate range (`lo ===
 * hi`) is first widened by 10% of `|lo|` on each side (by 1 around zero).
 *
 * @returns The widened domain and its step.
 * @category Metrics
 */
export function niceDomain(lo: number, hi: number, count: number): { min: number; max: number; step: number } {
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) throw new MetricsError(`niceDomain: bounds must be finite, got [${lo}, ${hi}]`);
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  let min = lo;
  let max = hi;
  let step = tickStep(min, max, count);
  // Widening can change the best step; two rounds settle it (as d3's `nice` does).
  for (let round = 0; round < 2; round++) {
    min = clean(Math.floor(lo / step + 1e-9) * step);
    max = clean(Math.ceil(hi / step - 1e-9) * step);
    const next = tickStep(min, max, count);
    if (next === step) break;
    step = next;
  }
  return { min, max, step };
}

const SI: readonly (readonly [number, string])[] = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/**
 * Formats a tick value on an axis whose ticks are `step` apart: SI suffix for |value| >= 1000 (`100k`, `1.5M`),
 * just enough decimals to tell neighbouring ticks apart, no trailing zeros, and a true minus sign (U+2212).
 * @category Metrics
 */
export function formatTick(value: number, step: number): string {
  if (Math.abs(value) < Math.abs(step) * 1e-9) return '0';
  const abs = Math.abs(value);
  const [scale, suffix] = SI.find(([s]) => abs >= s) ?? [1, ''];
  const decimals = Math.min(20, Math.max(0, Math.ceil(-Math.log10(Math.abs(step) / scale) - 1e-9)));
  let digits = (abs / scale).toFixed(decimals);
  if (digits.includes('.')) digits = digits.replace(/0+$/, '').replace(/\.$/, '');
  return `${value < 0 ? '\u2212' : ''}${digits}${suffix}`;
}
