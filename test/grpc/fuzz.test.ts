/**
 * Fuzzing a live learner: train() on CartPole with a GrpcActorFleet and one well-behaved remote actor, while a raw
 * gRPC client (identity serializers, so any bytes can be sent) fires a few thousand malformed requests at every
 * method: random and mutated bytes, wrong tokens, wrong protocol versions and run ids, unknown sessions, oversized
 * messages, and well-formed unrolls on a real session with one field made wrong at a time (dtype, shape, byte
 * count, NaN/Infinity, actions out of range, unroll length, policy version, trajectory count...). Every one must
 * get the status the proto documents for its kind, be counted in `stats().rejectedMessages`, and none may stop
 * the learner or reach a batch; the well-behaved actor's frames keep coming in during and after the fuzzing.
 * The random parts come from a seeded Rng, so a failure reproduces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { train, type TrainResult } from '../../src/agent/train.js';
import { Rng } from '../../src/envs/contract/rng.js';
import { GrpcActorFleet } from '../../src/grpc/grpc-actor-fleet.js';
import { runRemoteActor, type RemoteActorResult } from '../../src/grpc/remote-actor.js';
import { tokenMetadata } from '../../src/grpc/transport-options.js';
import { decodeMessage, DType, encodeMessage, LEARNER_SERVICE, PROTOCOL_VERSION, toWireTensor, type Control, type RunInfo, type WireTensor, type WireTrajectory } from '../../src/grpc/wire.js';
import { setupTestBackend } from '../helpers/tf.js';

await setupTestBackend();

const TOKEN = 'fuzz-0123456789abcdef0123456789a'; // 32 characters
const MAX_MESSAGE_BYTES = 1024 * 1024;
const T = 20;
const ENVS = 2;
const SEED = 20240611;
/** Requests in flight at once. */
const CONCURRENCY = 16;
/** Requests of the random part (on top of the targeted cases). */
const RANDOM_CASES = 2000;
const { status: S } = grpc;

type Method = 'GetRun' | 'Join' | 'GetParameters' | 'PutUnroll' | 'Infer';
const METHODS: readonly Method[] = ['GetRun', 'Join', 'GetParameters', 'PutUnroll', 'Infer'];

/** One malformed request and the statuses it may get. */
interface Case {
  readonly name: string;
  readonly method: Method;
  readonly body: Buffer;
  readonly metadata: grpc.Metadata;
  readonly expect: readonly grpc.status[];
}

interface Outcome {
  readonly code: grpc.status;
  readonly details: string;
}

const identity = (b: Buffer): Buffer => b;

/** Sends one request with raw bytes and resolves with the status it ends with (never rejects). */
function send(client: grpc.Client, c: Case, timeoutMs: number): Promise<Outcome> {
  const path = `/${LEARNER_SERVICE}/${c.method}`;
  const options: grpc.CallOptions = { deadline: Date.now() + timeoutMs };
  return new Promise((resolve) => {
    if (c.method === 'Join') {
      const stream = client.makeServerStreamRequest(path, identity, identity, c.body, c.metadata, options);
      stream.on('data', () => {
        // A Join that was welcomed: not malformed after all. Hang up so the session ends.
        stream.cancel();
      });
      stream.on('error', () => undefined);
      stream.on('status', (s: grpc.StatusObject) => {
        resolve({ code: s.code, details: s.details });
      });
    } else if (c.method === 'Infer') {
      const stream = client.makeBidiStreamRequest(path, identity, identity, c.metadata, options);
      stream.on('data', () => undefined);
      stream.on('error', () => undefined);
      stream.on('status', (s: grpc.StatusObject) => {
        resolve({ code: s.code, details: s.details });
      });
      stream.write(c.body);
      stream.end();
    } else {
      client.makeUnaryRequest(path, identity, identity, c.body, c.metadata, options, (error: grpc.ServiceError | null) => {
        resolve(error ? { code: error.code, details: error.details } : { code: S.OK, details: '' });
      });
    }
  });
}

