/**
 * The unit of experience an actor sends to the learner: one environment's unroll of T steps, stored as
 * T + 1 entries (entry 0 repeats the last entry of the previous unroll, as in the original IMPALA), in
 * flat typed arrays so it can cross a `worker_threads` or network boundary without conversion.
 *
 * Entry t describes observation x_t and what happened when the actor arrived there and acted:
 * - `rewards[t]`: reward of the transition x_{t−1} → x_t (0 at the very first entry);
 * - `dones[t]`: x_t is the first observation of an episode (the recurrent state resets before x_t);
 * - `terminated[t]` / `truncated[t]`: the transition into entry t ended an episode by termination (no
 *   bootstrap) or truncation (bootstrap from the final observation, whose value the actor estimated as
 *   `truncationValues[t]`); x_t is then already the first observation of the next episode;
 * - `lastActions[t]`: the network's last-action input at x_t (0 where `dones[t]`);
 * - `actions[t]`, `behaviourLogits[t]`: the behaviour policy's action at x_t and its logits.
 */
import { formatIndex, formatShape } from '../internal/format.js';
import { AgentError, TrajectoryError } from './errors.js';

/**
 * Return and length of one finished episode.
 * @category Agent
 */
export interface EpisodeStats {
  /** Sum of the environment's (unclipped) rewards. */
  readonly episodeReturn: number;
  /** Number of environment steps (agent steps; multiply by action repeats for frames). */
  readonly episodeLength: number;
  /** Whether it ended by truncation (time limit) rather than termination. */
  readonly truncated: boolean;
  /** Which actor produced it. */
  readonly actorId: number;
  /** Which of that actor's environments. */
  readonly envIndex: number;
  /** Optional task name (multi-task training), from the environment's `spec.id`. */
  readonly task?: string | undefined;
}

/**
 * Recurrent state as plain arrays: `c` and `h` of length `lstmSize` each (one environment).
 * @category Agent
 */
export interface ArrayCoreState {
  /** LSTM cell state. */
  readonly c: Float32Array;
  /** LSTM hidden state. */
  readonly h: Float32Array;
}

/**
 * One environment's unroll: T + 1 entries, row-major flat arrays (see the module comment).
 * @category Agent
 */
export interface Trajectory {
  /** T, the number of new steps (the arrays hold T + 1 entries). */
  readonly unrollLength: number;
  /** Shape of one observation. */
  readonly observationShape: readonly number[];
  /** `[T+1, ...observationShape]` observations, float32 or uint8 (pixels). */
  readonly observations: Float32Array | Uint8Array;
  /** `[T+1]` rewards of the transitions into each entry (unclipped). */
  readonly rewards: Float32Array;
  /** `[T+1]` 1 where the entry starts an episode. */
  readonly dones: Uint8Array;
  /** `[T+1]` 1 where the transition into the entry terminated an episode. */
  readonly terminated: Uint8Array;
  /** `[T+1]` 1 where the transition into the entry truncated an episode. */
  readonly truncated: Uint8Array;
  /** `[T+1]` the actor's value estimate of the final observation where `truncated`, else 0. */
  readonly truncationValues: Float32Array;
  /** `[T+1, H]` last-action inputs (H action heads). */
  readonly lastActions: Int32Array;
  /** `[T+1, H]` actions taken by the behaviour policy. */
  readonly actions: Int32Array;
  /** `[T+1, ΣA]` behaviour policy logits. */
  readonly behaviourLogits: Float32Array;
  /** Core state before entry 0 (null for a feed-forward network). */
  readonly initialState: ArrayCoreState | null;
  /** Version of the parameters that generated the unroll. */
  readonly policyVersion: number;
  /** Episodes that finished during the unroll. */
  readonly episodes: readonly EpisodeStats[];
  /** Actor id. */
  readonly actorId: number;
}

/**
 * The transferable buffers of a trajectory (for `postMessage(..., transferList)`).
 * @category Agent
 */
export function trajectoryBuffers(t: Trajectory): ArrayBuffer[] {
  const arrays = [t.observations, t.rewards, t.dones, t.terminated, t.truncated, t.truncationValues, t.lastActions, t.actions, t.behaviourLogits];
  if (t.initialState) arrays.push(t.initialState.c, t.initialState.h);
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}

/**
 * What a trajectory must agree with: the model's shapes, and optionally T and the newest parameter version.
 * @category Agent
 */
