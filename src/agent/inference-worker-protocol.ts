/**
 * The messages between `startInferenceWorker` (the learner's thread) and its worker (`inference-worker.ts`).
 * Types only: both sides import them with `import type`.
 *
 * ```text
 * main -> worker  workerData: InferenceWorkerInit
 *                 { type: 'step', id, rows, observation, lastAction, lastReward, done, c, h, weights }
 * worker -> main  { type: 'ready', backend }
 *                 { type: 'result', id, logits, baseline, c, h }     every buffer transferred
 *                 { type: 'error', name, message, stack }
 * ```
 */
import type { BackendRequest } from '../backends/backend-names.js';
import type { ResolvedActorConfig } from './train-config.js';

/** `workerData` of the inference worker. */
export interface InferenceWorkerInit {
  /** What network to build (the actor fields of the run's configuration). */
  readonly config: ResolvedActorConfig;
  /** An env id whose spaces size the network. */
  readonly envId: string;
  /** The worker's tfjs backend. */
  readonly backend: BackendRequest;
  /** The weights to start from. */
  readonly weights: Float32Array;
  /** tfjs flags mirrored from the main thread. */
  readonly flags: { readonly IS_TEST: boolean; readonly PROD: boolean };
}

/** One batch of actor steps, rows concatenated. */
export interface InferenceWorkerStep {
  readonly type: 'step';
  readonly id: number;
  readonly rows: number;
  /** `[rows, ...observation shape]`, float32, or int32 for pixels. */
  readonly observation: Float32Array | Int32Array;
  /** `[rows]` or `[rows, H]` int32. */
  readonly lastAction: Int32Array;
  readonly lastActionShape: readonly number[];
  readonly lastReward: Float32Array;
  readonly done: Uint8Array;
  /** `[rows, lstmSize]`, or null for a feed-forward network. */
  readonly c: Float32Array | null;
  readonly h: Float32Array | null;
  /** Weights to load before this batch, or null. */
  readonly weights: Float32Array | null;
}

/** Messages to the worker. */
export type ToInferenceWorker = InferenceWorkerStep;

/** Messages from the worker. */
export type FromInferenceWorker =
  | { readonly type: 'ready'; readonly backend: string }
  | { readonly type: 'result'; readonly id: number; readonly logits: Float32Array; readonly baseline: Float32Array; readonly c: Float32Array | null; readonly h: Float32Array | null }
  | { readonly type: 'error'; readonly name: string; readonly message: string; readonly stack: string };
