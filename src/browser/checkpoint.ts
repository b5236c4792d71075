/**
 * Checkpoints in a web page: the same {@link Checkpoint} record `saveCheckpoint` writes to disk, stored through
 * tfjs's own IO handlers instead (`indexeddb://name`, `downloads://name`, or any `tf.io.IOHandler`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Checkpoint } from '../agent/checkpoint.js';
import type { OptimizerState, SlotValue } from '../optim/optimizer.js';

const FORMAT = 'impala-rl-checkpoint';
const SLOT_PREFIX = 'optimizer/';

/** The JSON part of a browser checkpoint, kept as the model artifacts' `modelTopology`. */
interface BrowserCheckpointState {
  readonly format: typeof FORMAT;
  readonly version: 1;
  readonly savedAt: string;
  readonly elapsedSeconds: number;
  readonly config: Readonly<Record<string, unknown>>;
  readonly weightSpecs: readonly { readonly name: string; readonly shape: readonly number[] }[];
  readonly learner: { readonly frames: number; readonly updates: number; readonly optimizer: { readonly name: string; readonly iterations: number } };
  readonly actors: Checkpoint['actors'];
  readonly recentReturns: readonly number[];
}

function handlerFor(destination: string | tf.io.IOHandler, load: boolean): tf.io.IOHandler {
  if (typeof destination !== 'string') return destination;
  const handlers = load ? tf.io.getLoadHandlers(destination) : tf.io.getSaveHandlers(destination);
  const handler = handlers[0];
  if (handler === undefined) {
    throw new Error(
      `${load ? 'loadBrowserCheckpoint' : 'saveBrowserCheckpoint'}: no tfjs IO handler for '${destination}'` +
        ` (in a browser: 'indexeddb://<name>'${load ? '' : " or 'downloads://<name>'"})`,
    );
  }
  return handler;
}

/**
 * Saves a checkpoint through a tfjs IO handler: `indexeddb://<name>` keeps it in the browser's IndexedDB,
 * `downloads://<name>` hands the user `<name>.json` and `<name>.weights.bin`. Model weights and optimizer slots
 * travel as float32 weight data; configuration, counters, actor RNG states and recent returns as the JSON topology.
 *
 * @example
 * ```ts
 * await saveBrowserCheckpoint('indexeddb://cartpole', trainer.checkpoint());
 * const restored = await loadBrowserCheckpoint('indexeddb://cartpole');
 * ```
 * @param destination - a tfjs save URL or an IO handler.
 * @param checkpoint - what to save (as for `saveCheckpoint`).
 * @returns what the handler reports (`tf.io.SaveResult`).
 * @category Browser
 */
export async function saveBrowserCheckpoint(destination: string | tf.io.IOHandler, checkpoint: Checkpoint): Promise<tf.io.SaveResult> {
  const handler = handlerFor(destination, false);
  if (handler.save === undefined) throw new Error('saveBrowserCheckpoint: the IO handler cannot save');
  const slots = Object.entries(checkpoint.learner.optimizer.slots);
  const state: BrowserCheckpointState = {
    format: FORMAT,
    version: 1,
    savedAt: checkpoint.savedAt,
    elapsedSeconds: checkpoint.elapsedSeconds,
    config: checkpoint.config,
    weightSpecs: checkpoint.weightSpecs,
    learner: {
      frames: checkpoint.learner.frames,
      updates: checkpoint.learner.updates,
      optimizer: { name: checkpoint.learner.optimizer.name, iterations: checkpoint.learner.optimizer.iterations },
    },
    actors: checkpoint.actors,
    recentReturns: checkpoint.recentReturns,
  };
  const weightSpecs: tf.io.WeightsManifestEntry[] = [
    ...checkpoint.weightSpecs.map((w) => ({ name: w.name, shape: [...w.shape], dtype: 'float32' as const })),
    ...slots.map(([name, s]) => ({ name: `${SLOT_PREFIX}${name}`, shape: [...s.shape], dtype: 'float32' as const })),
  ];
  const parts = [checkpoint.weights, ...slots.map(([, s]) => s.values)];
  const data = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    data.set(p, offset);
    offset += p.length;
  }
  return handler.save({
    modelTopology: state,
    format: FORMAT,
    generatedBy: 'impala-rl',
    weightSpecs,
    weightData: data.buffer,
  });
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Loads a checkpoint saved by {@link saveBrowserCheckpoint}: from `indexeddb://<name>`, or from the two downloaded
 * files with `tf.io.browserFiles([jsonFile, weightsFile])` (e.g. from an `<input type="file" multiple>`).
 *
 * @param source - a tfjs load URL or an IO handler.
 * @returns the checkpoint.
 * @throws Error when nothing is stored there or it is not an impala-rl checkpoint.
 * @category Browser
 */
export async function loadBrowserCheckpoint(source: string | tf.io.IOHandler): Promise<Checkpoint> {
  const handler = handlerFor(source, true);
  if (handler.load === undefined) throw new Error('loadBrowserCheckpoint: the IO handler cannot load');
  const artifacts = await handler.load();
  const state = artifacts.modelTopology as Partial<BrowserCheckpointState> | undefined;
  if (state?.format !== FORMAT || state.weightSpecs === undefined || state.learner === undefined) {
    throw new Error('loadBrowserCheckpoint: not an impala-rl checkpoint');
  }
  const raw = artifacts.weightData;
  const buffer = raw === undefined ? new ArrayBuffer(0) : Array.isArray(raw) ? tf.io.CompositeArrayBuffer.join(raw) : raw;
  const values = new Float32Array(buffer);
  const specs = artifacts.weightSpecs ?? [];
  const weightCount = state.weightSpecs.reduce((n, w) => n + sizeOf(w.shape), 0);
  const total = specs.reduce((n, s) => n + sizeOf(s.shape), 0);
  if (values.length !== total || total < weightCount) {
    throw new Error(`loadBrowserCheckpoint: ${values.length} stored values, the specs need ${total} (weights ${weightCount})`);
  }
  const slots: Record<string, SlotValue> = {};
  let offset = weightCount;
  for (const s of specs.slice(state.weightSpecs.length)) {
    const size = sizeOf(s.shape);
    slots[s.name.slice(SLOT_PREFIX.length)] = { shape: s.shape, values: values.slice(offset, offset + size) };
    offset += size;
  }
  const optimizer: OptimizerState = { name: state.learner.optimizer.name, iterations: state.learner.optimizer.iterations, slots };
  return {
    config: state.config ?? {},
    weights: values.slice(0, weightCount),
    weightSpecs: state.weightSpecs,
    learner: { frames: state.learner.frames, updates: state.learner.updates, optimizer },
    actors: state.actors ?? [],
    recentReturns: state.recentReturns ?? [],
    elapsedSeconds: state.elapsedSeconds ?? 0,
    savedAt: state.savedAt ?? '',
  };
}
