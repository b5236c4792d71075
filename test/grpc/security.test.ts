/**
 * The learner service's security and handshake rules, over loopback only: the token, TLS (right CA, wrong CA,
 * plaintext against TLS), mutual TLS, the listen rules, the health service, and the env and model checks of Join.
 * Certificates are the test-only ones of test/fixtures/tls. Every fleet is closed, every actor awaited, and
 * every wait bounded.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ActorEnv } from '../../src/agent/actor.js';
import { modelFingerprint } from '../../src/agent/model-fingerprint.js';
import { buildNetwork, train } from '../../src/agent/train.js';
import { resolveTrainConfig, type TrainConfig } from '../../src/agent/train-config.js';
import { makeEnv } from '../../src/envs/registry.js';
import { GrpcConfigError, LearnerUnreachableError, RemoteActorRefusedError } from '../../src/grpc/errors.js';
import { GrpcActorFleet, type GrpcActorFleetListenOptions } from '../../src/grpc/grpc-actor-fleet.js';
import { checkLearnerHealth } from '../../src/grpc/health-check.js';
import { runRemoteActor, type RemoteActorOptions, type RemoteActorResult } from '../../src/grpc/remote-actor.js';
import { probeSpaces } from '../../src/grpc/spaces.js';
import { isLoopbackHost, parseAddress } from '../../src/grpc/transport-options.js';
import { setupTestBackend } from '../helpers/tf.js';

await setupTestBackend();

const fixture = (name: string): Uint8Array => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));
const CA = fixture('ca.crt');
const OTHER_CA = fixture('other-ca.crt');
const SERVER = { cert: fixture('server.crt'), key: fixture('server.key') };
const CLIENT = { cert: fixture('client.crt'), key: fixture('client.key') };

const TOKEN = 'test-token-0123456789abcdef';
const UNAUTHENTICATED = 16;
const FAILED_PRECONDITION = 9;
/** Retries for tests where the learner cannot be reached: the first failure, then give up. */
const GIVE_UP_FAST = { initialDelayMs: 50, maxDelayMs: 100, giveUpAfterMs: 300 };

const TINY: TrainConfig = { env: 'CartPole-v1', totalFrames: 120, batchSize: 2, unrollLength: 10, envsPerActor: 2, seed: 3 };

/** Rejects when `promise` takes longer than `ms` (so that no test can hang). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => { reject(new Error(`${what}: no result within ${ms} ms`)); }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Settles `promise` into a value or an error, and how long that took from now. */
async function outcome<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const t0 = performance.now();
  try {
    return { value: await promise, ms: performance.now() - t0 };
  } catch (error) {
    return { error, ms: performance.now() - t0 };
  }
}

/**
 * A GrpcActorFleet started directly (no learner): a CartPole model and its initial weights. `modelConfig`
 * builds the model the fleet advertises (its fingerprint) from other settings than the run's `config`.
 */
