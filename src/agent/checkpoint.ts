/**
 * Crash-safe checkpoints: {@link saveCheckpoint}, {@link loadCheckpoint}, {@link findCheckpoint}.
 *
 * Layout of a run directory:
 * ```
 * checkpoints/
 *   ckpt-000041/  state.json weights.bin optimizer.bin manifest.json
 *   ckpt-000042/  …
 *   latest        the name of the newest complete folder ("ckpt-000042"), replaced by an atomic rename
 *   .tmp-…        a write in progress (removed by {@link cleanCheckpointLeftovers})
 * ```
 * A write fills a temporary folder, fsyncs every file, writes `manifest.json` (each file's size and CRC-32C)
 * last, fsyncs the folder, renames it to the next `ckpt-N`, fsyncs `checkpoints/`, then writes `latest` through
 * a temporary file and a rename, and finally removes the folders beyond the last `keep`. At every instant of a
 * write, a complete and loadable checkpoint exists (the previous one until the pointer moves).
 */
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32c } from '../metrics/crc32c.js';
import type { OptimizerState, SlotValue } from '../optim/optimizer.js';
import type { ActorState } from './actor.js';
import type { ModelWeightSpec } from './core.js';
import type { LearnerState } from './learner.js';
import { AgentError } from './errors.js';

/**
 * Everything a run needs to continue exactly where it stopped.
 * @category Agent
 */
export interface Checkpoint {
  /** The run's configuration (JSON-serialisable), checked or reused on resume. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Flat model weights. */
  readonly weights: Float32Array;
  /** Names and shapes of the weights, in order. */
  readonly weightSpecs: readonly ModelWeightSpec[];
  /** Learner counters and optimizer state. */
  readonly learner: LearnerState;
  /** One state per actor (empty when the actors' states could not be read). */
  readonly actors: readonly ActorState[];
  /** Returns of the most recent episodes (at most 100), so windowed statistics continue on resume. */
  readonly recentReturns: readonly number[];
  /** Wall-clock seconds of training so far. */
  readonly elapsedSeconds: number;
  /** When the checkpoint was written (ISO 8601). */
  readonly savedAt: string;
}

/**
 * A checkpoint that cannot be used: missing, damaged, or made for another network. The message starts with the
 * function and names the file and what is wrong with it.
 * @category Agent
 */
export class CheckpointError extends AgentError {
  /** The file or folder at fault. */
  readonly file: string;

  /**
   * @param message - the whole message (starting with the function name).
   * @param file - the file or folder at fault.
   */
  constructor(message: string, file: string) {
    super(message);
    this.file = file;
  }
}

/**
 * There is no checkpoint at all where one was looked for (as opposed to a damaged one: {@link CheckpointError}).
 * @category Agent
 */
export class NoCheckpointError extends CheckpointError {}

/**
 * The folder holding numbered checkpoints in a run directory.
 * @category Agent
 */
export const CHECKPOINTS_DIR = 'checkpoints';
/**
 * The pointer file in {@link CHECKPOINTS_DIR}: the name of the newest complete checkpoint folder.
 * @category Agent
 */
export const LATEST_POINTER = 'latest';
/**
 * Checkpoint folders kept by default (the newest ones).
 * @category Agent
 */
export const DEFAULT_CHECKPOINTS_KEPT = 3;

const FOLDER_PATTERN = /^ckpt-(\d{6,})$/;
const MANIFEST = 'manifest.json';
const FILES = ['state.json', 'weights.bin', 'optimizer.bin'] as const;
/** The single-folder layout of versions before 0.2 (`runDir/checkpoint/`), still readable. */
const LEGACY = 'checkpoint';

/**
 * The steps of {@link saveCheckpoint}, in order, as {@link SaveCheckpointOptions.onStep} sees them.
 * @category Agent
 */
export type CheckpointWriteStep = 'files-written' | 'manifest-written' | 'folder-renamed' | 'pointer-written' | 'pruned';

/**
 * Options of {@link saveCheckpoint}.
 * @category Agent
 */
