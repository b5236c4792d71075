/**
 * impala-rl for web pages: everything that runs without Node (V-trace, losses, optimizers, environments, batching,
 * networks, the Actor and the Learner), plus browser counterparts of the Node-only parts: backend selection among
 * webgpu/webgl/wasm/cpu ({@link useBrowserBackend}), in-page training ({@link PageTrainer}), metrics in memory
 * ({@link MetricsSeries}), checkpoints through tfjs's `indexeddb://` and `downloads://` handlers
 * ({@link saveBrowserCheckpoint}), actors in Web Workers ({@link WebWorkerActorFleet}, {@link serveActorInWebWorker}) and
 * the whole trainer in a Web Worker ({@link WebWorkerTrainer}, {@link serveTrainerInWebWorker}).
 *
 * Bundlers that apply the `browser` export condition (esbuild with `platform: 'browser'`, Vite, webpack) get this
 * module for `import … from 'impala-rl'`; it is also `impala-rl/browser` for any tool. Left out (Node only): `train`
 * and the CLI, checkpoints in run directories, `WorkerActorPool`, `GymnasiumEnv`, TensorBoard files and plot
 * files, and `useBackend` (it loads Node packages). `ImpalaNetwork.save`/`load` (directories) reject with a hint.
 *
 * @packageDocumentation
 */

/** The package version, kept equal to `package.json`'s by a test. */
export const version = '0.1.0';

export * as vtrace from './vtrace/index.js';
export * from './losses/index.js';
export * from './optim/index.js';
// Environments: the contract, wrappers, built-in envs and the registry (src/envs/node.ts, Node-only, adds the
// envs made in a Python process).
export * from './envs/index.js';
// Dynamic batching and the learner's batching queue.
export { DynamicBatcher, BatchingQueue, batchFn, BatcherClosedError, BatchShapeError } from './batching/index.js';
export type {
  BatchFunction,
  DynamicBatcherOptions,
  BatchingQueueOptions,
  BatchFnOptions,
  BatchedFunction,
  TensorNest,
} from './batching/index.js';
// Networks (ImpalaNetwork.save/load need Node; see above).
export * from './networks/index.js';
// Kernels impala-rl adds to the wasm and cpu backends (useBrowserBackend registers them).
export { WASM_TRAINING_KERNELS, registerWasmTrainingKernels, unregisterWasmTrainingKernels } from './backends/wasm-kernels.js';
export type { RegisterWasmTrainingKernelsOptions, WasmTrainingKernelName } from './backends/wasm-kernels.js';
export { CPU_MATMUL_KERNELS, registerCpuMatMulKernels, unregisterCpuMatMulKernels } from './backends/cpu-kernels.js';
export type { CpuMatMulKernelName } from './backends/cpu-kernels.js';
// The agent: Actor, Learner, fleets, trajectories, configuration and presets (src/agent/node.ts, Node-only,
// adds train(), disk checkpoints, the built-in and worker fleets).
export * from './agent/index.js';
// The error classes, the actor-fleet seam and the pieces of train() that need no Node.
export { ImpalaRlError, ArgumentError } from './internal/errors.js';
export type { ImpalaRlErrorOptions } from './internal/errors.js';
export { MetricsError } from './metrics/errors.js';
export { BackendError } from './backends/backend-unavailable-error.js';
export { BatchingError } from './batching/errors.js';
export { READY_LINE, assertTfjsReady, backendRegistered } from './backends/tfjs-ready.js';
export { ensureGradients, gradientsRegistered } from './backends/gradients.js';
export { humanNormalisedScore, summariseHumanNormalised } from './metrics/human-normalised.js';
export type { HumanNormalisedSummary, ReferenceScores } from './metrics/human-normalised.js';
export { ATARI_57_REFERENCE_SCORES, atariReferenceScores } from './metrics/atari-reference-scores.js';
// Browser counterparts of the Node-only parts.
export {
  BROWSER_BACKENDS,
  gpuRenderer,
  registeredBrowserBackends,
  useBrowserBackend,
  type BrowserBackendInfo,
  type BrowserBackendName,
  type BrowserBackendRequest,
  type SkippedBrowserBackend,
  type UseBrowserBackendOptions,
} from './browser/backend.js';
export { PageTrainer } from './browser/page-trainer.js';
export { WebWorkerTrainer } from './browser/web-worker-trainer.js';
export type { WatchedStep, WebWorkerTrainerOptions } from './browser/web-worker-trainer.js';
export { serveTrainerInWebWorker } from './browser/trainer-web-worker.js';
export type { ServeTrainerInWebWorkerOptions } from './browser/trainer-web-worker.js';
export type { EnvSlotInfo, PageTrainerConfig, PageTrainerOptions, PageTrainerStatus } from './browser/page-trainer.js';
export { MetricsSeries, METRICS_COLUMNS } from './browser/metrics-series.js';
export type { EpisodePoint, MetricsPoint } from './browser/metrics-series.js';
export { loadBrowserCheckpoint, saveBrowserCheckpoint } from './browser/checkpoint.js';
// Actors in Web Workers: the fleet (page side), the worker side, and the channel over postMessage.
export { WebWorkerActorFleet } from './browser/web-worker-actor-fleet.js';
export type { WebWorkerActorFleetOptions } from './browser/web-worker-actor-fleet.js';
export { serveActorInWebWorker } from './browser/actor-web-worker.js';
export type { ServeActorInWebWorkerOptions } from './browser/actor-web-worker.js';
export type { WebWorkerActorInit } from './browser/web-worker-actor-protocol.js';
export { openWebWorkerChannel, workerScopeChannel } from './browser/web-worker-channel.js';
export type { Transferable, WebWorkerChannelOptions, WebWorkerErrorEvent, WebWorkerHandler, WebWorkerLike, WebWorkerScopeLike } from './browser/web-worker-channel.js';