/** A valid CartPole trajectory message (T + 1 rows, 4 float observations, one head of 2 actions). */
function validTrajectory(rng: Rng, policyVersion: number): WireTrajectory {
  const n = T + 1;
  const observations = Float32Array.from({ length: n * 4 }, () => rng.uniform(-0.05, 0.05));
  const actions = Int32Array.from({ length: n }, () => rng.integer(2));
  const lastActions = Int32Array.from({ length: n }, (_, i) => (i === 0 ? 0 : actions[i - 1]!));
  const logits = Float32Array.from({ length: n * 2 }, () => rng.uniform(-1, 1));
  return {
    unroll_length: T,
    observations: toWireTensor(observations, [n, 4]),
    rewards: toWireTensor(new Float32Array(n).fill(1), [n]),
    dones: toWireTensor(new Uint8Array(n), [n]),
    terminated: toWireTensor(new Uint8Array(n), [n]),
    truncated: toWireTensor(new Uint8Array(n), [n]),
    truncation_values: toWireTensor(new Float32Array(n), [n]),
    last_actions: toWireTensor(lastActions, [n, 1]),
    actions: toWireTensor(actions, [n, 1]),
    behaviour_logits: toWireTensor(logits, [n, 2]),
    initial_c: null,
    initial_h: null,
    policy_version: policyVersion,
    episodes: [],
  };
}

type TensorField = 'observations' | 'rewards' | 'dones' | 'terminated' | 'truncated' | 'truncation_values' | 'last_actions' | 'actions' | 'behaviour_logits';
const TENSOR_FIELDS: readonly TensorField[] = ['observations', 'rewards', 'dones', 'terminated', 'truncated', 'truncation_values', 'last_actions', 'actions', 'behaviour_logits'];
const FLAG_FIELDS = ['dones', 'terminated', 'truncated'] as const;
const ACTION_FIELDS = ['last_actions', 'actions'] as const;

/** A copy of `t` with fresh tensor data (so a mutation touches only the copy). */
function cloneTrajectory(t: WireTrajectory): WireTrajectory {
  const copy = (x: WireTensor | null): WireTensor | null => (x === null ? null : { dtype: x.dtype, shape: [...x.shape], data: Uint8Array.from(x.data) });
  return {
    ...t,
    observations: copy(t.observations),
    rewards: copy(t.rewards),
    dones: copy(t.dones),
    terminated: copy(t.terminated),
    truncated: copy(t.truncated),
    truncation_values: copy(t.truncation_values),
    last_actions: copy(t.last_actions),
    actions: copy(t.actions),
    behaviour_logits: copy(t.behaviour_logits),
    episodes: t.episodes.map((e) => ({ ...e })),
  };
}

/**
 * One mutation that makes a valid trajectory invalid: a name and the change. Each exercises one check of
 * fromWireTrajectory / validateTrajectory / the fleet.
 */
type Mutation = readonly [string, (t: WireTrajectory, rng: Rng) => void];

function floatView(t: WireTensor): Float32Array {
  return new Float32Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 4);
}