export interface SaveCheckpointOptions {
  /**
   * Checkpoint folders kept (the newest; older ones are removed after the pointer moved).
   * @defaultValue 3 ({@link DEFAULT_CHECKPOINTS_KEPT})
   */
  readonly keep?: number;
  /** Called (and awaited) after each step of the write; for tests that interrupt a write at a chosen instant. */
  readonly onStep?: (step: CheckpointWriteStep, folder: string) => void | Promise<void>;
}

/**
 * Writes a checkpoint as the next numbered folder of `runDir/checkpoints/` and moves the `latest` pointer to it
 * (see the module comment for the order of the steps). A crash at any point leaves the previous checkpoint
 * loadable.
 *
 * @param runDir - the run directory.
 * @param checkpoint - what to save.
 * @param options - how many to keep; a step hook.
 * @returns the new checkpoint folder.
 * @category Agent
 */
export async function saveCheckpoint(runDir: string, checkpoint: Checkpoint, options: SaveCheckpointOptions = {}): Promise<string> {
  const keep = options.keep ?? DEFAULT_CHECKPOINTS_KEPT;
  if (!Number.isInteger(keep) || keep < 1) throw new AgentError(`saveCheckpoint: 'keep' must be an integer >= 1, got ${keep}`);
  const root = join(runDir, CHECKPOINTS_DIR);
  await mkdir(root, { recursive: true });
  const existing = await numberedFolders(root);
  const next = (existing[0]?.n ?? 0) + 1;
  const name = `ckpt-${String(next).padStart(6, '0')}`;
  const tmp = join(root, `.tmp-${name}-${process.pid}-${Date.now()}`);
  const final = join(root, name);
  await mkdir(tmp);
  const slotNames = Object.keys(checkpoint.learner.optimizer.slots);
  const slotValues = slotNames.map((k) => checkpoint.learner.optimizer.slots[k]!);
  const state = {
    format: 'impala-rl-checkpoint',
    version: 2,
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
        slots: slotNames.map((n, i) => ({ name: n, shape: slotValues[i]!.shape })),
      },
    },
    actors: checkpoint.actors,
    recentReturns: checkpoint.recentReturns,
  };
  const contents: Record<(typeof FILES)[number], Uint8Array> = {
    'state.json': new TextEncoder().encode(JSON.stringify(state, null, 1)),
    'weights.bin': toBytes(checkpoint.weights),
    'optimizer.bin': toBytes(concat(slotValues.map((s) => s.values))),
  };
  const manifest: { format: string; version: number; files: Record<string, { bytes: number; crc32c: number }> } = { format: 'impala-rl-checkpoint-manifest', version: 1, files: {} };
  for (const file of FILES) {
    await writeDurably(join(tmp, file), contents[file]);
    manifest.files[file] = { bytes: contents[file].byteLength, crc32c: crc32c(contents[file]) };
  }
  await options.onStep?.('files-written', tmp);
  await writeDurably(join(tmp, MANIFEST), new TextEncoder().encode(JSON.stringify(manifest, null, 1)));
  await syncDir(tmp);
  await options.onStep?.('manifest-written', tmp);
  await rename(tmp, final);
  await syncDir(root);
  await options.onStep?.('folder-renamed', final);
  const pointerTmp = join(root, `.tmp-${LATEST_POINTER}-${process.pid}-${Date.now()}`);
  await writeDurably(pointerTmp, new TextEncoder().encode(`${name}\n`));
  await rename(pointerTmp, join(root, LATEST_POINTER));
  await syncDir(root);
  await options.onStep?.('pointer-written', final);
  for (const old of (await numberedFolders(root)).filter((f) => f.n < next).slice(keep - 1)) {
    await rm(join(root, old.name), { recursive: true, force: true });
  }
  await options.onStep?.('pruned', final);
  return final;
}

/**
 * Removes what interrupted checkpoint writes left in `runDir`: temporary folders and pointer files in
 * `checkpoints/`, and the `checkpoint.tmp-*` folders of the older single-folder layout. Call it only once a
 * checkpoint was loaded (or none is wanted), before the run writes again.
 *
 * @param runDir - the run directory.
 * @returns the paths removed.
 * @category Agent
 */
