/**
 * The binary protocol between {@link GymnasiumBatch} and its Python process (`python/impala_rl_gym_bridge.py`,
 * whose docstring is the reference). Every message is an 8-byte header (little-endian `u32` payload length,
 * `u32` 0) and the payload;
 * arrays are raw little-endian values at offsets that are multiples of 8, so they are read in place as typed
 * arrays (this assumes a little-endian host, as x86 and ARM are).
 */
import { Box, Discrete, MultiDiscrete } from '../../contract/spaces.js';
import type { BoxArray, BoxDtype, Space } from '../../contract/spaces.js';

/**
 * Request commands (first payload byte).
 * @category Environments
 */
export const CMD_STEP = 1;
/**
 * Resets some envs (JSON body).
 * @category Environments
 */
export const CMD_RESET = 2;
/**
 * Closes the envs and ends the process.
 * @category Environments
 */
export const CMD_CLOSE = 3;
/**
 * Reply kinds (first payload byte).
 * @category Environments
 */
export const REPLY_HELLO = 1;
/**
 * Rewards, flags and observations of some envs.
 * @category Environments
 */
export const REPLY_BATCH = 2;
/**
 * An error, as JSON.
 * @category Environments
 */
export const REPLY_ERROR = 3;
/**
 * The answer to {@link CMD_CLOSE}.
 * @category Environments
 */
export const REPLY_CLOSED = 4;
/**
 * The protocol version the Python side must report.
 * @category Environments
 */
export const PROTOCOL_VERSION = 2;
/**
 * Bytes of a message header: `u32` payload length, `u32` 0.
 * @category Environments
 */
export const HEADER_BYTES = 8;

/** A bound as sent: a number, or `'Infinity'`/`'-Infinity'`. */
type WireNumber = number | string;

/**
 * How the Python side describes a space.
 * @category Environments
 */
export type SpaceDescription =
  | { kind: 'discrete'; n: number; start: number }
  | { kind: 'multi-discrete'; nvec: number[] }
  | { kind: 'box'; shape: number[]; dtype: BoxDtype; low: WireNumber | WireNumber[]; high: WireNumber | WireNumber[] };

/**
 * The first message of the Python side.
 * @category Environments
 */
export interface Hello {
  /** {@link PROTOCOL_VERSION}. */
  readonly protocol: number;
  /** Envs in the process. */
  readonly numEnvs: number;
  /** The observation space of one env. */
  readonly observationSpace: SpaceDescription;
  /** The action space of one env. */
  readonly actionSpace: SpaceDescription;
  /** float64 values per action on the wire. */
  readonly actionSize: number;
  /** Bytes of one observation. */
  readonly obsBytes: number;
  /** Bytes between two observations in a batch reply or the shared-memory file (obsBytes rounded up to 8). */
  readonly obsStride: number;
  /** Whether observations travel through the shared-memory file (slot i: env i's latest) instead of the pipe. */
  readonly sharedMemory: boolean;
  /** Id, time limit, reward threshold. */
  readonly spec: { id: string; maxEpisodeSteps?: number; rewardThreshold?: number };
  /** Versions of Python and its packages. */
  readonly versions: Readonly<Record<string, string>>;
}

/**
 * An error reply.
 * @category Environments
 */
export interface ErrorReply {
  /** The message. */
  readonly error: string;
  /** The missing Python package, when that is the cause. */
  readonly missing: string | null;
  /** The command that installs the bridge's packages into that Python. */
  readonly pip: string;
}

/**
 * A decoded batch reply.
 * @category Environments
 */
export interface BatchReply {
  /** Env indices, in reply order. */
  readonly indices: Uint32Array;
  /** Reward of each. */
  readonly rewards: Float64Array;
  /** Bit 0 terminated, bit 1 truncated, bit 2 failed (message in `errors`). */
  readonly flags: Uint8Array;
  /** Observation `j` (a new object over the reply's own memory, or over memory read from the shared file). */
  readonly observation: (j: number) => unknown;
  /** Infos, when asked for (or on resets). */
  readonly infos: (Record<string, unknown> | null)[] | null;
  /** Error messages of the failed envs (null for the others), or null when none failed. */
  readonly errors: (string | null)[] | null;
}

/**
 * Reads `length` bytes at byte `position` of the shared-memory file into `dst` at `offset` (e.g. with
 * `fs.readSync`).
 * @category Environments
 */
export type SharedReader = (dst: Buffer, offset: number, length: number, position: number) => void;

const pad8 = (n: number): number => (n + 7) & ~7;

function wireNumber(v: WireNumber): number {
  return typeof v === 'number' ? v : v === 'Infinity' ? Infinity : -Infinity;
}

