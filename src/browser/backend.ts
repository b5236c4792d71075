/**
 * Backend selection in a web page: picks among the tfjs backends the page has registered (by importing
 * their packages) and the browser can run.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerCpuMatMulKernels } from '../backends/cpu-kernels.js';
import { registerWasmTrainingKernels } from '../backends/wasm-kernels.js';

/**
 * The tfjs backends a browser can offer, in impala-rl's order of preference.
 * @category Browser
 */
export const BROWSER_BACKENDS = Object.freeze(['webgpu', 'webgl', 'wasm', 'cpu'] as const);

/**
 * A tfjs backend a browser can offer.
 * @category Browser
 */
export type BrowserBackendName = (typeof BROWSER_BACKENDS)[number];

/**
 * What {@link useBrowserBackend} accepts: a backend, or `'auto'` for the first that works.
 * @category Browser
 */
export type BrowserBackendRequest = BrowserBackendName | 'auto';

/**
 * A backend that was passed over, and why.
 * @category Browser
 */
export interface SkippedBrowserBackend {
  /** The backend. */
  readonly name: BrowserBackendName;
  /** Why it was not used: not registered (its package was not imported), or the error it failed with. */
  readonly reason: string;
}

/**
 * What {@link useBrowserBackend} selected.
 * @category Browser
 */
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

/**
 * Options of {@link useBrowserBackend}.
 * @category Browser
 */
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
  /**
   * With `'auto'`, pass over webgpu and webgl when the browser renders in software (SwiftShader, llvmpipe, Microsoft
   * Basic Render Driver: a machine without a usable GPU, or a headless browser); wasm is then much faster. A backend
   * named explicitly is always used.
   * @defaultValue true
   */
  readonly avoidSoftwareGpu?: boolean;
}

const SOFTWARE_RENDERERS = /swiftshader|llvmpipe|softpipe|software|basic render/i;

/** The structural bits of the DOM and WebGPU this reads, so the module needs no DOM typings. */
interface GpuGlobals {
  readonly document?: { createElement(tag: 'canvas'): { getContext(kind: string): GlContext | null } };
  readonly OffscreenCanvas?: new (w: number, h: number) => { getContext(kind: string): GlContext | null };
  readonly navigator?: { readonly gpu?: { requestAdapter(): Promise<{ readonly info?: Record<string, unknown> } | null> } };
}
interface GlContext {
  getExtension(name: string): { readonly UNMASKED_RENDERER_WEBGL: number } | null;
  getParameter(p: number): unknown;
}

/**
 * The renderer behind a GPU backend, as the browser reports it (WebGL's unmasked renderer; WebGPU's adapter info),
 * or `undefined` when it cannot be read.
 *
 * @param name - `'webgl'` or `'webgpu'`.
 * @returns e.g. `'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)'`.
 * @category Browser
 */
export async function gpuRenderer(name: 'webgl' | 'webgpu'): Promise<string | undefined> {
  const g = globalThis as GpuGlobals;
  try {
    if (name === 'webgpu') {
      const info = (await g.navigator?.gpu?.requestAdapter())?.info;
      return info === undefined ? undefined : ['vendor', 'architecture', 'device', 'description'].map((k) => info[k]).filter((v): v is string => typeof v === 'string' && v !== '').join(' ');
    }
    const canvas = g.OffscreenCanvas ? new g.OffscreenCanvas(1, 1) : g.document?.createElement('canvas');
    const gl = canvas?.getContext('webgl2') ?? canvas?.getContext('webgl') ?? null;
    const ext = gl?.getExtension('WEBGL_debug_renderer_info');
    return ext && gl ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : undefined;
  } catch {
    return undefined;
  }
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
 * @category Browser
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

/**
 * Checks that the active backend computes: uploads, reduces and reads back tensors of 1 Ki, 64 Ki and 1 Mi floats,
 * then 256 small tensors one after the other (a backend can fail only after many uploads: tfjs-backend-webgpu on a
 * software adapter runs out of mappable staging buffers), checking each sum. Throws when a result is wrong or a
 * step fails.
 */
async function probe(): Promise<void> {
  // Values i mod 8, so every partial sum is exact in float32: a sum over n values is n/8 · (0 + 1 + … + 7).
  const values = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => i % 8);
  const check = async (what: string, expected: number, compute: () => tf.Tensor): Promise<void> => {
    let value: number;
    let result: tf.Tensor | undefined;
    try {
      result = tf.tidy(compute);
      value = (await result.data())[0]!;
    } catch (error) {
      throw new Error(`failed a test computation (${what}): ${errorText(error)}`, { cause: error });
    } finally {
      result?.dispose();
    }
    if (value !== expected) throw new Error(`computed ${value} for ${expected} in a test computation (${what})`);
  };
  for (const n of [1 << 10, 1 << 16, 1 << 20]) {
    await check(`sum of ${n}`, (n / 8) * 28, () => tf.sum(tf.add(tf.tensor1d(values(n)), tf.scalar(0))));
  }
  await check('256 uploads', 256 * 8 * 28, () => tf.addN(Array.from({ length: 256 }, () => tf.sum(tf.tensor1d(values(64))))));
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
 * @category Browser
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
    if (request === 'auto' && options.avoidSoftwareGpu !== false && (name === 'webgl' || name === 'webgpu') && (tf.findBackendFactory(name) as unknown) != null) {
      const renderer = await gpuRenderer(name);
      if (renderer !== undefined && SOFTWARE_RENDERERS.test(renderer)) {
        skipped.push({ name, reason: `renders in software (${renderer})` });
        continue;
      }
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