export interface TrajectorySpec {
  /** Shape of one observation. */
  readonly observationShape: readonly number[];
  /** Number of actions of each head. */
  readonly actionSizes: readonly number[];
  /** LSTM units (0: the trajectory must have no initial state). */
  readonly lstmSize: number;
  /** Required T, when the consumer needs one. */
  readonly unrollLength?: number;
  /** The newest parameter version that exists; a trajectory claiming a newer one is rejected. */
  readonly maxPolicyVersion?: number;
}

function fail(where: string, t: Trajectory, field: string, detail: string): never {
  const actorId = typeof t.actorId === 'number' && Number.isInteger(t.actorId) ? t.actorId : -1;
  throw new TrajectoryError(where, actorId, field, detail);
}

function checkArray(where: string, t: Trajectory, field: keyof Trajectory, kinds: readonly (new (n: number) => ArrayLike<number>)[], length: number): ArrayLike<number> {
  const a = t[field] as unknown;
  if (!kinds.some((k) => a instanceof k)) {
    fail(where, t, field, ` must be a ${kinds.map((k) => k.name).join(' or ')}, got ${Object.prototype.toString.call(a).slice(8, -1)}`);
  }
  const arr = a as ArrayLike<number>;
  if (arr.length !== length) fail(where, t, field, ` has ${arr.length} values, expected ${length}`);
  return arr;
}

/** The first index of a non-finite value (or of NaN/+Infinity when `allowNegativeInfinity`), or -1. */
function firstNonFinite(a: ArrayLike<number>, allowNegativeInfinity = false): number {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (v - v !== 0 && !(allowNegativeInfinity && v === -Infinity)) return i;
  }
  return -1;
}

/**
 * Checks that a trajectory is well formed and agrees with the model before it reaches a batch: T, the
 * observation shape and dtype, every array's type and length, finite observations, rewards, truncation values and
 * initial states, 0/1 flags, actions and last actions within each head's range, behaviour logits without NaN or
 * +Infinity (−Infinity marks a masked action), the policy version and the episode statistics.
 *
 * @param t - the trajectory, e.g. decoded from another thread or machine.
 * @param spec - what it must agree with.
 * @param where - the function doing the check, for the message (e.g. `'Learner.step'`).
 * @throws {@link TrajectoryError} naming the actor, the field and, for values, the index.
 *
 * @example
 * ```ts
 * validateTrajectory(trajectory, { observationShape: [4], actionSizes: [2], lstmSize: 0, unrollLength: 20 });
 * ```
 * @category Agent
 */
