/**
 * `useBackend`: selects the tfjs backend impala-rl trains and acts on.
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { defaultBackendLoader, type BackendLoader, type BackendModule } from './backend-loader.js';
import {
  BACKEND_PACKAGES,
  OFFLINE_TFJS_NODE_SCRIPT,
  backendInstallCommand,
  type BackendName,
  type BackendPackageName,
  type BackendRequest,
} from './backend-names.js';
import { BackendUnavailableError } from './backend-unavailable-error.js';
import { ensureGradients } from './gradients.js';
import { registerCpuMatMulKernels, type CpuMatMulKernelName } from './cpu-kernels.js';
import { registerTensorflowTrainingKernels, type TensorflowTrainingKernelName } from './tensorflow-kernels.js';
import { registerWasmTrainingKernels, type WasmTrainingKernelName } from './wasm-kernels.js';

/**
 * Options of {@link useBackend}.
 * @category Backends
 */
export interface UseBackendOptions {
  /**
   * Imports the backend packages; replace it to test the selection without installing them.
   * @defaultValue a dynamic `import()` of each package
   */
  readonly loader?: BackendLoader;
  /**
   * Receives one line saying which backend, package version and thread count was chosen (and, for
   * `auto`, why faster backends were skipped).
   * @defaultValue none; `console.info` when `verbose` is set
   */
  readonly log?: (message: string) => void;
  /**
   * Print the chosen backend with `console.info` when no `log` callback is given.
   * @defaultValue false
   */
  readonly verbose?: boolean;
  /**
   * Register impala-rl's wasm training kernels when `wasm` is chosen (see
   * `registerWasmTrainingKernels`). Without them the wasm backend cannot compute conv2d gradients
   * and gets max-pool gradients wrong.
   * @defaultValue true
   */
  readonly wasmTrainingKernels?: boolean;
  /**
   * Replace the `cpu` backend's matMul kernels with impala-rl's faster ones when `cpu` is chosen (see
   * `registerCpuMatMulKernels`: 2–5× faster batched dense layers, same results to float32 rounding).
   * @defaultValue true
   */
  readonly cpuMatMulKernels?: boolean;
  /**
   * Register impala-rl's faster kernels for libtensorflow when `tensorflow` or `cuda` is chosen (see
   * `registerTensorflowTrainingKernels`; same values as the stock kernels).
   * @defaultValue true
   */
  readonly tensorflowTrainingKernels?: boolean;
  /**
   * Register tfjs's gradients (by importing `@tensorflow/tfjs-layers`, when it is installed and they are not
   * registered yet): `@tensorflow/tfjs-core` alone has none, and the `Learner` needs them.
   * @defaultValue true
   */
  readonly registerGradients?: boolean;
}

/**
 * A backend that `auto` tried and passed over, with the reason.
 * @category Backends
 */
export interface SkippedBackend {
  /** The backend that was tried. */
  readonly name: BackendName;
  /** Why it was not used. */
  readonly reason: string;
}

/**
 * What {@link useBackend} selected.
 * @category Backends
 */
export interface BackendInfo {
  /** The backend in impala-rl's terms (`tensorflow` when tfjs-node-gpu runs without a GPU). */
  readonly name: BackendName;
  /** What was asked for. */
  readonly requested: BackendRequest;
  /** The tfjs backend now active (`tf.getBackend()`): `tensorflow`, `wasm` or `cpu`. */
  readonly tfjsBackend: string;
  /** The npm package that provides it. */
  readonly packageName: BackendPackageName;
  /** That package's version. */
  readonly version: string;
  /**
   * Threads the backend computes with: 1 for `cpu`; the wasm module's thread count (always 1 in
   * Node with tfjs-backend-wasm 4.22); for `tensorflow`/`cuda`, the CPUs available to the process,
   * which is the size of libtensorflow's default intra-op thread pool.
   */
  readonly threads: number;
  /** Whether a GPU does the work (only `cuda`). */
  readonly gpu: boolean;
  /** `wasm` only: whether the SIMD build of the wasm module is in use. */
  readonly simd?: boolean;
  /** `tensorflow`/`cuda` only: the version of the libtensorflow the addon is linked against. */
  readonly libtensorflowVersion?: string;
  /**
   * The kernels impala-rl registered by this call (empty if they already were): `wasm`, its training
   * kernels; `tensorflow`/`cuda`, the faster ReLU-gradient kernel; `cpu`, the faster matMul kernels.
   */
  readonly trainingKernels?: readonly (WasmTrainingKernelName | TensorflowTrainingKernelName | CpuMatMulKernelName)[];
  /** `auto` only: faster backends that were tried and skipped. */
  readonly skipped: readonly SkippedBackend[];
}