export async function cleanCheckpointLeftovers(runDir: string): Promise<string[]> {
  const removed: string[] = [];
  const root = join(runDir, CHECKPOINTS_DIR);
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (name.startsWith('.tmp-')) removed.push(join(root, name));
  }
  for (const name of await readdir(runDir).catch(() => [] as string[])) {
    if (name.startsWith(`${LEGACY}.tmp-`)) removed.push(join(runDir, name));
  }
  for (const path of removed) await rm(path, { recursive: true, force: true });
  return removed;
}

/**
 * What {@link findCheckpoint} found.
 * @category Agent
 */
export interface FoundCheckpoint {
  /** The checkpoint loaded. */
  readonly checkpoint: Checkpoint;
  /** Its folder. */
  readonly folder: string;
  /** Newer checkpoints that could not be loaded, newest first, with the reason. */
  readonly skipped: readonly {
    /** The checkpoint folder skipped. */
    readonly folder: string;
    /** Why it could not be loaded. */
    readonly error: CheckpointError;
  }[];
}

/**
 * Finds and loads the newest complete checkpoint of a run directory (or of a checkpoint folder given directly):
 * the one the `latest` pointer names, else, when that one is damaged, the newest older one that loads. Every file
 * is checked against the manifest (size, CRC-32C), counters must be non-negative integers that agree, and weights
 * and optimizer slots must be finite.
 *
 * @param dir - a run directory or a checkpoint folder.
 * @returns the checkpoint, its folder, and the newer ones skipped.
 * @throws {@link NoCheckpointError} when there is no checkpoint at all; {@link CheckpointError} naming the file
 *   and the fault when every checkpoint there is damaged.
 * @category Agent
 */
export async function findCheckpoint(dir: string): Promise<FoundCheckpoint> {
  const candidates = await candidateFolders(dir);
  if (candidates.length === 0) {
    throw new NoCheckpointError(`loadCheckpoint: no checkpoint in '${dir}' (expected ${join(dir, CHECKPOINTS_DIR, LATEST_POINTER)})`, dir);
  }
  const skipped: { folder: string; error: CheckpointError }[] = [];
  for (const folder of candidates) {
    try {
      return { checkpoint: await loadFolder(folder), folder, skipped };
    } catch (error) {
      if (!(error instanceof CheckpointError)) throw error;
      skipped.push({ folder, error });
    }
  }
  const reasons = skipped.map((s) => s.error.message.replace(/^loadCheckpoint: /, '')).join('; ');
  throw new CheckpointError(`loadCheckpoint: no loadable checkpoint in '${dir}': ${reasons}`, skipped[0]!.folder);
}

/**
 * Reads the newest complete checkpoint of a run directory (see {@link findCheckpoint}), or the checkpoint folder
 * `dir` itself.
 *
 * @param dir - a run directory or a checkpoint folder.
 * @returns the checkpoint.
 * @throws {@link NoCheckpointError} or {@link CheckpointError} as {@link findCheckpoint}.
 * @category Agent
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  return (await findCheckpoint(dir)).checkpoint;
}

/**
 * Throws unless a checkpoint's weights are for `model`: the same names and shapes, in order.
 *
 * @param checkpoint - the checkpoint.
 * @param folder - where it was read from, for the message.
 * @param model - the network it should load into.
 * @throws {@link CheckpointError} naming the first weight that differs.
 * @category Agent
 */
export function checkCheckpointFits(checkpoint: Pick<Checkpoint, 'weightSpecs'>, folder: string, model: { readonly weightSpecs: readonly ModelWeightSpec[] }): void {
  const file = join(folder, 'state.json');
  const a = checkpoint.weightSpecs;
  const b = model.weightSpecs;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x?.name !== y?.name || x?.shape.join('x') !== y?.shape.join('x')) {
      const fmt = (w: ModelWeightSpec | undefined) => (w ? `'${w.name}' [${w.shape.join(', ')}]` : 'nothing');
      throw new CheckpointError(`loadCheckpoint: '${file}': weight ${i} is ${fmt(x)}, the network has ${fmt(y)} (a checkpoint of another architecture or configuration)`, file);
    }
  }
}