async function startFleet(
  listen: Omit<GrpcActorFleetListenOptions, 'listen'> & { listen?: string },
  extra: { modelConfig?: Partial<TrainConfig>; spacesOf?: string } = {},
): Promise<{ fleet: GrpcActorFleet; logs: string[]; dispose: () => Promise<void> }> {
  const config = resolveTrainConfig(TINY);
  const probe = makeEnv('CartPole-v1') as unknown as ActorEnv;
  const model = buildNetwork({ ...config, ...extra.modelConfig }, probe, config.seed);
  await probe.close?.();
  const logs: string[] = [];
  try {
    const fleet = await GrpcActorFleet.start({
      listen: '127.0.0.1:0',
      ...listen,
      onLog: (line) => { logs.push(line); },
      config,
      model,
      parameters: { version: 0, weights: model.getFlatWeights(), fingerprint: modelFingerprint(model) },
      spaces: await probeSpaces(extra.spacesOf ?? 'CartPole-v1', {}),
    });
    return {
      fleet,
      logs,
      dispose: async () => {
        await fleet.close();
        model.dispose();
      },
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** Waits for `n` unrolls from `fleet` (each one answered), then closes it; resolves how many envs they held. */
async function takeUnrolls(fleet: GrpcActorFleet, n: number): Promise<number> {
  let trajectories = 0;
  let taken = 0;
  for await (const unroll of fleet) {
    trajectories += unroll.length;
    if (++taken >= n) break;
  }
  return trajectories;
}

/**
 * A remote actor against a running fleet that should be accepted: takes two unrolls from it, closes the fleet,
 * and returns the actor's result (it must finish because the learner said so).
 */
async function actorIsAccepted(fleet: GrpcActorFleet, options: Omit<RemoteActorOptions, 'connect'>): Promise<RemoteActorResult> {
  const actor = runRemoteActor({ connect: fleet.address, retry: GIVE_UP_FAST, ...options });
  // Surface an early refusal as the actor's error rather than as a timeout of takeUnrolls.
  const unrolls = await within(Promise.race([takeUnrolls(fleet, 2), actor.then(() => -1)]), 20_000, 'two unrolls');
  assert.equal(unrolls, 2 * TINY.envsPerActor!, 'two unrolls of envsPerActor trajectories each');
  await fleet.close();
  const result = await within(actor, 10_000, 'the actor after close');
  assert.equal(result.reason, 'finished');
  assert.ok(result.unrolls >= 1, `the learner took ${result.unrolls} unrolls`);
  return result;
}

/** train() on a GrpcActorFleet with one remote actor; resolves both results. */
async function trainWithActor(
  listen: Omit<GrpcActorFleetListenOptions, 'listen'>,
  actorOptions: Omit<RemoteActorOptions, 'connect'>,
): Promise<{ frames: number; actor: RemoteActorResult }> {
  let ready!: (fleet: GrpcActorFleet) => void;
  const started = new Promise<GrpcActorFleet>((resolve) => { ready = resolve; });
  const stop = new AbortController();
  const run = train(TINY, {
    fleet: GrpcActorFleet.factory({ listen: '127.0.0.1:0', ...listen }, ready),
    signal: stop.signal,
    onWarning: () => undefined,
  });
  let actor: Promise<RemoteActorResult> | null = null;
  try {
    const fleet = await within(Promise.race([started, run.then(() => { throw new Error('train ended before its fleet started'); })]), 20_000, 'the fleet');
    actor = runRemoteActor({ connect: fleet.address, retry: GIVE_UP_FAST, ...actorOptions });
    const [result, actorResult] = await within(Promise.all([run, actor]), 30_000, 'train with one remote actor');
    return { frames: result.frames, actor: actorResult };
  } finally {
    // On success this only disposes the network; on a failure it also stops train (closing the fleet, which
    // ends the actor) and waits for both.
    stop.abort();
    await run.then((r) => { r.network.dispose(); }, () => undefined);
    await actor?.catch(() => undefined);
  }
}

describe('token', () => {
  test('the right token trains', { timeout: 60_000 }, async () => {
    const { frames, actor } = await trainWithActor({ token: TOKEN }, { token: TOKEN });
    assert.ok(frames >= TINY.totalFrames, `frames ${frames}`);
    assert.equal(actor.reason, 'finished');
    assert.ok(actor.unrolls >= 1);
  });

  for (const [name, token] of [['a wrong token', 'wrong-token-0123456789abcdef'], ['no token', undefined]] as const) {
    test(`${name}: refused at once with UNAUTHENTICATED, and the learner logs the peer once`, { timeout: 30_000 }, async () => {
      const { fleet, logs, dispose } = await startFleet({ token: TOKEN });
      try {
        // Retries would take ≥ 1 s: a refusal must not be retried.
        const r = await outcome(within(runRemoteActor({ connect: fleet.address, ...(token ? { token } : {}), retry: { initialDelayMs: 1000, giveUpAfterMs: 60_000 } }), 10_000, 'refused actor'));
        assert.ok(r.error instanceof RemoteActorRefusedError, `expected RemoteActorRefusedError, got ${String(r.error)}`);
        assert.equal(r.error.code, UNAUTHENTICATED);
        assert.match(r.error.message, /UNAUTHENTICATED/);
        assert.ok(r.ms < 1000, `refused after ${Math.round(r.ms)} ms`);
        const refused = logs.filter((l) => l.includes('refused'));
        assert.equal(refused.length, 1, refused.join('\n'));
        assert.match(refused[0]!, /refused GetRun from \S*127\.0\.0\.1:\d+ \(UNAUTHENTICATED\)/);
        assert.equal(fleet.stats().rejectedMessages, 1);
        assert.equal(fleet.size, 0);
      } finally {
        await dispose();
      }
    });
  }
});

describe('TLS', () => {
  test('an actor trusting the test CA trains', { timeout: 60_000 }, async () => {
    const { frames, actor } = await trainWithActor({ tls: SERVER, token: TOKEN }, { tls: { ca: CA }, token: TOKEN });
    assert.ok(frames >= TINY.totalFrames, `frames ${frames}`);
    assert.equal(actor.reason, 'finished');
  });

  test('over IPv6 loopback, with serverName', { timeout: 30_000 }, async (t) => {
    let fleetOrNull: Awaited<ReturnType<typeof startFleet>> | null = null;
    try {
      fleetOrNull = await startFleet({ listen: '[::1]:0', tls: SERVER });
    } catch (error) {
      t.skip(`no IPv6 loopback here (${error instanceof Error ? error.message : String(error)})`);
      return;
    }
    const { fleet, dispose } = fleetOrNull;
    try {
      assert.match(fleet.address, /^\[::1\]:\d+$/);
      await actorIsAccepted(fleet, { tls: { ca: CA, serverName: 'localhost' } });
    } finally {
      await dispose();
    }
  });

  const failures: [string, RemoteActorOptions['tls'], RegExp][] = [
    // The messages are grpc-js's and Node's: the certificate check's reason, or only that no connection came up.
    ['an actor trusting another CA', { ca: OTHER_CA }, /self-signed certificate|unable to verify|certificate/i],
    ['a plaintext actor', undefined, /No connection established/],
  ];
  for (const [name, tls, why] of failures) {
    test(`${name} cannot reach a TLS learner: LearnerUnreachableError saying why`, { timeout: 30_000 }, async () => {
      const { fleet, logs, dispose } = await startFleet({ tls: SERVER, token: TOKEN });
      try {
        const r = await outcome(within(runRemoteActor({ connect: fleet.address, token: TOKEN, ...(tls ? { tls } : {}), retry: GIVE_UP_FAST }), 15_000, name));
        assert.ok(r.error instanceof LearnerUnreachableError, `expected LearnerUnreachableError, got ${String(r.error)}`);
        assert.match(r.error.message, /gave up on the learner/);
        assert.match(r.error.message, /UNAVAILABLE/);
        assert.match(r.error.message, why);
        assert.equal(fleet.size, 0);
        assert.equal(logs.filter((l) => l.includes('joined')).length, 0);
      } finally {
        await dispose();
      }
    });
  }
});

describe('mutual TLS', () => {
  test('an actor with a client certificate signed by the client CA trains', { timeout: 60_000 }, async () => {
    const { frames, actor } = await trainWithActor({ tls: { ...SERVER, clientCa: CA } }, { tls: { ca: CA, ...CLIENT } });
    assert.ok(frames >= TINY.totalFrames, `frames ${frames}`);
    assert.equal(actor.reason, 'finished');
  });

  test('an actor without a client certificate is not let in', { timeout: 30_000 }, async () => {
    const { fleet, dispose } = await startFleet({ tls: { ...SERVER, clientCa: CA } });
    try {
      const r = await outcome(within(runRemoteActor({ connect: fleet.address, tls: { ca: CA }, retry: GIVE_UP_FAST }), 15_000, 'actor without a client certificate'));
      assert.ok(r.error instanceof LearnerUnreachableError, `expected LearnerUnreachableError, got ${String(r.error)}`);
      assert.match(r.error.message, /UNAVAILABLE/);
      assert.match(r.error.message, /certificate required|SSL|TLS/i);
      assert.equal(fleet.size, 0);
    } finally {
      await dispose();
    }
  });

  test('a client certificate needs both cert and key', async () => {
    await assert.rejects(runRemoteActor({ connect: '127.0.0.1:1', tls: { ca: CA, cert: CLIENT.cert } }), GrpcConfigError);
  });
});

describe('listen rules', () => {
  test('0.0.0.0 without TLS and without insecureListen is refused, naming TLS and --insecure-listen', async () => {
    await assert.rejects(startFleet({ listen: '0.0.0.0:0', token: TOKEN }), (e: unknown) => {
      assert.ok(e instanceof GrpcConfigError);
      assert.match(e.message, /without TLS/);
      assert.match(e.message, /--insecure-listen/);
      return true;
    });
  });

  test('0.0.0.0 with insecureListen but no token is refused, about the token', async () => {
    await assert.rejects(startFleet({ listen: '0.0.0.0:0', insecureListen: true }), (e: unknown) => {
      assert.ok(e instanceof GrpcConfigError);
      assert.match(e.message, /without a token/);
      return true;
    });
  });

  test('0.0.0.0 with TLS but neither a token nor client certificates is refused', async () => {
    await assert.rejects(startFleet({ listen: '0.0.0.0:0', tls: SERVER }), /without a token/);
  });

  test('an empty token is refused', async () => {
    await assert.rejects(startFleet({ token: '' }), /token is empty/);
  });

  test('0.0.0.0 with TLS and a token starts (reached through 127.0.0.1, closed at once)', { timeout: 20_000 }, async () => {
    const { fleet, dispose } = await startFleet({ listen: '0.0.0.0:0', tls: SERVER, token: TOKEN });
    try {
      assert.ok(fleet.port > 0);
      assert.equal(await checkLearnerHealth({ connect: `127.0.0.1:${fleet.port}`, tls: { ca: CA }, timeoutMs: 5000 }), 'SERVING');
    } finally {
      await dispose();
    }
  });

  test('parseAddress', () => {
    assert.deepEqual(parseAddress('127.0.0.1:50051', 'x'), { host: '127.0.0.1', port: 50051 });
    assert.deepEqual(parseAddress('[::1]:50051', 'x'), { host: '::1', port: 50051 });
    assert.deepEqual(parseAddress('localhost:1', 'x'), { host: 'localhost', port: 1 });
    assert.deepEqual(parseAddress('0.0.0.0:0', 'x'), { host: '0.0.0.0', port: 0 });
    assert.deepEqual(parseAddress('learner.example:65535', 'x'), { host: 'learner.example', port: 65535 });
    for (const bad of ['', '127.0.0.1', ':50051', 'localhost:', 'localhost:65536', 'localhost:123456', 'localhost:-1', 'localhost:5x', '::1:50051', '[::1]', '[localhost]:1', '[::1:1', 'a b:1', 'host:1 ']) {
      assert.throws(() => parseAddress(bad, '--connect'), (e: unknown) => {
        assert.ok(e instanceof GrpcConfigError, `${JSON.stringify(bad)}: ${String(e)}`);
        assert.match(e.message, /^--connect: /);
        return true;
      }, JSON.stringify(bad));
    }
  });

  test('isLoopbackHost', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.1', 'example.com', '127.example.com', '128.0.0.1', '::2', '']) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });
});

describe('health', () => {
  for (const secure of [false, true]) {
    test(`SERVING while open, without the token; unreachable after close (${secure ? 'TLS' : 'plaintext'})`, { timeout: 30_000 }, async () => {
      const { fleet, dispose } = await startFleet({ token: TOKEN, ...(secure ? { tls: SERVER } : {}) });
      const tls = secure ? { ca: CA } : undefined;
      try {
        for (const service of ['', 'impala_rl.v1.Learner']) {
          assert.equal(await checkLearnerHealth({ connect: fleet.address, service, ...(tls ? { tls } : {}) }), 'SERVING', service);
        }
        assert.equal(await checkLearnerHealth({ connect: fleet.address, service: 'no.such.Service', ...(tls ? { tls } : {}) }), 'SERVICE_UNKNOWN');
        if (secure) assert.match(await checkLearnerHealth({ connect: fleet.address, tls: { ca: OTHER_CA }, timeoutMs: 3000 }), /^UNREACHABLE: /);
      } finally {
        await dispose();
      }
      const after = await checkLearnerHealth({ connect: fleet.address, timeoutMs: 3000, ...(tls ? { tls } : {}) });
      assert.ok(after === 'NOT_SERVING' || after.startsWith('UNREACHABLE: '), after);
    });
  }
});

describe('model and env checks at Join', () => {
  test('an actor asked to step another env is refused with FAILED_PRECONDITION naming it', { timeout: 30_000 }, async () => {
    const { fleet, dispose } = await startFleet({});
    try {
      const r = await outcome(within(runRemoteActor({ connect: fleet.address, env: 'Acrobot-v1', retry: GIVE_UP_FAST }), 10_000, 'Acrobot actor'));
      assert.ok(r.error instanceof RemoteActorRefusedError, String(r.error));
      assert.equal(r.error.code, FAILED_PRECONDITION);
      assert.match(r.error.message, /env mismatch/);
      assert.match(r.error.message, /Acrobot-v1/);
      assert.match(r.error.message, /CartPole-v1/);
    } finally {
      await dispose();
    }
  });

  test("an actor whose env has other spaces than the learner's is refused by the learner", { timeout: 30_000 }, async () => {
    const { fleet, logs, dispose } = await startFleet({}, { spacesOf: 'Acrobot-v1' });
    try {
      const r = await outcome(within(runRemoteActor({ connect: fleet.address, retry: GIVE_UP_FAST }), 10_000, 'actor'));
      assert.ok(r.error instanceof RemoteActorRefusedError, String(r.error));
      assert.equal(r.error.code, FAILED_PRECONDITION);
      assert.match(r.error.message, /env mismatch: the actor's environment has spaces/);
      assert.equal(logs.filter((l) => l.includes('refused Join')).length, 1);
    } finally {
      await dispose();
    }
  });

  test('an actor that builds another model is refused with FAILED_PRECONDITION naming the fingerprints', { timeout: 30_000 }, async () => {
    const { fleet, dispose } = await startFleet({}, { modelConfig: { mlpHiddenSizes: [16] } });
    try {
      const r = await outcome(within(runRemoteActor({ connect: fleet.address, retry: GIVE_UP_FAST }), 10_000, 'actor'));
      assert.ok(r.error instanceof RemoteActorRefusedError, String(r.error));
      assert.equal(r.error.code, FAILED_PRECONDITION);
      assert.match(r.error.message, /model mismatch/);
      assert.match(r.error.message, /fingerprint/);
      const config = resolveTrainConfig(TINY);
      const probe = makeEnv('CartPole-v1') as unknown as ActorEnv;
      const actorModel = buildNetwork(config, probe, config.seed);
      const expected = modelFingerprint(actorModel);
      actorModel.dispose();
      await probe.close?.();
      assert.ok(r.error.message.includes(expected), `the actor's fingerprint ${expected} in: ${r.error.message}`);
    } finally {
      await dispose();
    }
  });

  test('a matching actor joins, gets an actor id, and finishes when the fleet closes', { timeout: 30_000 }, async () => {
    const { fleet, logs, dispose } = await startFleet({});
    try {
      const result = await actorIsAccepted(fleet, {});
      assert.equal(result.actorId, 0);
      assert.equal(result.sessions, 1);
      assert.ok(logs.some((l) => /actor 0 joined from \S*127\.0\.0\.1:\d+/.test(l)), logs.join('\n'));
    } finally {
      await dispose();
    }
  });
});
