// The browser build's stand-in for output-array.ts (scripts/browser-substitutions.mjs swaps it in): a page has
// no allocation without zero-filling, so the arrays are allocated plainly.

/**
 * A new `Float32Array` or `Float64Array` of `length` elements, for results the caller overwrites entirely.
 *
 * @param dtype - `'float32'` or `'float64'`.
 * @param length - elements.
 * @returns the array.
 * @category V-trace
 */
export function outputArray(dtype: 'float32' | 'float64', length: number): Float32Array | Float64Array {
  return dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
}