function mutations(latestVersion: () => number): Mutation[] {
  const list: Mutation[] = [];
  const n = T + 1;
  for (const f of TENSOR_FIELDS) {
    list.push([`${f} missing`, (t) => { t[f] = null; }]);
    list.push([`${f} one byte too many`, (t) => { t[f] = { ...t[f]!, data: Uint8Array.from([...t[f]!.data, 0]) }; }]);
    list.push([`${f} one row short (bytes and shape)`, (t) => {
      const x = t[f]!;
      const rowBytes = x.data.byteLength / n;
      t[f] = { dtype: x.dtype, shape: [n - 1, ...x.shape.slice(1)], data: x.data.slice(0, x.data.byteLength - rowBytes) };
    }]);
    list.push([`${f} empty data`, (t) => { t[f] = { ...t[f]!, data: new Uint8Array(0) }; }]);
    list.push([`${f} shape with a huge dimension`, (t) => { t[f] = { ...t[f]!, shape: [n, 0xffffffff, 0xffffffff] }; }]);
    list.push([`${f} shape with a zero dimension`, (t) => { t[f] = { ...t[f]!, shape: [n, 0], data: new Uint8Array(0) }; }]);
    list.push([`${f} no shape`, (t) => { t[f] = { ...t[f]!, shape: [] }; }]);
    for (const dtype of [0, DType.FLOAT32, DType.UINT8, DType.INT32, 4, 0x7fffffff]) {
      const x = validTrajectory(new Rng(1), 0)[f]!;
      if (dtype === x.dtype) continue;
      list.push([`${f} with dtype ${dtype} (bytes as they were)`, (t) => { t[f] = { ...t[f]!, dtype }; }]);
      const width = dtype === DType.UINT8 ? 1 : 4;
      list.push([`${f} with dtype ${dtype} (bytes that match the shape)`, (t) => {
        const y = t[f]!;
        let count = 1;
        for (const d of y.shape) count *= d;
        t[f] = { dtype, shape: y.shape, data: new Uint8Array(count * width) };
      }]);
    }
  }
  // Shapes whose byte counts match but whose layout does not.
  list.push(['observations [T+1, 2, 2] instead of [T+1, 4]', (t) => { t.observations = { ...t.observations!, shape: [n, 2, 2] }; }]);
  list.push(['observations [T+1, 5]', (t) => { t.observations = { dtype: DType.FLOAT32, shape: [n, 5], data: new Uint8Array(n * 5 * 4) }; }]);
  list.push(['observations [T+1] (rank 1)', (t) => { t.observations = { dtype: DType.FLOAT32, shape: [n * 4], data: t.observations!.data }; }]);
  list.push(['rewards [T+1, 1] (rank 2)', (t) => { t.rewards = { ...t.rewards!, shape: [n, 1] }; }]);
  list.push(['dones [T+1, 1] (rank 2)', (t) => { t.dones = { ...t.dones!, shape: [n, 1] }; }]);
  list.push(['actions [T+1, 2] (two heads)', (t) => { t.actions = { dtype: DType.INT32, shape: [n, 2], data: new Uint8Array(n * 2 * 4) }; }]);
  list.push(['last_actions [T+1, 2] (two heads)', (t) => { t.last_actions = { dtype: DType.INT32, shape: [n, 2], data: new Uint8Array(n * 2 * 4) }; }]);
  list.push(['behaviour_logits [T+1, 3]', (t) => { t.behaviour_logits = { dtype: DType.FLOAT32, shape: [n, 3], data: new Uint8Array(n * 3 * 4) }; }]);
  list.push(['behaviour_logits [T+1, 1]', (t) => { t.behaviour_logits = { dtype: DType.FLOAT32, shape: [n, 1], data: new Uint8Array(n * 4) }; }]);
  list.push(['observations as uint8 of the right size', (t) => { t.observations = { dtype: DType.UINT8, shape: [n, 4], data: new Uint8Array(n * 4) }; }]);
  // Values.
  for (const f of ['observations', 'rewards', 'truncation_values'] as const) {
    for (const v of [NaN, Infinity, -Infinity]) {
      list.push([`${f} holds ${v}`, (t, rng) => { const a = floatView(t[f]!); a[rng.integer(a.length)] = v; }]);
    }
  }
  for (const v of [NaN, Infinity]) list.push([`behaviour_logits holds ${v}`, (t, rng) => { const a = floatView(t.behaviour_logits!); a[rng.integer(a.length)] = v; }]);
  for (const f of FLAG_FIELDS) for (const v of [2, 255]) list.push([`${f} holds ${v}`, (t, rng) => { t[f]!.data[rng.integer(n)] = v; }]);
  for (const f of ACTION_FIELDS) {
    for (const v of [-1, 2, 0x7fffffff, -0x80000000]) {
      list.push([`${f} holds ${v}`, (t, rng) => { new Int32Array(t[f]!.data.buffer, t[f]!.data.byteOffset, n)[rng.integer(n)] = v; }]);
    }
  }
  for (const length of [0, 1, T - 1, T + 1, 0xffffffff]) list.push([`unroll_length ${length}`, (t) => { t.unroll_length = length; }]);
  list.push(['unroll_length T + 1 with T + 2 rows everywhere', (t) => {
    t.unroll_length = T + 1;
    for (const f of TENSOR_FIELDS) {
      const x = t[f]!;
      const rowBytes = x.data.byteLength / n;
      t[f] = { dtype: x.dtype, shape: [n + 1, ...x.shape.slice(1)], data: Uint8Array.from([...x.data, ...new Uint8Array(rowBytes)]) };
    }
  }]);
  list.push(['policy_version in the future', (t) => { t.policy_version = latestVersion() + 1000; }]);
  list.push(['policy_version 2^32 - 1', (t) => { t.policy_version = 0xffffffff; }]);
  list.push(['an LSTM state for a feed-forward model', (t) => {
    t.initial_c = toWireTensor(new Float32Array(8), [8]);
    t.initial_h = toWireTensor(new Float32Array(8), [8]);
  }]);
  list.push(['initial_c without initial_h', (t) => { t.initial_c = toWireTensor(new Float32Array(8), [8]); }]);
  list.push(['an episode of an env the actor does not have', (t) => { t.episodes = [{ episode_return: 10, episode_length: 10, truncated: false, env_index: ENVS, task: '' }]; }]);
  for (const r of [NaN, Infinity]) list.push([`an episode with return ${r}`, (t) => { t.episodes = [{ episode_return: r, episode_length: 10, truncated: false, env_index: 0, task: '' }]; }]);
  return list;
}