/**
 * Builds the space a description stands for.
 *
 * @param d - the description.
 * @returns the space.
 * @category Environments
 */
export function buildSpace(d: SpaceDescription): Space<unknown> {
  switch (d.kind) {
    case 'discrete':
      return new Discrete(d.n, d.start);
    case 'multi-discrete':
      return new MultiDiscrete(d.nvec);
    case 'box': {
      const bound = (b: WireNumber | WireNumber[]): number | number[] => (Array.isArray(b) ? b.map(wireNumber) : wireNumber(b));
      return new Box({ low: bound(d.low), high: bound(d.high), shape: d.shape, dtype: d.dtype });
    }
  }
}

/**
 * Reads an observation of a space from a reply buffer.
 *
 * @param d - the observation space's description.
 * @returns a function from (buffer, byte offset) to the observation (a number for `Discrete`, a typed array otherwise).
 * @category Environments
 */
export function observationReader(d: SpaceDescription): (buf: Buffer, offset: number) => unknown {
  switch (d.kind) {
    case 'discrete':
      return (buf, offset) => buf.readInt32LE(offset);
    case 'multi-discrete': {
      const n = d.nvec.length;
      return (buf, offset) => new Int32Array(buf.buffer, buf.byteOffset + offset, n);
    }
    case 'box': {
      const size = d.shape.reduce((a, b) => a * b, 1);
      const make: Record<BoxDtype, (b: ArrayBufferLike, o: number) => BoxArray> = {
        uint8: (b, o) => new Uint8Array(b, o, size),
        int32: (b, o) => new Int32Array(b, o, size),
        float32: (b, o) => new Float32Array(b, o, size),
        float64: (b, o) => new Float64Array(b, o, size),
      };
      const f = make[d.dtype];
      return (buf, offset) => f(buf.buffer, buf.byteOffset + offset);
    }
  }
}

/**
 * Encodes a STEP request.
 *
 * @param indices - env indices (distinct).
 * @param actions - one action per index: a number, or an array of `actionSize` numbers.
 * @param actionSize - float64 values per action.
 * @param wantInfo - whether the reply carries the infos.
 * @returns the framed message (length prefix included).
 * @category Environments
 */
export function encodeStep(indices: readonly number[], actions: readonly unknown[], actionSize: number, wantInfo: boolean): Buffer {
  const k = indices.length;
  const oActions = pad8(8 + 4 * k);
  const size = oActions + 8 * k * actionSize;
  // From Node's shared pool when small (slices of it start at multiples of 8): no memory of its own per step.
  const msg = Buffer.allocUnsafe(HEADER_BYTES + size);
  msg.writeUInt32LE(size, 0);
  msg.writeUInt32LE(0, 4);
  msg.writeUInt32LE(CMD_STEP | (wantInfo ? 1 << 8 : 0), 8);
  msg.writeUInt32LE(k, 12);
  for (let j = 0; j < k; j++) msg.writeUInt32LE(indices[j]!, HEADER_BYTES + 8 + 4 * j);
  if (oActions > 8 + 4 * k) msg.fill(0, HEADER_BYTES + 8 + 4 * k, HEADER_BYTES + oActions);
  const values = new DataView(msg.buffer, msg.byteOffset + HEADER_BYTES + oActions, 8 * k * actionSize);
  for (let j = 0; j < k; j++) {
    const a = actions[j];
    if (typeof a === 'number') {
      if (actionSize !== 1) throw new TypeError(`expected an action of ${actionSize} values, got the number ${a}`);
      values.setFloat64(8 * j, a, true);
    } else {
      const arr = a as ArrayLike<number> | undefined;
      if (arr === undefined || typeof arr !== 'object' || arr.length !== actionSize) {
        throw new TypeError(`expected an action of ${actionSize} value(s), got ${String(a)}`);
      }
      for (let e = 0; e < actionSize; e++) values.setFloat64(8 * (j * actionSize + e), Number(arr[e]), true);
    }
  }
  return msg;
}

/**
 * Encodes a RESET request.
 *
 * @param indices - env indices.
 * @param seeds - one seed per index (null: no seed), or null for none at all.
 * @param options - reset options passed to every env.
 * @returns the framed message.
 * @category Environments
 */
export function encodeReset(indices: readonly number[], seeds: readonly (number | null)[] | null, options: Record<string, unknown> | null): Buffer {
  const body = Buffer.from(JSON.stringify({ indices, seeds, options }), 'utf8');
  const msg = Buffer.alloc(HEADER_BYTES + 4 + body.length);
  msg.writeUInt32LE(4 + body.length, 0);
  msg.writeUInt32LE(CMD_RESET, HEADER_BYTES);
  body.copy(msg, HEADER_BYTES + 4);
  return msg;
}

