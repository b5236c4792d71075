/**
 * Backend selection (`useBackend`) and the training kernels impala-rl adds to the wasm backend.
 *
 * @packageDocumentation
 */
export {
  BACKEND_PACKAGES,
  BACKEND_REQUESTS,
  OFFLINE_TFJS_NODE_SCRIPT,
  backendInstallCommand,
  parseBackendName,
  type BackendName,
  type BackendPackageName,
  type BackendRequest,
} from './backend-names.js';
export { defaultBackendLoader, type BackendLoader, type BackendModule } from './backend-loader.js';
export { BackendError, BackendUnavailableError, type BackendUnavailableReason } from './backend-unavailable-error.js';
export {
  describeBackend,
  useBackend,
  type BackendInfo,
  type SkippedBackend,
  type UseBackendOptions,
} from './use-backend.js';
export {
  CPU_MATMUL_KERNELS,
  registerCpuMatMulKernels,
  unregisterCpuMatMulKernels,
  type CpuMatMulKernelName,
} from './cpu-kernels.js';
export {
  TENSORFLOW_TRAINING_KERNELS,
  registerTensorflowTrainingKernels,
  unregisterTensorflowTrainingKernels,
  type TensorflowTrainingKernelName,
} from './tensorflow-kernels.js';
export {
  WASM_TRAINING_KERNELS,
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
  type RegisterWasmTrainingKernelsOptions,
  type WasmTrainingKernelName,
} from './wasm-kernels.js';
export { ensureGradients, gradientsRegistered } from './gradients.js';
export { READY_LINE, assertTfjsReady, backendRegistered } from './tfjs-ready.js';
export { ensureTfjsReady } from './ensure-tfjs-ready.js';
