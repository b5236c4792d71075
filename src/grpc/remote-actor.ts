/**
 * The actor's side of the gRPC service: {@link runRemoteActor} joins a learner (`GrpcActorFleet`,
 * `impala-rl learner`), builds its environments and network from the run's configuration, and loops: unroll with
 * local inference, send the unroll, fetch parameters when the learner has newer ones. It reconnects with
 * exponential backoff while the learner is away, and stops for good when the learner refuses it or says the run
 * is over.
 */
import { hostname } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import * as tf from '@tensorflow/tfjs-core';
import { Actor, envResetSeed, type ActorEnv } from '../agent/actor.js';
import type { Env } from '../envs/contract/types.js';
import { buildNetwork } from '../agent/build-network.js';
import type { ParameterSnapshot } from '../agent/core.js';
import { makeActorEnvs } from '../agent/make-actor-envs.js';
import { modelFingerprint } from '../agent/model-fingerprint.js';
import type { ResolvedActorConfig } from '../agent/train-config.js';
import type { ImpalaNetwork } from '../networks/impala-network.js';
import { GrpcConfigError, GrpcProtocolError, LearnerUnreachableError, RemoteActorRefusedError } from './errors.js';
import { spacesKey } from './spaces.js';
import { channelCredentials, formatAddress, grpcChannelOptions, parseAddress, tokenMetadata, type ActorTlsOptions, type GrpcTransportOptions } from './transport-options.js';
import {
  fromWireTensor,
  learnerClientDefinition,
  PROTOCOL_VERSION,
  toWireTensor,
  toWireTrajectory,
  type Control,
  type InferenceReply,
  type RunInfo,
  type UnrollReply,
  type WireParameters,
} from './wire.js';

/**
 * Reconnection policy of {@link runRemoteActor}: delays double from `initialDelayMs` up to `maxDelayMs` (with
 * ±20 % jitter) until the learner answers again or `giveUpAfterMs` has passed since it was last reached.
 * @category Distributed
 */
export interface RemoteActorRetry {
  /** @defaultValue 500 */
  readonly initialDelayMs?: number;
  /** @defaultValue 15000 */
  readonly maxDelayMs?: number;
  /** @defaultValue 600000 (10 minutes) */
  readonly giveUpAfterMs?: number;
}

/**
 * Options of {@link runRemoteActor}.
 * @category Distributed
 */
export interface RemoteActorOptions extends GrpcTransportOptions {
  /** The learner's `HOST:PORT`. */
  readonly connect: string;
  /**
   * The environment id this actor steps; it must be one the learner trains.
   * @defaultValue the learner's first env id
   */
  readonly env?: string;
  /**
   * Environments stepped with one batched inference.
   * @defaultValue the learner's `envsPerActor`
   */
  readonly envsPerActor?: number;
  /** TLS towards the learner; absent: plaintext. */
  readonly tls?: ActorTlsOptions;
  /** When to retry and when to give up (see {@link RemoteActorRetry}). */
  readonly retry?: RemoteActorRetry;
  /**
   * `'local'`: this actor runs the policy on its own network copy and sends unrolls. `'remote'`: central
   * inference (SEED RL): the actor only steps its environments; it streams observations, rewards and end flags
   * to the learner and receives actions, on one bidirectional stream (`Infer`); it builds no network and needs no
   * tfjs backend, and the learner assembles the trajectories.
   * @defaultValue `'local'`
   */
  readonly inference?: 'local' | 'remote';
  /** Stops the actor after its current unroll (the result says `stopped`). */
  readonly signal?: AbortSignal;
  /** Receives one line per event (connected, disconnected and retrying, finished). */
  readonly onLog?: (line: string) => void;
}

/**
 * What {@link runRemoteActor} returns.
 * @category Distributed
 */
export interface RemoteActorResult {
  /** `'finished'`: the learner said the run is over; `'stopped'`: the signal stopped it. */
  readonly reason: 'finished' | 'stopped';
  /** Unrolls the learner took. */
  readonly unrolls: number;
  /** Environment steps taken (T per env per unroll), including unrolls lost to a disconnection. */
  readonly steps: number;
  /** Sessions (1 + the times it joined again after losing the learner). */
  readonly sessions: number;
  /** The actor id of the last session (-1 if it never joined). */
  readonly actorId: number;
}

/** gRPC codes after which retrying cannot help. */
const FINAL_CODES = new Set([
  grpc.status.UNAUTHENTICATED,
  grpc.status.PERMISSION_DENIED,
  grpc.status.FAILED_PRECONDITION,
  grpc.status.INVALID_ARGUMENT,
  grpc.status.UNIMPLEMENTED,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.OUT_OF_RANGE,
]);

