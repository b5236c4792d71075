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
import { Actor, type ActorEnv } from '../agent/actor.js';
import { buildNetwork } from '../agent/build-network.js';
import type { ParameterSnapshot } from '../agent/core.js';
import { makeActorEnvs } from '../agent/make-actor-envs.js';
import { modelFingerprint } from '../agent/model-fingerprint.js';
import type { ResolvedActorConfig } from '../agent/train-config.js';
import type { ImpalaNetwork } from '../networks/impala-network.js';
import { GrpcConfigError, LearnerUnreachableError, RemoteActorRefusedError } from './errors.js';
import { spacesKey } from './spaces.js';
import { channelCredentials, grpcChannelOptions, parseAddress, tokenMetadata, type ActorTlsOptions, type GrpcTransportOptions } from './transport-options.js';
import {
  fromWireTensor,
  learnerClientDefinition,
  PROTOCOL_VERSION,
  toWireTrajectory,
  type Control,
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
   * `'local'`: this actor runs the policy on its own network copy. (`'remote'`, central inference on the learner,
   * is not served yet.)
   * @defaultValue `'local'`
   */
  readonly inference?: 'local';
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
  if (((options.inference as string | undefined) ?? 'local') !== 'local') throw new GrpcConfigError(`runRemoteActor: inference must be 'local', got ${JSON.stringify(options.inference)}`);
  if (options.envsPerActor !== undefined && (!Number.isInteger(options.envsPerActor) || options.envsPerActor < 1)) {
    throw new GrpcConfigError(`runRemoteActor: envsPerActor must be an integer >= 1, got ${String(options.envsPerActor)}`);
  }
  const retry = { initialDelayMs: 500, maxDelayMs: 15_000, giveUpAfterMs: 600_000, ...options.retry };
  const log = options.onLog ?? (() => undefined);
  const signal = options.signal;
  const Client = grpc.makeGenericClientConstructor(learnerClientDefinition(), 'Learner') as unknown as new (address: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions) => LearnerClient;
  const channelOptions: grpc.ChannelOptions = { ...grpcChannelOptions(options, 'client'), ...(options.tls?.serverName ? { 'grpc.ssl_target_name_override': options.tls.serverName } : {}) };
  const client = new Client(`${host.includes(':') ? `[${host}]` : host}:${port}`, channelCredentials(options.tls), channelOptions);
  const metadata = (): grpc.Metadata => tokenMetadata(options.token);

  const unary = <Res>(method: string, request: object, deadlineMs: number | null): Promise<Res> =>
    new Promise((resolve, reject) => {
      const callOptions: grpc.CallOptions = deadlineMs === null ? {} : { deadline: Date.now() + deadlineMs };
      (client[method] as (r: object, m: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, v: Res) => void) => void)(request, metadata(), callOptions, (error, value) => {
        if (error) reject(error);
        else resolve(value);
      });
    });

  let built: { configJson: string; envs: ActorEnv[]; network: ImpalaNetwork; config: ResolvedActorConfig; envId: string } | null = null;
  let unrolls = 0;
  let steps = 0;
  let sessions = 0;
  let actorId = -1;
  let lastReached = Date.now();
  let attempt = 0;
  const disposeBuilt = async (): Promise<void> => {
    if (!built) return;
    built.network.dispose();
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
              fingerprint: modelFingerprint(b.network),
              num_envs: b.envs.length,
              inference: 'local',
              host: hostname(),
              pid: process.pid,
              backend: tf.getBackend(),
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
    control.on('data', (m: Control) => {
      if (m.finish) state.finished = true;
    });
    control.on('error', (e: Error) => {
      state.lost ??= e;
    });
    control.on('end', () => {
      if (!state.finished) state.lost ??= new SessionLost('the learner ended the session');
    });
    // A call that fails after the learner sent Finish failed because the learner is shutting down (a call sent
    // while it closes gets UNAVAILABLE): the run is over, not the learner lost.
    const session = async <Res>(method: string, request: object, deadlineMs: number | null): Promise<Res> => {
      try {
        return await unary<Res>(method, request, deadlineMs);
      } catch (error) {
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
      model: b.network,
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
}

/** Builds the actor's environments and network from the run's configuration. */
async function buildFromRun(run: RunInfo, options: RemoteActorOptions): Promise<{ configJson: string; envs: ActorEnv[]; network: ImpalaNetwork; config: ResolvedActorConfig; envId: string }> {
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
    const network = buildNetwork(config, envs[0]!, config.seed);
    return { configJson: run.config_json, envs, network, config, envId };
  } catch (error) {
    await Promise.all(envs.map(async (e) => e.close?.()));
    throw error;
  }
}
