/**
 * The learner service's messages on the wire (proto/impala_rl.proto, parsed once with protobufjs): their
 * TypeScript shapes, {@link Tensor} encoding of typed arrays as raw little-endian bytes, conversion of trajectories
 * to and from messages with errors that name the field, and the grpc-js service definitions of both sides.
 */
import { endianness } from 'node:os';
import type { ServiceDefinition } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import type { EpisodeStats, Trajectory } from '../agent/trajectory.js';
import { GrpcProtocolError } from './errors.js';
import { PROTO_TEXT } from './proto-text.js';

/** Version of the protocol in `GetRunRequest`/`JoinRequest`; a learner refuses others. */
export const PROTOCOL_VERSION = 1;

/** The service's full name (also its health-check service name). */
export const LEARNER_SERVICE = 'impala_rl.v1.Learner';

/** `DType` of the proto. */
export const DType = { FLOAT32: 1, UINT8: 2, INT32: 3, FLOAT64: 4 } as const;

/** A typed array that a {@link WireTensor} can carry. */
export type WireArray = Float32Array | Uint8Array | Int32Array | Float64Array;

/** `Tensor`: a dense array as raw little-endian bytes. */
export interface WireTensor {
  dtype: number;
  shape: number[];
  data: Uint8Array;
}

/** `Episode`. */
export interface WireEpisode {
  episode_return: number;
  episode_length: number;
  truncated: boolean;
  env_index: number;
  task: string;
}

/** `Trajectory`. */
export interface WireTrajectory {
  unroll_length: number;
  observations: WireTensor | null;
  rewards: WireTensor | null;
  dones: WireTensor | null;
  terminated: WireTensor | null;
  truncated: WireTensor | null;
  truncation_values: WireTensor | null;
  last_actions: WireTensor | null;
  actions: WireTensor | null;
  behaviour_logits: WireTensor | null;
  initial_c: WireTensor | null;
  initial_h: WireTensor | null;
  policy_version: number;
  episodes: WireEpisode[];
}

/** `GetRunRequest`. */
export interface GetRunRequest {
  protocol_version: number;
}

/** `RunInfo`. */
export interface RunInfo {
  protocol_version: number;
  run_id: string;
  config_json: string;
  env_ids: string[];
  fingerprint: string;
  spaces: string;
}

/** `JoinRequest`. */
export interface JoinRequest {
  protocol_version: number;
  run_id: string;
  env_id: string;
  spaces: string;
  fingerprint: string;
  num_envs: number;
  inference: string;
  host: string;
  pid: number;
  backend: string;
}

/** `Control`: exactly one of its fields is set. */
export interface Control {
  welcome?: { actor_id: number; session_id: string; seed: number } | null;
  finish?: { reason: string } | null;
}

/** `ParametersRequest`. */
export interface ParametersRequest {
  session_id: string;
  have_version: number;
}

/** `Parameters`. */
export interface WireParameters {
  changed: boolean;
  version: number;
  fingerprint: string;
  weights: WireTensor | null;
}

/** `Unroll`. */
export interface WireUnroll {
  session_id: string;
  trajectories: WireTrajectory[];
}

/** `UnrollReply`. */
export interface UnrollReply {
  newest_version: number;
  finished: boolean;
}

/** `InferenceRequest`. */
export interface InferenceRequest {
  session_id: string;
  step: number;
  observations: WireTensor | null;
  rewards: WireTensor | null;
  terminated: WireTensor | null;
  truncated: WireTensor | null;
  reset_observations: WireTensor | null;
}

/** `InferenceReply`. */
export interface InferenceReply {
  step: number;
  actions: WireTensor | null;
}

/**
 * A request as the learner's deserializer hands it over: the message, or why its bytes could not be decoded (so
 * that the handler answers INVALID_ARGUMENT and counts it, instead of grpc-js answering INTERNAL unseen).
 */
export type Decoded<T> = { readonly ok: true; readonly message: T } | { readonly ok: false; readonly error: string };

const root = protobuf.parse(PROTO_TEXT, { keepCase: true }).root;
const type = (name: string): protobuf.Type => root.lookupType(`impala_rl.v1.${name}`);
const types = {
  GetRunRequest: type('GetRunRequest'),
  RunInfo: type('RunInfo'),
  JoinRequest: type('JoinRequest'),
  Control: type('Control'),
  ParametersRequest: type('ParametersRequest'),
  Parameters: type('Parameters'),
  Unroll: type('Unroll'),
  UnrollReply: type('UnrollReply'),
  InferenceRequest: type('InferenceRequest'),
  InferenceReply: type('InferenceReply'),
};
type TypeName = keyof typeof types;

const little = endianness() === 'LE';