/** Folders to try, newest first. */
async function candidateFolders(dir: string): Promise<string[]> {
  const root = join(dir, CHECKPOINTS_DIR);
  const folders = await numberedFolders(root);
  if (folders.length > 0) {
    const pointer = (await readFile(join(root, LATEST_POINTER), 'utf8').catch(() => '')).trim();
    const pointed = folders.find((f) => f.name === pointer);
    // Folders newer than the pointer are writes that were interrupted before the pointer moved: not committed.
    const committed = pointed ? folders.filter((f) => f.n <= pointed.n) : folders;
    return committed.map((f) => join(root, f.name));
  }
  const out: string[] = [];
  if (await exists(join(dir, LEGACY, 'state.json'))) out.push(join(dir, LEGACY));
  // The older layout renamed the previous checkpoint aside before moving the new one in.
  for (const name of (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(`${LEGACY}.old-`)).sort().reverse()) out.push(join(dir, name));
  if (out.length === 0 && (await exists(join(dir, 'state.json')))) out.push(dir);
  return out;
}

async function numberedFolders(root: string): Promise<{ name: string; n: number }[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  return names
    .map((name) => ({ name, m: FOLDER_PATTERN.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map(({ name, m }) => ({ name, n: Number(m[1]) }))
    .sort((a, b) => b.n - a.n);
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isShape = (x: unknown): x is number[] => Array.isArray(x) && x.every((d) => Number.isSafeInteger(d) && (d as number) >= 0);

/** Loads and verifies one checkpoint folder. */
async function loadFolder(folder: string): Promise<Checkpoint> {
  const fail = (file: string, what: string): never => {
    const path = join(folder, file);
    throw new CheckpointError(`loadCheckpoint: '${path}' ${what}`, path);
  };
  const read = async (file: string): Promise<Uint8Array> => {
    try {
      return await readFile(join(folder, file));
    } catch (error) {
      return fail(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  };
  const bytes: Partial<Record<string, Uint8Array>> = {};
  for (const file of FILES) bytes[file] = await read(file);
  if (await exists(join(folder, MANIFEST))) {
    let manifest: { files?: Record<string, { bytes?: unknown; crc32c?: unknown }> };
    try {
      manifest = JSON.parse(new TextDecoder().decode(await read(MANIFEST))) as typeof manifest;
    } catch (error) {
      return fail(MANIFEST, `is not valid JSON (${(error as Error).message})`);
    }
    for (const file of FILES) {
      const entry = manifest.files?.[file];
      if (!entry) return fail(MANIFEST, `does not list '${file}'`);
      const b = bytes[file]!;
      if (b.byteLength !== entry.bytes) fail(file, `has ${b.byteLength} bytes, the manifest says ${String(entry.bytes)} (truncated or overwritten)`);
      const sum = crc32c(b);
      if (sum !== entry.crc32c) fail(file, `has CRC-32C ${sum.toString(16)}, the manifest says ${Number(entry.crc32c).toString(16)} (damaged)`);
    }
  } else if (!folder.endsWith(LEGACY) && !folder.includes(`${LEGACY}.old-`) && FOLDER_PATTERN.test(folder.split(/[\\/]/).at(-1) ?? '')) {
    fail(MANIFEST, 'is missing');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes['state.json']));
  } catch (error) {
    return fail('state.json', `is not valid JSON (${(error as Error).message})`);
  }
  const check = (ok: boolean, what: string): void => {
    if (!ok) fail('state.json', what);
  };
  check(isObject(parsed) && parsed.format === 'impala-rl-checkpoint', 'is not an impala-rl checkpoint');
  const state = parsed as Json;
  check(isObject(state.learner), "has no 'learner'");
  const l = state.learner as Json;
  check(isCount(l.frames), `'learner.frames' must be an integer >= 0, got ${JSON.stringify(l.frames)}`);
  check(isCount(l.updates), `'learner.updates' must be an integer >= 0, got ${JSON.stringify(l.updates)}`);
  const frames = l.frames as number;
  const updates = l.updates as number;
  check(frames >= updates && (frames === 0) === (updates === 0), `'learner.frames' (${frames}) and 'learner.updates' (${updates}) disagree (every update consumes frames)`);
  check(isObject(l.optimizer) && typeof l.optimizer.name === 'string' && Array.isArray(l.optimizer.slots), "has no valid 'learner.optimizer'");
  const opt = l.optimizer as Json;
  check(isCount(opt.iterations) && opt.iterations <= updates, `'learner.optimizer.iterations' must be an integer in [0, updates = ${updates}], got ${JSON.stringify(opt.iterations)}`);
  check(typeof state.elapsedSeconds === 'number' && Number.isFinite(state.elapsedSeconds) && state.elapsedSeconds >= 0, `'elapsedSeconds' must be a finite number >= 0, got ${JSON.stringify(state.elapsedSeconds)}`);
  check(isObject(state.config), "'config' must be an object");
  const episodes = (state.config as Json).episodes;
  check(episodes === undefined || isCount(episodes), `'config.episodes' must be an integer >= 0, got ${JSON.stringify(episodes)}`);
  const specs = state.weightSpecs;
  check(Array.isArray(specs) && specs.every((w: unknown) => isObject(w) && typeof w.name === 'string' && isShape(w.shape)), "'weightSpecs' must be a list of { name, shape }");
  const recent = state.recentReturns ?? [];
  check(Array.isArray(recent) && recent.length <= 100 && recent.every((r: unknown) => typeof r === 'number' && Number.isFinite(r)), "'recentReturns' must be at most 100 finite numbers");
  const actors = state.actors;
  check(
    Array.isArray(actors) && actors.every((a: unknown) => isObject(a) && Array.isArray(a.rng) && a.rng.every((x: unknown) => Number.isSafeInteger(x)) && isCount(a.unrolls)),
    "'actors' must be a list of { rng: integers, unrolls: integer >= 0 }",
  );
  const weightSpecs = specs as ModelWeightSpec[];
  const weights = fromBytes(bytes['weights.bin']!, () => fail('weights.bin', `has ${bytes['weights.bin']!.byteLength} bytes, not a multiple of 4`));
  const expected = weightSpecs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  if (weights.length !== expected) fail('weights.bin', `has ${weights.length} values, the weight specs in state.json need ${expected}`);
  const badWeight = weights.findIndex((x) => !Number.isFinite(x));
  if (badWeight >= 0) fail('weights.bin', `value ${badWeight} is ${weights[badWeight]} (weights must be finite)`);
  const optimizerValues = fromBytes(bytes['optimizer.bin']!, () => fail('optimizer.bin', `has ${bytes['optimizer.bin']!.byteLength} bytes, not a multiple of 4`));
  const slots: Record<string, SlotValue> = {};
  let offset = 0;
  for (const s of opt.slots as unknown[]) {
    check(isObject(s) && typeof s.name === 'string' && isShape(s.shape), "'learner.optimizer.slots' must be a list of { name, shape }");
    if (!isObject(s)) continue;
    const shape = s.shape as number[];
    const size = shape.reduce((a, b) => a * b, 1);
    slots[s.name as string] = { shape, values: optimizerValues.slice(offset, offset + size) };
    offset += size;
  }
  if (offset !== optimizerValues.length) fail('optimizer.bin', `has ${optimizerValues.length} values, the slots in state.json need ${offset}`);
  const badSlot = optimizerValues.findIndex((x) => !Number.isFinite(x));
  if (badSlot >= 0) fail('optimizer.bin', `value ${badSlot} is ${optimizerValues[badSlot]} (optimizer slots must be finite)`);
  const optimizer: OptimizerState = { name: opt.name as string, iterations: opt.iterations as number, slots };
  return {
    config: state.config as Record<string, unknown>,
    weights,
    weightSpecs,
    learner: { frames, updates, optimizer },
    actors: actors as ActorState[],
    recentReturns: recent as number[],
    elapsedSeconds: state.elapsedSeconds as number,
    savedAt: typeof state.savedAt === 'string' ? state.savedAt : '',
  };
}

/** Writes a file and fsyncs it before closing. */
async function writeDurably(path: string, data: Uint8Array): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsyncs a folder, so that the names in it (renames, new files) are on disk; a no-op where folders cannot be opened. */
async function syncDir(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot fsync a folder.
  } finally {
    await handle.close();
  }
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

function fromBytes(b: Uint8Array, onBadLength: () => never): Float32Array {
  if (b.byteLength % 4 !== 0) onBadLength();
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
