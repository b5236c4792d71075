/**
 * The actor-fleet seam: train() through a fleet written in this file, InlineActorFleet, resolveTrainConfig, and
 * the model fingerprint checked where weights cross a boundary. Expected counters follow from the settings
 * (frames = updates·B·T); expected errors are the messages the sources document.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Actor, type ActorEnv, type ActorState } from '../../src/agent/actor.js';
import type { ActorFleet, ActorFleetContext } from '../../src/agent/actor-fleet.js';
import { loadCheckpoint } from '../../src/agent/checkpoint.js';
import type { ParameterSnapshot, ParameterSource } from '../../src/agent/core.js';
import { AgentError } from '../../src/agent/errors.js';
import { InlineActorFleet } from '../../src/agent/inline-actor-fleet.js';
import { modelFingerprint } from '../../src/agent/model-fingerprint.js';
import { buildNetwork, train } from '../../src/agent/train.js';
import { resolveTrainConfig, TRAIN_DEFAULTS } from '../../src/agent/train-config.js';
import type { Trajectory } from '../../src/agent/trajectory.js';
import { WorkerActorFleet } from '../../src/agent/worker-actor-fleet.js';
import { makeEnv } from '../../src/envs/registry.js';
import { ImpalaRlError } from '../../src/internal/errors.js';
import { setupTestBackend, testBackendName, tf } from '../helpers/tf.js';

await setupTestBackend();

/** A fleet of one in-process actor, written against the ActorFleet interface alone. */
class OneActorFleet implements ActorFleet {
  readonly size = 1;
  readonly published: ParameterSnapshot[] = [];
  closed = false;
  stateRequests = 0;
  readonly #actor: Actor;
  readonly #cleanUp: () => void;
  #latest: ParameterSnapshot;

  constructor(context: ActorFleetContext) {
    const { config } = context;
    const envs = Array.from({ length: config.envsPerActor }, () => makeEnv('CartPole-v1') as unknown as ActorEnv);
    const model = buildNetwork(config, envs[0]!, config.seed);
    this.#latest = context.parameters;
    this.#actor = new Actor({ envs, model, unrollLength: config.unrollLength, seed: 7, parameterSource: { latest: () => this.#latest } });
    this.#cleanUp = () => {
      this.#actor.dispose();
      model.dispose();
    };
  }

  publish(snapshot: ParameterSnapshot): void {
    this.published.push(snapshot);
    this.#latest = snapshot;
  }

  actorStates(): Promise<readonly ActorState[]> {
    this.stateRequests++;
    return Promise.resolve([this.#actor.getState()]);
  }

  close(): Promise<void> {
    if (!this.closed) this.#cleanUp();
    this.closed = true;
    return Promise.resolve();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<readonly Trajectory[]> {
    while (!this.closed) yield await this.#actor.unroll();
  }
}

describe('train() through an ActorFleet written in the test', () => {
  test('trains to totalFrames, publishes every update with the fingerprint, checkpoints its states and closes it', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'impala-fleet-'));
    let fleet: OneActorFleet | null = null;
    try {
      const before = tf.memory().numTensors;
      const result = await train(
        { env: 'CartPole-v1', totalFrames: 240, envsPerActor: 4, unrollLength: 5, batchSize: 4, mlpHiddenSizes: [8], runDir },
        { fleet: (context) => (fleet = new OneActorFleet(context)) },
      );
      assert.ok(fleet);
      const f = fleet as OneActorFleet;
      // 240 frames at B·T = 20 per update: 12 updates, each published once, versions 1..12.
      assert.equal(result.updates, 12);
      assert.equal(result.frames, 240);
      assert.deepEqual(f.published.map((s) => s.version), Array.from({ length: 12 }, (_, i) => i + 1));
      assert.ok(f.published.every((s) => s.fingerprint === modelFingerprint(result.network)));
      assert.equal(f.closed, true);
      assert.ok(f.stateRequests >= 1, 'the final checkpoint asks the fleet for its actor states');
      const checkpoint = await loadCheckpoint(runDir);
      assert.equal(checkpoint.actors.length, 1);
      assert.equal(checkpoint.actors[0]!.unrolls > 0, true);
      result.network.dispose();
      assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  });

  test('a trajectory that breaks the contract stops the run with an error naming the actor and the field', async () => {
    const bad: ActorFleet = {
      size: 1,
      publish: () => undefined,
      actorStates: () => Promise.resolve(null),
      close: () => Promise.resolve(),
      async *[Symbol.asyncIterator]() {
        const t: Trajectory = {
          unrollLength: 1, observationShape: [4], observations: new Float32Array(8), rewards: Float32Array.from([0, NaN]),
          dones: new Uint8Array(2), terminated: new Uint8Array(2), truncated: new Uint8Array(2), truncationValues: new Float32Array(2),
          lastActions: new Int32Array(2), actions: new Int32Array(2), behaviourLogits: new Float32Array(4), initialState: null,
          policyVersion: 0, episodes: [], actorId: 5,
        };
        await Promise.resolve();
        yield [t];
      },
    };
    await assert.rejects(
      train({ env: 'CartPole-v1', totalFrames: 100, unrollLength: 1, batchSize: 1, mlpHiddenSizes: [8] }, { fleet: () => bad }),
      (e: unknown) => e instanceof AgentError && e.message.includes('train: trajectory from actor 5: \'rewards\'[1] = NaN is not finite'),
    );
  });
});

