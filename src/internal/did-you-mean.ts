/**
 * "Did you mean" suggestions for mistyped names (env ids, flags).
 */

/**
 * Edit distance (insertions, deletions, substitutions), case-insensitive.
 * @category Errors
 */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[t.length]!;
}

/**
 * The known names closest to a mistyped one: within an edit distance of a third of its length (at least 2),
 * or containing it (case-insensitive), nearest first, at most three.
 *
 * @param name - what was typed.
 * @param known - the valid names.
 * @returns the suggestions (possibly none).
 * @category Errors
 */
export function closestNames(name: string, known: readonly string[]): string[] {
  const limit = Math.max(2, Math.floor(name.length / 3));
  const lower = name.toLowerCase();
  return known
    .map((k) => ({ k, d: editDistance(name, k) }))
    .filter(({ k, d }) => d <= limit || (lower.length >= 3 && k.toLowerCase().includes(lower)))
    .sort((x, y) => x.d - y.d || x.k.localeCompare(y.k))
    .slice(0, 3)
    .map(({ k }) => k);
}

/**
 * ` (did you mean 'X'?)` (or `'X' or 'Y'`), or an empty string when nothing is close.
 *
 * @param name - what was typed.
 * @param known - the valid names.
 * @returns the phrase to append to an error message.
 * @category Errors
 */
export function didYouMean(name: string, known: readonly string[]): string {
  const names = closestNames(name, known);
  return names.length === 0 ? '' : ` (did you mean ${names.map((n) => `'${n}'`).join(' or ')}?)`;
}
