/**
 * Formats a shape (or an index) for error messages: `[2,3,4]`, or `[2, 3, 4]` with `separator` `', '` (the
 * networks' messages).
 * @category Errors
 */
export function formatShape(shape: readonly number[], separator: ',' | ', ' = ','): string {
  return `[${shape.join(separator)}]`;
}

/**
 * Formats the multi-index of flat position `flat` in a row-major array of `shape` as `[t,b,...]`.
 * @category Errors
 */
export function formatIndex(flat: number, shape: readonly number[]): string {
  const index: number[] = new Array<number>(shape.length).fill(0);
  let rest = flat;
  for (let i = shape.length - 1; i >= 0; i--) {
    const size = shape[i]!;
    index[i] = size > 0 ? rest % size : 0;
    rest = size > 0 ? Math.floor(rest / size) : 0;
  }
  return formatShape(index);
}
