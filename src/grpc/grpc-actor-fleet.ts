/**
 * The learner's side of the gRPC service: {@link GrpcActorFleet}, an `ActorFleet` whose actors are other
 * processes or machines (`runRemoteActor`, `impala-rl actor`). It serves proto/impala_rl.proto and the standard
 * gRPC health service on one port, authenticates every call, validates every message before it can reach a
 * batch, and keeps per-actor statistics for the metrics.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { ActorFleet, ActorFleetContext, ActorFleetFactory, ActorFleetStats } from '../agent/actor-fleet.js';
import { Actor, type ActorEnv } from '../agent/actor.js';
import { actorSeed } from '../agent/actor-seed.js';
import { buildNetwork } from '../agent/build-network.js';
import { currentBackend } from '../agent/built-in-fleets.js';
import { CentralInference, type CentralInferenceStats, type InferenceRunner } from '../agent/central-inference.js';
import { startInferenceWorker } from '../agent/worker-inference.js';
import { EnvProxyGroup } from '../agent/env-proxy-group.js';
import { makeEnvs } from '../envs/make-envs.js';
import type { AgentModel, ParameterSnapshot } from '../agent/core.js';
import { modelFingerprint } from '../agent/model-fingerprint.js';
import { resolveActorConfig, type ResolvedTrainConfig } from '../agent/train-config.js';
import { validateTrajectory, type Trajectory } from '../agent/trajectory.js';
import { GrpcConfigError, GrpcProtocolError } from './errors.js';
import { readInferenceReport } from './inference-report.js';
import { spacesKey } from './spaces.js';
import {
  formatAddress,
  grpcChannelOptions,
  isLoopbackHost,
  parseAddress,
  serverCredentials,
  tokenMatches,
  type GrpcTransportOptions,
  type LearnerTlsOptions,
} from './transport-options.js';
import {
  fromWireTrajectory,
  learnerServerDefinition,
  LEARNER_SERVICE,
  PROTOCOL_VERSION,
  toWireTensor,
  type Control,
  type Decoded,
  type GetRunRequest,
  type InferenceReply,
  type InferenceRequest,
  type JoinRequest,
  type ParametersRequest,
  type RunInfo,
  type UnrollReply,
  type WireParameters,
  type WireUnroll,
} from './wire.js';

/**
 * Options of {@link GrpcActorFleet.factory}: where to listen and how to secure it.
 * @category Distributed
 */
export interface GrpcActorFleetListenOptions extends GrpcTransportOptions {
  /**
   * `HOST:PORT` to listen on, e.g. `127.0.0.1:50051`, `0.0.0.0:50051`, `[::1]:0` (port 0: a free port, see
   * {@link GrpcActorFleet.port}). Without `tls`, only a loopback host is accepted unless `insecureListen`.
   */
  readonly listen: string;
  /** TLS for the listening port; absent: plaintext. */
  readonly tls?: LearnerTlsOptions;
  /**
   * Allow plaintext on a non-loopback address (a trusted private network only: the token and all data travel
   * unencrypted).
   * @defaultValue false
   */
  readonly insecureListen?: boolean;
  /**
   * Called with one line per event worth a log: listening, an actor joined or left, a refused call (at most one
   * line per second for refusals, with a count of the ones not shown).
   * @defaultValue none
   */
  readonly onLog?: (line: string) => void;
  /**
   * Most environments one actor may step (`JoinRequest.num_envs`).
   * @defaultValue 256
   */
  readonly maxEnvsPerActor?: number;
  /**
   * Where central inference runs its batches: `'learner'`, this thread, between learner updates; `'worker'`, a worker
   * thread with its own network copy and tfjs backend, alongside the updates.
   * @defaultValue the run's `inferenceThread`, else `'worker'` (faster with many actors: docs/distributed.md, "Measured")
   */
  readonly inferenceThread?: 'learner' | 'worker';
  /**
   * Batching of central inference (actors that join with `inference: 'remote'`): the steps of all such actors go
   * through one `DynamicBatcher` into one network (see `CentralInference`).
   * @defaultValue `{ minimumBatchSize: 1, maximumBatchSize: 1024, timeoutMs: 5 }`
   */
  readonly inferenceBatching?: {
    /** Actor steps a batch waits for (up to `timeoutMs`). */
    readonly minimumBatchSize?: number;
    /** Most actor steps in one batch. */
    readonly maximumBatchSize?: number;
    /** Longest wait for `minimumBatchSize` steps, in ms. */
    readonly timeoutMs?: number;
  };
}

/**
 * Options of {@link GrpcActorFleet.start}.
 * @category Distributed
 */