/** The order `auto` tries backends in: fastest first. */
const AUTO_ORDER: readonly BackendName[] = Object.freeze(['cuda', 'tensorflow', 'wasm', 'cpu']);

const CUDA_REQUIREMENTS = 'tfjs-node-gpu 4.22 needs an NVIDIA driver > 450, CUDA 11.2 and cuDNN 8.1 (libtensorflow 2.9.1)';

/** The tfjs-node backend object's extra members we read. */
interface NodeBackendLike {
  readonly isUsingGpuDevice?: unknown;
  readonly isGPUPackage?: unknown;
  readonly binding?: { readonly TF_Version?: unknown };
}

function stringField(mod: BackendModule, key: string): string | undefined {
  const v = mod[key];
  return typeof v === 'string' ? v : undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] ?? error.name : String(error);
}

function missing(requested: BackendRequest, name: BackendName): BackendUnavailableError {
  const install = backendInstallCommand(name);
  let message = `useBackend('${requested}'): ${BACKEND_PACKAGES[name]} is not installed; install it with: ${install}`;
  if (name === 'tensorflow') {
    message +=
      ` (its install script downloads libtensorflow; without internet access, run` +
      ` \`npm install --ignore-scripts ${BACKEND_PACKAGES.tensorflow}@${tf.version_core}\`, then` +
      ` \`bash ${OFFLINE_TFJS_NODE_SCRIPT}\` to build it against a local tensorflow-cpu wheel; see docs/backends.md)`;
  }
  if (name === 'cuda') message += ` (${CUDA_REQUIREMENTS})`;
  return new BackendUnavailableError(requested, 'missing', message, install);
}

async function load(
  loader: BackendLoader, requested: BackendRequest, name: BackendName, packageName: BackendPackageName,
): Promise<BackendModule | undefined> {
  try {
    return await loader.load(packageName);
  } catch (error) {
    let message = `useBackend('${requested}'): ${packageName} is installed but failed to load: ${errorText(error)}`;
    if (name === 'tensorflow' || name === 'cuda') {
      message +=
        `. If its native addon was never built (e.g. installed with --ignore-scripts, or the libtensorflow` +
        ` download failed), build it offline with \`bash ${OFFLINE_TFJS_NODE_SCRIPT}\` (see docs/backends.md)`;
    }
    throw new BackendUnavailableError(requested, 'failed', message, undefined, error);
  }
}

async function activate(requested: BackendRequest, tfjsBackend: string): Promise<void> {
  // tfjs types findBackendFactory as non-null, but it returns null for an unknown name.
  if ((tf.findBackendFactory(tfjsBackend) as unknown) == null) {
    throw new BackendUnavailableError(requested, 'failed',
      `useBackend('${requested}'): the package loaded but no '${tfjsBackend}' backend is registered with this` +
      ` @tensorflow/tfjs-core ${tf.version_core}; it probably depends on another tfjs-core version (two copies` +
      ` are installed). Install versions matching @tensorflow/tfjs-core ${tf.version_core}`);
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(tfjsBackend);
  } catch (error) {
    throw new BackendUnavailableError(requested, 'failed',
      `useBackend('${requested}'): the '${tfjsBackend}' backend failed to initialise: ${errorText(error)}`, undefined, error);
  }
  if (!ok) {
    throw new BackendUnavailableError(requested, 'failed', `useBackend('${requested}'): the '${tfjsBackend}' backend failed to initialise`);
  }
  await tf.ready();
}

interface Attempt {
  readonly requested: BackendRequest;
  readonly loader: BackendLoader;
  readonly wasmTrainingKernels: boolean;
  readonly cpuMatMulKernels: boolean;
  readonly tensorflowTrainingKernels: boolean;
}

type Selected = Omit<BackendInfo, 'requested' | 'skipped'>;

async function useCpu({ requested, loader, cpuMatMulKernels }: Attempt): Promise<Selected> {
  const mod = await load(loader, requested, 'cpu', BACKEND_PACKAGES.cpu);
  if (mod === undefined) throw missing(requested, 'cpu');
  const trainingKernels = cpuMatMulKernels ? registerCpuMatMulKernels() : [];
  await activate(requested, 'cpu');
  // tfjs-backend-cpu prints "Hi, looks like you are running TensorFlow.js in Node.js ..." on its first tensor
  // unless tfjs is in prod mode; the line above this call's log already says which backend runs and why.
  const cpuBackend = tf.backend() as unknown as { firstUse?: unknown };
  if (typeof cpuBackend.firstUse === 'boolean') cpuBackend.firstUse = false;
  const version = stringField(mod, 'version_cpu') ?? tf.version_core;
  return { name: 'cpu', tfjsBackend: 'cpu', packageName: BACKEND_PACKAGES.cpu, version, threads: 1, gpu: false, trainingKernels };
}

