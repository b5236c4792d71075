/** Formats a shape as `[2,3,4]` for error messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Formats the multi-index of flat position `flat` in a row-major array of `shape` as `[t,b,...]`. */
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
