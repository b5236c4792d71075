/**
 * impala-rl: IMPALA (Espeholt et al. 2018, arXiv:1802.01561) for TensorFlow.js.
 *
 * @packageDocumentation
 */

/** The package version, kept equal to `package.json`'s by a test. */
export const version = '0.1.0';

export * as vtrace from './vtrace/index.js';
export * from './losses/index.js';
export * from './optim/index.js';
// Environments: the Env contract, spaces, wrappers, the vectorised env, built-in envs and the registry.
export * from './envs/index.js';
export * from './envs/node.js';
// Dynamic batching and the learner's batching queue (src/batching).
export { DynamicBatcher, BatchingQueue, batchFn, BatcherClosedError, BatchShapeError, BatchingError } from './batching/index.js';
export type {
  BatchFunction,
  DynamicBatcherOptions,
  BatchingQueueOptions,
  BatchFnOptions,
  BatchedFunction,
  TensorNest,
} from './batching/index.js';
// Networks: torsos, the LSTM core, heads and ImpalaNetwork.
export * from './networks/index.js';
export * from './backends/index.js';
// Metrics outputs: TensorBoard event files and learning-curve plots.
export * from './metrics/index.js';
// The agent: Actor, Learner, checkpoints and the one-machine training loop.
export * from './agent/index.js';
export * from './agent/node.js';
// Actors in worker threads (WorkerActorPool and VersionedWeights are the deprecated names).
// eslint-disable-next-line @typescript-eslint/no-deprecated -- kept for existing users
export { WorkerActorFleet, WorkerActorPool } from './agent/worker-actor-fleet.js';
// eslint-disable-next-line @typescript-eslint/no-deprecated -- kept for existing users
export type { WorkerActorFleetOptions, WorkerActorPoolOptions, ActorWorkerConfig, VersionedWeights } from './agent/worker-actor-fleet.js';
// The error base class every module's errors extend.
export { ImpalaRlError, ArgumentError } from './internal/errors.js';
export type { ImpalaRlErrorOptions } from './internal/errors.js';
// Actors on other processes and machines: the learner service over gRPC.
export * from './grpc/index.js';
