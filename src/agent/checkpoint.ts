import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OptimizerState, SlotValue } from '../optim/optimizer.js';
import type { ActorState } from './actor.js';
import type { ModelWeightSpec } from './core.js';
import type { LearnerState } from './learner.js';
import { AgentError } from './errors.js';

/** Everything a run needs to continue exactly where it stopped. */
export interface Checkpoint {
  /** The run's configuration (JSON-serialisable), checked or reused on resume. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Flat model weights. */
  readonly weights: Float32Array;
  /** Names and shapes of the weights, in order. */
  readonly weightSpecs: readonly ModelWeightSpec[];
  /** Learner counters and optimizer state. */
  readonly learner: LearnerState;
  /** One state per actor. */
  readonly actors: readonly ActorState[];
  /** Returns of the most recent episodes (at most 100), so windowed statistics continue on resume. */
  readonly recentReturns: readonly number[];
  /** Wall-clock seconds of training so far. */
  readonly elapsedSeconds: number;
  /** When the checkpoint was written (ISO 8601). */
  readonly savedAt: string;
}

const CHECKPOINT = 'checkpoint';

/**
 * Writes a checkpoint into `runDir/checkpoint`: everything goes to a temporary folder; the previous checkpoint
 * is renamed aside, the new one renamed into place, and the old one removed. `checkpoint/` never holds a mix of
 * two checkpoints, but a crash between the two renames leaves no `checkpoint/` folder (only
 * `checkpoint.old-*`), and the temporary folders of crashed writes are not removed.
 * Layout: `state.json` (config, counters, actor RNG states, weight specs, optimizer slot shapes),
 * `weights.bin` (float32 little-endian), `optimizer.bin` (the slots, concatenated in `state.json` order).
 *
 * @param runDir - the run directory.
 * @param checkpoint - what to save.
 * @returns the checkpoint folder.
 */
export async function saveCheckpoint(runDir: string, checkpoint: Checkpoint): Promise<string> {
  const final = join(runDir, CHECKPOINT);
  const tmp = join(runDir, `${CHECKPOINT}.tmp-${process.pid}-${Date.now()}`);
  await mkdir(tmp, { recursive: true });
  const slotNames = Object.keys(checkpoint.learner.optimizer.slots);
  const slotValues = slotNames.map((k) => checkpoint.learner.optimizer.slots[k]!);
  const state = {
    format: 'impala-rl-checkpoint',
    version: 1,
    savedAt: checkpoint.savedAt,
    elapsedSeconds: checkpoint.elapsedSeconds,
    config: checkpoint.config,
    weightSpecs: checkpoint.weightSpecs,
    learner: {
      frames: checkpoint.learner.frames,
      updates: checkpoint.learner.updates,
      optimizer: {
        name: checkpoint.learner.optimizer.name,
        iterations: checkpoint.learner.optimizer.iterations,
        slots: slotNames.map((name, i) => ({ name, shape: slotValues[i]!.shape })),
      },
    },
    actors: checkpoint.actors,
    recentReturns: checkpoint.recentReturns,
  };
  const optimizerBytes = concat(slotValues.map((s) => s.values));
  await writeFile(join(tmp, 'weights.bin'), toBytes(checkpoint.weights));
  await writeFile(join(tmp, 'optimizer.bin'), toBytes(optimizerBytes));
  await writeFile(join(tmp, 'state.json'), JSON.stringify(state, null, 1));
  const old = `${final}.old-${process.pid}-${Date.now()}`;
  await rename(final, old).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  });
  await rename(tmp, final);
  await rm(old, { recursive: true, force: true });
  return final;
}

/**
 * Reads the checkpoint in `runDir/checkpoint` (or `dir` itself when it is a checkpoint folder).
 *
 * @param dir - a run directory or a checkpoint folder.
 * @returns the checkpoint.
 * @throws when the folder is missing or is not an impala-rl checkpoint.
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  let folder = join(dir, CHECKPOINT);
  let text: string;
  try {
    text = await readFile(join(folder, 'state.json'), 'utf8');
  } catch {
    folder = dir;
    try {
      text = await readFile(join(folder, 'state.json'), 'utf8');
    } catch {
      throw new AgentError(`loadCheckpoint: no checkpoint in '${dir}' (expected ${join(dir, CHECKPOINT, 'state.json')})`);
    }
  }
  const state = JSON.parse(text) as {
    format?: string;
    savedAt: string;
    elapsedSeconds: number;
    config: Record<string, unknown>;
    weightSpecs: { name: string; shape: number[] }[];
    learner: { frames: number; updates: number; optimizer: { name: string; iterations: number; slots: { name: string; shape: number[] }[] } };
    actors: ActorState[];
    recentReturns?: number[];
  };
  if (state.format !== 'impala-rl-checkpoint') throw new AgentError(`loadCheckpoint: '${folder}/state.json' is not an impala-rl checkpoint`);
  const weights = fromBytes(await readFile(join(folder, 'weights.bin')));
  const expected = state.weightSpecs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  if (weights.length !== expected) throw new AgentError(`loadCheckpoint: weights.bin has ${weights.length} values, the specs need ${expected}`);
  const optimizerValues = fromBytes(await readFile(join(folder, 'optimizer.bin')));
  const slots: Record<string, SlotValue> = {};
  let offset = 0;
  for (const s of state.learner.optimizer.slots) {
    const size = s.shape.reduce((a, b) => a * b, 1);
    slots[s.name] = { shape: s.shape, values: optimizerValues.slice(offset, offset + size) };
    offset += size;
  }
  if (offset !== optimizerValues.length) throw new AgentError(`loadCheckpoint: optimizer.bin has ${optimizerValues.length} values, the slots need ${offset}`);
  const optimizer: OptimizerState = { name: state.learner.optimizer.name, iterations: state.learner.optimizer.iterations, slots };
  return {
    config: state.config,
    weights,
    weightSpecs: state.weightSpecs,
    learner: { frames: state.learner.frames, updates: state.learner.updates, optimizer },
    actors: state.actors,
    recentReturns: state.recentReturns ?? [],
    elapsedSeconds: state.elapsedSeconds,
    savedAt: state.savedAt,
  };
}

function concat(arrays: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((s, a) => s + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

function toBytes(a: Float32Array): Uint8Array {
  // Float32Array is little-endian on every platform Node supports.
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function fromBytes(b: Uint8Array): Float32Array {
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
