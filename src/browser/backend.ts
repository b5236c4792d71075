/**
 * Backend selection in a web page: picks among the tfjs backends the page has registered (by importing
 * their packages) and the browser can run.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerCpuMatMulKernels } from '../backends/cpu-kernels.js';
import { registerWasmTrainingKernels } from '../backends/wasm-kernels.js';

/** The tfjs backends a browser can offer, in impala-rl's order of preference. */
export const BROWSER_BACKENDS = Object.freeze(['webgpu', 'webgl', 'wasm', 'cpu'] as const);

/** A tfjs backend a browser can offer. */
export type BrowserBackendName = (typeof BROWSER_BACKENDS)[number];

/** What {@link useBrowserBackend} accepts: a backend, or `'auto'` for the first that works. */
export type BrowserBackendRequest = BrowserBackendName | 'auto';

/** A backend that was passed over, and why. */
export interface SkippedBrowserBackend {
  /** The backend. */
  readonly name: BrowserBackendName;
  /** Why it was not used: not registered (its package was not imported), or the error it failed with. */
  readonly reason: string;
}

/** What {@link useBrowserBackend} selected. */
export interface BrowserBackendInfo {
  /** The backend now active (`tf.getBackend()`). */
  readonly name: BrowserBackendName;
  /** What was asked for. */
  readonly requested: BrowserBackendRequest;
  /** Kernels impala-rl registered for it: wasm training kernels, or the cpu backend's faster matMul. */
  readonly trainingKernels: readonly string[];
  /** Backends tried before it (with `'auto'`), or that are registered but failed. */
  readonly skipped: readonly SkippedBrowserBackend[];
}

/** Options of {@link useBrowserBackend}. */
export interface UseBrowserBackendOptions {
  /**
   * The order `'auto'` tries backends in.
   * @defaultValue {@link BROWSER_BACKENDS}: webgpu, webgl, wasm, cpu
   */
  readonly order?: readonly BrowserBackendName[];
  /**
   * Register impala-rl's wasm training kernels when `wasm` is chosen (conv2d gradients and a correct
   * max-pool gradient; the deep torso needs them).
   * @defaultValue true
   */
  readonly wasmTrainingKernels?: boolean;
  /**
   * Register impala-rl's faster matMul kernels when `cpu` is chosen.
   * @defaultValue true
   */
  readonly cpuMatMulKernels?: boolean;
  /**
   * Check that a backend computes before choosing it: upload a small tensor, reduce it, read it back, compare. Some
   * backends initialise and then fail on the first upload (WebGPU on a software adapter with low buffer limits);
   * with the probe, `'auto'` moves on to the next one instead.
   * @defaultValue true
   */
  readonly probe?: boolean;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] ?? error.name : String(error);
}

/**
 * The browser backends the page has registered with `@tensorflow/tfjs-core` (by importing
 * `@tensorflow/tfjs-backend-webgpu`, `-webgl`, `-wasm` or `-cpu`). Whether each one initialises in this browser
 * is only known once {@link useBrowserBackend} tries it.
 *
 * @returns the registered ones, in {@link BROWSER_BACKENDS} order.
 */
export function registeredBrowserBackends(): BrowserBackendName[] {
  // tfjs types findBackendFactory as non-null, but it returns null for an unknown name.
  return BROWSER_BACKENDS.filter((name) => (tf.findBackendFactory(name) as unknown) != null);
}

async function activate(name: BrowserBackendName, options: UseBrowserBackendOptions): Promise<readonly string[]> {
  if ((tf.findBackendFactory(name) as unknown) == null) {
    throw new Error(`not registered: import '@tensorflow/tfjs-backend-${name}' in the page`);
  }
  // Kernels are registered before the backend initialises, as useBackend does in Node.
  const kernels = name === 'wasm' && options.wasmTrainingKernels !== false
    ? registerWasmTrainingKernels()
    : name === 'cpu' && options.cpuMatMulKernels !== false ? registerCpuMatMulKernels() : [];
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (error) {
    throw new Error(`failed to initialise: ${errorText(error)}`, { cause: error });
  }
  if (!ok) throw new Error('failed to initialise (not supported by this browser)');
  await tf.ready();
  if (options.probe !== false) await probe();
  return kernels;
}

/** Computes Σ i² for i < 1024 on the active backend, reading the result back; throws when it is wrong or fails. */
async function probe(): Promise<void> {
  const n = 1024;
  const expected = ((n - 1) * n * (2 * n - 1)) / 6;
  let value: number;
  const tensors: tf.Tensor[] = [];
  try {
    const x = tf.tensor1d(Float32Array.from({ length: n }, (_, i) => i));
    tensors.push(x);
    const y = tf.tidy(() => tf.sum(tf.mul(x, x)));
    tensors.push(y);
    value = (await y.data())[0]!;
  } catch (error) {
    throw new Error(`failed a test computation: ${errorText(error)}`, { cause: error });
  } finally {
    tf.dispose(tensors);
  }
  if (!(Math.abs(value - expected) <= 1e-4 * expected)) throw new Error(`computed ${value} for ${expected} in a test computation`);
}

/**
 * Selects the tfjs backend a page trains and acts on: the browser counterpart of `useBackend` (which loads
 * Node packages). The page imports the backend packages it wants to offer (each registers its backend); this
 * picks one, initialises it and registers impala-rl's kernels for it (wasm training kernels; faster cpu matMul).
 * For the wasm backend, point tfjs at its `.wasm` files first (`setWasmPaths` from
 * `@tensorflow/tfjs-backend-wasm`) when the bundler does not serve them next to the script.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-webgl';
 * import '@tensorflow/tfjs-backend-wasm';
 * import { useBrowserBackend } from 'impala-rl';
 * const { name } = await useBrowserBackend('auto'); // 'webgl' where WebGL works, else 'wasm'
 * ```
 * @param request - a backend, or `'auto'`: the first in `options.order` that initialises.
 * @param options - order and kernel options.
 * @returns what was selected.
 * @throws Error when the named backend (or, for `'auto'`, every backend) cannot be used.
 */
export async function useBrowserBackend(
  request: BrowserBackendRequest = 'auto',
  options: UseBrowserBackendOptions = {},
): Promise<BrowserBackendInfo> {
  const candidates = request === 'auto' ? (options.order ?? BROWSER_BACKENDS) : [request];
  const skipped: SkippedBrowserBackend[] = [];
  for (const name of candidates) {
    if (!(BROWSER_BACKENDS as readonly string[]).includes(name)) {
      throw new Error(`useBrowserBackend: unknown backend ${JSON.stringify(name)}; expected one of ${BROWSER_BACKENDS.join(', ')} or 'auto'`);
    }
    try {
      const trainingKernels = await activate(name, options);
      return { name, requested: request, trainingKernels, skipped };
    } catch (error) {
      skipped.push({ name, reason: errorText(error) });
    }
  }
  const reasons = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
  throw new Error(`useBrowserBackend('${request}'): no backend could be used (${reasons})`);
}
