// runLearnerLoop keeps no trajectory alive after its update: a regression test for a leak that held every batch of
// a run (each update raced its `queue.get()` against one run-long abort promise, and every race left a reaction on
// that promise holding its batch; Atari runs grew by ~1.6 GB a minute). Trajectories are tracked with WeakRefs and
// counted after a forced garbage collection in the middle of the run, while the loop, its signal and its queue
// are all alive. The linear model and its batch are test/agent/learner-reference.ts's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Learner } from '../../src/agent/learner.js';
import { runLearnerLoop } from '../../src/agent/learner-loop.js';
import type { ActorFleet } from '../../src/agent/actor-fleet.js';
import type { Trajectory } from '../../src/agent/trajectory.js';
import { setupTestBackend } from '../helpers/tf.js';
import { LinearModel } from './fakes.js';
import { A, D, init, makeBatch, T } from './learner-reference.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A fleet that hands out fresh copies of the reference batch (each with a 1 MiB buffer to make leaks visible). */
function fleet(made: WeakRef<object>[]): ActorFleet {
  return {
    size: 1,
    publish: () => undefined,
    actorStates: () => Promise.resolve(null),
    close: () => Promise.resolve(),
    async *[Symbol.asyncIterator]() {
      for (;;) {
        await new Promise((resolve) => setImmediate(resolve));
        const batch = makeBatch().map((t): Trajectory & { ballast: Uint8Array } => ({ ...t, ballast: new Uint8Array(1 << 20) }));
        for (const t of batch) made.push(new WeakRef(t));
        yield batch;
      }
    },
  };
}

test('runLearnerLoop keeps no consumed trajectory alive during a run (with and without a signal)', async () => {
  await setupTestBackend();
  for (const withSignal of [true, false]) {
    const model = new LinearModel([D], A, init);
    const learner = new Learner({ model, compile: false });
    const made: WeakRef<object>[] = [];
    const stop = new AbortController();
    let aliveAt40 = -1;
    const { forwarding } = await runLearnerLoop({
      learner,
      fleet: fleet(made),
      batchSize: 2,
      unrollLength: T,
      totalFrames: 60 * 2 * T,
      ...(withSignal ? { signal: stop.signal } : {}),
      onUpdate: async () => {
        if (learner.updates !== 40) return;
        await new Promise((resolve) => setImmediate(resolve));
        gc();
        // The queue holds at most a few batches ahead; everything older must be gone.
        aliveAt40 = made.slice(0, 60).filter((r) => r.deref() !== undefined).length;
      },
    });
    assert.equal(learner.updates, 60);
    assert.ok(aliveAt40 >= 0, 'the check ran');
    assert.ok(aliveAt40 <= 4, `${withSignal ? 'with' : 'without'} a signal: ${aliveAt40} of the first 60 trajectories are still alive after update 40`);
    await forwarding;
    learner.dispose();
    model.dispose();
  }
});
