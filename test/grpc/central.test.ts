/**
 * Central inference (SEED RL style): CentralInference batching actors' steps, the in-process variant (train with
 * inference 'central'), and GrpcActorFleet serving thin actors (runRemoteActor({ inference: 'remote' })).
 *
 * Expected values: the trajectories of an ordinary Actor with its own network copy (local inference), for the same
 * seeds and weights, entry by entry; rows of a network do not interact, and the tests run on the cpu backend, whose
 * per-row arithmetic does not depend on the batch, so they must be equal exactly. Error messages are the ones
 * src/grpc/grpc-actor-fleet.ts documents.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { Actor, type ActorEnv } from '../../src/agent/actor.js';
import { actorSeed } from '../../src/agent/actor-seed.js';
import { buildNetwork } from '../../src/agent/build-network.js';
import { CentralInference } from '../../src/agent/central-inference.js';
import { resolveActorConfig, resolveTrainConfig, type TrainConfig } from '../../src/agent/train-config.js';
import { startInferenceWorker } from '../../src/agent/worker-inference.js';
import { train } from '../../src/agent/train.js';
import type { Trajectory } from '../../src/agent/trajectory.js';
import { makeEnvs } from '../../src/envs/make-envs.js';
import { GrpcActorFleet } from '../../src/grpc/grpc-actor-fleet.js';
import { runRemoteActor } from '../../src/grpc/remote-actor.js';
import { spacesKey } from '../../src/grpc/spaces.js';
import { tokenMetadata } from '../../src/grpc/transport-options.js';
import { decodeMessage, encodeMessage, LEARNER_SERVICE, PROTOCOL_VERSION, toWireTensor, type Control, type RunInfo } from '../../src/grpc/wire.js';
import { setupTestBackend, tf } from '../helpers/tf.js';

await setupTestBackend();

async function envsOf(config: TrainConfig, n: number): Promise<ActorEnv[]> {
  return (await makeEnvs(config.env as string, n, { ...config.envOptions })) as unknown as ActorEnv[];
}

const CARTPOLE: TrainConfig = { env: 'CartPole-v1', totalFrames: 1, seed: 5, unrollLength: 7, envsPerActor: 3, lstmSize: 0, mlpHiddenSizes: [16] };
// The maze with the LSTM core: small frames and the shallow torso keep the cpu backend fast.
const MAZE: TrainConfig = { env: 'Maze-v0', envOptions: { height: 36, width: 48 }, totalFrames: 1, seed: 9, unrollLength: 6, envsPerActor: 2, torso: 'shallow', lstmSize: 8 };

/** Weights that are not the initial ones (so that a mix-up of weight sets would show). */
function perturbedWeights(network: ReturnType<typeof buildNetwork>): Float32Array {
  const w = network.getFlatWeights();
  return w.map((x, i) => x + 0.01 * Math.sin(i));
}

async function localUnrolls(config: TrainConfig, weights: Float32Array, actorId: number, seed: number, unrolls: number): Promise<Trajectory[][]> {
  const r = resolveTrainConfig(config);
  const envs = await envsOf(config, r.envsPerActor);
  const network = buildNetwork(r, envs[0]!, r.seed);
  network.setWeights(weights);
  const actor = new Actor({ envs, model: network, unrollLength: r.unrollLength, seed, actorId, parameterSource: { latest: () => ({ version: 0, weights }) } });
  const out: Trajectory[][] = [];
  for (let k = 0; k < unrolls; k++) out.push(await actor.unroll());
  actor.dispose();
  network.dispose();
  return out;
}