export interface GrpcActorFleetOptions extends GrpcActorFleetListenOptions {
  /** The run's configuration: actors build their environments and networks from it. */
  readonly config: ResolvedTrainConfig;
  /** The parameters actors start from. */
  readonly parameters: ParameterSnapshot;
  /** The learner's model: trajectories are validated against its shapes; actors must match its fingerprint. */
  readonly model: AgentModel;
  /** The environment's spaces (see `spacesKey`); an actor whose environment differs is refused. */
  readonly spaces: string;
  /**
   * The network that runs the policy for actors of central inference (`inference: 'remote'`): a copy of the
   * learner's, loaded with each published version before the next inference batch. Absent: such actors are
   * refused. It belongs to the caller (the factory's copy is disposed on close).
   */
  readonly inferenceModel?: AgentModel;
  /** Where `inferenceModel`'s batches run instead of this thread (see `startInferenceWorker`). */
  readonly inferenceRunner?: InferenceRunner;
}

interface Session {
  readonly id: string;
  readonly actorId: number;
  readonly peer: string;
  readonly host: string;
  readonly pid: number;
  readonly numEnvs: number;
  readonly joinedAt: number;
  readonly control: grpc.ServerWritableStream<Decoded<JoinRequest>, Control>;
  unrolls: number;
  frames: number;
  /** (time ms, cumulative frames) samples of the last 10 s, for frames/s. */
  samples: [number, number][];
  putPending: boolean;
  ended: boolean;
  /** 'local': the actor sends unrolls; 'remote': it streams observations to Infer. */
  readonly inference: 'local' | 'remote';
  readonly envId: string;
  readonly seed: number;
  /** The central-inference side of a 'remote' session, once its Infer stream opened. */
  infer: { readonly group: EnvProxyGroup; readonly call: grpc.ServerDuplexStream<Decoded<InferenceRequest>, InferenceReply> } | null;
}

interface PendingUnroll {
  readonly trajectories: Trajectory[];
  readonly session: Session;
  readonly respond: (reply: UnrollReply) => void;
}

const RATE_WINDOW_MS = 10_000;
const LOG_INTERVAL_MS = 1_000;

/** The `pixels` flag of a `spacesKey` string, or null when it has none. */
function spacesPixels(spaces: string): boolean | null {
  try {
    const pixels = (JSON.parse(spaces) as { pixels?: unknown } | null)?.pixels;
    return typeof pixels === 'boolean' ? pixels : null;
  } catch {
    return null;
  }
}

/**
 * A server interceptor that reports the refusals grpc-js answers by itself before a request reaches a handler
 * (a message over `maxMessageBytes`: RESOURCE_EXHAUSTED; one that does not decompress: INTERNAL), so that they
 * are counted and logged like the handlers' own. It wraps the call's `sendStatus`, which grpc-js also uses for
 * those answers; only a call's first status, sent before any request message was delivered, is reported.
 */
function countTransportRefusals(report: (peer: string, method: string, code: grpc.status, details: string) => void): grpc.ServerInterceptor {
  return (descriptor, call) => {
    let delivered = false;
    let ended = false;
    const sendStatus = call.sendStatus.bind(call);
    call.sendStatus = (s) => {
      if (!ended && !delivered && (s.code === grpc.status.RESOURCE_EXHAUSTED || s.code === grpc.status.INTERNAL)) {
        report(call.getPeer(), descriptor.path.slice(descriptor.path.lastIndexOf('/') + 1), s.code, s.details);
      }
      ended = true;
      sendStatus(s);
    };
    const listener = new grpc.ServerListenerBuilder()
      .withOnReceiveMessage((message, next) => {
        delivered = true;
        next(message);
      })
      .build();
    return new grpc.ServerInterceptingCall(call, new grpc.ResponderBuilder().withStart((next) => { next(listener); }).build());
  };
}

/** A central-inference session ended (the actor left, the run is over). */
class SessionEnded extends Error {}

/** Status error as grpc-js handlers pass it. */
function status(code: grpc.status, details: string): Partial<grpc.StatusObject> {
  return { code, details, metadata: new grpc.Metadata() };
}

/**
 * An {@link ActorFleet} served over gRPC (proto/impala_rl.proto): actors in other processes or on other machines
 * join with `runRemoteActor` (or `impala-rl actor`), are assigned an actor id and a seed, fetch parameters when
 * their version changed, and send unrolls, which the learner takes in arrival order.
 *
 * - Security: with a `token`, every call must carry it (else UNAUTHENTICATED, logged with the peer address);
 *   `tls` encrypts and can require client certificates; plaintext is refused on non-loopback addresses unless
 *   `insecureListen`.
 * - Validation: every unroll is decoded and checked (`validateTrajectory` against the model, T, the newest
 *   version) before it is queued; a bad one is answered INVALID_ARGUMENT with the field's name, counted in
 *   {@link GrpcActorFleet.stats}, and never reaches a batch.
 * - Faults: an actor that disconnects is forgotten at once (its id is reused by the next one to join, counted as
 *   a restart); a slow or stalled actor delays nobody; {@link GrpcActorFleet.close} tells every actor the run is
 *   over.
 * - The standard health service (grpc.health.v1) answers SERVING for `''` and `impala_rl.v1.Learner` while the
 *   fleet is open; it needs no token.
 *
 * The fleet keeps no actor state for checkpoints (`actorStates` gives null): remote actors start afresh when a
 * learner resumes, and reconnect by themselves.
 *
 * @example
 * ```ts
 * import { GrpcActorFleet, train } from 'impala-rl';
 * await train(
 *   { env: 'CartPole-v1', totalFrames: 300_000, runDir: 'runs/cartpole' },
 *   { fleet: GrpcActorFleet.factory({ listen: '127.0.0.1:50051', token: process.env.IMPALA_RL_TOKEN ?? null }) },
 * );
 * ```
 * @category Distributed
 */
