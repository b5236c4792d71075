/**
 * The learner against a float64 reference written here from the IMPALA loss definition
 * (docs/reference-facts.md §1) on a linear model, with a termination and a truncation in
 * the batch: values after one update, the reported loss parts, counters and the LR schedule.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Learner } from '../../src/agent/learner.js';
import { assertClose } from '../helpers/close.js';
import { setupTestBackend, tf } from '../helpers/tf.js';
import { LinearModel } from './fakes.js';
import { A, B, D, T, gamma, init, makeBatch, reference } from './learner-reference.js';

await setupTestBackend();

describe('Learner', () => {
  test('one update on a fixed batch matches the float64 reference (loss parts and new weights)', () => {
    const model = new LinearModel([D], A, init);
    const opts = { baselineCost: 0.5, entropyCost: 0.01, lr: 0.05, eps: 0.1, decay: 0.99 };
    const learner = new Learner({ model, discount: gamma, baselineCost: opts.baselineCost, entropyCost: opts.entropyCost, learningRate: opts.lr, rmsprop: { epsilon: opts.eps, decay: opts.decay } });
    const ref = reference(makeBatch(), opts);
    const m = learner.step(makeBatch());
    assertClose([m.policyLoss, m.baselineLoss, m.entropyLoss, m.entropy], [ref.policyLoss, ref.baselineLoss, ref.entropyLoss, ref.entropy], 1e-5, 1e-5, 'loss parts');
    assertClose(model.W.dataSync(), ref.W, 1e-6, 1e-5, 'W');
    assertClose(model.b.dataSync(), ref.b, 1e-6, 1e-5, 'b');
    assertClose(model.v.dataSync(), ref.v, 1e-6, 1e-5, 'v');
    assertClose(model.c.dataSync(), [ref.c], 1e-6, 1e-5, 'c');
    assert.equal(m.frames, T * B);
    assert.equal(m.updates, 1);
    assert.equal(m.episodes.length, 1);
    assert.equal(learner.latest().version, 1);
    learner.dispose();
    model.dispose();
  });

  test('truncation bootstraps from the final observation; termination does not bootstrap', () => {
    // Same batch, but with the truncation value changed: only the truncated column's targets may move.
    const model = new LinearModel([D], A, init);
    const learner = new Learner({ model, discount: gamma, learningRate: 0 });
    const vsOf = (truncationValue: number) => {
      const batch = makeBatch();
      batch[1]!.truncationValues[3] = truncationValue;
      const ref = reference(batch, { baselineCost: 0.5, entropyCost: 0, lr: 0, eps: 0.1, decay: 0.99 });
      return { ref, m: learner.step(batch) };
    };
    const a = vsOf(2.5);
    const b = vsOf(-4);
    assert.notEqual(a.m.baselineLoss, b.m.baselineLoss);
    assertClose([b.m.baselineLoss], [b.ref.baselineLoss], 1e-5, 1e-5, 'baseline loss with another final value');
    learner.dispose();
    model.dispose();
  });

  test('frames, learning-rate decay and optimizer state survive getState/setState exactly', () => {
    const model = new LinearModel([D], A, init);
    const learner = new Learner({ model, learningRate: 0.01, totalFrames: 60, actionRepeats: 2 });
    learner.step(makeBatch());
    assert.equal(learner.frames, T * B * 2);
    assert.ok(Math.abs(learner.learningRate - 0.01 * (1 - 12 / 60)) < 1e-15);
    const state = learner.getState();
    const weights = model.getFlatWeights();
    const model2 = new LinearModel([D], A, init);
    model2.setWeights(weights);
    const learner2 = new Learner({ model: model2, learningRate: 0.01, totalFrames: 60, actionRepeats: 2 });
    learner2.setState(state);
    const m1 = learner.step(makeBatch());
    const m2 = learner2.step(makeBatch());
    assert.equal(m2.frames, m1.frames);
    assert.equal(m2.learningRate, m1.learningRate);
    assert.deepEqual(Array.from(model2.getFlatWeights()), Array.from(model.getFlatWeights()));
    learner.dispose();
    learner2.dispose();
    model.dispose();
    model2.dispose();
  });

  test('no tensors leak per update; bad batches are rejected with clear errors', () => {
    const model = new LinearModel([D], A, init);
    const learner = new Learner({ model });
    learner.step(makeBatch());
    const before = tf.memory().numTensors;
    learner.step(makeBatch());
    learner.step(makeBatch());
    assert.equal(tf.memory().numTensors, before);
    assert.throws(() => learner.step([]), /Learner.step: the batch is empty/);
    const bad = makeBatch();
    assert.throws(() => learner.step([bad[0]!, { ...bad[1]!, unrollLength: 2 }]), /trajectory 1 has T = 2, trajectory 0 has T = 3/);
    assert.throws(() => new Learner({ model, discount: 1.5 }), /'discount' must be in \[0, 1\], got 1.5/);
    learner.dispose();
    model.dispose();
  });
});
