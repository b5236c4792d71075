/**
 * Test-side tfjs setup: picks the backend named by `IMPALA_TEST_BACKEND` (default `cpu`; also `wasm`,
 * `tensorflow`, `cuda`) and registers every gradient (importing `@tensorflow/tfjs-layers` does that;
 * `tfjs-core` alone registers none). Backends are selected through impala-rl's own `useBackend`, so
 * wasm runs with impala-rl's training kernels and cpu with its matMul kernels, as they do for users.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { parseBackendName, useBackend, type BackendName } from '../../src/backends/index.js';

export { tf };

/**
 * Per-backend tolerance for float32 tensor results, used as `|actual − expected| ≤ atol + rtol·|expected|`
 * (numpy's `allclose`).
 */
export interface BackendTolerance {
  readonly atol: number;
  readonly rtol: number;
}

/**
 * Tolerances per backend for comparing a float32 result with its reference. cpu is plain float32
 * JavaScript; wasm (XNNPACK) and libtensorflow (oneDNN) reorder sums and use FMA, and their conv
 * gradients are computed differently; measured gaps to the cpu backend on the ops of the IMPALA
 * networks are below 1e-6 relative to the largest value (test/backends/*.test.ts), so these leave
 * room for sums over a few thousand terms.
 */
export const BACKEND_TOLERANCES: Readonly<Record<BackendName, BackendTolerance>> = {
  cpu: { atol: 1e-6, rtol: 1e-5 },
  wasm: { atol: 1e-5, rtol: 1e-4 },
  tensorflow: { atol: 1e-5, rtol: 1e-4 },
  cuda: { atol: 1e-4, rtol: 1e-3 }, // TF32 matmuls on Ampere+ GPUs keep only 10 mantissa bits
};

/** The backend `IMPALA_TEST_BACKEND` names (default `cpu`). */
export function testBackendName(): BackendName {
  const name = parseBackendName(process.env.IMPALA_TEST_BACKEND ?? 'cpu');
  if (name === 'auto') throw new Error("IMPALA_TEST_BACKEND: 'auto' is not a test backend; name one of cuda, tensorflow, wasm, cpu");
  return name;
}

/** The tolerance for results computed on `backend` (default: the test backend). */
export function testTolerance(backend: BackendName = testBackendName()): BackendTolerance {
  return BACKEND_TOLERANCES[backend];
}

/**
 * Asserts `|actual[i] − expected[i]| ≤ atol + rtol·|expected[i]|` for every i (and equal lengths);
 * the message names the first offending index.
 */
export function assertAllClose(
  actual: ArrayLike<number>, expected: ArrayLike<number>, tol: BackendTolerance = testTolerance(), label = 'values',
): void {
  if (actual.length !== expected.length) throw new Error(`${label}: length ${actual.length} != expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    if (!(Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e))) {
      throw new Error(`${label}[${i}]: ${a} vs expected ${e} (atol ${tol.atol}, rtol ${tol.rtol})`);
    }
  }
}

/** Selects the test backend once per test file; returns its name. */
export async function setupTestBackend(): Promise<string> {
  tf.env().set('IS_TEST', true); // silences the "looks like you are running TensorFlow.js in Node.js" banner
  // Through useBackend, as users select it: cpu runs impala-rl's matMul kernels, wasm its training kernels.
  const info = await useBackend(testBackendName());
  return info.name;
}