export function validateTrajectory(t: Trajectory, spec: TrajectorySpec, where = 'validateTrajectory'): void {
  if (typeof (t as unknown) !== 'object' || (t as unknown) === null) throw new TrajectoryError(where, -1, 'trajectory', ` must be an object, got ${(t as unknown) === null ? "null" : typeof t}`);
  if (!Number.isInteger(t.actorId) || t.actorId < 0) fail(where, t, 'actorId', ` must be an integer >= 0, got ${String(t.actorId)}`);
  const T = t.unrollLength;
  if (!Number.isInteger(T) || T < 1) fail(where, t, 'unrollLength', ` must be an integer >= 1, got ${String(T)}`);
  if (spec.unrollLength !== undefined && T !== spec.unrollLength) fail(where, t, 'unrollLength', ` is ${T}, the learner expects T = ${spec.unrollLength}`);
  const shape = t.observationShape as unknown;
  if (!Array.isArray(shape) || shape.length !== spec.observationShape.length || shape.some((d, i) => d !== spec.observationShape[i])) {
    fail(where, t, 'observationShape', ` is ${Array.isArray(shape) ? formatShape(shape as number[]) : String(shape)}, the model expects ${formatShape(spec.observationShape)}`);
  }
  const T1 = T + 1;
  const H = spec.actionSizes.length;
  const A = spec.actionSizes.reduce((a, b) => a + b, 0);
  const obsSize = spec.observationShape.reduce((a, b) => a * b, 1);
  const observations = checkArray(where, t, 'observations', [Float32Array, Uint8Array], T1 * obsSize);
  const floats: [keyof Trajectory, number][] = [['rewards', T1], ['truncationValues', T1]];
  if (observations instanceof Float32Array) floats.unshift(['observations', T1 * obsSize]);
  for (const [field, n] of floats) {
    const a = checkArray(where, t, field, [Float32Array], n);
    const i = firstNonFinite(a);
    if (i >= 0) fail(where, t, field, `${formatIndex(i, field === 'observations' ? [T1, ...spec.observationShape] : [T1])} = ${a[i]} is not finite`);
  }
  for (const field of ['dones', 'terminated', 'truncated'] as const) {
    const a = checkArray(where, t, field, [Uint8Array], T1);
    for (let i = 0; i < T1; i++) if (a[i]! > 1) fail(where, t, field, `[${i}] = ${a[i]} is not 0 or 1`);
  }
  for (const field of ['lastActions', 'actions'] as const) {
    const a = checkArray(where, t, field, [Int32Array], T1 * H);
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      const n = spec.actionSizes[i % H]!;
      if (v < 0 || v >= n) fail(where, t, field, `${formatIndex(i, [T1, H])} = ${v} is outside [0, ${n})${H > 1 ? ` (head ${i % H})` : ''}`);
    }
  }
  const logits = checkArray(where, t, 'behaviourLogits', [Float32Array], T1 * A);
  const bad = firstNonFinite(logits, true);
  if (bad >= 0) fail(where, t, 'behaviourLogits', `${formatIndex(bad, [T1, A])} = ${logits[bad]} (only finite values and -Infinity are allowed)`);
  if (spec.lstmSize === 0) {
    if (t.initialState !== null) fail(where, t, 'initialState', ' must be null for a feed-forward model');
  } else {
    const s = t.initialState;
    if (s === null || typeof s !== 'object') fail(where, t, 'initialState', ` is missing; the model has an LSTM of ${spec.lstmSize} units`);
    for (const part of ['c', 'h'] as const) {
      const a = s[part] as unknown;
      if (!(a instanceof Float32Array) || a.length !== spec.lstmSize) fail(where, t, `initialState.${part}`, ` must be a Float32Array of ${spec.lstmSize} values`);
      const i = firstNonFinite(a);
      if (i >= 0) fail(where, t, `initialState.${part}`, `[${i}] = ${a[i]} is not finite`);
    }
  }
  const version = t.policyVersion;
  if (!Number.isInteger(version) || version < -1) fail(where, t, 'policyVersion', ` must be an integer >= -1, got ${String(version)}`);
  if (spec.maxPolicyVersion !== undefined && version > spec.maxPolicyVersion) fail(where, t, 'policyVersion', ` is ${version}, newer than the learner's ${spec.maxPolicyVersion}`);
  if (!Array.isArray(t.episodes)) fail(where, t, 'episodes', ' must be an array');
  (t.episodes as readonly unknown[]).forEach((item, i) => {
    const e = (typeof item === 'object' ? item : null) as Partial<EpisodeStats> | null;
    if (e === null || !Number.isFinite(e.episodeReturn) || !Number.isInteger(e.episodeLength) || e.episodeLength! < 0) {
      fail(where, t, 'episodes', `[${i}] must have a finite episodeReturn and an integer episodeLength >= 0`);
    }
  });
}

/** Magic bytes of an encoded trajectory (`IRLT`) and the encoding's version. */
const MAGIC = 0x544c5249;
const ENCODING_VERSION = 1;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The header of an encoded trajectory (JSON). */
interface EncodedHeader {
  readonly unrollLength: number;
  readonly observationShape: readonly number[];
  readonly pixels: boolean;
  readonly heads: number;
  readonly logitsWidth: number;
  readonly lstmSize: number;
  readonly policyVersion: number;
  readonly actorId: number;
  readonly episodes: readonly EpisodeStats[];
}

/** The arrays of a trajectory in encoding order. */
function arraysOf(t: Trajectory): ArrayBufferView[] {
  const arrays: ArrayBufferView[] = [t.observations, t.rewards, t.dones, t.terminated, t.truncated, t.truncationValues, t.lastActions, t.actions, t.behaviourLogits];
  if (t.initialState) arrays.push(t.initialState.c, t.initialState.h);
  return arrays;
}

const pad8 = (n: number): number => (n + 7) & ~7;

/**
 * Encodes a trajectory as bytes for a transport that carries bytes (a socket, gRPC): a 12-byte prefix (magic,
 * version, header length), a JSON header (T, shapes, version, actor id, episodes), then every array as raw
 * little-endian bytes, each starting at a multiple of 8. No number goes through JSON but the header's.
 *
 * @param t - the trajectory.
 * @returns the bytes; {@link decodeTrajectory} reverses it.
 * @category Agent
 */
