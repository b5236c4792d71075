// New output arrays for the V-trace kernels, which write every element before anything reads one. In Node the
// memory is not zeroed first: Buffer.allocUnsafeSlow makes a fresh ArrayBuffer of exactly the size asked for
// (never pooled, never shared with another array) with zero-filling turned off, which at [100, 4096] saves
// about a tenth of a vtrace.arrays call. The browser build swaps in output-array.browser.ts (plain allocation).
import { Buffer } from 'node:buffer';

/**
 * A new `Float32Array` or `Float64Array` of `length` elements whose contents are unspecified until written: for
 * results that the caller overwrites entirely before returning them. Its `buffer` is its own, of exactly its size.
 *
 * @param dtype - `'float32'` or `'float64'`.
 * @param length - elements.
 * @returns the array.
 * @category V-trace
 */
export function outputArray(dtype: 'float32' | 'float64', length: number): Float32Array | Float64Array {
  if (dtype === 'float32') return new Float32Array(Buffer.allocUnsafeSlow(length * 4).buffer, 0, length);
  return new Float64Array(Buffer.allocUnsafeSlow(length * 8).buffer, 0, length);
}