export class GrpcActorFleet implements ActorFleet {
  readonly #server: grpc.Server;
  readonly #health: HealthImplementation;
  readonly #options: GrpcActorFleetOptions;
  readonly #runInfo: RunInfo;
  readonly #fingerprint: string;
  readonly #sessions = new Map<string, Session>();
  readonly #idUses = new Map<number, number>();
  readonly #pending: PendingUnroll[] = [];
  readonly #log: (line: string) => void;
  readonly #framesPerUnroll: number;
  /** Whether observations are uint8 pixels (from `spaces`; null when `spaces` does not say). */
  readonly #pixels: boolean | null;
  #waiter: (() => void) | null = null;
  #latest: ParameterSnapshot;
  #parametersMessage: WireParameters | null = null;
  #closed = false;
  #closing: Promise<void> | null = null;
  #restarts = 0;
  #rejected = 0;
  #lastLog = new Map<string, { at: number; suppressed: number }>();
  readonly #central: CentralInference | null;
  readonly #centralLoops = new Set<Promise<void>>();
  /** Sessions the end of the run closed (their late calls are answered "finished"). */
  readonly #finishedSessions = new Set<string>();
  #onClose: (() => void) | null = null;
  /** The port the fleet listens on (the one chosen when `listen` asked for port 0). */
  readonly port: number;
  /** The address actors connect to (`HOST:PORT`, with the bound port). */
  readonly address: string;