export function encodeTrajectory(t: Trajectory): Uint8Array {
  if (!LITTLE_ENDIAN) throw new AgentError('encodeTrajectory: big-endian hosts are not supported');
  const header: EncodedHeader = {
    unrollLength: t.unrollLength,
    observationShape: [...t.observationShape],
    pixels: t.observations instanceof Uint8Array,
    heads: t.lastActions.length / (t.unrollLength + 1),
    logitsWidth: t.behaviourLogits.length / (t.unrollLength + 1),
    lstmSize: t.initialState ? t.initialState.c.length : 0,
    policyVersion: t.policyVersion,
    actorId: t.actorId,
    episodes: t.episodes.map((e) => ({ ...e })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const arrays = arraysOf(t);
  let size = pad8(12 + json.length);
  for (const a of arrays) size = pad8(size + a.byteLength);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, ENCODING_VERSION, true);
  view.setUint32(8, json.length, true);
  out.set(json, 12);
  let offset = pad8(12 + json.length);
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offset);
    offset = pad8(offset + a.byteLength);
  }
  return out;
}

/**
 * Decodes {@link encodeTrajectory}'s bytes into a trajectory with fresh, aligned arrays. It checks the framing
 * (magic, version, lengths) and throws {@link AgentError} on malformed bytes; the values are checked by
 * {@link validateTrajectory}, which the learner runs on every trajectory.
 *
 * @param bytes - the encoded trajectory.
 * @returns the trajectory.
 * @category Agent
 */
export function decodeTrajectory(bytes: Uint8Array): Trajectory {
  const FN = 'decodeTrajectory';
  if (!LITTLE_ENDIAN) throw new AgentError(`${FN}: big-endian hosts are not supported`);
  if (!(bytes instanceof Uint8Array) || bytes.length < 12) throw new AgentError(`${FN}: expected at least 12 bytes, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new AgentError(`${FN}: not an encoded trajectory (bad magic bytes)`);
  const version = view.getUint32(4, true);
  if (version !== ENCODING_VERSION) throw new AgentError(`${FN}: encoding version ${version} is not supported (this build reads ${ENCODING_VERSION})`);
  const jsonLength = view.getUint32(8, true);
  if (12 + jsonLength > bytes.length) throw new AgentError(`${FN}: the header claims ${jsonLength} bytes, only ${bytes.length - 12} follow`);
  let header: EncodedHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + jsonLength))) as EncodedHeader;
  } catch (error) {
    throw new AgentError(`${FN}: the header is not valid JSON`, { cause: error });
  }
  const { unrollLength: T, observationShape, heads: H, logitsWidth: A, lstmSize: u } = header;
  const dims: unknown[] = [T, H, A, u, ...(Array.isArray(observationShape) ? (observationShape as unknown[]) : [NaN])];
  if (!dims.every((d) => Number.isInteger(d) && (d as number) >= 0) || T < 1) throw new AgentError(`${FN}: the header's sizes are not non-negative integers`);
  const T1 = T + 1;
  const obsSize = observationShape.reduce((a, b) => a * b, 1);
  let offset = pad8(12 + jsonLength);
  const take = <V>(make: (buffer: ArrayBuffer, n: number) => V, n: number, bytesPer: number): V => {
    const byteLength = n * bytesPer;
    if (offset + byteLength > bytes.length) throw new AgentError(`${FN}: the arrays need more bytes than the ${bytes.length} given`);
    const copy = bytes.slice(offset, offset + byteLength);
    offset = pad8(offset + byteLength);
    return make(copy.buffer, n);
  };
  const f32 = (b: ArrayBuffer, n: number) => new Float32Array(b, 0, n);
  const u8 = (b: ArrayBuffer, n: number) => new Uint8Array(b, 0, n);
  const i32 = (b: ArrayBuffer, n: number) => new Int32Array(b, 0, n);
  const observations = header.pixels ? take(u8, T1 * obsSize, 1) : take(f32, T1 * obsSize, 4);
  const rewards = take(f32, T1, 4);
  const dones = take(u8, T1, 1);
  const terminated = take(u8, T1, 1);
  const truncated = take(u8, T1, 1);
  const truncationValues = take(f32, T1, 4);
  const lastActions = take(i32, T1 * H, 4);
  const actions = take(i32, T1 * H, 4);
  const behaviourLogits = take(f32, T1 * A, 4);
  const initialState = u > 0 ? { c: take(f32, u, 4), h: take(f32, u, 4) } : null;
  if (offset !== bytes.length) throw new AgentError(`${FN}: ${bytes.length - offset} bytes follow the last array`);
  return {
    unrollLength: T,
    observationShape: [...observationShape],
    observations,
    rewards,
    dones,
    terminated,
    truncated,
    truncationValues,
    lastActions,
    actions,
    behaviourLogits,
    initialState,
    policyVersion: header.policyVersion,
    episodes: Array.isArray(header.episodes) ? header.episodes : [],
    actorId: header.actorId,
  };
}