function assertSameTrajectories(actual: readonly Trajectory[], expected: readonly Trajectory[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((t, i) => {
    const e = expected[i]!;
    for (const key of ['observations', 'rewards', 'dones', 'terminated', 'truncated', 'truncationValues', 'lastActions', 'actions', 'behaviourLogits'] as const) {
      assert.deepEqual(Array.from(t[key]), Array.from(e[key]), `${what}: trajectory ${i}: ${key}`);
    }
    assert.deepEqual(t.initialState && { c: Array.from(t.initialState.c), h: Array.from(t.initialState.h) }, e.initialState && { c: Array.from(e.initialState.c), h: Array.from(e.initialState.h) }, `${what}: trajectory ${i}: initialState`);
    assert.deepEqual(t.episodes.map((x) => ({ ...x, task: undefined })), e.episodes.map((x) => ({ ...x, task: undefined })), `${what}: trajectory ${i}: episodes`);
    assert.equal(t.policyVersion, e.policyVersion);
    assert.equal(t.actorId, e.actorId);
  });
}

for (const [name, config, unrolls] of [['CartPole-v1 (MLP)', CARTPOLE, 12], ['Maze-v0 (shallow torso + LSTM)', MAZE, 4]] as const) {
  describe(`central inference gives the trajectories of local inference: ${name}`, () => {
    test('in process: two actors on one CentralInference (steps batched together) = each with its own network', async () => {
      const r = resolveTrainConfig(config);
      const probe = await envsOf(config, 1);
      const shared = buildNetwork(r, probe[0]!, r.seed);
      const weights = perturbedWeights(shared);
      shared.setWeights(weights);
      const central = new CentralInference({ model: shared, minimumBatchSize: 2, timeoutMs: 1000 });
      const actors = await Promise.all(
        [0, 1].map(async (id) =>
          new Actor({ envs: await envsOf(config, r.envsPerActor), model: central.actorModel, inference: central.step, unrollLength: r.unrollLength, seed: actorSeed(r.seed, id), actorId: id, parameterSource: central.parameterSource({ latest: () => ({ version: 0, weights }) }) }),
        ),
      );
      const got: Trajectory[][][] = [[], []];
      for (let k = 0; k < unrolls; k++) {
        const both = await Promise.all(actors.map((a) => a.unroll()));
        both.forEach((u, id) => got[id]!.push(u));
      }
      const stats = central.stats();
      assert.ok(stats.histogram[2]! > 0, `steps of both actors were batched together: ${JSON.stringify(stats.histogram)}`);
      actors.forEach((a) => {
        a.dispose();
      });
      await central.close();
      shared.dispose();
      for (const id of [0, 1]) {
        const expected = await localUnrolls(config, weights, id, actorSeed(r.seed, id), unrolls);
        expected.forEach((u, k) => {
          assertSameTrajectories(got[id]![k]!, u, `actor ${id}, unroll ${k}`);
        });
      }
    });

    test('over gRPC: a thin actor (inference remote) = an actor with its own network, for the seed the learner assigned', async () => {
      const r = resolveTrainConfig(config);
      const probe = await envsOf(config, 1);
      const model = buildNetwork(r, probe[0]!, r.seed);
      const inferenceModel = buildNetwork(r, probe[0]!, r.seed);
      const weights = perturbedWeights(model);
      model.setWeights(weights);
      inferenceModel.setWeights(weights);
      const fleet = await GrpcActorFleet.start({ listen: '127.0.0.1:0', config: r, parameters: { version: 0, weights }, model, spaces: spacesKey(probe[0]!), inferenceModel });
      const controller = new AbortController();
      const thin = runRemoteActor({ connect: fleet.address, inference: 'remote', signal: controller.signal });
      const got: Trajectory[][] = [];
      for await (const unroll of fleet) {
        got.push([...unroll]);
        if (got.length === unrolls) break;
      }
      controller.abort();
      await fleet.close();
      const result = await thin;
      assert.notEqual(result.reason, undefined);
      const expected = await localUnrolls(config, weights, 0, actorSeed(r.seed, 0), unrolls);
      expected.forEach((u, k) => {
        assertSameTrajectories(got[k]!, u, `unroll ${k}`);
      });
      model.dispose();
      inferenceModel.dispose();
    });
  });
}

describe('central inference in a worker thread (startInferenceWorker)', () => {
  test('gives the same trajectories as local inference (CartPole-v1, two actors batched together)', async () => {
    const config = CARTPOLE;
    const r = resolveTrainConfig(config);
    const probe = await envsOf(config, 1);
    const shape = buildNetwork(r, probe[0]!, r.seed);
    const weights = perturbedWeights(shape);
    const runner = await startInferenceWorker({ config: resolveActorConfig(r), envId: 'CartPole-v1', backend: 'cpu', parameters: { version: 0, weights } });
    const central = new CentralInference({ model: shape, runner, minimumBatchSize: 2, timeoutMs: 1000 });
    const actors = await Promise.all(
      [0, 1].map(async (id) =>
        new Actor({ envs: await envsOf(config, r.envsPerActor), model: central.actorModel, inference: central.step, unrollLength: r.unrollLength, seed: actorSeed(r.seed, id), actorId: id, parameterSource: { latest: () => ({ version: 0, weights }) } }),
      ),
    );
    const got: Trajectory[][][] = [[], []];
    for (let k = 0; k < 6; k++) {
      const both = await Promise.all(actors.map((a) => a.unroll()));
      both.forEach((u, id) => got[id]!.push(u));
    }
    assert.ok(central.stats().histogram[2]! > 0);
    actors.forEach((a) => {
      a.dispose();
    });
    await central.close();
    shape.dispose();
    for (const id of [0, 1]) {
      const expected = await localUnrolls(config, weights, id, actorSeed(r.seed, id), 6);
      expected.forEach((u, k) => {
        assertSameTrajectories(got[id]![k]!, u, `actor ${id}, unroll ${k}`);
      });
    }
  });

  test("train({ inference: 'central', inferenceThread: 'worker' }) reaches totalFrames; the worker is stopped", async () => {
    const before = tf.memory().numTensors;
    const result = await train({ ...CARTPOLE, totalFrames: 20 * 4 * 7, batchSize: 4, numActors: 2, inference: 'central', inferenceThread: 'worker', actorBackend: 'cpu' });
    result.network.dispose();
    assert.equal(result.frames, 20 * 4 * 7);
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('train with inference central (in process)', () => {
  test('reaches totalFrames with actors inline on one shared network; no tensor leaks', async () => {
    const before = tf.memory().numTensors;
    const result = await train({ ...CARTPOLE, totalFrames: 30 * 4 * 7, batchSize: 4, numActors: 3, inference: 'central', inferenceBatching: { minimumBatchSize: 3, timeoutMs: 20 } });
    result.network.dispose();
    assert.equal(result.frames, 30 * 4 * 7);
    assert.equal(tf.memory().numTensors, before);
  });

  test("refuses inference 'central' with actorMode 'workers', naming the field", async () => {
    await assert.rejects(train({ ...CARTPOLE, inference: 'central', actorMode: 'workers' }), /'actorMode' must be 'auto' or 'inline' with inference 'central'/);
  });
});

/** A raw client of the learner service (bytes in, bytes out), to send what a real actor never would. */
class RawClient {
  readonly client: grpc.Client;
  constructor(address: string) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure());
  }

  getRun(): Promise<RunInfo> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(`/${LEARNER_SERVICE}/GetRun`, (b: Buffer) => b, (b: Buffer) => decodeMessage('RunInfo', b) as RunInfo, encodeMessage('GetRunRequest', { protocol_version: PROTOCOL_VERSION }), tokenMetadata(null), (e, v) => {
        if (e) reject(e);
        else resolve(v!);
      });
    });
  }

  /** Joins for central inference; resolves with the session id and the Join stream (cancel it to leave). */
  async join(numEnvs: number): Promise<{ sessionId: string; control: grpc.ClientReadableStream<Control> }> {
    const run = await this.getRun();
    const body = encodeMessage('JoinRequest', { protocol_version: PROTOCOL_VERSION, run_id: run.run_id, env_id: 'CartPole-v1', spaces: run.spaces, fingerprint: '', num_envs: numEnvs, inference: 'remote', host: hostname(), pid: process.pid, backend: '' });
    const control = this.client.makeServerStreamRequest(`/${LEARNER_SERVICE}/Join`, (b: Buffer) => b, (b: Buffer) => decodeMessage('Control', b) as Control, body, tokenMetadata(null));
    control.on('error', () => undefined);
    const welcome = await new Promise<Control>((resolve) => control.once('data', resolve));
    return { sessionId: welcome.welcome!.session_id, control };
  }

  /** Opens an Infer stream; `status` settles with the call's final status. */
  infer(): { stream: grpc.ClientDuplexStream<Buffer, Buffer>; status: Promise<grpc.StatusObject> } {
    const stream = this.client.makeBidiStreamRequest(`/${LEARNER_SERVICE}/Infer`, (b: Buffer) => b, (b: Buffer) => b, tokenMetadata(null));
    stream.on('error', () => undefined);
    stream.on('data', () => undefined);
    return { stream, status: new Promise((resolve) => stream.on('status', resolve)) };
  }

  close(): void {
    this.client.close();
  }
}

