/**
 * Test-side tfjs setup: picks the backend named by `IMPALA_TEST_BACKEND` (default `cpu`) and registers
 * every gradient (importing `@tensorflow/tfjs-layers` does that; `tfjs-core` alone registers none).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';

export { tf };

/** Per-backend tolerance for float32 tensor results (tfjs `expectArraysClose` habit). */
export interface BackendTolerance {
  readonly atol: number;
  readonly rtol: number;
}

/** Selects the test backend once per test file; returns its name. */
export async function setupTestBackend(): Promise<string> {
  tf.env().set('IS_TEST', true); // silences the "looks like you are running TensorFlow.js in Node.js" banner
  const name = process.env.IMPALA_TEST_BACKEND ?? 'cpu';
  if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`test backend '${name}' could not be initialised`);
  await tf.ready();
  return name;
}