/** The learner said the run is over (a `Finish`, or `finished` in a reply). */
class RunFinished extends Error {}

/** The session ended (the learner went away or restarted): join again. */
class SessionLost extends Error {}

type LearnerClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

function isServiceError(e: unknown): e is grpc.ServiceError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'number';
}

function describe(e: unknown): string {
  if (isServiceError(e)) return `${(grpc.status as unknown as Record<number, string | undefined>)[e.code] ?? e.code}: ${e.details || e.message}`;
  return e instanceof Error ? e.message : String(e);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs one remote actor until the learner says the run is over (resolves `'finished'`) or `signal` stops it
 * (`'stopped'`). Each session: `GetRun` (the run's configuration; the envs and the network are built on the first
 * one and kept while the configuration stays the same), `Join` (the learner checks the token, the env's spaces
 * and the model fingerprint, and assigns an actor id and a seed), then unroll / `PutUnroll` / `GetParameters`
 * (only when the learner reports a newer version). A lost learner (unreachable, restarted) is retried with
 * exponential backoff (see {@link RemoteActorRetry}); each try is logged.
 *
 * @param options - see {@link RemoteActorOptions}.
 * @returns how it ended and what it did.
 * @throws {@link RemoteActorRefusedError} when the learner refuses it for good (token, env or model mismatch,
 *   an unroll it finds malformed) — retrying cannot help; {@link LearnerUnreachableError} after the retry budget;
 *   {@link GrpcConfigError} for bad options.
 *
 * @example
 * ```ts
 * import { runRemoteActor, useBackend } from 'impala-rl';
 * await useBackend('wasm', { registerGradients: false });
 * const result = await runRemoteActor({ connect: '127.0.0.1:50051', env: 'CartPole-v1', token: process.env.IMPALA_RL_TOKEN });
 * console.log(result.reason, result.unrolls);
 * ```
 * @category Distributed
 */
export async function runRemoteActor(options: RemoteActorOptions): Promise<RemoteActorResult> {
  const { host, port } = parseAddress(options.connect, 'connect');
  const inference = options.inference ?? 'local';
  if ((inference as string) !== 'local' && (inference as string) !== 'remote') throw new GrpcConfigError(`runRemoteActor: inference must be 'local' or 'remote', got ${JSON.stringify(options.inference)}`);
  if (options.envsPerActor !== undefined && (!Number.isInteger(options.envsPerActor) || options.envsPerActor < 1)) {
    throw new GrpcConfigError(`runRemoteActor: envsPerActor must be an integer >= 1, got ${String(options.envsPerActor)}`);
  }
  const retry = { initialDelayMs: 500, maxDelayMs: 15_000, giveUpAfterMs: 600_000, ...options.retry };
  const log = options.onLog ?? (() => undefined);
  const signal = options.signal;
  const Client = grpc.makeGenericClientConstructor(learnerClientDefinition(), 'Learner') as unknown as new (address: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions) => LearnerClient;
  const channelOptions: grpc.ChannelOptions = { ...grpcChannelOptions(options, 'client'), ...(options.tls?.serverName ? { 'grpc.ssl_target_name_override': options.tls.serverName } : {}) };
  const client = new Client(formatAddress(host, port), channelCredentials(options.tls), channelOptions);
  const metadata = (): grpc.Metadata => tokenMetadata(options.token);

  const unary = <Res>(method: string, request: object, deadlineMs: number | null): Promise<Res> =>
    new Promise((resolve, reject) => {
      const callOptions: grpc.CallOptions = deadlineMs === null ? {} : { deadline: Date.now() + deadlineMs };
      (client[method] as (r: object, m: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, v: Res) => void) => void)(request, metadata(), callOptions, (error, value) => {
        if (error) reject(error);
        else resolve(value);
      });
    });

  let built: Built | null = null;
  let unrolls = 0;
  let steps = 0;
  let sessions = 0;
  let actorId = -1;
  let lastReached = Date.now();
  let attempt = 0;
  const disposeBuilt = async (): Promise<void> => {
    if (!built) return;
    built.network?.dispose();
    await Promise.all(built.envs.map(async (e) => e.close?.()));
    built = null;
  };

  try {
    for (;;) {
      if (signal?.aborted) return { reason: 'stopped', unrolls, steps, sessions, actorId };
      let control: grpc.ClientReadableStream<Control> | null = null;
      try {
        const run = await unary<RunInfo>('GetRun', { protocol_version: PROTOCOL_VERSION }, 10_000);
        lastReached = Date.now();
        if (built?.configJson !== run.config_json) {
          await disposeBuilt();
          built = await buildFromRun(run, options);
        }
        const b = built;
        // Join: the first message is the Welcome (or a Finish when the run is already over).
        const welcome = await new Promise<{ actor_id: number; session_id: string; seed: number } | null>((resolve, reject) => {
          const stream = (client.Join as (r: object, m: grpc.Metadata) => grpc.ClientReadableStream<Control>)(
            {
              protocol_version: PROTOCOL_VERSION,
              run_id: run.run_id,
              env_id: b.envId,
              spaces: spacesKey(b.envs[0]!),
              fingerprint: b.network ? modelFingerprint(b.network) : '',
              num_envs: b.envs.length,
              inference,
              host: hostname(),
              pid: process.pid,
              backend: b.network ? tf.getBackend() : '',
            },
            metadata(),
          );
          control = stream;
          const first = (m: Control): void => {
            stream.off('error', early);
            if (m.welcome) resolve(m.welcome);
            else resolve(null);
          };
          const early = (e: Error): void => {
            reject(e);
          };
          stream.once('data', first);
          stream.once('error', early);
          stream.once('end', () => {
            reject(new SessionLost('the learner ended the session before welcoming the actor'));
          });
        });
        if (welcome === null) {
          log(`actor: the learner at ${options.connect} says the run is over`);
          return { reason: 'finished', unrolls, steps, sessions, actorId };
        }
        sessions++;
        attempt = 0;
        actorId = welcome.actor_id;
        log(`actor: joined the learner at ${options.connect} as actor ${actorId} (${b.envs.length} x ${b.envId}, ${sessions > 1 ? `session ${sessions}` : 'first session'})`);
        const ended = await runSession(welcome, b, control!);
        if (ended === 'finished') {
          log(`actor ${actorId}: the learner says the run is over (${unrolls} unrolls sent)`);
          return { reason: 'finished', unrolls, steps, sessions, actorId };
        }
        return { reason: 'stopped', unrolls, steps, sessions, actorId };
      } catch (error) {
        (control as grpc.ClientReadableStream<Control> | null)?.cancel();
        if (error instanceof RunFinished) {
          log(`actor ${actorId}: the learner says the run is over (${unrolls} unrolls sent)`);
          return { reason: 'finished', unrolls, steps, sessions, actorId };
        }
        if (isServiceError(error) && FINAL_CODES.has(error.code)) {
          const hint = error.code === grpc.status.RESOURCE_EXHAUSTED ? ' (raise --max-message-mb on both sides)' : '';
          throw new RemoteActorRefusedError(`runRemoteActor: the learner at ${options.connect} refused this actor: ${describe(error)}${hint}`, error.code);
        }
        if (!isServiceError(error) && !(error instanceof SessionLost)) throw error;
        const away = Date.now() - lastReached;
        if (away >= retry.giveUpAfterMs) {
          throw new LearnerUnreachableError(`runRemoteActor: gave up on the learner at ${options.connect} after ${Math.round(away / 1000)} s without an answer (last error: ${describe(error)})`);
        }
        const base = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** attempt);
        // The last wait ends at the deadline (one more try then), not past it.
        const delay = Math.min(Math.round(base * (0.8 + 0.4 * Math.random())), retry.giveUpAfterMs - away);
        attempt++;
        log(`actor${actorId >= 0 ? ` ${actorId}` : ''}: learner at ${options.connect} unavailable (${describe(error)}); retry ${attempt} in ${(delay / 1000).toFixed(1)} s (giving up ${Math.round((retry.giveUpAfterMs - away) / 1000)} s from now)`);
        await sleep(delay, signal);
      }
    }
  } finally {
    client.close();
    await disposeBuilt();
  }

  /** One session: unroll, send, refresh parameters, until the run ends, the signal stops it, or the session is lost. */
  async function runSession(
    welcome: { actor_id: number; session_id: string; seed: number },
    b: NonNullable<typeof built>,
    control: grpc.ClientReadableStream<Control>,
  ): Promise<'finished' | 'stopped'> {
    const state: { finished: boolean; lost: Error | null } = { finished: false, lost: null };
    let settle: () => void = () => undefined;
    // Settles when the session stream says something final (a Finish, its end, an error).
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    control.on('data', (m: Control) => {
      if (m.finish) {
        state.finished = true;
        settle();
      }
    });
    control.on('error', (e: Error) => {
      state.lost ??= e;
      settle();
    });
    control.on('end', () => {
      if (!state.finished) state.lost ??= new SessionLost('the learner ended the session');
      settle();
    });
    if (inference === 'remote') return runThinSession(welcome, b, control, state);
    // A call that fails after the learner sent Finish failed because the learner is shutting down (a call sent
    // while it closes gets UNAVAILABLE): the run is over, not the learner lost.
    // The Finish travels on the session stream and may arrive just after a call on another stream failed: wait up
    // to a second for the session stream to say so before treating the failure as a lost learner.
    const session = async <Res>(method: string, request: object, deadlineMs: number | null): Promise<Res> => {
      try {
        return await unary<Res>(method, request, deadlineMs);
      } catch (error) {
        await Promise.race([settled, sleep(1_000, undefined)]);
        if (state.finished) throw new RunFinished();
        throw error;
      }
    };
    let latest: ParameterSnapshot | null = null;
    const fetchParameters = async (): Promise<void> => {
      const p = await session<WireParameters>('GetParameters', { session_id: welcome.session_id, have_version: latest?.version ?? -1 }, 60_000);
      if (!p.changed) return;
      const { array } = fromWireTensor(p.weights, 'Parameters.weights', ['float32']);
      latest = { version: p.version, weights: array as Float32Array, fingerprint: p.fingerprint };
    };
    const actor = new Actor({
      envs: b.envs,
      model: b.network!,
      unrollLength: b.config.unrollLength,
      seed: welcome.seed,
      actorId: welcome.actor_id,
      parameterSource: { latest: () => latest! },
      envIds: b.envs.map(() => b.envId),
    });
    await fetchParameters();
    for (;;) {
      if (state.finished) return 'finished';
      if (state.lost) throw state.lost instanceof SessionLost || isServiceError(state.lost) ? state.lost : new SessionLost(state.lost.message);
      if (signal?.aborted) {
        control.cancel();
        return 'stopped';
      }
      const trajectories = await actor.unroll();
      steps += b.config.unrollLength * trajectories.length;
      const reply = await session<UnrollReply>('PutUnroll', { session_id: welcome.session_id, trajectories: trajectories.map(toWireTrajectory) }, null);
      lastReached = Date.now();
      if (reply.finished) throw new RunFinished();
      unrolls++;
      if (reply.newest_version > latest!.version) await fetchParameters();
    }
  }

  /**
   * One session of central inference: reset the envs as the learner's `Actor` seeds them, send their first
   * observations, then answer each reply's actions with what the envs did, until the run ends, the signal stops
   * it, or the session is lost.
   */
  async function runThinSession(
    welcome: { actor_id: number; session_id: string; seed: number },
    b: Built,
    control: grpc.ClientReadableStream<Control>,
    state: { finished: boolean; lost: Error | null },
  ): Promise<'finished' | 'stopped'> {
    const stream = (client.Infer as (m: grpc.Metadata) => grpc.ClientDuplexStream<object, InferenceReply>)(metadata());
    const replies: InferenceReply[] = [];
    const events: { error: Error | null; ended: boolean; wake: (() => void) | null } = { error: null, ended: false, wake: null };
    const wake = (): void => {
      const w = events.wake;
      events.wake = null;
      w?.();
    };
    stream.on('data', (r: InferenceReply) => {
      replies.push(r);
      wake();
    });
    stream.on('error', (e: Error) => {
      events.error ??= e;
      wake();
    });
    stream.on('end', () => {
      events.ended = true;
      wake();
    });
    control.on('data', wake);
    control.on('error', wake);
    control.on('end', wake);
    signal?.addEventListener('abort', wake, { once: true });
    const until = (ms: number): Promise<void> =>
      new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        events.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    // (A function: the session stream's listeners set it while `next` awaits.)
    const finished = (): boolean => state.finished;
    /** The next reply, or null when the signal stopped the actor. */
    const next = async (): Promise<InferenceReply | null> => {
      for (;;) {
        const r = replies.shift();
        if (r) return r;
        if (state.finished) throw new RunFinished();
        if (signal?.aborted) return null;
        if (events.error || events.ended || state.lost) {
          // The stream may end just before the Finish on the session stream arrives: give it a moment.
          await until(2_000);
          if (finished()) throw new RunFinished();
          throw state.lost ?? events.error ?? new SessionLost('the learner ended the Infer stream');
        }
        await until(60_000);
      }
    };
    const obsShape = (b.envs[0]!.observationSpace as unknown as { shape: readonly number[] }).shape;
    const obsSize = obsShape.reduce((x, y) => x * y, 1);
    const pack = (list: readonly ArrayLike<number>[]): Float32Array | Uint8Array => {
      const out = list[0] instanceof Uint8Array ? new Uint8Array(list.length * obsSize) : new Float32Array(list.length * obsSize);
      list.forEach((o, i) => {
        out.set(o, i * obsSize);
      });
      return out;
    };
    const n = b.envs.length;
    try {
      const first = await Promise.all(b.envs.map(async (env, i) => env.reset({ seed: envResetSeed(welcome.seed, welcome.actor_id, i) })));
      stream.write({ session_id: welcome.session_id, step: 0, observations: toWireTensor(pack(first.map((r) => r.observation)), [n, ...obsShape]) });
      for (let step = 0; ; step++) {
        const reply = await next();
        if (reply === null) return 'stopped';
        if (reply.step !== step) throw new GrpcProtocolError(`runRemoteActor: the learner answered step ${reply.step}, expected ${step}`);
        const { array, shape } = fromWireTensor(reply.actions, 'InferenceReply.actions', ['int32']);
        const H = shape[1] ?? 1;
        if (shape[0] !== n) throw new GrpcProtocolError(`runRemoteActor: the learner sent ${shape[0]} actions for ${n} envs`);
        const results = await Promise.all(
          b.envs.map(async (env, i) => (H === 1 ? (env as Env<ArrayLike<number>, number>).step(array[i]!) : (env as Env<ArrayLike<number>, Int32Array>).step(Int32Array.from(array.subarray(i * H, (i + 1) * H))))),
        );
        steps += n;
        if ((step + 1) % b.config.unrollLength === 0) unrolls++;
        const rewards = new Float64Array(n);
        const terminated = new Uint8Array(n);
        const truncated = new Uint8Array(n);
        const resets: ArrayLike<number>[] = [];
        for (let i = 0; i < n; i++) {
          const r = results[i]!;
          rewards[i] = r.reward;
          terminated[i] = r.terminated ? 1 : 0;
          truncated[i] = r.truncated ? 1 : 0;
        }
        for (let i = 0; i < n; i++) {
          if (terminated[i] || truncated[i]) resets.push((await b.envs[i]!.reset()).observation);
        }
        stream.write({
          step: step + 1,
          observations: toWireTensor(pack(results.map((r) => r.observation)), [n, ...obsShape]),
          rewards: toWireTensor(rewards, [n]),
          terminated: toWireTensor(terminated, [n]),
          truncated: toWireTensor(truncated, [n]),
          reset_observations: resets.length > 0 ? toWireTensor(pack(resets), [resets.length, ...obsShape]) : null,
        });
      }
    } finally {
      stream.cancel();
      signal?.removeEventListener('abort', wake);
      if (signal?.aborted) control.cancel();
    }
  }
}