async function useWasm({ requested, loader, wasmTrainingKernels }: Attempt): Promise<Selected> {
  const mod = await load(loader, requested, 'wasm', BACKEND_PACKAGES.wasm);
  if (mod === undefined) throw missing(requested, 'wasm');
  // Registered before the backend initialises, so that kernel setup functions run with it.
  const trainingKernels = wasmTrainingKernels ? registerWasmTrainingKernels() : [];
  await activate(requested, 'wasm');
  const threadsOf = mod.getThreadsCount;
  const threads = typeof threadsOf === 'function' ? Number((threadsOf as () => unknown)()) : 1;
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const version = stringField(mod, 'version_wasm') ?? tf.version_core;
  return { name: 'wasm', tfjsBackend: 'wasm', packageName: BACKEND_PACKAGES.wasm, version, threads, gpu: false, simd, trainingKernels };
}

/**
 * Loads tfjs-node (or tfjs-node-gpu) and activates its `tensorflow` backend. With `requireGpu`,
 * fails unless libtensorflow runs on a GPU; the backend active before is then restored.
 */
async function useLibtensorflow(
  attempt: Attempt, packageName: BackendPackageName, mod: BackendModule, requireGpu: boolean,
): Promise<Selected> {
  const { requested } = attempt;
  const previous = tf.getBackend() as string | null | undefined;
  await activate(requested, 'tensorflow');
  const backend = tf.backend() as unknown as NodeBackendLike;
  const gpuPackage = backend.isGPUPackage === true;
  const onGpu = backend.isUsingGpuDevice === true;
  const restore = async (): Promise<void> => {
    if (typeof previous === 'string' && previous !== 'tensorflow') await tf.setBackend(previous);
  };
  if (packageName === BACKEND_PACKAGES.cuda && !gpuPackage) {
    await restore();
    throw new BackendUnavailableError(requested, 'conflict',
      `useBackend('${requested}'): the 'tensorflow' backend in this process comes from ${BACKEND_PACKAGES.tensorflow},` +
      ` not ${BACKEND_PACKAGES.cuda}; the two cannot be loaded together: import only ${BACKEND_PACKAGES.cuda}`);
  }
  if (requireGpu && !onGpu) {
    await restore();
    throw new BackendUnavailableError(requested, 'no-gpu',
      `useBackend('${requested}'): ${BACKEND_PACKAGES.cuda} loaded but libtensorflow sees no GPU device; check` +
      ` \`nvidia-smi\` and the CUDA libraries (${CUDA_REQUIREMENTS}), or use 'tensorflow' or 'auto'`);
  }
  const tfVersion = backend.binding?.TF_Version;
  // tfjs-node (and tfjs-node-gpu, built from the same sources) exports version['tfjs-node'].
  const versions = mod.version;
  const nodeVersion = typeof versions === 'object' && versions !== null ? (versions as Record<string, unknown>)['tfjs-node'] : undefined;
  const version = typeof nodeVersion === 'string' ? nodeVersion : tf.version_core;
  const selected: Selected = {
    name: onGpu ? 'cuda' : 'tensorflow',
    tfjsBackend: 'tensorflow',
    packageName,
    version,
    threads: availableParallelism(),
    gpu: onGpu,
    trainingKernels: attempt.tensorflowTrainingKernels ? registerTensorflowTrainingKernels() : [],
  };
  return typeof tfVersion === 'string' ? { ...selected, libtensorflowVersion: tfVersion } : selected;
}

async function useTensorflow(attempt: Attempt): Promise<Selected> {
  const { requested, loader } = attempt;
  const cpuBuild = await load(loader, requested, 'tensorflow', BACKEND_PACKAGES.tensorflow);
  if (cpuBuild !== undefined) return useLibtensorflow(attempt, BACKEND_PACKAGES.tensorflow, cpuBuild, false);
  // tfjs-node-gpu is libtensorflow too, and runs on the CPU when there is no GPU.
  const gpuBuild = await load(loader, requested, 'cuda', BACKEND_PACKAGES.cuda);
  if (gpuBuild !== undefined) return useLibtensorflow(attempt, BACKEND_PACKAGES.cuda, gpuBuild, false);
  throw missing(requested, 'tensorflow');
}

async function useCuda(attempt: Attempt, requireGpu: boolean): Promise<Selected> {
  const mod = await load(attempt.loader, attempt.requested, 'cuda', BACKEND_PACKAGES.cuda);
  if (mod === undefined) throw missing(attempt.requested, 'cuda');
  return useLibtensorflow(attempt, BACKEND_PACKAGES.cuda, mod, requireGpu);
}

/**
 * The log line for a selection.
 * @category Backends
 */