  private constructor(options: GrpcActorFleetOptions, server: grpc.Server, health: HealthImplementation, port: number, host: string) {
    this.#options = options;
    this.#server = server;
    this.#health = health;
    this.port = port;
    this.address = formatAddress(host, port);
    this.#latest = options.parameters;
    this.#fingerprint = modelFingerprint(options.model);
    this.#log = options.onLog ?? (() => undefined);
    this.#central = options.inferenceModel ? new CentralInference({ model: options.inferenceModel, ...options.inferenceBatching, ...(options.inferenceRunner ? { runner: options.inferenceRunner } : {}) }) : null;
    this.#central?.setParameters(options.parameters);
    const config = options.config;
    this.#framesPerUnroll = config.unrollLength * config.actionRepeats;
    this.#pixels = spacesPixels(options.spaces);
    this.#runInfo = {
      protocol_version: PROTOCOL_VERSION,
      run_id: randomUUID(),
      config_json: JSON.stringify(resolveActorConfig(config)),
      env_ids: typeof config.env === 'string' ? [config.env] : [...config.env],
      fingerprint: this.#fingerprint,
      spaces: options.spaces,
    };
  }

  /**
   * Binds the port and starts serving.
   *
   * @param options - see {@link GrpcActorFleetOptions}.
   * @returns the open fleet.
   * @throws {@link GrpcConfigError} for a plaintext non-loopback address without `insecureListen`, a
   *   non-loopback address without a token or client certificates, or a port that cannot be bound.
   */
  static async start(options: GrpcActorFleetOptions): Promise<GrpcActorFleet> {
    const { host, port } = parseAddress(options.listen, 'listen');
    const loopback = isLoopbackHost(host);
    if (!loopback && !options.tls && options.insecureListen !== true) {
      throw new GrpcConfigError(
        `GrpcActorFleet: refusing to listen on ${options.listen} without TLS: give tls (--tls-cert/--tls-key), listen on loopback, or pass insecureListen (--insecure-listen) on a trusted network`,
      );
    }
    if (!loopback && !options.token && !options.tls?.clientCa) {
      throw new GrpcConfigError(
        `GrpcActorFleet: refusing to listen on ${options.listen} without a token: anyone who reaches the port could join; give token (--token-file or IMPALA_RL_TOKEN) or client certificates (--tls-client-ca)`,
      );
    }
    if (options.token?.length === 0) throw new GrpcConfigError('GrpcActorFleet: token is empty');
    let transportRefusal: (peer: string, method: string, code: grpc.status, details: string) => void = () => undefined;
    const server = new grpc.Server({
      ...grpcChannelOptions(options, 'server'),
      interceptors: [countTransportRefusals((peer, method, code, details) => { transportRefusal(peer, method, code, details); })],
    });
    const health = new HealthImplementation({ '': 'NOT_SERVING', [LEARNER_SERVICE]: 'NOT_SERVING' });
    health.addToServer(server);
    let bound: number;
    try {
      bound = await new Promise<number>((resolve, reject) => {
        server.bindAsync(formatAddress(host, port), serverCredentials(options.tls), (error, p) => {
          if (error) reject(error);
          else resolve(p);
        });
      });
    } catch (error) {
      server.forceShutdown();
      throw new GrpcConfigError(`GrpcActorFleet: cannot listen on ${options.listen}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const fleet = new GrpcActorFleet(options, server, health, bound, host);
    transportRefusal = (peer, method, code, details) => {
      fleet.#refuse(peer, method, code, details);
    };
    server.addService(learnerServerDefinition(), fleet.#handlers());
    health.setStatus('', 'SERVING');
    health.setStatus(LEARNER_SERVICE, 'SERVING');
    const security = `${options.tls ? (options.tls.clientCa ? 'TLS with client certificates' : 'TLS') : 'plaintext'}, ${options.token ? 'token required' : 'no token'}`;
    fleet.#log(`learner: listening on ${fleet.address} (${security}); waiting for actors`);
    if (!options.tls && !loopback) fleet.#log(`learner: WARNING: plaintext on ${options.listen} (--insecure-listen): the token and all data travel unencrypted`);
    return fleet;
  }

  /**
   * A fleet factory for `train`'s `fleet` hook: starts a {@link GrpcActorFleet} with the run's configuration, the
   * learner's model and parameters, and the spaces of the run's first environment.
   *
   * @param options - where to listen and how to secure it.
   * @param onStarted - called with the started fleet (e.g. to learn its port).
   * @returns the factory.
   */
  static factory(options: GrpcActorFleetListenOptions, onStarted?: (fleet: GrpcActorFleet) => void): ActorFleetFactory {
    return async (context: ActorFleetContext) => {
      const ids = typeof context.config.env === 'string' ? [context.config.env] : context.config.env;
      const env = (await makeEnvs(ids[0]!, 1, { ...context.config.envOptions }))[0] as unknown as ActorEnv;
      let spaces: string;
      let inferenceModel: ReturnType<typeof buildNetwork>;
      try {
        spaces = spacesKey(env);
        inferenceModel = buildNetwork(context.config, env, context.config.seed);
      } finally {
        await env.close?.();
      }
      let fleet: GrpcActorFleet;
      let inferenceRunner: InferenceRunner | undefined;
      try {
        inferenceModel.setWeights(context.parameters.weights);
        const thread = options.inferenceThread ?? context.config.inferenceThread ?? 'worker';
        if (thread === 'worker') {
          inferenceRunner = await startInferenceWorker({ config: resolveActorConfig(context.config), envId: ids[0]!, backend: currentBackend(), parameters: context.parameters });
        }
        fleet = await GrpcActorFleet.start({ ...options, config: context.config, parameters: context.parameters, model: context.model, spaces, inferenceModel, ...(inferenceRunner ? { inferenceRunner } : {}) });
      } catch (error) {
        await inferenceRunner?.close();
        inferenceModel.dispose();
        throw error;
      }
      fleet.#onClose = () => {
        inferenceModel.dispose();
      };
      onStarted?.(fleet);
      return fleet;
    };
  }

  /** Actors connected now. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Joins that reused the id of an actor that had left (a restarted or reconnected actor). */
  get restarts(): number {
    return this.#restarts;
  }

  /** The run id of this learner process (changes when a learner restarts). */
  get runId(): string {
    return this.#runInfo.run_id;
  }

  /**
   * Connected actors, refused calls and per-actor frames per second (over the last 10 s).
   *
   * @returns the statistics.
   */
  stats(): ActorFleetStats {
    const now = performance.now();
    const actors = [...this.#sessions.values()]
      .sort((a, b) => a.actorId - b.actorId)
      .map((s) => {
        const samples = s.samples.filter(([t]) => now - t <= RATE_WINDOW_MS);
        const first = samples[0];
        const span = first ? (now - Math.max(first[0], s.joinedAt)) / 1000 : 0;
        const fps = first && span > 0 ? (s.frames - first[1]) / Math.max(span, 1) : 0;
        return { actorId: s.actorId, framesPerSecond: fps, unrolls: s.unrolls, host: s.host };
      });
    return { connectedActors: this.#sessions.size, rejectedMessages: this.#rejected, actors };
  }

  /** Batches of central inference so far (null when the fleet serves no central inference). */
  inferenceStats(): CentralInferenceStats | null {
    return this.#central?.stats() ?? null;
  }

  publish(snapshot: ParameterSnapshot): void {
    if (snapshot.version <= this.#latest.version) return;
    this.#latest = snapshot;
    this.#parametersMessage = null;
    this.#central?.setParameters(snapshot);
  }

  actorStates(): Promise<null> {
    return Promise.resolve(null);
  }

  /** The actors' unrolls in arrival order (local-inference unrolls, and those assembled for central inference). */
  async *[Symbol.asyncIterator](): AsyncIterator<readonly Trajectory[]> {
    while (!this.#closed) {
      const item = this.#pending.shift();
      if (item) {
        item.session.unrolls++;
        item.session.frames += this.#framesPerUnroll * item.trajectories.length;
        item.respond({ newest_version: this.#latest.version, finished: false });
        yield item.trajectories;
        continue;
      }
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
      });
    }
  }

  /**
   * Tells every actor the run is over ({@link GrpcActorFleet.finish}, if not done yet), marks the health service
   * NOT_SERVING, and shuts the server down (connections still open after 5 s are cut). Safe to call more than once.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /**
   * Tells every actor the run is over, at once: a `Finish` on its session stream (unrolls waiting are answered with
   * `finished`, later joins get a `Finish` too). The port stays open until {@link GrpcActorFleet.close}, so that
   * actors busy with an unroll still hear it.
   */
  finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#health.setStatus(LEARNER_SERVICE, 'NOT_SERVING');
    for (const p of this.#pending.splice(0)) p.respond({ newest_version: this.#latest.version, finished: true });
    for (const s of this.#sessions.values()) {
      this.#finishedSessions.add(s.id);
      this.#endSession(s, 'the run is over');
    }
    this.#wake();
  }

  async #close(): Promise<void> {
    this.finish();
    this.#health.setStatus('', 'NOT_SERVING');
    // Actors that heard the Finish disconnect by themselves; one that does not (hung, stopped) is cut after 5 s.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#server.forceShutdown();
        resolve();
      }, 5_000);
      this.#server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    // The learner-side actors of central inference have been failed by #endSession: let them dispose their state.
    await Promise.all([...this.#centralLoops]);
    const stats = this.#central?.stats();
    if (stats && stats.batches > 0) {
      const sizes = Object.entries(stats.histogram).sort(([a], [b]) => Number(a) - Number(b)).map(([k, v]) => `${k}:${v}`).join(' ');
      this.#log(`learner: central inference: ${stats.batches} batches, ${(stats.steps / stats.batches).toFixed(2)} actor steps (${(stats.rows / stats.batches).toFixed(1)} env rows) per batch; batches by actor steps ${sizes}`);
    }
    await this.#central?.close();
    this.#onClose?.();
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }

  /** Logs a line, at most once per second per `kind` (the ones not shown are counted in the next). */
  #limitedLog(kind: string, line: string): void {
    const now = performance.now();
    const last = this.#lastLog.get(kind);
    if (last && now - last.at < LOG_INTERVAL_MS) {
      last.suppressed++;
      return;
    }
    const more = last && last.suppressed > 0 ? ` (and ${last.suppressed} more like it since the last line)` : '';
    this.#lastLog.set(kind, { at: now, suppressed: 0 });
    this.#log(line + more);
  }

  /** Counts and logs a refused call; returns the status to answer with. */
  #refuse(peer: string, method: string, code: grpc.status, details: string): Partial<grpc.StatusObject> {
    this.#rejected++;
    this.#limitedLog(`${code}`, `learner: refused ${method} from ${peer} (${grpc.status[code]}): ${details}`);
    return status(code, details);
  }

  /** Checks the token; answers UNAUTHENTICATED (and logs the peer) when it is wrong or missing. */
  #authorized(call: { metadata: grpc.Metadata; getPeer(): string }, method: string): Partial<grpc.StatusObject> | null {
    if (tokenMatches(call.metadata, this.#options.token ?? null)) return null;
    return this.#refuse(call.getPeer(), method, grpc.status.UNAUTHENTICATED, 'wrong or missing token (authorization: Bearer <token> metadata)');
  }

  #session(id: string, peer: string, method: string): Session | Partial<grpc.StatusObject> {
    const s = this.#sessions.get(id);
    if (s && !s.ended) return s;
    return this.#refuse(peer, method, grpc.status.ABORTED, `unknown session ${JSON.stringify(id.slice(0, 64))} (the learner restarted, or the session ended): join again`);
  }

  #endSession(s: Session, reason: string | null): void {
    if (s.ended) return;
    s.ended = true;
    this.#sessions.delete(s.id);
    if (s.infer) {
      s.infer.group.fail(new SessionEnded(reason ?? 'connection lost'));
      try {
        s.infer.call.end();
      } catch {
        // already gone
      }
    }
    if (reason !== null) {
      try {
        s.control.write({ finish: { reason } });
        s.control.end();
      } catch {
        // the stream is already gone
      }
    } else {
      this.#log(`learner: actor ${s.actorId} (${s.host}, pid ${s.pid}) left after ${s.unrolls} unrolls: connection lost; ${this.#sessions.size} connected`);
    }
  }

  #handlers(): grpc.UntypedServiceImplementation {
    return {
      GetRun: (call: grpc.ServerUnaryCall<Decoded<GetRunRequest>, RunInfo>, callback: grpc.sendUnaryData<RunInfo>) => {
        const denied = this.#authorized(call, 'GetRun');
        if (denied) { callback(denied); return; }
        if (!call.request.ok) { callback(this.#refuse(call.getPeer(), 'GetRun', grpc.status.INVALID_ARGUMENT, call.request.error)); return; }
        if (call.request.message.protocol_version !== PROTOCOL_VERSION) {
          callback(this.#refuse(call.getPeer(), 'GetRun', grpc.status.FAILED_PRECONDITION, `protocol version ${call.request.message.protocol_version}, this learner speaks ${PROTOCOL_VERSION}: use the same impala-rl version on both sides`)); return;
        }
        callback(null, this.#runInfo);
      },
      Join: (call: grpc.ServerWritableStream<Decoded<JoinRequest>, Control>) => {
        const fail = (s: Partial<grpc.StatusObject>): void => {
          call.emit('error', s);
        };
        const denied = this.#authorized(call, 'Join');
        if (denied) { fail(denied); return; }
        if (!call.request.ok) { fail(this.#refuse(call.getPeer(), 'Join', grpc.status.INVALID_ARGUMENT, call.request.error)); return; }
        const r = call.request.message;
        const problem = this.#joinProblem(r);
        if (problem) { fail(this.#refuse(call.getPeer(), 'Join', problem[0], problem[1])); return; }
        if (this.#closed) {
          call.write({ finish: { reason: 'the run is over' } });
          call.end();
          return;
        }
        let actorId = 0;
        const used = new Set([...this.#sessions.values()].map((s) => s.actorId));
        while (used.has(actorId)) actorId++;
        const uses = this.#idUses.get(actorId) ?? 0;
        this.#idUses.set(actorId, uses + 1);
        if (uses > 0) this.#restarts++;
        const session: Session = {
          id: randomUUID(),
          actorId,
          peer: call.getPeer(),
          host: r.host.slice(0, 200) || call.getPeer(),
          pid: r.pid,
          numEnvs: r.num_envs,
          joinedAt: performance.now(),
          control: call,
          unrolls: 0,
          frames: 0,
          samples: [],
          putPending: false,
          ended: false,
          inference: r.inference === 'remote' ? 'remote' : 'local',
          envId: r.env_id,
          seed: actorSeed(this.#options.config.seed, actorId + 1000 * uses),
          infer: null,
        };
        this.#sessions.set(session.id, session);
        call.on('cancelled', () => {
          this.#endSession(session, null);
        });
        call.on('error', () => {
          this.#endSession(session, null);
        });
        call.write({ welcome: { actor_id: actorId, session_id: session.id, seed: session.seed } });
        this.#log(
          `learner: actor ${actorId} joined from ${session.peer} (${session.host}, pid ${session.pid}, ${session.numEnvs} env${session.numEnvs === 1 ? '' : 's'}, ${session.inference === 'remote' ? 'central inference' : `backend ${r.backend.slice(0, 40) || '?'}`})` +
            `${uses > 0 ? ' (restart)' : ''}; ${this.#sessions.size} connected`,
        );
      },
      GetParameters: (call: grpc.ServerUnaryCall<Decoded<ParametersRequest>, WireParameters>, callback: grpc.sendUnaryData<WireParameters>) => {
        const denied = this.#authorized(call, 'GetParameters');
        if (denied) { callback(denied); return; }
        if (!call.request.ok) { callback(this.#refuse(call.getPeer(), 'GetParameters', grpc.status.INVALID_ARGUMENT, call.request.error)); return; }
        const r = call.request.message;
        if (this.#finishedSessions.has(r.session_id)) { callback(null, { changed: false, version: this.#latest.version, fingerprint: this.#fingerprint, weights: null }); return; }
        const session = this.#session(r.session_id, call.getPeer(), 'GetParameters');
        if (!('actorId' in session)) { callback(session); return; }
        if (r.have_version >= this.#latest.version) { callback(null, { changed: false, version: this.#latest.version, fingerprint: this.#fingerprint, weights: null }); return; }
        this.#parametersMessage ??= {
          changed: true,
          version: this.#latest.version,
          fingerprint: this.#latest.fingerprint ?? this.#fingerprint,
          weights: toWireTensor(this.#latest.weights, [this.#latest.weights.length]),
        };
        callback(null, this.#parametersMessage);
      },
      PutUnroll: (call: grpc.ServerUnaryCall<Decoded<WireUnroll>, UnrollReply>, callback: grpc.sendUnaryData<UnrollReply>) => {
        const denied = this.#authorized(call, 'PutUnroll');
        if (denied) { callback(denied); return; }
        if (!call.request.ok) { callback(this.#refuse(call.getPeer(), 'PutUnroll', grpc.status.INVALID_ARGUMENT, call.request.error)); return; }
        const r = call.request.message;
        // An actor whose session the end of the run closed, still busy when it ended: tell it, not "unknown session".
        if (this.#finishedSessions.has(r.session_id)) { callback(null, { newest_version: this.#latest.version, finished: true }); return; }
        const session = this.#session(r.session_id, call.getPeer(), 'PutUnroll');
        if (!('actorId' in session)) { callback(session); return; }
        if (this.#closed) { callback(null, { newest_version: this.#latest.version, finished: true }); return; }
        if (session.inference === 'remote') {
          callback(this.#refuse(call.getPeer(), 'PutUnroll', grpc.status.FAILED_PRECONDITION, `actor ${session.actorId} joined for central inference: it streams observations to Infer, not unrolls`));
          return;
        }
        if (session.putPending) {
          callback(this.#refuse(call.getPeer(), 'PutUnroll', grpc.status.FAILED_PRECONDITION, `actor ${session.actorId} sent an unroll before the learner took its previous one: one at a time`)); return;
        }
        let trajectories: Trajectory[];
        try {
          trajectories = this.#readUnroll(r, session);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          callback(this.#refuse(`actor ${session.actorId} (${call.getPeer()})`, 'PutUnroll', grpc.status.INVALID_ARGUMENT, message)); return;
        }
        session.putPending = true;
        session.samples.push([performance.now(), session.frames]);
        const cutoff = performance.now() - RATE_WINDOW_MS;
        while (session.samples.length > 2 && session.samples[1]![0] < cutoff) session.samples.shift();
        this.#pending.push({
          trajectories,
          session,
          respond: (reply) => {
            session.putPending = false;
            callback(null, reply);
          },
        });
        this.#wake();
      },
      Infer: (call: grpc.ServerDuplexStream<Decoded<InferenceRequest>, InferenceReply>) => {
        this.#serveInference(call);
      },
    };
  }

  /**
   * Central inference for one actor: its Infer stream feeds an `EnvProxyGroup`, and an ordinary `Actor` on this
   * side (policy through the shared `CentralInference`) assembles its trajectories, which join the unrolls of the
   * other actors. The actor's recurrent state lives in that `Actor` and is freed when the session ends.
   */
  #serveInference(call: grpc.ServerDuplexStream<Decoded<InferenceRequest>, InferenceReply>): void {
    const peer = call.getPeer();
    const stop = (s: Partial<grpc.StatusObject>): void => {
      call.emit('error', s);
    };
    const denied = this.#authorized(call, 'Infer');
    if (denied) {
      stop(denied);
      return;
    }
    const central = this.#central;
    let session: Session | null = null;
    let expectedStep = 0;
    call.on('data', (request: Decoded<InferenceRequest>) => {
      if (session?.ended === true) return;
      if (!request.ok) {
        stop(this.#refuse(peer, 'Infer', grpc.status.INVALID_ARGUMENT, request.error));
        if (session) this.#endSession(session, null);
        return;
      }
      const m = request.message;
      if (session === null) {
        const found = this.#session(m.session_id, peer, 'Infer');
        if (!('actorId' in found)) {
          stop(found);
          return;
        }
        if (found.inference !== 'remote' || found.infer !== null || central === null) {
          stop(this.#refuse(peer, 'Infer', grpc.status.FAILED_PRECONDITION, `actor ${found.actorId} ${found.inference !== 'remote' ? 'joined with local inference' : 'already has an Infer stream'}`));
          return;
        }
        const s = found;
        session = s;
        const heads = this.#options.model.actionSizes.length;
        const group = new EnvProxyGroup(s.numEnvs, heads, s.envId, (actions) => {
          call.write({ step: expectedStep - 1, actions: toWireTensor(actions, [s.numEnvs, heads]) });
        });
        s.infer = { group, call };
        this.#startCentralActor(s, group, central);
      }
      const s = session;
      try {
        if (m.step !== expectedStep) throw new GrpcProtocolError(`step is ${m.step}, expected ${expectedStep} (one request per reply, in order)`);
        const report = readInferenceReport(m, { observationShape: this.#options.model.observationShape, numEnvs: s.numEnvs, pixels: this.#pixels }, expectedStep === 0);
        expectedStep++;
        s.infer!.group.deliver(report);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        stop(this.#refuse(`actor ${s.actorId} (${peer})`, 'Infer', grpc.status.INVALID_ARGUMENT, message));
        this.#endSession(s, null);
      }
    });
    const gone = (): void => {
      if (session) this.#endSession(session, null);
    };
    call.on('cancelled', gone);
    call.on('error', gone);
    call.on('end', gone);
  }

  /** Runs the learner-side `Actor` of a central-inference session until the session ends. */
  #startCentralActor(s: Session, group: EnvProxyGroup, central: CentralInference): void {
    const config = this.#options.config;
    const loop = (async () => {
      const actor = new Actor({
        envs: group.envs,
        model: central.actorModel,
        unrollLength: config.unrollLength,
        seed: s.seed,
        actorId: s.actorId,
        parameterSource: { latest: () => this.#latest },
        envIds: group.envs.map(() => s.envId),
        inference: central.step,
      });
      try {
        // (A function: the session ends and the fleet closes while this loop awaits.)
        const over = (): boolean => s.ended || this.#closed;
        while (!over()) {
          const trajectories = await actor.unroll();
          if (over()) break;
          s.samples.push([performance.now(), s.frames]);
          const cutoff = performance.now() - RATE_WINDOW_MS;
          while (s.samples.length > 2 && s.samples[1]![0] < cutoff) s.samples.shift();
          await new Promise<void>((resolve) => {
            this.#pending.push({ trajectories, session: s, respond: () => { resolve(); } });
            this.#wake();
          });
        }
      } catch (error) {
        if (!(error instanceof SessionEnded) && !s.ended) {
          const message = error instanceof Error ? error.message : String(error);
          this.#limitedLog('central', `learner: central inference for actor ${s.actorId} failed: ${message}`);
          try {
            s.infer?.call.emit('error', status(grpc.status.INVALID_ARGUMENT, message));
          } catch {
            // the stream is gone
          }
          this.#endSession(s, null);
        }
      } finally {
        actor.dispose();
      }
    })();
    this.#centralLoops.add(loop);
    void loop.finally(() => this.#centralLoops.delete(loop));
  }

  /** Why a join must be refused (status and message), or null. */
  #joinProblem(r: JoinRequest): [grpc.status, string] | null {
    const info = this.#runInfo;
    if (r.protocol_version !== PROTOCOL_VERSION) return [grpc.status.FAILED_PRECONDITION, `protocol version ${r.protocol_version}, this learner speaks ${PROTOCOL_VERSION}: use the same impala-rl version on both sides`];
    if (r.run_id !== info.run_id) return [grpc.status.ABORTED, 'stale run id (the learner restarted since GetRun): call GetRun again'];
    if (!info.env_ids.includes(r.env_id)) {
      return [grpc.status.FAILED_PRECONDITION, `env mismatch: this learner trains ${info.env_ids.map((e) => `'${e}'`).join(', ')}, the actor steps ${JSON.stringify(r.env_id.slice(0, 200))}`];
    }
    if (r.spaces !== info.spaces) return [grpc.status.FAILED_PRECONDITION, `env mismatch: the actor's environment has spaces ${r.spaces.slice(0, 300)}, the learner's ${info.spaces} (same id, other options?)`];
    if (r.inference === 'remote') {
      if (!this.#central) return [grpc.status.FAILED_PRECONDITION, 'this learner serves no central inference (inference "remote"); run the actor with local inference'];
    } else if (r.fingerprint !== info.fingerprint) {
      return [grpc.status.FAILED_PRECONDITION, `model mismatch: the actor built a network with fingerprint ${JSON.stringify(r.fingerprint.slice(0, 100))}, the learner's is ${info.fingerprint} (weights x values:hash); use the same impala-rl version and configuration`];
    }
    const max = this.#options.maxEnvsPerActor ?? 256;
    if (!Number.isInteger(r.num_envs) || r.num_envs < 1 || r.num_envs > max) return [grpc.status.INVALID_ARGUMENT, `num_envs must be 1 to ${max}, got ${r.num_envs}`];
    if (r.inference !== 'local' && r.inference !== 'remote' && r.inference !== '') return [grpc.status.INVALID_ARGUMENT, `inference must be 'local' or 'remote', got ${JSON.stringify(r.inference.slice(0, 40))}`];
    return null;
  }

  /** Decodes and validates an unroll (one trajectory per env of the session). */
  #readUnroll(r: WireUnroll, session: Session): Trajectory[] {
    const list = r.trajectories;
    if (list.length !== session.numEnvs) throw new GrpcProtocolError(`the unroll has ${list.length} trajectories, the actor joined with ${session.numEnvs} envs`);
    const model = this.#options.model;
    return list.map((m, i) => {
      const t = fromWireTrajectory(m, session.actorId, `trajectories[${i}]`);
      // validateTrajectory takes either dtype; a batch must not mix them (the learner's step would throw).
      if (this.#pixels !== null && t.observations instanceof Uint8Array !== this.#pixels) {
        throw new GrpcProtocolError(`trajectories[${i}].observations has dtype ${this.#pixels ? 'float32' : 'uint8'}, the environment's observations are ${this.#pixels ? 'uint8' : 'float32'}`);
      }
      for (const e of t.episodes) {
        if (!Number.isInteger(e.envIndex) || e.envIndex >= session.numEnvs) throw new GrpcProtocolError(`trajectories[${i}].episodes: env_index ${e.envIndex} is not one of the actor's ${session.numEnvs} envs`);
      }
      validateTrajectory(t, {
        observationShape: model.observationShape,
        actionSizes: model.actionSizes,
        lstmSize: model.lstmSize,
        unrollLength: this.#options.config.unrollLength,
        maxPolicyVersion: this.#latest.version,
      }, `trajectories[${i}]`);
      return t;
    });
  }
}