describe('GrpcActorFleet central inference: faults', () => {
  async function startFleet(batching: { minimumBatchSize?: number; timeoutMs?: number } = {}): Promise<{ fleet: GrpcActorFleet; dispose: () => Promise<void> }> {
    const r = resolveTrainConfig(CARTPOLE);
    const probe = await envsOf(CARTPOLE, 1);
    const model = buildNetwork(r, probe[0]!, r.seed);
    const inferenceModel = buildNetwork(r, probe[0]!, r.seed);
    const fleet = await GrpcActorFleet.start({ listen: '127.0.0.1:0', config: r, parameters: { version: 0, weights: model.getFlatWeights() }, model, spaces: spacesKey(probe[0]!), inferenceModel, inferenceBatching: batching });
    return {
      fleet,
      dispose: async () => {
        await fleet.close();
        model.dispose();
        inferenceModel.dispose();
      },
    };
  }

  test('bad observations are refused with INVALID_ARGUMENT naming the field', async () => {
    const { fleet, dispose } = await startFleet();
    const raw = new RawClient(fleet.address);
    const cases: [string, (sessionId: string) => object, RegExp][] = [
      ['NaN', (sid) => ({ session_id: sid, step: 0, observations: toWireTensor(Float32Array.from([0, 0, NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0]), [3, 4]) }), /observations\[0\]\[2\] = NaN is not finite/],
      ['shape', (sid) => ({ session_id: sid, step: 0, observations: toWireTensor(new Float32Array(10), [2, 5]) }), /observations has shape \[2, 5\], expected \[3, 4\]/],
      ['dtype', (sid) => ({ session_id: sid, step: 0, observations: toWireTensor(new Uint8Array(12), [3, 4]) }), /observations has dtype uint8, expected float32/],
      ['missing', (sid) => ({ session_id: sid, step: 0 }), /observations is missing/],
      ['step', (sid) => ({ session_id: sid, step: 4, observations: toWireTensor(new Float32Array(12), [3, 4]) }), /step is 4, expected 0/],
    ];
    try {
      for (const [what, body, pattern] of cases) {
        const { sessionId, control } = await raw.join(3);
        const { stream, status } = raw.infer();
        stream.write(encodeMessage('InferenceRequest', body(sessionId)));
        const s = await status;
        assert.equal(s.code, grpc.status.INVALID_ARGUMENT, what);
        assert.match(s.details, pattern, what);
        control.cancel();
      }
      // A later step: rewards and flags are checked too.
      const { sessionId, control } = await raw.join(3);
      const { stream, status } = raw.infer();
      stream.write(encodeMessage('InferenceRequest', { session_id: sessionId, step: 0, observations: toWireTensor(new Float32Array(12), [3, 4]) }));
      await new Promise((resolve) => stream.once('data', resolve));
      stream.write(encodeMessage('InferenceRequest', { step: 1, observations: toWireTensor(new Float32Array(12), [3, 4]), rewards: toWireTensor(Float64Array.from([1, Infinity, 1]), [3]), terminated: toWireTensor(new Uint8Array(3), [3]), truncated: toWireTensor(new Uint8Array(3), [3]) }));
      const s = await status;
      assert.equal(s.code, grpc.status.INVALID_ARGUMENT);
      assert.match(s.details, /rewards\[1\] = Infinity is not finite/);
      control.cancel();
      assert.ok(fleet.stats().rejectedMessages >= cases.length + 1);
    } finally {
      raw.close();
      await dispose();
    }
  });

  test('an actor that vanishes mid-episode frees its recurrent state: tensor count flat over 1,000 reconnects', async () => {
    const { fleet, dispose } = await startFleet({ timeoutMs: 0 });
    try {
      // Each cycle is a new connection that vanishes (as a killed actor's does), after the learner-side actor
      // acted once (its recurrent state exists) and while it waits for the envs' next step.
      const cycle = async (): Promise<void> => {
        const raw = new RawClient(fleet.address);
        const { sessionId } = await raw.join(3);
        const { stream, status } = raw.infer();
        stream.write(encodeMessage('InferenceRequest', { session_id: sessionId, step: 0, observations: toWireTensor(new Float32Array(12), [3, 4]) }));
        await new Promise((resolve) => stream.once('data', resolve));
        raw.close();
        stream.cancel();
        await status;
      };
      for (let i = 0; i < 20; i++) await cycle(); // warm-up: kernels, caches
      const settle = async (): Promise<number> => {
        for (let i = 0; i < 200 && fleet.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
        await new Promise((resolve) => setTimeout(resolve, 50));
        return tf.memory().numTensors;
      };
      const before = await settle();
      for (let i = 0; i < 1000; i++) await cycle();
      const after = await settle();
      assert.equal(fleet.size, 0, 'every session ended');
      assert.equal(after, before, `tensors before ${before}, after 1,000 reconnects ${after}`);
      assert.ok(fleet.restarts >= 1000);
    } finally {
      await dispose();
    }
  });

  test('a stalled actor does not hold a batch longer than timeoutMs', async () => {
    // Batches wait for 2 actor steps, at most 20 ms: with one of the two actors silent, the other still gets
    // an answer to every step, one timeout later at worst.
    const { fleet, dispose } = await startFleet({ minimumBatchSize: 2, timeoutMs: 20 });
    const raw = new RawClient(fleet.address);
    const controller = new AbortController();
    try {
      const stalled = await raw.join(3);
      const { stream } = raw.infer();
      stream.write(encodeMessage('InferenceRequest', { session_id: stalled.sessionId, step: 0, observations: toWireTensor(new Float32Array(12), [3, 4]) }));
      const thin = runRemoteActor({ connect: fleet.address, inference: 'remote', signal: controller.signal });
      const started = performance.now();
      const taken: number[] = [];
      for await (const unroll of fleet) {
        assert.equal(unroll[0]!.actorId, 1, 'only the live actor delivers');
        taken.push(performance.now() - started);
        if (taken.length === 3) break;
      }
      // 3 unrolls of T = 7 steps: 22 actor steps, each waiting at most ~20 ms for the silent actor.
      assert.ok(taken[2]! < 22 * 20 * 5 + 2000, `3 unrolls took ${Math.round(taken[2]!)} ms`);
      controller.abort();
      stalled.control.cancel();
      stream.cancel();
      await thin;
    } finally {
      raw.close();
      await dispose();
    }
  });
});
