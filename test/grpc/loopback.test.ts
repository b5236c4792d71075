/**
 * The learner service end to end in one process, over loopback gRPC: train() with a GrpcActorFleet and remote
 * actors (runRemoteActor). Expected counters follow from the settings (frames = updates·B·T); the actors' ids
 * are the lowest free ones (0, 1), as GrpcActorFleet documents.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { train, type TrainProgress } from '../../src/agent/train.js';
import { GrpcActorFleet } from '../../src/grpc/grpc-actor-fleet.js';
import { runRemoteActor, type RemoteActorResult } from '../../src/grpc/remote-actor.js';
import { setupTestBackend, tf } from '../helpers/tf.js';

await setupTestBackend();

describe('learner service over loopback', () => {
  test('two remote actors feed train(); the run ends at totalFrames and both actors finish; stats reach the progress', async () => {
    const before = tf.memory().numTensors;
    let started: (f: GrpcActorFleet) => void = () => undefined;
    const fleetReady = new Promise<GrpcActorFleet>((resolve) => {
      started = resolve;
    });
    const logs: string[] = [];
    const progress: TrainProgress[] = [];
    const T = 10;
    const B = 4;
    const run = train(
      { env: 'CartPole-v1', totalFrames: 40 * B * T, unrollLength: T, batchSize: B, envsPerActor: 2, seed: 3, lstmSize: 0, mlpHiddenSizes: [16] },
      { fleet: GrpcActorFleet.factory({ listen: '127.0.0.1:0', onLog: (l) => logs.push(l) }, started), onProgress: (p) => progress.push(p) },
    );
    const fleet = await fleetReady;
    assert.match(fleet.address, /^127\.0\.0\.1:\d+$/);
    const actors: Promise<RemoteActorResult>[] = [0, 1].map(() => runRemoteActor({ connect: fleet.address, env: 'CartPole-v1' }));
    const result = await run;
    const finished = await Promise.all(actors);
    result.network.dispose();
    assert.equal(result.frames, 40 * B * T);
    assert.equal(result.updates, 40);
    assert.deepEqual(finished.map((r) => r.reason), ['finished', 'finished']);
    assert.deepEqual(finished.map((r) => r.actorId).sort(), [0, 1]);
    // Every unroll the learner took carried 2 trajectories: B/2 unrolls per update, all from these two actors.
    assert.ok(finished[0]!.unrolls + finished[1]!.unrolls >= (40 * B) / 2);
    assert.ok(logs.some((l) => /listening on 127\.0\.0\.1:\d+ \(plaintext, no token\)/.test(l)), logs.join('\n'));
    assert.equal(logs.filter((l) => l.includes('joined from')).length, 2);
    const last = progress.at(-1)!;
    assert.ok(last.connectedActors >= 1 && last.connectedActors <= 2);
    assert.equal(last.rejectedMessages, 0);
    assert.ok(Object.keys(last.actorFramesPerSecond).length >= 1);
    assert.equal(tf.memory().numTensors, before, 'tensors leaked by the learner or the actors');
  });

  test('once the learner has gone, an actor retries within its budget, then gives up naming the address', async () => {
    let started: (f: GrpcActorFleet) => void = () => undefined;
    const fleetReady = new Promise<GrpcActorFleet>((resolve) => {
      started = resolve;
    });
    const controller = new AbortController();
    const run = train(
      { env: 'CartPole-v1', totalFrames: 10_000, unrollLength: 5, batchSize: 2, envsPerActor: 1, lstmSize: 0, mlpHiddenSizes: [8] },
      { fleet: GrpcActorFleet.factory({ listen: '127.0.0.1:0' }, started), signal: controller.signal },
    );
    const fleet = await fleetReady;
    const address = fleet.address;
    controller.abort();
    const result = await run;
    result.network.dispose();
    assert.equal(result.stopped, true);
    // The port is closed now: the actor retries until its (short) budget is spent.
    await assert.rejects(runRemoteActor({ connect: address, retry: { initialDelayMs: 50, maxDelayMs: 100, giveUpAfterMs: 400 } }), /gave up on the learner at 127\.0\.0\.1:\d+ after/);
  });
});
