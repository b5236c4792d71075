/**
 * A faster float32 matrix product for the pure-JS `cpu` backend (`@tensorflow/tfjs-backend-cpu` 4.22).
 *
 * The stock kernel computes each output as a strided dot product (a column of `b` per element) with
 * index arithmetic in the innermost loop. This one walks rows of `b` contiguously, two output rows and
 * four shared-dimension steps at a time, accumulating each output row in float64: 2–5× faster on the
 * batched dense-layer shapes of actors and learners (see docs/backends.md), and at least as accurate.
 */

/**
 * A `[batch, rows, cols]` float32 operand, row-major, possibly stored transposed (`[batch, cols, rows]`).
 * @category Backends
 */
export interface MatrixOperand {
  /** The values, `[batch, rows, cols]` row-major, or `[batch, cols, rows]` when `transposed`. */
  readonly values: Float32Array;
  /** Number of matrices (1 broadcasts against the other operand's batch). */
  readonly batch: number;
  /** Rows of the logical (untransposed) matrix. */
  readonly rows: number;
  /** Columns of the logical (untransposed) matrix. */
  readonly cols: number;
  /** Whether `values` hold the transpose. */
  readonly transposed: boolean;
}

/**
 * What to do to every output element after the product (the `_FusedMatMul` epilogue).
 * @category Backends
 */
export interface MatMulEpilogue {
  /** A bias `[N]` added to every row, or none. */
  readonly bias?: Float32Array | undefined;
  /** `relu` clamps negatives to 0 (NaN stays NaN, as tfjs's relu). */
  readonly relu?: boolean | undefined;
}

/** Copies the transpose of each `[rows, cols]` matrix stored as `[cols, rows]` into row-major `[rows, cols]`. */
function untranspose(m: MatrixOperand): Float32Array {
  const { values, batch, rows, cols } = m;
  const out = new Float32Array(batch * rows * cols);
  const size = rows * cols;
  for (let b = 0; b < batch; b++) {
    const base = b * size;
    for (let c = 0; c < cols; c++) {
      const src = base + c * rows;
      for (let r = 0; r < rows; r++) out[base + r * cols + c] = values[src + r]!;
    }
  }
  return out;
}

/**
 * `out[bi] = a[bi % a.batch] · b[bi % b.batch]` for `bi < max(a.batch, b.batch)`, then the epilogue.
 * `a` is `[M, K]`, `b` is `[K, N]` (logical shapes), `out` is `[batch, M, N]`.
 * @category Backends
 */
export function matMulF32(a: MatrixOperand, b: MatrixOperand, epilogue: MatMulEpilogue = {}): Float32Array {
  const M = a.rows;
  const K = a.cols;
  const N = b.cols;
  const batch = Math.max(a.batch, b.batch);
  const out = new Float32Array(batch * M * N);
  if (M === 0 || N === 0) return out;
  // Rows of b are read contiguously: a transposed b is copied once into row-major order.
  const B = b.transposed ? untranspose(b) : b.values;
  const A = a.values;
  // Element (i, k) of a: row-major i·K + k, or k·M + i when a is stored transposed.
  const aRow = a.transposed ? 1 : K;
  const aCol = a.transposed ? M : 1;
  const bias = epilogue.bias;
  const relu = epilogue.relu === true;
  const acc0 = new Float64Array(N);
  const acc1 = new Float64Array(N);
  const K4 = K - (K % 4);
  const aSize = M * K;
  const bSize = K * N;
  for (let bi = 0; bi < batch; bi++) {
    const aBase = (bi % a.batch) * aSize;
    const bBase = (bi % b.batch) * bSize;
    const outBase = bi * M * N;
    let i = 0;
    // Two rows of a at a time share each load of b.
    for (; i + 1 < M; i += 2) {
      acc0.fill(0);
      acc1.fill(0);
      const p = aBase + i * aRow;
      const q = p + aRow;
      let k = 0;
      for (; k < K4; k += 4) {
        const o = k * aCol;
        const a0 = A[p + o]!, a1 = A[p + o + aCol]!, a2 = A[p + o + 2 * aCol]!, a3 = A[p + o + 3 * aCol]!;
        const c0 = A[q + o]!, c1 = A[q + o + aCol]!, c2 = A[q + o + 2 * aCol]!, c3 = A[q + o + 3 * aCol]!;
        const r0 = bBase + k * N, r1 = r0 + N, r2 = r1 + N, r3 = r2 + N;
        for (let j = 0; j < N; j++) {
          const x0 = B[r0 + j]!, x1 = B[r1 + j]!, x2 = B[r2 + j]!, x3 = B[r3 + j]!;
          acc0[j] = acc0[j]! + (a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3);
          acc1[j] = acc1[j]! + (c0 * x0 + c1 * x1 + c2 * x2 + c3 * x3);
        }
      }
      for (; k < K; k++) {
        const a0 = A[p + k * aCol]!, c0 = A[q + k * aCol]!;
        const r0 = bBase + k * N;
        for (let j = 0; j < N; j++) {
          const x = B[r0 + j]!;
          acc0[j] = acc0[j]! + a0 * x;
          acc1[j] = acc1[j]! + c0 * x;
        }
      }
      store(out, outBase + i * N, acc0, N, bias, relu);
      store(out, outBase + (i + 1) * N, acc1, N, bias, relu);
    }
    if (i < M) {
      acc0.fill(0);
      const p = aBase + i * aRow;
      let k = 0;
      for (; k < K4; k += 4) {
        const o = k * aCol;
        const a0 = A[p + o]!, a1 = A[p + o + aCol]!, a2 = A[p + o + 2 * aCol]!, a3 = A[p + o + 3 * aCol]!;
        const r0 = bBase + k * N, r1 = r0 + N, r2 = r1 + N, r3 = r2 + N;
        for (let j = 0; j < N; j++) acc0[j] = acc0[j]! + (a0 * B[r0 + j]! + a1 * B[r1 + j]! + a2 * B[r2 + j]! + a3 * B[r3 + j]!);
      }
      for (; k < K; k++) {
        const a0 = A[p + k * aCol]!;
        const r0 = bBase + k * N;
        for (let j = 0; j < N; j++) acc0[j] = acc0[j]! + a0 * B[r0 + j]!;
      }
      store(out, outBase + i * N, acc0, N, bias, relu);
    }
  }
  return out;
}

/** Writes one accumulated row, with the bias and relu of the epilogue. */
function store(out: Float32Array, offset: number, acc: Float64Array, N: number, bias: Float32Array | undefined, relu: boolean): void {
  if (bias === undefined && !relu) {
    out.set(acc, offset);
    return;
  }
  for (let j = 0; j < N; j++) {
    // Rounded to float32 before the bias is added, as the stock kernel's matMul-then-add does.
    let v = Math.fround(acc[j]!);
    if (bias !== undefined) v = Math.fround(v + bias[j]!);
    out[offset + j] = relu && v < 0 ? 0 : v;
  }
}
