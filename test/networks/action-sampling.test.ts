// Seeded action sampling. Expected frequencies are softmax(logits) computed by hand; with 20,000 draws
// the binomial standard deviation of each frequency is below 0.0036, so a tolerance of 0.015 (> 4σ) is used.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setupTestBackend, tf } from '../helpers/tf.js';
import { ImpalaNetwork, createActionRng, sampleActions } from '../../src/index.js';

await setupTestBackend();

describe('createActionRng', () => {
  test('same seed → same sequence; different seeds differ; values in [0, 1)', () => {
    const a = createActionRng(42);
    const b = createActionRng(42);
    const c = createActionRng(43);
    const xs = Array.from({ length: 1000 }, () => a());
    assert.deepEqual(Array.from({ length: 1000 }, () => b()), xs);
    assert.notDeepEqual(Array.from({ length: 1000 }, () => c()), xs);
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`); // σ of the mean of 1000 U(0,1) ≈ 0.009
    assert.throws(() => createActionRng(Number.NaN), /createActionRng: seed must be a finite number/);
  });
});

describe('sampleActions', () => {
  test('frequencies follow softmax(logits); reproducible with a seed', () => {
    const logits = [Math.log(0.5), Math.log(0.3), Math.log(0.2), -Infinity];
    const n = 20000;
    const batch = tf.tensor2d(Array.from({ length: n }, () => logits));
    const actions = sampleActions(batch, createActionRng(7));
    assert.equal(actions.length, n);
    const counts = [0, 0, 0, 0];
    for (const a of actions) counts[a]! += 1;
    [0.5, 0.3, 0.2, 0].forEach((p, i) => { assert.ok(Math.abs(counts[i]! / n - p) < 0.015, `action ${i}: ${counts[i]! / n} vs ${p}`); });
    assert.deepEqual(sampleActions(batch, createActionRng(7)), actions);
    batch.dispose();
  });

  test('multi-discrete heads sample one action per head; the network method knows the heads', () => {
    const net = new ImpalaNetwork({ torso: 'mlp', observationShape: [2], numActions: [2, 3], lstmSize: 0 });
    // Head 0 always picks 1, head 1 always picks 2 (other logits are -1e9).
    const logits = tf.tensor2d([[-1e9, 0, -1e9, -1e9, 0], [-1e9, 0, -1e9, -1e9, 0]]);
    assert.deepEqual(Array.from(net.sample(logits, createActionRng(1))), [1, 2, 1, 2]);
    assert.throws(() => sampleActions(logits, createActionRng(1), [2, 2]), /logits last dimension 5 != sum of actionSizes \[2, 2\]/);
    logits.dispose();
    net.dispose();
  });

  test('errors: NaN logits, bad rng, wrong dtype', () => {
    tf.tidy(() => {
      assert.throws(() => sampleActions(tf.tensor2d([[0, Number.NaN]]), createActionRng(1)), /row 0, head 0 has a NaN logit/);
      assert.throws(() => sampleActions(tf.tensor2d([[-Infinity, -Infinity]]), createActionRng(1)), /has no finite logit/);
      assert.throws(() => sampleActions(tf.tensor2d([[0, 1]]), () => 1), /rng must return numbers in \[0, 1\), got 1/);
      assert.throws(() => sampleActions(tf.tensor2d([[0, 1]], undefined, 'int32'), createActionRng(1)), /logits must be float32, got int32/);
    });
  });
});