export function describeBackend(info: BackendInfo): string {
  const parts = [`${info.packageName} ${info.version}`, `${info.threads} thread${info.threads === 1 ? '' : 's'}`];
  if (info.simd !== undefined) parts.push(`SIMD ${info.simd ? 'on' : 'off'}`);
  if (info.libtensorflowVersion !== undefined) parts.push(`libtensorflow ${info.libtensorflowVersion}`);
  if (info.name === 'cuda') parts.push('GPU');
  if (info.trainingKernels !== undefined && info.trainingKernels.length > 0) {
    parts.push(`${info.name === 'wasm' ? 'training ' : ''}kernels registered: ${info.trainingKernels.join(', ')}`);
  }
  let line = `impala-rl: backend '${info.name}' (${parts.join(', ')})`;
  if (info.requested !== info.name) line += `, requested '${info.requested}'`;
  if (info.skipped.length > 0) line += `; skipped ${info.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`;
  return line;
}

/**
 * Selects the tfjs backend that impala-rl (and everything else using this `@tensorflow/tfjs-core`)
 * computes with, importing its package on demand. The optional backend packages are optional peer
 * dependencies: install the ones you want.
 *
 * - `auto` takes the fastest one that works: `cuda` (tfjs-node-gpu on a GPU) > `tensorflow`
 *   (tfjs-node; tfjs-node-gpu without a GPU also lands here) > `wasm` > `cpu`.
 * - A named backend that is missing fails with a {@link BackendUnavailableError} whose message has
 *   the exact install command (and, for `tensorflow`, the offline build script for machines that
 *   cannot download libtensorflow).
 * - `wasm` also gets impala-rl's training kernels (see `registerWasmTrainingKernels`), libtensorflow
 *   (`tensorflow`, `cuda`) a faster ReLU-gradient kernel (`registerTensorflowTrainingKernels`), and `cpu`
 *   faster matMul kernels (`registerCpuMatMulKernels`).
 * - It also registers tfjs's gradients (importing `@tensorflow/tfjs-layers` when it is installed), which
 *   `@tensorflow/tfjs-core` alone does not have and the `Learner` needs.
 *
 * @example
 * ```ts
 * const info = await useBackend('auto', { verbose: true });
 * // impala-rl: backend 'wasm' (@tensorflow/tfjs-backend-wasm 4.22.0, 1 thread, SIMD on, ...)
 * ```
 * @param name - the backend to use.
 * @param options - loader, logging and wasm options.
 * @returns what was selected.
 * @throws {@link BackendUnavailableError} when a named backend cannot be used, or (for `auto`) when
 * not even the cpu backend is installed.
 * @category Backends
 */
export async function useBackend(name: BackendRequest = 'auto', options: UseBackendOptions = {}): Promise<BackendInfo> {
  const attempt: Attempt = {
    requested: name,
    loader: options.loader ?? defaultBackendLoader,
    wasmTrainingKernels: options.wasmTrainingKernels ?? true,
    cpuMatMulKernels: options.cpuMatMulKernels ?? true,
    tensorflowTrainingKernels: options.tensorflowTrainingKernels ?? true,
  };
  const skipped: SkippedBackend[] = [];
  let selected: Selected | undefined;
  if (name === 'auto') {
    for (const candidate of AUTO_ORDER) {
      try {
        selected = await useNamed(attempt, candidate, false);
        break;
      } catch (error) {
        if (!(error instanceof BackendUnavailableError)) throw error;
        skipped.push({ name: candidate, reason: error.reason === 'missing' ? `${BACKEND_PACKAGES[candidate]} not installed` : error.message });
      }
    }
    if (selected === undefined) {
      throw new BackendUnavailableError('auto', 'missing',
        `useBackend('auto'): no backend could be used (${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')});` +
        ` install one, e.g.: ${backendInstallCommand('wasm')}`, backendInstallCommand('wasm'));
    }
  } else {
    selected = await useNamed(attempt, name, true);
  }
  const info: BackendInfo = { ...selected, requested: name, skipped };
  // The learner needs tfjs's gradients; register them now when @tensorflow/tfjs-layers is installed (a
  // missing one is reported by the Learner, which is the part that needs them).
  if (options.registerGradients ?? true) await ensureGradients(`useBackend('${name}')`).catch(() => false);
  const log = options.log ?? (options.verbose === true ? (m: string) => { console.info(m); } : undefined);
  log?.(describeBackend(info));
  return info;
}

function useNamed(attempt: Attempt, name: BackendName, explicit: boolean): Promise<Selected> {
  switch (name) {
    case 'cuda':
      return useCuda(attempt, explicit);
    case 'tensorflow':
      return useTensorflow(attempt);
    case 'wasm':
      return useWasm(attempt);
    case 'cpu':
      return useCpu(attempt);
  }
}