/**
 * Encodes a CLOSE request.
 *
 * @returns the framed message.
 * @category Environments
 */
export function encodeClose(): Buffer {
  const msg = Buffer.alloc(HEADER_BYTES + 1);
  msg.writeUInt32LE(1, 0);
  msg[HEADER_BYTES] = CMD_CLOSE;
  return msg;
}

/**
 * Decodes a BATCH reply: its arrays in place; observations in place too, or, when they are in the shared-memory
 * file, read from it at once (one read when the envs are consecutive, as when a whole batch steps) into new
 * memory of the reply's own.
 *
 * @param payload - the payload (its `byteOffset` a multiple of 8).
 * @param obsStride - bytes between observations.
 * @param read - reads one observation.
 * @param shared - reads the shared-memory file (needed when the reply says its observations are there).
 * @returns the decoded reply.
 * @category Environments
 */
export function decodeBatch(payload: Buffer, obsStride: number, read: (buf: Buffer, offset: number) => unknown, shared?: SharedReader): BatchReply {
  const hasTrailer = payload[1] === 1;
  const inShared = payload[2] === 1;
  const k = payload.readUInt32LE(4);
  const oRew = 8;
  const oIdx = oRew + 8 * k;
  const oFlags = pad8(oIdx + 4 * k);
  const oObs = pad8(oFlags + k);
  const base = payload.byteOffset;
  const indices = new Uint32Array(payload.buffer, base + oIdx, k);
  let frames = payload;
  let oFrames = oObs;
  if (inShared) {
    if (shared === undefined) throw new Error('a BATCH reply with observations in shared memory, and no shared memory open');
    frames = Buffer.allocUnsafeSlow(k * obsStride);
    oFrames = 0;
    let consecutive = true;
    for (let j = 1; j < k && consecutive; j++) consecutive = indices[j] === indices[0]! + j;
    if (consecutive && k > 0) shared(frames, 0, k * obsStride, indices[0]! * obsStride);
    else for (let j = 0; j < k; j++) shared(frames, j * obsStride, obsStride, indices[j]! * obsStride);
  }
  const end = inShared ? oObs : oObs + obsStride * k;
  const trailer = hasTrailer
    ? (JSON.parse(payload.toString('utf8', end)) as { infos: (Record<string, unknown> | null)[] | null; errors: (string | null)[] | null })
    : null;
  return {
    rewards: new Float64Array(payload.buffer, base + oRew, k),
    indices,
    flags: new Uint8Array(payload.buffer, base + oFlags, k),
    observation: (j) => read(frames, oFrames + j * obsStride),
    infos: trailer?.infos ?? null,
    errors: trailer?.errors ?? null,
  };
}

/**
 * Cuts a byte stream into length-prefixed payloads. A payload that lies whole in one chunk at an 8-byte aligned
 * address is handed over in place (a stream never reuses a chunk's memory); any other is copied into memory of
 * its own. Either way its arrays can be viewed in place and outlive the stream's later chunks.
 * @category Environments
 */
export class FrameReader {
  #header = Buffer.alloc(HEADER_BYTES);
  #headerFill = 0;
  #payload: Buffer | null = null;
  #fill = 0;

  /**
   * Feeds a chunk.
   *
   * @param chunk - bytes from the stream.
   * @param onPayload - called with each complete payload, in order.
   */
  push(chunk: Buffer, onPayload: (payload: Buffer) => void): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#payload === null) {
        if (this.#headerFill === 0 && chunk.length - at >= HEADER_BYTES) {
          const n = chunk.readUInt32LE(at);
          const start = at + HEADER_BYTES;
          if (chunk.length - start >= n && (chunk.byteOffset + start) % 8 === 0) {
            at = start + n;
            onPayload(chunk.subarray(start, at));
            continue;
          }
        }
        const take = Math.min(HEADER_BYTES - this.#headerFill, chunk.length - at);
        chunk.copy(this.#header, this.#headerFill, at, at + take);
        this.#headerFill += take;
        at += take;
        if (this.#headerFill < HEADER_BYTES) return;
        this.#headerFill = 0;
        this.#payload = Buffer.allocUnsafeSlow(this.#header.readUInt32LE(0));
        this.#fill = 0;
        if (this.#payload.length === 0) {
          this.#payload = null;
          onPayload(Buffer.alloc(0));
          continue;
        }
      }
      const payload = this.#payload;
      const take = Math.min(payload.length - this.#fill, chunk.length - at);
      chunk.copy(payload, this.#fill, at, at + take);
      this.#fill += take;
      at += take;
      if (this.#fill === payload.length) {
        this.#payload = null;
        onPayload(payload);
      }
    }
  }
}
