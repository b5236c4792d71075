// WebWorkerTrainer and serveTrainerInWebWorker in Node: the "Web Worker" is the other end of a MessageChannel in
// this thread, so the page side and the worker side run the code a page runs (structured clone included). The
// page with a real Web Worker is tested in Chromium by `npm run test:browser` (web-worker-trainer.browser-test.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import '@tensorflow/tfjs-backend-cpu';
import { makeEnv, presetFor, registerEnv, serveTrainerInWebWorker, WebWorkerTrainer, type WatchedStep } from '../../src/browser.js';
import { messageChannelWorker } from '../helpers/message-channel-worker.js';
import { setupTestBackend } from '../helpers/tf.js';

await setupTestBackend();

/** A fake Web Worker running serveTrainerInWebWorker on the other end of a MessageChannel. */
const fakeWorker = (setup?: () => void): ReturnType<typeof messageChannelWorker> =>
  messageChannelWorker((scope) => { serveTrainerInWebWorker({ scope, ...(setup ? { setup } : {}) }); });

const config = { env: 'CartPole-v1', ...presetFor('CartPole-v1'), numActors: 1, envsPerActor: 2, unrollLength: 5, batchSize: 2, totalFrames: 200 } as const;

describe('WebWorkerTrainer (MessageChannel worker)', () => {
  test('trains to totalFrames in the worker; metrics, frames, status and observations reach the page', async () => {
    const steps: WatchedStep[] = [];
    const worker = fakeWorker();
    let updates = 0;
    const trainer = new WebWorkerTrainer(config, { worker, backend: 'cpu', onObservation: (s) => steps.push(s), observeIntervalMs: 0, onUpdate: () => { updates++; } });
    await trainer.ready();
    assert.equal(trainer.backend, 'cpu');
    assert.equal(trainer.status, 'idle');
    await trainer.run();
    assert.equal(trainer.status, 'finished');
    assert.ok(trainer.frames >= 200, `frames ${trainer.frames}`);
    assert.equal(trainer.updates, updates);
    assert.equal(trainer.metrics.points.length, updates);
    assert.equal(trainer.metrics.last?.frames, trainer.frames);
    assert.ok(steps.length > 0);
    const last = steps.at(-1)!;
    assert.equal((last.observation as ArrayLike<number>).length, 4); // CartPole's observation, copied through
    assert.ok(last.totalSteps >= last.steps);
    trainer.dispose();
    assert.ok(worker.terminated);
  });

  test('pause holds the worker; checkpoint while paused; restore into a new trainer; stop ends it', async () => {
    const trainer = new WebWorkerTrainer({ ...config, totalFrames: 1_000_000 }, { worker: fakeWorker(), backend: 'cpu' });
    trainer.start();
    while (trainer.updates < 3) await new Promise((r) => setTimeout(r, 5));
    trainer.pause();
    assert.equal(trainer.status, 'paused');
    const checkpoint = await trainer.checkpoint();
    const held = trainer.updates;
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(trainer.updates <= held + 1, 'at most the update in flight finishes after pause');
    assert.ok(checkpoint.learner.updates >= 3);
    assert.equal(checkpoint.weights.length > 0, true);
    await trainer.stop();
    assert.equal(trainer.status, 'stopped');
    trainer.dispose();

    const again = new WebWorkerTrainer({ ...config, totalFrames: 1_000_000 }, { worker: fakeWorker(), backend: 'cpu' });
    await again.restore(checkpoint);
    assert.equal(again.elapsedSeconds, checkpoint.elapsedSeconds);
    again.start();
    while (again.updates < 1) await new Promise((r) => setTimeout(r, 5));
    assert.ok(again.updates > checkpoint.learner.updates, `continues from update ${checkpoint.learner.updates}: ${again.updates}`);
    await again.stop();
    again.dispose();
    await assert.rejects(again.checkpoint(), /disposed/);
  });

  test("the worker's errors fail the trainer with their message: a bad config, an env that throws mid-run", async () => {
    const bad = new WebWorkerTrainer({ ...config, env: 'NoSuchEnv-v0' }, { worker: fakeWorker(), backend: 'cpu' });
    await assert.rejects(bad.ready(), /NoSuchEnv-v0/);
    assert.equal(bad.status, 'failed');
    await assert.rejects(bad.run(), /NoSuchEnv-v0/);
    bad.dispose();

    // An env (registered by the worker's setup step) that throws on its 30th step: the run fails with its message.
    const setup = (): void => {
      registerEnv(
        'Boom-v0',
        () => {
          const env = makeEnv('CartPole-v1');
          let steps = 0;
          const step = env.step.bind(env);
          return Object.assign(env, {
            step: (action: number) => {
              if (++steps === 30) throw new Error('Boom-v0 exploded at step 30');
              return step(action);
            },
          });
        },
        { override: true },
      );
    };
    const trainer = new WebWorkerTrainer({ ...config, env: 'Boom-v0', totalFrames: 100_000 }, { worker: fakeWorker(setup), backend: 'cpu' });
    await trainer.ready();
    await assert.rejects(trainer.run(), /Boom-v0 exploded at step 30/);
    assert.equal(trainer.status, 'failed');
    assert.match(trainer.error?.stack ?? '', /in the worker/);
    trainer.dispose();
  });
});
