// PageTrainer, MetricsSeries and the browser checkpoint format, run in Node (the same code the page runs; the
// page itself is tested in Chromium by `npm run test:browser`).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type * as tfTypes from '@tensorflow/tfjs-core';
import { PageTrainer, MetricsSeries, presetFor, saveBrowserCheckpoint, loadBrowserCheckpoint, Wrapper } from '../../src/browser.js';
import { setupTestBackend, tf } from '../helpers/tf.js';

await setupTestBackend();

/** An in-memory tfjs IO handler (stands in for indexeddb:// here). */
function memoryHandler(): tfTypes.io.IOHandler & { saved: tfTypes.io.ModelArtifacts | null } {
  const h = {
    saved: null as tfTypes.io.ModelArtifacts | null,
    save(artifacts: tfTypes.io.ModelArtifacts): Promise<tfTypes.io.SaveResult> {
      h.saved = JSON.parse(JSON.stringify({ ...artifacts, weightData: undefined })) as tfTypes.io.ModelArtifacts;
      h.saved.weightData = (artifacts.weightData as ArrayBuffer).slice(0);
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
    },
    load(): Promise<tfTypes.io.ModelArtifacts> {
      if (h.saved === null) return Promise.reject(new Error('nothing saved'));
      return Promise.resolve(h.saved);
    },
  };
  return h;
}

const config = { env: 'CartPole-v1', ...presetFor('CartPole-v1'), totalFrames: 1600, envsPerActor: 4, batchSize: 4 } as const;

describe('PageTrainer', () => {
  test('trains to totalFrames, records every update, and wraps envs', async () => {
    let wrapped = 0;
    let steps = 0;
    class Counting extends Wrapper<ArrayLike<number>, number> {
      override step(action: number) {
        steps++;
        return super.step(action);
      }
    }
    const updates: number[] = [];
    const trainer = new PageTrainer(config, {
      wrapEnv: (env, slot) => {
        wrapped++;
        return slot.envIndex === 0 ? new Counting(env as never) : env;
      },
      onUpdate: (p) => updates.push(p.frames),
    });
    assert.equal(trainer.status, 'idle');
    await trainer.run();
    assert.equal(trainer.status, 'finished');
    assert.equal(wrapped, 4);
    assert.ok(trainer.frames >= 1600, `frames ${trainer.frames}`);
    assert.equal(updates.length, trainer.updates);
    assert.equal(trainer.metrics.points.length, trainer.updates);
    assert.ok(steps >= trainer.frames / 4 - 10, `env 0 stepped ${steps} times`);
    assert.ok(trainer.metrics.episodeCount > 0);
    const last = trainer.metrics.last!;
    assert.ok(last.framesPerSecond > 0 && Number.isFinite(last.totalLoss));
    assert.ok(trainer.elapsedSeconds > 0);
    trainer.dispose();
  });

  test('pause holds training; resume and stop', async () => {
    const trainer = new PageTrainer({ ...config, totalFrames: 1e9 }, { sliceMs: 1 });
    trainer.start();
    while (trainer.updates < 2) await new Promise((r) => setTimeout(r, 5));
    trainer.pause();
    await new Promise((r) => setTimeout(r, 50));
    const held = trainer.updates;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(trainer.updates, held, 'no updates while paused');
    assert.equal(trainer.status, 'paused');
    trainer.resume();
    while (trainer.updates < held + 2) await new Promise((r) => setTimeout(r, 5));
    await trainer.stop();
    assert.equal(trainer.status, 'stopped');
    trainer.dispose();
  });

  test('checkpoint round trip through a tfjs IO handler, then restore continues the counters', async () => {
    const a = new PageTrainer(config);
    await a.run();
    const handler = memoryHandler();
    await saveBrowserCheckpoint(handler, a.checkpoint());
    const loaded = await loadBrowserCheckpoint(handler);
    const original = a.checkpoint();
    assert.deepEqual(Array.from(loaded.weights), Array.from(original.weights));
    assert.deepEqual(loaded.weightSpecs, original.weightSpecs);
    assert.equal(loaded.learner.frames, original.learner.frames);
    assert.deepEqual(Object.keys(loaded.learner.optimizer.slots), Object.keys(original.learner.optimizer.slots));
    for (const [k, v] of Object.entries(original.learner.optimizer.slots)) {
      assert.deepEqual(Array.from(loaded.learner.optimizer.slots[k]!.values), Array.from(v.values));
    }
    assert.deepEqual(loaded.actors, original.actors);
    assert.deepEqual(loaded.recentReturns, original.recentReturns);
    const b = new PageTrainer({ ...config, totalFrames: 3200 });
    b.restore(loaded);
    assert.equal(b.frames, a.frames);
    assert.deepEqual(Array.from(b.network.getFlatWeights()), Array.from(original.weights));
    await b.run();
    assert.ok(b.frames >= 3200);
    a.dispose();
    b.dispose();
  });

  test('loadBrowserCheckpoint rejects what is not a checkpoint', async () => {
    const handler = memoryHandler();
    handler.saved = { modelTopology: { format: 'layers-model' }, weightSpecs: [], weightData: new ArrayBuffer(0) };
    await assert.rejects(loadBrowserCheckpoint(handler), /not an impala-rl checkpoint/);
    assert.throws(() => new PageTrainer({ ...config, batchSize: 0 }), /batchSize/);
  });

  test('tf stays clean: no tensors leak from a disposed trainer', async () => {
    const before = tf.memory().numTensors;
    const t = new PageTrainer({ ...config, totalFrames: 400 });
    await t.run();
    t.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('MetricsSeries', () => {
  test('running mean of the last window, best mean, CSV', () => {
    const m = new MetricsSeries({ window: 3 });
    assert.ok(Number.isNaN(m.meanReturn));
    m.addEpisodes(10, [{ episodeReturn: 1, episodeLength: 1 }, { episodeReturn: 2, episodeLength: 2 }]);
    m.addEpisodes(20, [{ episodeReturn: 3, episodeLength: 3 }, { episodeReturn: 10, episodeLength: 10 }]);
    assert.equal(m.meanReturn, 5);
    assert.equal(m.bestMeanReturn, 5);
    m.addEpisodes(30, [{ episodeReturn: 0, episodeLength: 1 }]);
    assert.equal(m.meanReturn, 13 / 3);
    assert.equal(m.bestMeanReturn, 5);
    assert.equal(m.episodeCount, 5);
    assert.deepEqual(m.recentReturns, [3, 10, 0]);
    const p = { frames: 1, updates: 1, elapsedSeconds: 1, meanReturn100: 2, episodes: 3, totalLoss: 4, policyLoss: 5, baselineLoss: 6, entropyLoss: 7, entropy: 8, gradNorm: 9, learningRate: 10, policyLag: 11, framesPerSecond: 12 };
    m.addPoint(p);
    assert.equal(m.toCsv(), 'frames,updates,elapsedSeconds,meanReturn100,episodes,totalLoss,policyLoss,baselineLoss,entropyLoss,entropy,gradNorm,learningRate,policyLag,framesPerSecond\n1,1,1,2,3,4,5,6,7,8,9,10,11,12\n');
  });

  test('thins old points past maxPoints and keeps the latest', () => {
    const m = new MetricsSeries({ maxPoints: 10 });
    for (let i = 0; i < 100; i++) m.addPoint({ frames: i } as never);
    assert.ok(m.points.length <= 10);
    assert.equal(m.last?.frames, 99);
    assert.equal(m.points[0]?.frames, 0);
  });
});