/** Encodes one message (a plain object with the proto's field names). */
export function encodeMessage(name: TypeName, message: object): Buffer {
  const bytes = types[name].encode(message).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes one message; throws on malformed bytes. Absent fields read as their proto3 defaults (null for messages). */
export function decodeMessage(name: TypeName, bytes: Uint8Array): unknown {
  return types[name].decode(bytes);
}

function lenient<T>(name: TypeName): (bytes: Buffer) => Decoded<T> {
  return (bytes) => {
    try {
      return { ok: true, message: decodeMessage(name, bytes) as T };
    } catch (error) {
      return { ok: false, error: `malformed ${name} message (${error instanceof Error ? error.message : String(error)})` };
    }
  };
}

const DTYPE_NAMES: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int32', 4: 'float64' };

/**
 * A typed array as a {@link WireTensor}: its bytes as they are in memory (little-endian on every platform this
 * runs on; the module refuses big-endian hosts).
 */
export function toWireTensor(a: WireArray, shape: readonly number[]): WireTensor {
  if (!little) throw new GrpcProtocolError('impala-rl gRPC: big-endian hosts are not supported (tensors travel as little-endian bytes)');
  const dtype = a instanceof Float32Array ? DType.FLOAT32 : a instanceof Int32Array ? DType.INT32 : a instanceof Float64Array ? DType.FLOAT64 : DType.UINT8;
  return { dtype, shape: [...shape], data: new Uint8Array(a.buffer, a.byteOffset, a.byteLength) };
}

type ArrayKind = 'float32' | 'uint8' | 'int32' | 'float64';

/**
 * Reads a {@link WireTensor} into a fresh, aligned typed array, checking presence, dtype and that the bytes hold
 * exactly `prod(shape)` elements.
 *
 * @param t - the tensor (null when the field was absent).
 * @param field - the field's name, for errors.
 * @param kinds - the dtypes accepted.
 * @returns the array and the tensor's shape.
 * @throws {@link GrpcProtocolError} naming the field.
 */
export function fromWireTensor(t: WireTensor | null | undefined, field: string, kinds: readonly ArrayKind[]): { array: WireArray; shape: number[] } {
  if (!little) throw new GrpcProtocolError('impala-rl gRPC: big-endian hosts are not supported (tensors travel as little-endian bytes)');
  if (t === null || t === undefined) throw new GrpcProtocolError(`${field} is missing`);
  const kind = DTYPE_NAMES[t.dtype];
  if (kind === undefined || !kinds.includes(kind as ArrayKind)) {
    throw new GrpcProtocolError(`${field} has dtype ${kind ?? `#${t.dtype}`}, expected ${kinds.join(' or ')}`);
  }
  const shape = Array.from(t.shape);
  let count = 1;
  for (const d of shape) count *= d;
  const width = kind === 'uint8' ? 1 : kind === 'float64' ? 8 : 4;
  const data = t.data;
  if (count * width !== data.byteLength) {
    throw new GrpcProtocolError(`${field} has ${data.byteLength} bytes, but shape [${shape.join(', ')}] of ${kind} needs ${count * width}`);
  }
  const array = kind === 'float32' ? new Float32Array(count) : kind === 'int32' ? new Int32Array(count) : kind === 'float64' ? new Float64Array(count) : new Uint8Array(count);
  new Uint8Array(array.buffer).set(data);
  return { array, shape };
}

/**
 * A trajectory as a `Trajectory` message (its actor id is not sent: the learner knows it from the session).
 *
 * @param t - the trajectory.
 * @returns the message; its tensors view `t`'s arrays (encode it before changing them).
 */
export function toWireTrajectory(t: Trajectory): WireTrajectory {
  const n = t.unrollLength + 1;
  const heads = t.actions.length / n;
  return {
    unroll_length: t.unrollLength,
    observations: toWireTensor(t.observations, [n, ...t.observationShape]),
    rewards: toWireTensor(t.rewards, [n]),
    dones: toWireTensor(t.dones, [n]),
    terminated: toWireTensor(t.terminated, [n]),
    truncated: toWireTensor(t.truncated, [n]),
    truncation_values: toWireTensor(t.truncationValues, [n]),
    last_actions: toWireTensor(t.lastActions, [n, heads]),
    actions: toWireTensor(t.actions, [n, heads]),
    behaviour_logits: toWireTensor(t.behaviourLogits, [n, t.behaviourLogits.length / n]),
    initial_c: t.initialState ? toWireTensor(t.initialState.c, [t.initialState.c.length]) : null,
    initial_h: t.initialState ? toWireTensor(t.initialState.h, [t.initialState.h.length]) : null,
    policy_version: t.policyVersion,
    episodes: t.episodes.map(toWireEpisode),
  };
}

/** An episode's statistics as an `Episode` message (without the actor id). */
export function toWireEpisode(e: EpisodeStats): WireEpisode {
  return { episode_return: e.episodeReturn, episode_length: e.episodeLength, truncated: e.truncated, env_index: e.envIndex, task: e.task ?? '' };
}

/** An `Episode` message as statistics of actor `actorId`. */
export function fromWireEpisode(e: WireEpisode, actorId: number): EpisodeStats {
  return {
    episodeReturn: e.episode_return,
    episodeLength: e.episode_length,
    truncated: e.truncated,
    actorId,
    envIndex: e.env_index,
    ...(e.task !== '' ? { task: e.task } : {}),
  };
}

/**
 * A `Trajectory` message as a trajectory of actor `actorId`, in fresh arrays. Only the framing is checked here
 * (tensors present, dtypes, byte counts, T + 1 rows); the values and shapes against the model are checked by
 * `validateTrajectory`, which the learner runs next.
 *
 * @param m - the message.
 * @param actorId - the sender's actor id (from its session).
 * @param where - prefix of error messages, e.g. `'trajectories[1]'`.
 * @throws {@link GrpcProtocolError} naming the field.
 */
export function fromWireTrajectory(m: WireTrajectory, actorId: number, where: string): Trajectory {
  const T = m.unroll_length;
  const rows = T + 1;
  const read = (t: WireTensor | null, name: string, kinds: readonly ArrayKind[], rank1: boolean): WireArray => {
    const { array, shape } = fromWireTensor(t, `${where}.${name}`, kinds);
    if (shape[0] !== rows || (rank1 && shape.length !== 1)) {
      throw new GrpcProtocolError(`${where}.${name} has shape [${shape.join(', ')}], expected [${rows}${rank1 ? '' : ', ...'}] (unroll_length ${T} + 1 rows)`);
    }
    return array;
  };
  const obs = fromWireTensor(m.observations, `${where}.observations`, ['float32', 'uint8']);
  if (obs.shape[0] !== rows || obs.shape.length < 2) {
    throw new GrpcProtocolError(`${where}.observations has shape [${obs.shape.join(', ')}], expected [${rows}, ...observation shape] (unroll_length ${T} + 1 rows)`);
  }
  let initialState: Trajectory['initialState'] = null;
  if (m.initial_c || m.initial_h) {
    const c = fromWireTensor(m.initial_c, `${where}.initial_c`, ['float32']).array as Float32Array;
    const h = fromWireTensor(m.initial_h, `${where}.initial_h`, ['float32']).array as Float32Array;
    initialState = { c, h };
  }
  const episodes = m.episodes.map((e) => fromWireEpisode(e, actorId));
  return {
    unrollLength: T,
    observationShape: obs.shape.slice(1),
    observations: obs.array as Float32Array | Uint8Array,
    rewards: read(m.rewards, 'rewards', ['float32'], true) as Float32Array,
    dones: read(m.dones, 'dones', ['uint8'], true) as Uint8Array,
    terminated: read(m.terminated, 'terminated', ['uint8'], true) as Uint8Array,
    truncated: read(m.truncated, 'truncated', ['uint8'], true) as Uint8Array,
    truncationValues: read(m.truncation_values, 'truncation_values', ['float32'], true) as Float32Array,
    lastActions: read(m.last_actions, 'last_actions', ['int32'], false) as Int32Array,
    actions: read(m.actions, 'actions', ['int32'], false) as Int32Array,
    behaviourLogits: read(m.behaviour_logits, 'behaviour_logits', ['float32'], false) as Float32Array,
    initialState,
    policyVersion: m.policy_version,
    episodes,
    actorId,
  };
}

const PATH = `/${LEARNER_SERVICE}/`;

interface MethodSpec {
  readonly request: TypeName;
  readonly response: TypeName;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

const METHODS: Record<string, MethodSpec> = {
  GetRun: { request: 'GetRunRequest', response: 'RunInfo', requestStream: false, responseStream: false },
  Join: { request: 'JoinRequest', response: 'Control', requestStream: false, responseStream: true },
  GetParameters: { request: 'ParametersRequest', response: 'Parameters', requestStream: false, responseStream: false },
  PutUnroll: { request: 'Unroll', response: 'UnrollReply', requestStream: false, responseStream: false },
  Infer: { request: 'InferenceRequest', response: 'InferenceReply', requestStream: true, responseStream: true },
};

/** The service's definition for grpc-js, with the given decoding of requests. */
function serviceDefinition(decodeRequest: (name: TypeName) => (bytes: Buffer) => unknown): ServiceDefinition {
  const definition: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(METHODS)) {
    definition[name] = {
      path: PATH + name,
      originalName: name,
      requestStream: m.requestStream,
      responseStream: m.responseStream,
      requestSerialize: (message: object) => encodeMessage(m.request, message),
      requestDeserialize: decodeRequest(m.request),
      responseSerialize: (message: object) => encodeMessage(m.response, message),
      responseDeserialize: (bytes: Buffer) => decodeMessage(m.response, bytes),
    };
  }
  return definition as unknown as ServiceDefinition;
}

/**
 * The service as the learner serves it: requests are decoded leniently (a {@link Decoded} result), so malformed
 * bytes reach the handler, which answers INVALID_ARGUMENT and counts them.
 */
export function learnerServerDefinition(): ServiceDefinition {
  return serviceDefinition(lenient);
}

/** The service as actors call it (strict decoding: a learner's answer that does not decode is an error). */
export function learnerClientDefinition(): ServiceDefinition {
  return serviceDefinition((name) => (bytes) => decodeMessage(name, bytes));
}
