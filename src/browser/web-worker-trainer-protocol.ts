/**
 * Messages between a {@link WebWorkerTrainer} (the page) and {@link serveTrainerInWebWorker} (its Web Worker).
 * Structured-cloneable only: plain objects, arrays and typed arrays.
 */
import type { Checkpoint } from '../agent/checkpoint.js';
import type { BrowserBackendRequest } from './backend.js';
import type { EpisodePoint, MetricsPoint } from './metrics-series.js';
import type { PageTrainerConfig, PageTrainerStatus } from './page-trainer.js';

/** What the page tells the worker. */
export type ToTrainerWorker =
  | {
      readonly type: 'init';
      readonly config: PageTrainerConfig;
      readonly backend: BrowserBackendRequest;
      readonly sliceMs?: number;
      readonly targetMeanReturn?: number;
      /** Post the watched environment's observations (actor 0, env 0), at most every `observeIntervalMs`. */
      readonly observe: boolean;
      readonly observeIntervalMs: number;
    }
  | { readonly type: 'start' | 'pause' | 'resume' | 'stop' }
  | { readonly type: 'checkpoint'; readonly id: number }
  | { readonly type: 'restore'; readonly id: number; readonly checkpoint: Checkpoint };

/** A serialised error. */
export interface TrainerWorkerError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** The watched environment's latest step (actor 0, env 0). */
export interface WatchedStep {
  /** Its observation (a copy). */
  readonly observation: unknown;
  /** Return of the episode so far. */
  readonly episodeReturn: number;
  /** Steps of the episode so far. */
  readonly steps: number;
  /** Steps over all its episodes. */
  readonly totalSteps: number;
  /** Return of its last finished episode, or null before the first. */
  readonly lastReturn: number | null;
}

/** What the worker tells the page. */
export type FromTrainerWorker =
  | { readonly type: 'ready'; readonly backend: string }
  | {
      readonly type: 'update';
      readonly point: MetricsPoint;
      readonly episodes: readonly EpisodePoint[];
      readonly frames: number;
      readonly updates: number;
      readonly elapsedSeconds: number;
    }
  | { readonly type: 'status'; readonly status: PageTrainerStatus; readonly error?: TrainerWorkerError }
  | { readonly type: 'observation'; readonly step: WatchedStep }
  | { readonly type: 'checkpoint'; readonly id: number; readonly checkpoint?: Checkpoint; readonly error?: TrainerWorkerError }
  | { readonly type: 'restored'; readonly id: number; readonly recentReturns?: readonly number[]; readonly elapsedSeconds?: number; readonly error?: TrainerWorkerError }
  | { readonly type: 'failed'; readonly error: TrainerWorkerError };

/** An error as a cloneable object. */
export function serialiseError(error: unknown): TrainerWorkerError {
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name, message: e.message, ...(e.stack !== undefined ? { stack: e.stack } : {}) };
}

/** Rebuilds an error from the worker, its stack kept. */
export function deserialiseError(e: TrainerWorkerError, where: string): Error {
  const error = new Error(`${where}: ${e.message}`);
  error.name = e.name;
  if (e.stack !== undefined) error.stack = `${e.name}: ${where}: ${e.message}\n    (in the worker)\n${e.stack}`;
  return error;
}