describe('weights crossing a boundary', () => {
  test('resuming from a checkpoint of another network is refused naming the first weight that differs, and frees what it made', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'impala-fingerprint-'));
    try {
      const config = { env: 'CartPole-v1', totalFrames: 20, envsPerActor: 2, unrollLength: 5, batchSize: 2, mlpHiddenSizes: [8], runDir } as const;
      (await train(config)).network.dispose();
      const before = tf.memory().numTensors;
      await assert.rejects(
        train({ ...config, totalFrames: 40, mlpHiddenSizes: [6], resume: true }),
        /weight 0 is 'torso\/linear_0\/kernel' \[4, 8\], the network has 'torso\/linear_0\/kernel' \[4, 6\]/,
      );
      assert.equal(tf.memory().numTensors, before);
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  });
});

describe('InlineActorFleet', () => {
  const makeActors = (source: ParameterSource, n: number) =>
    Array.from({ length: n }, (_, i) => {
      const envs = [makeEnv('CartPole-v1') as unknown as ActorEnv];
      return new Actor({ envs, model: buildNetwork({ mlpHiddenSizes: [4] }, envs[0]!, 1), unrollLength: 3, seed: 1, actorId: i, parameterSource: source });
    });

  test('actors made by a function act with the published parameters; each is at most maxUnrollsAhead ahead', async () => {
    let models: Actor[] = [];
    const fleet = new InlineActorFleet({ actors: (source) => (models = makeActors(source, 2)) });
    const probe = buildNetwork({ mlpHiddenSizes: [4] }, makeEnv('CartPole-v1'), 1);
    fleet.publish({ version: 3, weights: probe.getFlatWeights(), fingerprint: modelFingerprint(probe) });
    const seen = new Set<number>();
    let n = 0;
    for await (const unroll of fleet) {
      assert.equal(unroll.length, 1);
      assert.equal(unroll[0]!.policyVersion, 3);
      seen.add(unroll[0]!.actorId);
      if (++n === 4) break;
    }
    assert.deepEqual([...seen].sort(), [0, 1]);
    assert.equal(models.length, 2);
    assert.deepEqual((await fleet.actorStates()).map((s) => s.unrolls <= 3), [true, true]);
    await fleet.close();
    assert.deepEqual(await fleet.next(), { done: true, value: undefined });
    probe.dispose();
  });

  test('an actor that fails rejects iteration with an error naming the actor', async () => {
    const envs = [makeEnv('CartPole-v1') as unknown as ActorEnv];
    const model = buildNetwork({ mlpHiddenSizes: [4] }, envs[0]!, 1);
    const broken = { ...envs[0]!, observationSpace: envs[0]!.observationSpace, actionSpace: envs[0]!.actionSpace, reset: () => { throw new Error('env exploded'); }, step: envs[0]!.step.bind(envs[0]!) } as unknown as ActorEnv;
    const fleet = new InlineActorFleet({ actors: [new Actor({ envs: [broken], model, unrollLength: 2, seed: 1, actorId: 9 })] });
    await assert.rejects(fleet.next(), /InlineActorFleet: actor 9 failed: env exploded/);
    await fleet.close();
    model.dispose();
  });

  test("a snapshot for another model is refused before its weights load, naming both fingerprints", async () => {
    const envs = [makeEnv('CartPole-v1') as unknown as ActorEnv];
    const model = buildNetwork({ mlpHiddenSizes: [4] }, envs[0]!, 1);
    const other = buildNetwork({ mlpHiddenSizes: [5] }, envs[0]!, 1);
    const actor = new Actor({ envs, model, unrollLength: 2, seed: 1, actorId: 2, parameterSource: { latest: () => ({ version: 1, weights: model.getFlatWeights(), fingerprint: modelFingerprint(other) }) } });
    await assert.rejects(actor.unroll(), (e: unknown) => e instanceof AgentError && /Actor 2: the parameters are for another model \(fingerprint 6x\d+:[0-9a-f]{8}.*than this one \(6x\d+:[0-9a-f]{8}\)/.test(e.message));
    actor.dispose();
    model.dispose();
    other.dispose();
  });
});

describe('resolveTrainConfig', () => {
  test('fills every default from TRAIN_DEFAULTS and keeps what was set', () => {
    const r = resolveTrainConfig({ env: 'CartPole-v1', totalFrames: 1000, batchSize: 4 });
    assert.equal(r.batchSize, 4);
    for (const k of ['numActors', 'envsPerActor', 'unrollLength', 'discount', 'learningRate', 'rmspropEpsilon', 'checkpointIntervalSeconds', 'actorMode'] as const) {
      assert.equal(r[k], TRAIN_DEFAULTS[k], k);
    }
    assert.deepEqual(r.envOptions, {});
  });

  test('rejects a bad value before anything is built, naming the field', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ batchSize: 0 }, /train: 'batchSize' must be an integer >= 1, got 0/],
      [{ totalFrames: -1 }, /train: 'totalFrames' must be > 0, got -1/],
      [{ discount: 2 }, /train: 'discount' must be in \[0, 1\], got 2/],
      [{ env: [] }, /train: 'env' must be an env id or a non-empty list of ids/],
      [{ optimizer: 'sgd' }, /train: 'optimizer' must be 'rmsprop' or 'adam', got "sgd"/],
      [{ maxGradNorm: 0 }, /train: 'maxGradNorm' must be null or > 0, got 0/],
    ];
    for (const [patch, message] of bad) {
      assert.throws(() => resolveTrainConfig({ env: 'CartPole-v1', totalFrames: 1000, ...patch }), (e: unknown) => e instanceof ImpalaRlError && message.test((e as Error).message), JSON.stringify(patch));
    }
  });
});

describe('WorkerActorFleet', () => {
  test('a worker whose network does not match the fingerprint of the parameters fails at start-up, naming the worker', async () => {
    const env = makeEnv('CartPole-v1') as unknown as ActorEnv;
    const learnerNet = buildNetwork({ mlpHiddenSizes: [8] }, env, 1);
    const snapshot = { version: 0, weights: learnerNet.getFlatWeights(), fingerprint: modelFingerprint(learnerNet) };
    await assert.rejects(
      WorkerActorFleet.start({ numWorkers: 1, config: { env: 'CartPole-v1', mlpHiddenSizes: [6] }, backend: testBackendName(), parameters: snapshot }),
      /WorkerActorFleet: worker 0 failed: actor 0: the parameters are for another model/,
    );
    learnerNet.dispose();
  });
});
