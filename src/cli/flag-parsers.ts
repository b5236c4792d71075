/**
 * Value parsers for command-line flags. Each throws commander's `InvalidArgumentError`, which commander turns
 * into `option '--flag <value>' argument 'x' is invalid. <reason>`, so every message names its flag.
 */
import { InvalidArgumentError } from 'commander';

/** Parses a number written as `300000`, `300_000` or `3e5`. */
function toNumber(value: string): number {
  const text = value.trim().replaceAll('_', '');
  return text === '' ? NaN : Number(text);
}

/**
 * An integer flag value.
 *
 * @param min - the smallest accepted value.
 * @returns a parser of integers `>= min`.
 */
export function integerAtLeast(min: number): (value: string) => number {
  return (value) => {
    const n = toNumber(value);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`Expected an integer >= ${min}.`);
    return n;
  };
}

/**
 * A number flag value in a range.
 *
 * @param range - bounds; `min`/`max` inclusive, `above` exclusive.
 * @returns a parser of finite numbers in the range.
 */
export function numberIn(range: { readonly min?: number; readonly above?: number; readonly max?: number }): (value: string) => number {
  const parts: string[] = [];
  if (range.min !== undefined) parts.push(`>= ${range.min}`);
  if (range.above !== undefined) parts.push(`> ${range.above}`);
  if (range.max !== undefined) parts.push(`<= ${range.max}`);
  return (value) => {
    const n = toNumber(value);
    const ok =
      Number.isFinite(n) &&
      (range.min === undefined || n >= range.min) &&
      (range.above === undefined || n > range.above) &&
      (range.max === undefined || n <= range.max);
    if (!ok) throw new InvalidArgumentError(`Expected a number ${parts.join(' and ')}.`);
    return n;
  };
}

/**
 * A number flag value that may also be `none` (kept as the text `'none'`: commander replaces a parsed `null`
 * with an empty string).
 *
 * @param parse - the parser of the number.
 * @returns a parser giving `'none'` for `none`.
 */
export function orNone(parse: (value: string) => number): (value: string) => number | 'none' {
  return (value) => (value.trim().toLowerCase() === 'none' ? 'none' : parse(value));
}

/**
 * A comma-separated list of integers (e.g. `--mlp-hidden-sizes 64,64`).
 *
 * @param min - the smallest accepted element.
 * @returns a parser of a non-empty list.
 */
export function integerList(min: number): (value: string) => number[] {
  const one = integerAtLeast(min);
  return (value) => {
    const items = value.split(',').map((s) => s.trim());
    if (items.some((s) => s === '')) throw new InvalidArgumentError(`Expected a comma-separated list of integers >= ${min}, e.g. 64,64.`);
    return items.map(one);
  };
}

/**
 * A comma-separated list of non-empty names (e.g. `--env Maze-v0,MazeNoCues-v0`).
 *
 * @param value - the flag value.
 * @returns the names.
 */
export function nameList(value: string): string[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new InvalidArgumentError('Expected one name or a comma-separated list of names.');
  return items;
}

/**
 * One `key=value` pair of a repeatable flag (e.g. `--env-option height=24`); the value is read as JSON when
 * it parses (`24`, `true`, `[1,2]`, `"text"`), as text otherwise.
 *
 * @param value - the flag value.
 * @param previous - the pairs of earlier occurrences.
 * @returns the pairs so far, as an object.
 */
export function keyValue(value: string, previous: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const eq = value.indexOf('=');
  const key = eq < 0 ? '' : value.slice(0, eq).trim();
  if (key === '') throw new InvalidArgumentError('Expected key=value, e.g. height=24.');
  const text = value.slice(eq + 1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { ...previous, [key]: parsed };
}