/** Random bytes of a random length (some of them mostly field tags, so that decoding goes further). */
function randomBytes(rng: Rng, max: number): Buffer {
  const length = rng.integer(max + 1);
  const b = Buffer.alloc(length);
  const tagHeavy = rng.random() < 0.5;
  for (let i = 0; i < length; i++) b[i] = tagHeavy && rng.random() < 0.5 ? [0x08, 0x0a, 0x12, 0x1a, 0x22, 0x10, 0x68][rng.integer(7)]! : rng.integer(256);
  return b;
}

/** Whether random bytes happen to make a GetRunRequest the learner would answer. */
function validGetRun(b: Buffer): boolean {
  try {
    return (decodeMessage('GetRunRequest', b) as { protocol_version: number }).protocol_version === PROTOCOL_VERSION;
  } catch {
    return false;
  }
}

test('a live learner answers thousands of malformed requests with error statuses and keeps training', { timeout: 120_000 }, async () => {
  const rng = new Rng(SEED);
  const logs: string[] = [];
  let fleetStarted!: (fleet: GrpcActorFleet) => void;
  const fleetPromise = new Promise<GrpcActorFleet>((resolve) => { fleetStarted = resolve; });
  const stop = new AbortController();
  let frames = 0;
  let updates = 0;
  const training: Promise<TrainResult> = train(
    { env: 'CartPole-v1', totalFrames: 100_000_000, unrollLength: T, batchSize: 4, envsPerActor: ENVS, mlpHiddenSizes: [16], seed: 3 },
    {
      fleet: GrpcActorFleet.factory({ listen: '127.0.0.1:0', token: TOKEN, maxMessageBytes: MAX_MESSAGE_BYTES, onLog: (l) => logs.push(l) }, (f) => { fleetStarted(f); }),
      onProgress: (p) => { frames = p.frames; updates = p.updates; },
      onWarning: (w) => logs.push(`warning: ${w}`),
      signal: stop.signal,
    },
  );
  let trainFailure: unknown = null;
  training.catch((e: unknown) => { trainFailure = e; });
  const fleet = await Promise.race([fleetPromise, training.then(() => { throw new Error('train ended before the fleet started'); })]);

  const actorStop = new AbortController();
  const actor: Promise<RemoteActorResult> = runRemoteActor({ connect: fleet.address, token: TOKEN, signal: actorStop.signal, onLog: (l) => logs.push(l) });
  // The fuzzer's own connection (a local subchannel pool: not shared with the well-behaved actor's).
  const client = new grpc.Client(fleet.address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  const good = (): grpc.Metadata => tokenMetadata(TOKEN);
  let joinStream: grpc.ClientReadableStream<Buffer> | null = null;
  try {
    // The well-behaved actor trains: wait for its first updates.
    const waitFor = async (what: string, ok: () => boolean, ms: number): Promise<void> => {
      const end = Date.now() + ms;
      while (!ok()) {
        if (trainFailure !== null) throw new Error(`train failed while waiting for ${what}`, { cause: trainFailure });
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; log:\n${logs.join('\n')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await waitFor('the first update', () => updates >= 1, 30_000);

    // A real session of our own, so that unroll checks beyond the session lookup are reached.
    const runInfo = await new Promise<RunInfo>((resolve, reject) => {
      client.makeUnaryRequest(`/${LEARNER_SERVICE}/GetRun`, identity, identity, encodeMessage('GetRunRequest', { protocol_version: PROTOCOL_VERSION }), good(), (e: grpc.ServiceError | null, v?: Buffer) => {
        if (e) reject(e);
        else resolve(decodeMessage('RunInfo', v!) as RunInfo);
      });
    });
    const join = {
      protocol_version: PROTOCOL_VERSION, run_id: runInfo.run_id, env_id: runInfo.env_ids[0]!, spaces: runInfo.spaces, fingerprint: runInfo.fingerprint,
      num_envs: ENVS, inference: 'local', host: 'fuzzer', pid: process.pid, backend: 'none',
    };
    const sessionId = await new Promise<string>((resolve, reject) => {
      const stream = client.makeServerStreamRequest(`/${LEARNER_SERVICE}/Join`, identity, identity, encodeMessage('JoinRequest', join), good(), {});
      joinStream = stream;
      stream.once('data', (b: Buffer) => {
        const c = decodeMessage('Control', b) as Control;
        if (c.welcome) resolve(c.welcome.session_id);
        else reject(new Error('the fuzz session was not welcomed'));
      });
      stream.on('error', reject);
    });

    const latest = (): number => Math.max(updates, 0);
    const unroll = (sid: string, trajectories: WireTrajectory[]): Buffer => encodeMessage('Unroll', { session_id: sid, trajectories });
    const pair = (): WireTrajectory[] => [validTrajectory(rng, 0), validTrajectory(rng, 0)];
    const unknownSession = (): string => (rng.random() < 0.2 ? '' : rng.random() < 0.5 ? sessionId.replace(/[0-9a-f]$/, (c) => (c === '0' ? '1' : '0')) : randomBytes(rng, 80).toString('latin1'));
    const cases: Case[] = [];
    const add = (name: string, method: Method, body: Buffer, expect: readonly grpc.status[], metadata: grpc.Metadata = good()): void => {
      cases.push({ name, method, body, metadata, expect });
    };
    const validBodies = (): Record<Method, Buffer> => ({
      GetRun: encodeMessage('GetRunRequest', { protocol_version: PROTOCOL_VERSION }),
      Join: encodeMessage('JoinRequest', join),
      GetParameters: encodeMessage('ParametersRequest', { session_id: sessionId, have_version: -1 }),
      PutUnroll: unroll(sessionId, pair()),
      Infer: encodeMessage('InferenceRequest', { session_id: sessionId }),
    });

    // --- Targeted cases. ---
    // Token: absent, wrong, malformed, twice; on every method, with otherwise valid bodies.
    const tokenVariants: [string, () => grpc.Metadata][] = [
      ['no metadata', () => new grpc.Metadata()],
      ['a wrong token', () => tokenMetadata(TOKEN.replace(/.$/, 'X'))],
      ['the token without "Bearer "', () => { const m = new grpc.Metadata(); m.set('authorization', TOKEN); return m; }],
      ['"bearer" in lower case', () => { const m = new grpc.Metadata(); m.set('authorization', `bearer ${TOKEN}`); return m; }],
      ['the token with a suffix', () => tokenMetadata(`${TOKEN}x`)],
      ['a prefix of the token', () => tokenMetadata(TOKEN.slice(0, 31))],
      ['an empty authorization', () => { const m = new grpc.Metadata(); m.set('authorization', ''); return m; }],
    ];
    for (const [what, md] of tokenVariants) for (const [method, body] of Object.entries(validBodies())) add(`${method} with ${what}`, method as Method, body, [S.UNAUTHENTICATED], md());
    // Protocol versions and run ids.
    for (const v of [0, 2, 3, 0xffffffff]) {
      add(`GetRun protocol_version ${v}`, 'GetRun', encodeMessage('GetRunRequest', { protocol_version: v }), [S.FAILED_PRECONDITION]);
      add(`Join protocol_version ${v}`, 'Join', encodeMessage('JoinRequest', { ...join, protocol_version: v }), [S.FAILED_PRECONDITION]);
    }
    for (const runId of ['', 'not-a-run', runInfo.run_id.toUpperCase(), `${runInfo.run_id} `]) add(`Join run_id ${JSON.stringify(runId)}`, 'Join', encodeMessage('JoinRequest', { ...join, run_id: runId }), [S.ABORTED]);
    // Env, spaces, model and configuration mismatches at the join.
    add('Join another env', 'Join', encodeMessage('JoinRequest', { ...join, env_id: 'Acrobot-v1' }), [S.FAILED_PRECONDITION]);
    add('Join other spaces', 'Join', encodeMessage('JoinRequest', { ...join, spaces: runInfo.spaces.replace('[4]', '[5]') }), [S.FAILED_PRECONDITION]);
    add('Join another fingerprint', 'Join', encodeMessage('JoinRequest', { ...join, fingerprint: `${runInfo.fingerprint}0` }), [S.FAILED_PRECONDITION]);
    add('Join inference "central"', 'Join', encodeMessage('JoinRequest', { ...join, inference: 'central' }), [S.INVALID_ARGUMENT]);
    for (const numEnvs of [0, 257, 0xffffffff]) add(`Join num_envs ${numEnvs}`, 'Join', encodeMessage('JoinRequest', { ...join, num_envs: numEnvs }), [S.INVALID_ARGUMENT]);
    // Unknown sessions.
    for (let i = 0; i < 10; i++) {
      const sid = unknownSession();
      add(`GetParameters unknown session #${i}`, 'GetParameters', encodeMessage('ParametersRequest', { session_id: sid, have_version: i - 1 }), [S.ABORTED]);
      add(`PutUnroll unknown session #${i} (a valid unroll)`, 'PutUnroll', unroll(sid, pair()), [S.ABORTED]);
    }
    add('PutUnroll a very long unknown session id', 'PutUnroll', unroll('x'.repeat(100_000), pair()), [S.ABORTED]);
    // Central inference: a session that joined with local inference, unknown sessions.
    add('Infer on a session of local inference', 'Infer', encodeMessage('InferenceRequest', { session_id: sessionId }), [S.FAILED_PRECONDITION]);
    for (let i = 0; i < 5; i++) add(`Infer unknown session #${i}`, 'Infer', encodeMessage('InferenceRequest', { session_id: unknownSession() }), [S.ABORTED]);
    // Oversized messages.
    // (Not Infer: its handler refuses the call as it starts, before any message is read.)
    for (const method of METHODS.filter((m) => m !== 'Infer')) {
      add(`${method} oversized bytes`, method, Buffer.alloc(MAX_MESSAGE_BYTES + 1 + rng.integer(1000), 0x0a), [S.RESOURCE_EXHAUSTED]);
      add(`${method} oversized without a token`, method, Buffer.alloc(MAX_MESSAGE_BYTES + 100), [S.RESOURCE_EXHAUSTED], new grpc.Metadata());
    }
    const big = validTrajectory(rng, 0);
    big.observations = { dtype: DType.FLOAT32, shape: [T + 1, 4 * 13_000], data: new Uint8Array((T + 1) * 4 * 13_000 * 4) };
    add('PutUnroll a well-formed unroll over the limit', 'PutUnroll', unroll(sessionId, [big, validTrajectory(rng, 0)]), [S.RESOURCE_EXHAUSTED]);
    // Deeply nested unknown groups (a recursion bomb for the decoder).
    for (const method of METHODS) add(`${method} nested groups`, method, Buffer.alloc(200_000, 0x7b), [S.INVALID_ARGUMENT]);
    // The wrong number of trajectories on a real session.
    for (const count of [0, 1, 3, 20]) {
      add(`PutUnroll ${count} trajectories for ${ENVS} envs`, 'PutUnroll', unroll(sessionId, Array.from({ length: count }, () => validTrajectory(rng, 0))), [S.INVALID_ARGUMENT]);
    }
    // One field wrong at a time, on a real session, in either trajectory.
    const all = mutations(latest);
    for (const [what, mutate] of all) {
      const ts = pair();
      const i = rng.integer(ENVS);
      const t = cloneTrajectory(ts[i]!);
      mutate(t, rng);
      ts[i] = t;
      add(`PutUnroll trajectories[${i}]: ${what}`, 'PutUnroll', unroll(sessionId, ts), [S.INVALID_ARGUMENT]);
    }
    const targeted = cases.length;

    // --- Random cases. ---
    for (let k = 0; k < RANDOM_CASES; k++) {
      const kind = rng.integer(5);
      if (kind === 0) {
        // Random bytes at a random method.
        const method = METHODS[rng.integer(METHODS.length)]!;
        let body = randomBytes(rng, 600);
        while (method === 'GetRun' && validGetRun(body)) body = randomBytes(rng, 600);
        const expect = { GetRun: [S.INVALID_ARGUMENT, S.FAILED_PRECONDITION], Join: [S.INVALID_ARGUMENT, S.FAILED_PRECONDITION, S.ABORTED], GetParameters: [S.INVALID_ARGUMENT, S.ABORTED], PutUnroll: [S.INVALID_ARGUMENT, S.ABORTED], Infer: [S.INVALID_ARGUMENT, S.ABORTED] }[method];
        add(`random bytes #${k} at ${method}`, method, body, expect);
      } else if (kind === 1) {
        // A valid unroll of an unknown session, with bytes flipped, cut or spliced.
        const b = Buffer.from(unroll(unknownSession(), pair()));
        const op = rng.integer(3);
        let body: Buffer;
        if (op === 0) {
          for (let j = 0, flips = 1 + rng.integer(8); j < flips; j++) b[rng.integer(b.length)]! ^= 1 << rng.integer(8);
          body = b;
        } else if (op === 1) {
          body = b.subarray(0, rng.integer(b.length));
        } else {
          const at = rng.integer(b.length);
          body = Buffer.concat([b.subarray(0, at), randomBytes(rng, 64), b.subarray(at)]);
        }
        add(`mutated bytes #${k} (op ${op}) at PutUnroll`, 'PutUnroll', body, [S.INVALID_ARGUMENT, S.ABORTED]);
      } else if (kind === 2) {
        // One or two random field mutations on the real session.
        const ts = pair();
        const names: string[] = [];
        for (let j = 0, count = 1 + rng.integer(2); j < count; j++) {
          const i = rng.integer(ENVS);
          const [what, mutate] = all[rng.integer(all.length)]!;
          const t = cloneTrajectory(ts[i]!);
          mutate(t, rng);
          ts[i] = t;
          names.push(`trajectories[${i}]: ${what}`);
        }
        add(`random field mutation #${k}: ${names.join('; ')}`, 'PutUnroll', unroll(sessionId, ts), [S.INVALID_ARGUMENT]);
      } else if (kind === 3) {
        // A random wrong token at a random method with a valid body.
        const method = METHODS[rng.integer(METHODS.length)]!;
        const md = new grpc.Metadata();
        if (rng.random() < 0.8) md.set('authorization', `Bearer ${randomBytes(rng, 40).toString('hex')}`);
        add(`random token #${k} at ${method}`, method, validBodies()[method], [S.UNAUTHENTICATED], md);
      } else {
        // Random numeric fields of GetRun, Join and GetParameters.
        const choice = rng.integer(3);
        if (choice === 0) {
          let v = rng.integer(2 ** 32);
          if (v === PROTOCOL_VERSION) v = 0;
          add(`random GetRun version #${k}`, 'GetRun', encodeMessage('GetRunRequest', { protocol_version: v }), [S.FAILED_PRECONDITION]);
        } else if (choice === 1) {
          add(`random Join num_envs #${k}`, 'Join', encodeMessage('JoinRequest', { ...join, num_envs: 257 + rng.integer(2 ** 31) }), [S.INVALID_ARGUMENT]);
        } else {
          add(`random GetParameters session #${k}`, 'GetParameters', encodeMessage('ParametersRequest', { session_id: unknownSession(), have_version: rng.integer(2 ** 31) - 2 ** 30 }), [S.ABORTED]);
        }
      }
    }

    // --- Fire them, CONCURRENCY at a time, checking that training goes on. ---
    const rejectedBefore = fleet.stats().rejectedMessages;
    const framesBefore = frames;
    const framesSeen: number[] = [];
    const outcomes: Outcome[] = new Array<Outcome>(cases.length);
    let next = 0;
    const started = performance.now();
    const worker = async (): Promise<void> => {
      while (next < cases.length) {
        const i = next++;
        outcomes[i] = await send(client, cases[i]!, 15_000);
        if (i % 250 === 0) framesSeen.push(frames);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const fuzzSeconds = (performance.now() - started) / 1000;

    const wrong: string[] = [];
    const codes = new Map<string, number>();
    cases.forEach((c, i) => {
      const o = outcomes[i]!;
      const name = (S as unknown as Record<number, string | undefined>)[o.code] ?? String(o.code);
      codes.set(name, (codes.get(name) ?? 0) + 1);
      if (!c.expect.includes(o.code)) wrong.push(`${c.name}: got ${name} (${o.details.slice(0, 200)}), expected ${c.expect.map((x) => S[x]).join(' or ')}`);
    });
    const rejected = fleet.stats().rejectedMessages - rejectedBefore;
    for (const w of wrong.slice(0, 40)) console.log(w);
    console.log(`fuzz: ${cases.length} requests (${targeted} targeted) in ${fuzzSeconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries(codes))}; rejectedMessages +${rejected}; frames ${framesBefore} -> ${framesSeen.join(' -> ')} -> ${frames}`);
    assert.ok(cases.length >= 2000);
    assert.deepEqual(wrong, [], `${wrong.length} requests got an unexpected status`);
    assert.equal(trainFailure, null, 'the learner stopped');
    assert.equal(rejected, cases.length, 'every refused request is counted in rejectedMessages');
    assert.equal(fleet.stats().connectedActors, 2, 'the well-behaved actor and the fuzz session are still connected');
    assert.ok(framesSeen.length >= 8 && framesSeen.at(-1)! > framesSeen[Math.floor(framesSeen.length / 2)]! && framesSeen[Math.floor(framesSeen.length / 2)]! > framesBefore, `frames went up all through the fuzzing (${framesSeen.join(', ')})`);

    // Training goes on after the fuzzing too.
    const framesAfter = frames;
    await waitFor('more frames after the fuzzing', () => frames > framesAfter + 4 * T, 20_000);
  } finally {
    (joinStream as grpc.ClientReadableStream<Buffer> | null)?.cancel();
    client.close();
    stop.abort();
    // Never rejects here, so that a failure above is the one reported. Closing the fleet tells the actor that the
    // run is over; its own signal is only a fallback.
    await training.catch(() => undefined);
    const fallback = setTimeout(() => { actorStop.abort(); }, 10_000);
    await actor.catch(() => undefined);
    clearTimeout(fallback);
  }
  const result = await training;
  result.network.dispose();
  const actorResult = await actor;
  assert.equal(actorResult.reason, 'finished', `the learner told the well-behaved actor that the run is over; log:\n${logs.slice(-15).join('\n')}`);
  assert.ok(actorResult.unrolls > 0);
  assert.equal(actorResult.sessions, 1, 'the well-behaved actor never lost its session');
});