/** What a remote actor builds from the run's configuration: its envs and (for local inference) its network. */
interface Built {
  readonly configJson: string;
  readonly envs: ActorEnv[];
  readonly network: ImpalaNetwork | null;
  readonly config: ResolvedActorConfig;
  readonly envId: string;
}

/** Builds the actor's environments and network from the run's configuration. */
async function buildFromRun(run: RunInfo, options: RemoteActorOptions): Promise<Built> {
  let config: ResolvedActorConfig;
  try {
    config = JSON.parse(run.config_json) as ResolvedActorConfig;
  } catch (error) {
    throw new RemoteActorRefusedError(`runRemoteActor: the learner's configuration is not valid JSON (${(error as Error).message})`, grpc.status.INTERNAL);
  }
  const envId = options.env ?? run.env_ids[0]!;
  if (!run.env_ids.includes(envId)) {
    throw new RemoteActorRefusedError(`runRemoteActor: env mismatch: the learner trains ${run.env_ids.map((e) => `'${e}'`).join(', ')}, this actor was asked to step '${envId}'`, grpc.status.FAILED_PRECONDITION);
  }
  const envsPerActor = options.envsPerActor ?? config.envsPerActor;
  const envs = await makeActorEnvs([envId], envsPerActor, 0, config.envOptions);
  try {
    const network = options.inference === 'remote' ? null : buildNetwork(config, envs[0]!, config.seed);
    return { configJson: run.config_json, envs, network, config, envId };
  } catch (error) {
    await Promise.all(envs.map(async (e) => e.close?.()));
    throw error;
  }
}
