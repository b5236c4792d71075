// WebWorkerActorFleet and serveActorInWebWorker in Node: each "Web Worker" is the other end of a MessageChannel in
// this thread (postMessage with transfer lists, onmessage), so the fleet, the worker side and PageTrainer's
// actorWorker mode run the code the page runs. The page itself, with real Web Workers, is tested in Chromium by
// `npm run test:browser` (web-worker-actors.browser-test.ts).
import assert from 'node:assert/strict';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { describe, test } from 'node:test';
import '@tensorflow/tfjs-backend-cpu';
import { PageTrainer, WebWorkerActorFleet, buildNetwork, createLearner, makeEnv, presetFor, resolveTrainConfig, serveActorInWebWorker, type ActorEnv, type WebWorkerLike, type WebWorkerScopeLike } from '../../src/browser.js';
import { setupTestBackend } from '../helpers/tf.js';

await setupTestBackend();

/** Sets a port's onmessage (Node's MessagePort has it; @types/node declares listeners only). */
function listen(port: MessagePort, handler: ((e: { data: unknown }) => void) | null): void {
  (port as unknown as { onmessage: typeof handler }).onmessage = handler;
}

/** A fake Web Worker: the page holds one port, serveActorInWebWorker the other. */
function fakeWorker(): WebWorkerLike & { terminated: boolean } {
  const { port1, port2 } = new MessageChannel();
  const scope = {
    postMessage: (m: unknown, t: ArrayBuffer[]) => { port1.postMessage(m, t); },
    set onmessage(h: ((e: { data: unknown }) => void) | null) { listen(port1, h); },
    get onmessage() { return null; },
    close: () => { port1.close(); },
  } satisfies WebWorkerScopeLike;
  serveActorInWebWorker({ scope });
  const worker = {
    terminated: false,
    onerror: null,
    onmessageerror: null,
    postMessage: (m: unknown, t: ArrayBuffer[]) => { port2.postMessage(m, t); },
    set onmessage(h: ((e: { data: unknown }) => void) | null) { listen(port2, h); },
    get onmessage() { return null; },
    terminate: () => {
      worker.terminated = true;
      port1.close();
      port2.close();
    },
  };
  return worker;
}

const config = { env: 'CartPole-v1', ...presetFor('CartPole-v1'), envsPerActor: 2, unrollLength: 5 } as const;

describe('WebWorkerActorFleet (MessageChannel workers)', () => {
  test('delivers unrolls of every worker, with the published parameters\' version; close terminates the workers', async () => {
    const env = makeEnv('CartPole-v1') as unknown as ActorEnv;
    const learner = createLearner(resolveTrainConfig({ ...config, totalFrames: 1000 }), buildNetwork(config, env, 1));
    const workers: ReturnType<typeof fakeWorker>[] = [];
    const fleet = await WebWorkerActorFleet.start({ numWorkers: 2, createWorker: () => { const w = fakeWorker(); workers.push(w); return w; }, config, parameters: learner.latest() });
    assert.equal(fleet.size, 2);
    assert.equal(fleet.backend, 'cpu');
    const actors = new Set<number>();
    for (let i = 0; i < 6; i++) {
      const r = await fleet.next();
      assert.equal(r.done, false);
      const ts = r.value;
      assert.ok(ts);
      assert.equal(ts.length, 2);
      for (const t of ts) {
        actors.add(t.actorId);
        assert.equal(t.policyVersion, 0);
        assert.equal(t.rewards.length, 6);
      }
    }
    assert.deepEqual([...actors].sort(), [0, 1]);
    const states = await fleet.actorStates(5000);
    assert.equal(states.length, 2);
    assert.ok(states.every((s) => s.unrolls > 0));
    await fleet.close();
    assert.ok(workers.every((w) => w.terminated));
    assert.deepEqual(await fleet.next(), { done: true, value: undefined });
    learner.dispose();
  });

  test('a worker that fails (unknown env id) makes start reject with its message', async () => {
    await assert.rejects(
      WebWorkerActorFleet.start({ numWorkers: 1, createWorker: fakeWorker, config: { ...config, env: 'NoSuchEnv-v0' } }),
      /worker 0 failed: .*NoSuchEnv-v0/,
    );
  });
});

describe('PageTrainer with actorWorker', () => {
  test('trains with its actors in (fake) Web Workers and checkpoints their states', async () => {
    const trainer = new PageTrainer({ ...config, numActors: 2, batchSize: 4, totalFrames: 400 }, { actorWorker: fakeWorker });
    await trainer.run();
    assert.equal(trainer.status, 'finished');
    assert.ok(trainer.frames >= 400);
    const cp = trainer.checkpoint();
    assert.equal(cp.actors.length, 2);
    assert.ok(cp.actors.every((s) => s.unrolls > 0));
    trainer.dispose();
  });
});
