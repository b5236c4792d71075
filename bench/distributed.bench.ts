/**
 * Distributed actors over loopback gRPC (`npm run bench:distributed`): the learner (`impala-rl learner`) with N
 * `impala-rl actor` processes against the same training with in-process actors (`impala-rl train`,
 * `--actor-mode inline` and `workers`), on CartPole-v1 (MLP) and Maze-v0 (its preset: deep ResNet torso + LSTM).
 *
 * Measured, in one run, each part in fresh processes started one after the other (the built CLI, dist/cli.js):
 *   1. throughput: the learner's steady-state frames/s, from metrics.jsonl (one row per update, --log-interval 0):
 *      frames between the rows where the run passes 20 % and 80 % of its frames, over the elapsedSeconds between
 *      them (start-up, actor joins and the final checkpoint excluded); the wall time is reported too;
 *   2. transport: µs to encode one trajectory (toWireTrajectory + encodeMessage 'Unroll'), to decode and validate it
 *      (decodeMessage + fromWireTrajectory + validateTrajectory), its size in bytes, and the median round trip of
 *      PutUnroll on loopback against a GrpcActorFleet whose iterator is drained (real trajectories from an Actor);
 *   3. recovery (CartPole, 2 actors): SIGKILL of an actor (a replacement started at once): time to the learner
 *      noticing, to its next update, the update gap, and to the replacement joining; SIGKILL of the learner, a new
 *      one started at once with --resume on the same port: time to it listening, to the actors rejoining (they
 *      retry with backoff) and to its first update;
 *   4. learning: CartPole-v1 (its preset) with the learner and 4 actor processes for 300K frames: the frames at
 *      which the mean return of the last 100 episodes first reached 475, and the final value.
 * The machine's load average is recorded at the start and end and with each run: other jobs share the CPUs.
 *
 * Options (all optional):
 *   --quick                  small budgets (a smoke run: 1 and 2 actors, fewer frames, one repetition)
 *   --tasks cartpole,maze    which networks
 *   --actors 1,2,4,8         actor counts
 *   --modes grpc,inline,workers
 *   --cartpole-frames 60000  frames per CartPole throughput run
 *   --maze-frames 9600       frames per maze throughput run
 *   --backend tensorflow     the learner's tfjs backend
 *   --cartpole-actor-backend cpu, --maze-actor-backend tensorflow   backend of actor processes and workers
 *   --recovery-reps 3        kills of each kind
 *   --learn-frames 300000    frames of the learning run
 *   --no-throughput, --no-transport, --no-recovery, --no-learn   skip a part
 *   --inference local        local: actor processes run the policy (mode grpc); remote: thin actor processes, the
 *                            learner runs the policy in batches (modes grpc-remote: in the learner's thread,
 *                            grpc-remote-worker: in a worker thread); both: all three; the batch sizes formed are
 *                            reported for the remote modes
 *   --min-batch actors       central inference: the learner's --minimum-batch-size: a number, or 'actors' (the
 *                            number of actor processes of the run; with --timeout-ms 5, a batch waits up to 5 ms
 *                            for every actor's step)
 *   --actor-envs N           envs per actor process in the learning run (default 2: 4 x 2 = the 8 envs of the
 *                            preset's single actor)
 *   --out FILE               JSON output (default: bench/results/distributed-<date>.json)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { printTable, summarise, timeAsync, timeSync } from './lib/timing.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'cli.js');
const argv = process.argv.slice(2);

function option(name: string, fallback: string): string {
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  if (eq) return eq.slice(name.length + 3);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
}
const flag = (name: string): boolean => argv.includes(`--${name}`);

const quick = flag('quick');
const inference = option('inference', 'local');
const tasks = option('tasks', 'cartpole,maze').split(',');
const actorCounts = option('actors', quick ? '1,2' : '1,2,4,8').split(',').map(Number);
const defaultModes = inference === 'remote' ? 'grpc-remote,grpc-remote-worker,grpc' : inference === 'both' ? 'grpc,grpc-remote,grpc-remote-worker,inline,workers' : 'grpc,inline,workers';
const modes = option('modes', defaultModes).split(',') as Mode[];
const learnActorEnvs = Number(option('actor-envs', '2'));
const minBatch = option('min-batch', 'actors');
const cartpoleFrames = Number(option('cartpole-frames', quick ? '16000' : '60000'));
const mazeFrames = Number(option('maze-frames', quick ? '3200' : '9600'));
const learnerBackend = option('backend', 'tensorflow');
const recoveryReps = Number(option('recovery-reps', quick ? '1' : '3'));
const learnFrames = Number(option('learn-frames', '300000'));

type Mode = 'grpc' | 'grpc-remote' | 'grpc-remote-worker' | 'inline' | 'workers';
const isGrpc = (m: Mode): boolean => m.startsWith('grpc');

interface Task {
  readonly key: string;
  readonly env: string;
  readonly actorBackend: string;
  readonly frames: number;
}

const TASKS: Record<string, Task> = {
  cartpole: { key: 'cartpole', env: 'CartPole-v1', actorBackend: option('cartpole-actor-backend', 'cpu'), frames: cartpoleFrames },
  maze: { key: 'maze', env: 'Maze-v0', actorBackend: option('maze-actor-backend', 'tensorflow'), frames: mazeFrames },
};

// ---------------------------------------------------------------------------------------------------------------
// Child processes: every line of stdout and stderr, timestamped (performance.now()) as it arrives.

interface Line {
  readonly t: number;
  readonly text: string;
}

class Proc {
  readonly lines: Line[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly startedAt = performance.now();
  exitCode: number | null | undefined = undefined;
  #listeners = new Set<() => void>();

  constructor(readonly name: string, args: readonly string[]) {
    this.child = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' }, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this);
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      createInterface({ input: stream }).on('line', (text) => {
        this.lines.push({ t: performance.now(), text });
        for (const l of this.#listeners) l();
      });
    }
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        live.delete(this);
        for (const l of this.#listeners) l();
        resolve(code);
      });
    });
  }

  /** The first line after time `after` matching `re` (waits for it, at most `timeoutMs`). */
  waitFor(re: RegExp, after: number, timeoutMs: number): Promise<Line> {
    const find = (): Line | undefined => this.lines.find((l) => l.t > after && re.test(l.text));
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = find();
        if (hit) {
          done();
          resolve(hit);
        } else if (this.exitCode !== undefined) {
          done();
          reject(new Error(`${this.name} exited (${this.exitCode}) before a line matching ${re}; last lines:\n${this.tail()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name}: no line matching ${re} within ${timeoutMs} ms; last lines:\n${this.tail()}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
      check();
    });
  }

  tail(n = 15): string {
    return this.lines.slice(-n).map((l) => `  ${l.text}`).join('\n');
  }

  kill(signal: NodeJS.Signals): void {
    if (this.exitCode === undefined) this.child.kill(signal);
  }
}

const live = new Set<Proc>();
function killAll(): void {
  for (const p of live) p.kill('SIGKILL');
}
process.on('exit', killAll);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => { reject(new Error(`${what}: no end within ${ms} ms`)); }, ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const load1 = (): number => loadavg()[0]!;
const procLoadavg = (): string => (existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').trim() : loadavg().map((x) => x.toFixed(2)).join(' '));

const UPDATE_LINE = /^frames (\d+)\/\d+ \(/;
const LISTENING = /learner: listening on/;
const JOINED = /learner: actor \d+ joined/;

interface MetricsRow {
  readonly frames: number;
  readonly elapsedSeconds: number;
  readonly meanReturn100: number | null;
  readonly policyLag: number;
  readonly connectedActors?: number;
}

function readMetrics(runDir: string): MetricsRow[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as MetricsRow);
}

/** Frames/s between the rows where the run passes 20 % and 80 % of its frames. */
function steadyState(rows: readonly MetricsRow[]): { fps: number; fromFrames: number; toFrames: number; seconds: number; meanLag: number } {
  const total = rows.at(-1)!.frames;
  const a = rows.findIndex((r) => r.frames >= 0.2 * total);
  const b = rows.findIndex((r) => r.frames >= 0.8 * total);
  const ra = rows[a]!;
  const rb = rows[b]!;
  const window = rows.slice(a + 1, b + 1);
  const seconds = rb.elapsedSeconds - ra.elapsedSeconds;
  return {
    fps: (rb.frames - ra.frames) / seconds,
    fromFrames: ra.frames,
    toFrames: rb.frames,
    seconds,
    meanLag: window.reduce((s, r) => s + r.policyLag, 0) / Math.max(1, window.length),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Throughput

interface ThroughputResult {
  readonly task: string;
  readonly env: string;
  readonly mode: Mode;
  readonly actors: number;
  readonly learnerBackend: string;
  readonly actorBackend: string;
  readonly frames: number;
  readonly steadyFps: number;
  readonly steadyWindow: readonly [number, number];
  readonly steadySeconds: number;
  readonly wallSeconds: number;
  readonly wallFps: number;
  readonly meanPolicyLag: number;
  readonly load1AtStart: number;
  readonly load1AtEnd: number;
  /** Actor processes still running 20 s after the learner exited (their last lines); none expected. */
  readonly inferenceBatches: { readonly batches: number; readonly meanActorSteps: number; readonly meanRows: number; readonly histogram: string } | null;
  readonly lingering: readonly string[];
}

async function throughputRun(task: Task, mode: Mode, actors: number): Promise<ThroughputResult> {
  const runDir = mkdtempSync(join(tmpdir(), `impala-dist-${task.key}-${mode}${actors}-`));
  const common = ['--env', task.env, '--total-frames', String(task.frames), '--backend', learnerBackend, '--log-interval', '0', '--seed', '1', '--run-dir', runDir];
  const load1AtStart = load1();
  const t0 = performance.now();
  const procs: Proc[] = [];
  try {
    let learner: Proc;
    if (isGrpc(mode)) {
      const address = `127.0.0.1:${await freePort()}`;
      const thread = mode === 'grpc-remote-worker' ? ['--inference-thread', 'worker'] : [];
      if (mode !== 'grpc') thread.push('--minimum-batch-size', minBatch === 'actors' ? String(actors) : minBatch, '--timeout-ms', '5');
      learner = new Proc('learner', ['learner', ...common, '--listen', address, ...thread]);
      procs.push(learner);
      await learner.waitFor(LISTENING, 0, 120_000);
      const actorArgs = mode === 'grpc' ? ['--actor-backend', task.actorBackend] : ['--inference', 'remote'];
      for (let i = 0; i < actors; i++) procs.push(new Proc(`actor${i}`, ['actor', '--connect', address, '--env', task.env, ...actorArgs]));
    } else {
      const extra = mode === 'workers' ? ['--actor-backend', task.actorBackend] : [];
      learner = new Proc('train', ['train', ...common, '--num-actors', String(actors), '--actor-mode', mode, ...extra]);
      procs.push(learner);
    }
    const budget = 600_000 + (task.frames / 50) * 1000;
    const code = await withTimeout(learner.exited, budget, `${task.key} ${mode} x${actors}`);
    const wallSeconds = (performance.now() - t0) / 1000;
    if (code !== 0) throw new Error(`${learner.name} exited ${code}:\n${learner.tail()}`);
    const lingering = await lingeringActors(procs);
    const rows = readMetrics(runDir);
    const s = steadyState(rows);
    const frames = rows.at(-1)!.frames;
    const batchLine = learner.lines.find((l) => /central inference: \d+ batches/.test(l.text))?.text;
    const batching = batchLine ? /central inference: (\d+) batches, ([\d.]+) actor steps \(([\d.]+) env rows\) per batch; batches by actor steps (.*)$/.exec(batchLine) : null;
    return {
      task: task.key,
      env: task.env,
      mode,
      actors,
      learnerBackend,
      actorBackend: mode === 'inline' || mode.startsWith('grpc-remote') ? learnerBackend : task.actorBackend,
      inferenceBatches: batching ? { batches: Number(batching[1]), meanActorSteps: Number(batching[2]), meanRows: Number(batching[3]), histogram: batching[4]! } : null,
      frames,
      steadyFps: s.fps,
      steadyWindow: [s.fromFrames, s.toFrames],
      steadySeconds: s.seconds,
      wallSeconds,
      wallFps: frames / wallSeconds,
      meanPolicyLag: s.meanLag,
      load1AtStart,
      load1AtEnd: load1(),
      lingering,
    };
  } finally {
    for (const p of procs) p.kill('SIGKILL');
    rmSync(runDir, { recursive: true, force: true });
  }
}

/**
 * Actor processes still running 20 s after their learner exited (they should have been told the run is over):
 * their last lines, for the report; they are killed afterwards.
 */
async function lingeringActors(procs: readonly Proc[]): Promise<string[]> {
  const actors = procs.filter((p) => p.name.startsWith('actor'));
  await withTimeout(Promise.all(actors.map((p) => p.exited)), 20_000, 'actors').catch(() => undefined);
  const left = actors.filter((p) => p.exitCode === undefined).map((p) => `${p.name}:\n${p.tail(5)}`);
  if (left.length > 0) console.log(`  ${left.length} actor process(es) still running 20 s after the learner exited:\n${left.join('\n')}`);
  return left;
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Transport

interface TransportResult {
  readonly task: string;
  readonly env: string;
  readonly unrollLength: number;
  readonly observationShape: readonly number[];
  readonly lstmSize: number;
  readonly trajectoryBytes: number;
  readonly encodeUs: number;
  readonly decodeValidateUs: number;
  readonly rtt: readonly { readonly trajectoriesPerUnroll: number; readonly unrollBytes: number; readonly medianUs: number; readonly p10Us: number; readonly p90Us: number; readonly calls: number }[];
}

async function transport(): Promise<TransportResult[]> {
  const tf = await import('@tensorflow/tfjs-core');
  const grpc = await import('@grpc/grpc-js');
  const { useBackend, parseBackendName } = await import('../src/backends/index.js');
  const { resolveTrainConfig } = await import('../src/agent/train-config.js');
  const { presetFor } = await import('../src/agent/presets.js');
  const { makeActorEnvs } = await import('../src/agent/make-actor-envs.js');
  const { buildNetwork } = await import('../src/agent/build-network.js');
  const { Actor } = await import('../src/agent/actor.js');
  const { modelFingerprint } = await import('../src/agent/model-fingerprint.js');
  const { validateTrajectory } = await import('../src/agent/trajectory.js');
  const { GrpcActorFleet } = await import('../src/grpc/grpc-actor-fleet.js');
  const { spacesKey } = await import('../src/grpc/spaces.js');
  const { grpcChannelOptions } = await import('../src/grpc/transport-options.js');
  const wire = await import('../src/grpc/wire.js');
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  tf.env().set('IS_TEST', true);
  await useBackend(parseBackendName(learnerBackend));
  const results: TransportResult[] = [];
  for (const key of tasks) {
    const task = TASKS[key]!;
    const preset = presetFor(task.env);
    const unrollLength = 20;
    const envsPerActor = preset.envsPerActor;
    const config = resolveTrainConfig({ ...preset, env: task.env, unrollLength, envsPerActor, seed: 1 });
    const envs = await makeActorEnvs([task.env], envsPerActor, 0, config.envOptions);
    const network = buildNetwork(config, envs[0]!, config.seed);
    const snapshot = { version: 0, weights: network.getFlatWeights(), fingerprint: modelFingerprint(network) };
    const actor = new Actor({ envs, model: network, unrollLength, seed: 1, actorId: 0, parameterSource: { latest: () => snapshot }, envIds: envs.map(() => task.env) });
    await actor.unroll();
    const trajectories = await actor.unroll();
    const one = trajectories[0]!;
    const sessionId = '00000000-0000-4000-8000-000000000000';
    const encodeOne = (): Buffer => wire.encodeMessage('Unroll', { session_id: sessionId, trajectories: [wire.toWireTrajectory(one)] });
    const bytes = encodeOne();
    const spec = { observationShape: network.observationShape, actionSizes: network.actionSizes, lstmSize: network.lstmSize, unrollLength, maxPolicyVersion: 0 };
    const timing = { warmup: 50, minReps: 200, maxReps: 5000, minTimeMs: 1000 };
    const encode = timeSync(() => { encodeOne(); }, timing);
    const decode = timeSync(() => {
      const m = wire.decodeMessage('Unroll', bytes) as import('../src/grpc/wire.js').WireUnroll;
      validateTrajectory(wire.fromWireTrajectory(m.trajectories[0]!, 0, 'trajectories[0]'), spec, 'trajectories[0]');
    }, timing);

    // PutUnroll round trips against a fleet whose iterator is drained.
    const fleet = await GrpcActorFleet.start({ listen: '127.0.0.1:0', config, model: network, parameters: snapshot, spaces: spacesKey(envs[0]!) });
    const drained = (async () => {
      let taken = 0;
      for await (const unroll of fleet) taken += unroll.length;
      return taken;
    })();
    type Client = InstanceType<ReturnType<typeof grpc.makeGenericClientConstructor>> & Record<string, (...args: unknown[]) => unknown>;
    const Ctor = grpc.makeGenericClientConstructor(wire.learnerClientDefinition(), 'Learner');
    const client = new Ctor(fleet.address, grpc.credentials.createInsecure(), grpcChannelOptions({}, 'client')) as Client;
    const unary = <Res>(method: string, request: object): Promise<Res> =>
      new Promise((resolve, reject) => {
        (client[method] as (r: object, cb: (e: Error | null, v: Res) => void) => void)(request, (e, v) => {
          if (e) reject(e);
          else resolve(v);
        });
      });
    const rtt: TransportResult['rtt'][number][] = [];
    const streams: { cancel: () => void }[] = [];
    for (const count of [...new Set([1, envsPerActor])]) {
      const run = await unary<import('../src/grpc/wire.js').RunInfo>('GetRun', { protocol_version: wire.PROTOCOL_VERSION });
      const stream = (client.Join as (r: object) => import('@grpc/grpc-js').ClientReadableStream<import('../src/grpc/wire.js').Control>)({
        protocol_version: wire.PROTOCOL_VERSION,
        run_id: run.run_id,
        env_id: task.env,
        spaces: spacesKey(envs[0]!),
        fingerprint: modelFingerprint(network),
        num_envs: count,
        inference: 'local',
        host: 'bench',
        pid: process.pid,
        backend: tf.getBackend(),
      });
      stream.on('error', () => undefined);
      streams.push(stream);
      const welcome = await new Promise<{ session_id: string }>((resolve, reject) => {
        stream.once('data', (m: import('../src/grpc/wire.js').Control) => {
          if (m.welcome) resolve(m.welcome);
          else reject(new Error('no welcome'));
        });
      });
      const request = { session_id: welcome.session_id, trajectories: trajectories.slice(0, count).map((t) => wire.toWireTrajectory(t)) };
      const unrollBytes = wire.encodeMessage('Unroll', request).byteLength;
      const stats = await timeAsync(() => unary('PutUnroll', request), { warmup: 20, minReps: 300, maxReps: 300, minTimeMs: 0 });
      rtt.push({ trajectoriesPerUnroll: count, unrollBytes, medianUs: stats.medianMs * 1000, p10Us: stats.p10Ms * 1000, p90Us: stats.p90Ms * 1000, calls: stats.reps });
    }
    for (const s of streams) s.cancel();
    client.close();
    await fleet.close();
    await drained;
    results.push({
      task: key,
      env: task.env,
      unrollLength,
      observationShape: network.observationShape,
      lstmSize: network.lstmSize,
      trajectoryBytes: bytes.byteLength,
      encodeUs: encode.medianMs * 1000,
      decodeValidateUs: decode.medianMs * 1000,
      rtt,
    });
    network.dispose();
    await Promise.all(envs.map(async (e) => e.close?.()));
  }
  return results;
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Recovery (CartPole, 2 actor processes)

interface ActorKill {
  /** SIGKILL to the learner's "connection lost" line. */
  readonly detectMs: number;
  /** SIGKILL to the first update after it. */
  readonly nextUpdateMs: number;
  /** The gap between the last update before the kill and the first after it. */
  readonly updateGapMs: number;
  /** Median gap between updates over the 3 s before the kill. */
  readonly typicalGapMs: number;
  /** SIGKILL (and the replacement's start) to the learner's "joined (restart)" line. */
  readonly rejoinMs: number;
}

interface LearnerKill {
  /** SIGKILL (and the new learner's start) to its "listening" line. */
  readonly listeningMs: number;
  readonly firstActorJoinedMs: number;
  readonly allActorsJoinedMs: number;
  /** SIGKILL to the resumed learner's first update. */
  readonly firstUpdateMs: number;
  readonly framesAtKill: number;
  readonly framesAfterResume: number;
  /** Retries the actors logged while the learner was away. */
  readonly actorRetries: number;
}

function updatesOf(p: Proc): Line[] {
  return p.lines.filter((l) => UPDATE_LINE.test(l.text));
}
const framesOf = (l: Line | undefined): number => Number(l ? UPDATE_LINE.exec(l.text)![1] : 0);

async function recovery(): Promise<{ actorKills: ActorKill[]; learnerKills: LearnerKill[] }> {
  const runDir = mkdtempSync(join(tmpdir(), 'impala-dist-recovery-'));
  const address = `127.0.0.1:${await freePort()}`;
  const env = 'CartPole-v1';
  const backend = TASKS.cartpole!.actorBackend;
  const learnerArgs = ['learner', '--listen', address, '--env', env, '--total-frames', '100000000', '--backend', learnerBackend, '--log-interval', '0', '--seed', '1', '--run-dir', runDir, '--checkpoint-interval', '1'];
  const startActor = (i: number): Proc => new Proc(`actor${i}`, ['actor', '--connect', address, '--env', env, '--actor-backend', backend]);
  let learner = new Proc('learner', learnerArgs);
  const actors: Proc[] = [];
  try {
    await learner.waitFor(LISTENING, 0, 120_000);
    actors.push(startActor(0), startActor(1));
    const first = await learner.waitFor(JOINED, 0, 120_000);
    await learner.waitFor(JOINED, first.t, 120_000);
    await sleep(3000);
    const actorKills: ActorKill[] = [];
    for (let rep = 0; rep < recoveryReps; rep++) {
      const i = rep % actors.length;
      const tk = performance.now();
      actors[i]!.kill('SIGKILL');
      actors[i] = startActor(i);
      const left = await learner.waitFor(/left after .* connection lost/, tk, 30_000);
      const next = await learner.waitFor(UPDATE_LINE, tk, 30_000);
      const rejoin = await learner.waitFor(/joined .*\(restart\)/, tk, 120_000);
      await sleep(3000);
      const updates = updatesOf(learner);
      const before = updates.filter((l) => l.t <= tk);
      const recent = before.filter((l) => l.t >= tk - 3000);
      const gaps = recent.slice(1).map((l, j) => l.t - recent[j]!.t);
      actorKills.push({
        detectMs: left.t - tk,
        nextUpdateMs: next.t - tk,
        updateGapMs: next.t - (before.at(-1)?.t ?? tk),
        typicalGapMs: gaps.length > 0 ? summarise(gaps).medianMs : NaN,
        rejoinMs: rejoin.t - tk,
      });
    }
    const learnerKills: LearnerKill[] = [];
    for (let rep = 0; rep < recoveryReps; rep++) {
      await sleep(1500); // at least one checkpoint of this session (--checkpoint-interval 1)
      const framesAtKill = framesOf(updatesOf(learner).at(-1));
      const tk = performance.now();
      learner.kill('SIGKILL');
      await learner.exited;
      learner = new Proc('learner', [...learnerArgs, '--resume']);
      const listening = await learner.waitFor(LISTENING, 0, 120_000);
      const j1 = await learner.waitFor(JOINED, 0, 120_000);
      const j2 = await learner.waitFor(JOINED, j1.t, 120_000);
      const update = await learner.waitFor(UPDATE_LINE, 0, 120_000);
      learnerKills.push({
        listeningMs: listening.t - tk,
        firstActorJoinedMs: j1.t - tk,
        allActorsJoinedMs: j2.t - tk,
        firstUpdateMs: update.t - tk,
        framesAtKill,
        framesAfterResume: framesOf(update),
        actorRetries: actors.reduce((s, a) => s + a.lines.filter((l) => l.t > tk && l.t < j2.t && /retry \d+ in/.test(l.text)).length, 0),
      });
      await sleep(2000);
    }
    return { actorKills, learnerKills };
  } finally {
    learner.kill('SIGTERM');
    await withTimeout(Promise.all([learner.exited, ...actors.map((a) => a.exited)]), 30_000, 'recovery shutdown').catch(() => undefined);
    learner.kill('SIGKILL');
    for (const a of actors) a.kill('SIGKILL');
    rmSync(runDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 4. Learning target: CartPole-v1, learner + 4 actor processes, 300K frames, mean return (last 100) >= 475.

interface LearnResult {
  readonly env: string;
  readonly actors: number;
  readonly envsPerActor: number;
  readonly totalFrames: number;
  readonly target: number;
  readonly reachedAtFrames: number | null;
  readonly finalMeanReturn100: number | null;
  readonly bestMeanReturn100: number | null;
  readonly met: boolean;
  readonly wallSeconds: number;
  readonly fps: number;
  readonly load1AtStart: number;
  readonly load1AtEnd: number;
  readonly lingering: readonly string[];
}

async function learn(): Promise<LearnResult> {
  const runDir = mkdtempSync(join(tmpdir(), 'impala-dist-learn-'));
  const address = `127.0.0.1:${await freePort()}`;
  const env = 'CartPole-v1';
  const target = 475;
  const actors = 4;
  const load1AtStart = load1();
  const t0 = performance.now();
  const procs: Proc[] = [];
  try {
    const learner = new Proc('learner', ['learner', '--listen', address, '--env', env, '--total-frames', String(learnFrames), '--backend', learnerBackend, '--log-interval', '0', '--seed', '1', '--run-dir', runDir]);
    procs.push(learner);
    await learner.waitFor(LISTENING, 0, 120_000);
    for (let i = 0; i < actors; i++) procs.push(new Proc(`actor${i}`, ['actor', '--connect', address, '--env', env, '--actor-backend', TASKS.cartpole!.actorBackend, '--envs-per-actor', String(learnActorEnvs)]));
    const code = await withTimeout(learner.exited, 1_800_000, 'learning run');
    const wallSeconds = (performance.now() - t0) / 1000;
    if (code !== 0) throw new Error(`learner exited ${code}:\n${learner.tail()}`);
    const lingering = await lingeringActors(procs);
    const rows = readMetrics(runDir);
    const reached = rows.find((r) => r.meanReturn100 !== null && r.meanReturn100 >= target);
    const last = rows.at(-1)!;
    const returns = rows.map((r) => r.meanReturn100).filter((x): x is number => x !== null);
    return {
      env,
      actors,
      envsPerActor: learnActorEnvs,
      totalFrames: last.frames,
      target,
      reachedAtFrames: reached?.frames ?? null,
      finalMeanReturn100: last.meanReturn100,
      bestMeanReturn100: returns.length > 0 ? Math.max(...returns) : null,
      met: reached !== undefined,
      wallSeconds,
      fps: last.frames / last.elapsedSeconds,
      load1AtStart,
      load1AtEnd: load1(),
      lingering,
    };
  } finally {
    for (const p of procs) p.kill('SIGKILL');
    rmSync(runDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------

const f0 = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : 'n/a');
const f1 = (x: number | null): string => (x !== null && Number.isFinite(x) ? x.toFixed(1) : 'n/a');

async function main(): Promise<void> {
  if (!['local', 'remote', 'both'].includes(inference)) {
    console.error(`bench:distributed: --inference must be local, remote or both, got '${inference}'`);
    process.exitCode = 1;
    return;
  }
  if (!existsSync(cli)) {
    console.error(`bench:distributed: ${cli} is missing: run 'npm run build' first (npm run bench:distributed does)`);
    process.exitCode = 1;
    return;
  }
  const date = new Date().toISOString().slice(0, 10);
  const out = option('out', join(root, 'bench', 'results', `distributed-${date}.json`));
  const loadavgStart = procLoadavg();
  const started = performance.now();
  console.log(`bench:distributed on ${availableParallelism()} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}; learner backend ${learnerBackend}; load average at start: ${loadavgStart}`);
  const result: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? '?', node: process.version, platform: process.platform },
    options: { quick, inference, minBatch, learnActorEnvs, tasks, actorCounts, modes, cartpoleFrames, mazeFrames, learnerBackend, actorBackends: Object.fromEntries(Object.values(TASKS).map((t) => [t.key, t.actorBackend])), recoveryReps, learnFrames },
    loadavgStart,
  };
  const save = (): void => {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify({ ...result, loadavgEnd: procLoadavg(), totalSeconds: (performance.now() - started) / 1000 }, null, 1)}\n`);
  };

  if (!flag('no-transport')) {
    console.log('\n## Transport per trajectory (in-process) and PutUnroll round trip (loopback)\n');
    const t = await transport();
    result.transport = t;
    save();
    printTable(
      ['env', 'T', 'observation', 'bytes/trajectory', 'encode µs', 'decode+validate µs'],
      t.map((r) => [r.env, String(r.unrollLength), `[${r.observationShape.join('×')}]${r.lstmSize > 0 ? ` lstm ${r.lstmSize}` : ''}`, String(r.trajectoryBytes), r.encodeUs.toFixed(1), r.decodeValidateUs.toFixed(1)]),
    );
    console.log('');
    printTable(
      ['env', 'trajectories/unroll', 'unroll bytes', 'PutUnroll median µs', 'p10 µs', 'p90 µs', 'calls'],
      t.flatMap((r) => r.rtt.map((x) => [r.env, String(x.trajectoriesPerUnroll), String(x.unrollBytes), f0(x.medianUs), f0(x.p10Us), f0(x.p90Us), String(x.calls)])),
    );
  }

  if (!flag('no-throughput')) {
    const runs: ThroughputResult[] = [];
    result.throughput = runs;
    for (const key of tasks) {
      const task = TASKS[key];
      if (!task) throw new Error(`--tasks: unknown task '${key}' (cartpole, maze)`);
      console.log(`\n## Throughput: ${task.env}, ${task.frames} frames per run (steady state: 20 %–80 % of the frames)\n`);
      for (const n of actorCounts) {
        for (const mode of modes) {
          const r = await throughputRun(task, mode, n);
          runs.push(r);
          save();
          console.log(`${task.env} ${mode.padEnd(18)} x${n}: ${f0(r.steadyFps)} frames/s steady, ${f0(r.wallFps)} wall (${r.wallSeconds.toFixed(1)} s), lag ${r.meanPolicyLag.toFixed(2)}, load ${r.load1AtStart.toFixed(2)}→${r.load1AtEnd.toFixed(2)}${r.inferenceBatches ? `, ${r.inferenceBatches.meanActorSteps.toFixed(2)} actor steps (${r.inferenceBatches.meanRows.toFixed(1)} rows) per inference batch` : ''}`);
        }
      }
    }
    for (const key of tasks) {
      const task = TASKS[key]!;
      console.log(`\n### ${task.env}: steady-state frames/s consumed by the learner (wall-clock frames/s in parentheses)\n`);
      printTable(
        ['actors', ...modes.map((m) => ({ grpc: `gRPC, local inference (${task.actorBackend})`, 'grpc-remote': 'gRPC, central inference (learner thread)', 'grpc-remote-worker': 'gRPC, central inference (worker thread)', workers: `workers (${task.actorBackend})`, inline: `inline (${learnerBackend})` })[m]), 'gRPC local / best in-process', 'central / local inference'],
        actorCounts.map((n) => {
          const cell = (m: Mode): ThroughputResult | undefined => runs.find((r) => r.task === key && r.mode === m && r.actors === n);
          const g = cell('grpc');
          const inproc = Math.max(...(['inline', 'workers'] as const).map((m) => cell(m)?.steadyFps ?? 0));
          const central = Math.max(...(['grpc-remote', 'grpc-remote-worker'] as const).map((m) => cell(m)?.steadyFps ?? 0));
          return [
            String(n),
            ...modes.map((m) => { const r = cell(m); return r ? `${f0(r.steadyFps)} (${f0(r.wallFps)})${r.inferenceBatches ? ` [${r.inferenceBatches.meanActorSteps.toFixed(1)}/batch]` : ''}` : '-'; }),
            g && inproc > 0 ? (g.steadyFps / inproc).toFixed(2) : '-',
            g && central > 0 ? (central / g.steadyFps).toFixed(2) : '-',
          ];
        }),
      );
    }
  }

  if (!flag('no-recovery')) {
    console.log(`\n## Recovery (CartPole-v1, learner + 2 actor processes, ${recoveryReps} kill(s) of each kind)\n`);
    const r = await recovery();
    result.recovery = r;
    save();
    printTable(
      ['actor SIGKILL #', 'learner notices ms', 'next update ms', 'update gap ms (typical)', 'replacement joined ms'],
      r.actorKills.map((k, i) => [String(i + 1), f0(k.detectMs), f0(k.nextUpdateMs), `${f0(k.updateGapMs)} (${f1(k.typicalGapMs)})`, f0(k.rejoinMs)]),
    );
    console.log('');
    printTable(
      ['learner SIGKILL #', 'new learner listening ms', 'first actor joined ms', 'both joined ms', 'first update ms', 'frames at kill → resumed at', 'actor retries'],
      r.learnerKills.map((k, i) => [String(i + 1), f0(k.listeningMs), f0(k.firstActorJoinedMs), f0(k.allActorsJoinedMs), f0(k.firstUpdateMs), `${k.framesAtKill} → ${k.framesAfterResume}`, String(k.actorRetries)]),
    );
  }

  if (!flag('no-learn')) {
    console.log(`\n## Learning: CartPole-v1 preset, learner + 4 actor processes x ${learnActorEnvs} envs, ${learnFrames} frames, target mean return (last 100) ≥ 475\n`);
    const r = await learn();
    result.learn = r;
    save();
    printTable(
      ['frames', 'reached 475 at frames', 'final return(100)', 'best return(100)', 'met', 'wall s', 'frames/s'],
      [[String(r.totalFrames), r.reachedAtFrames === null ? 'never' : String(r.reachedAtFrames), f1(r.finalMeanReturn100), f1(r.bestMeanReturn100), r.met ? 'yes' : 'no', r.wallSeconds.toFixed(0), f0(r.fps)]],
    );
  }

  save();
  console.log(`\nload average at start: ${loadavgStart}; at end: ${procLoadavg()}; ${((performance.now() - started) / 60_000).toFixed(1)} min`);
  console.log(`results: ${out}`);
}

try {
  await main();
} finally {
  killAll();
}
