/**
 * The learner against a float64 reference written here from the IMPALA loss definition
 * (docs/reference-facts.md §1) on a linear model, with a termination and a truncation in
 * the batch: values after one update, the reported loss parts, counters and the LR schedule.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Learner } from '../../src/agent/learner.js';
import type { Trajectory } from '../../src/agent/trajectory.js';
import { vtrace } from '../../src/index.js';
import { assertClose } from '../helpers/close.js';
import { setupTestBackend, tf } from '../helpers/tf.js';
import { LinearModel } from './fakes.js';

await setupTestBackend();

const T = 3;
const B = 2;
const D = 2;
const A = 3;
const init = { W: [0.1, -0.2, 0.3, 0.05, 0.2, -0.1], b: [0.01, 0, -0.02], v: [0.5, -0.3], c: 0.1 };
const gamma = 0.9;

/** Trajectory b: T+1 entries. b = 0 terminates at entry 2; b = 1 is truncated at entry 3 (final value 2.5). */
function makeBatch(): Trajectory[] {
  const obs = [
    [0.5, 1, -0.5, 0.2, 1, 1, 0.3, -0.7],
    [0, 1, 0.4, 0.6, -1, 0.5, 0.9, 0.1],
  ];
  const logits = [
    [0.2, 0.1, -0.3, 0, 0.5, 0.5, 1, -1, 0, 0.3, 0.3, 0.3],
    [-0.5, 0.5, 0, 0.1, 0.2, 0.3, 0, 0, 1, 2, -1, 0],
  ];
  return [0, 1].map((b) => ({
    unrollLength: T,
    observationShape: [D],
    observations: Float32Array.from(obs[b]!),
    rewards: Float32Array.from(b === 0 ? [0, 1, 3, -2] : [0, -0.5, 0.25, 1]),
    dones: Uint8Array.from(b === 0 ? [0, 0, 1, 0] : [0, 0, 0, 1]),
    terminated: Uint8Array.from(b === 0 ? [0, 0, 1, 0] : [0, 0, 0, 0]),
    truncated: Uint8Array.from(b === 0 ? [0, 0, 0, 0] : [0, 0, 0, 1]),
    truncationValues: Float32Array.from(b === 0 ? [0, 0, 0, 0] : [0, 0, 0, 2.5]),
    lastActions: Int32Array.from([0, 1, 2, 0]),
    actions: Int32Array.from(b === 0 ? [1, 2, 0, 1] : [2, 0, 1, 1]),
    behaviourLogits: Float32Array.from(logits[b]!),
    initialState: null,
    policyVersion: 0,
    episodes: b === 0 ? [{ episodeReturn: 4, episodeLength: 2, truncated: false, actorId: 0, envIndex: 0 }] : [],
    actorId: 0,
  }));
}

/** Float64 reference: forward, V-trace (vtrace.arrays in float64), loss, analytic gradients, one TF-RMSProp step. */
function reference(batch: Trajectory[], opts: { baselineCost: number; entropyCost: number; lr: number; eps: number; decay: number }) {
  const W = [...init.W];
  const bias = [...init.b];
  const v = [...init.v];
  const c = init.c;
  const x = (t: number, b: number) => Array.from(batch[b]!.observations.subarray(t * D, (t + 1) * D));
  const logitsAt = (t: number, b: number) => Array.from({ length: A }, (_, a) => x(t, b).reduce((s, xi, i) => s + xi * W[i * A + a]!, bias[a]!));
  const valueAt = (t: number, b: number) => x(t, b).reduce((s, xi, i) => s + xi * v[i]!, c);
  const rows = T * B;
  const idx = (t: number, b: number) => t * B + b;
  const target: number[] = [];
  const behaviour: number[] = [];
  const actions: number[] = [];
  const values: number[] = [];
  const rewards: number[] = [];
  const discounts: number[] = [];
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const tr = batch[b]!;
      target.push(...logitsAt(t, b));
      behaviour.push(...Array.from(tr.behaviourLogits.subarray(t * A, (t + 1) * A)));
      actions.push(tr.actions[t]!);
      values.push(valueAt(t, b));
      // abs_one clipping of the reward, plus γ·V(final) at a truncation; discount 0 at any episode end.
      const r = Math.max(-1, Math.min(1, tr.rewards[t + 1]!));
      rewards.push(r + (tr.truncated[t + 1] ? gamma * tr.truncationValues[t + 1]! : 0));
      discounts.push(tr.dones[t + 1] ? 0 : gamma);
    }
  }
  const bootstrapValue = [0, 1].map((b) => valueAt(T, b));
  const vt = vtrace.arrays.fromLogits({ T, B, numActions: A, behaviourPolicyLogits: behaviour, targetPolicyLogits: target, actions, discounts, rewards, values, bootstrapValue });
  let pgLoss = 0;
  let blLoss = 0;
  let entropy = 0;
  const gW = new Array<number>(D * A).fill(0);
  const gb = new Array<number>(A).fill(0);
  const gv = new Array<number>(D).fill(0);
  let gc = 0;
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const i = idx(t, b);
      const l = target.slice(i * A, (i + 1) * A);
      const m = Math.max(...l);
      const z = l.reduce((s, li) => s + Math.exp(li - m), 0);
      const p = l.map((li) => Math.exp(li - m) / z);
      const logp = p.map(Math.log);
      const H = -p.reduce((s, pi, k) => s + pi * logp[k]!, 0);
      pgLoss -= logp[actions[i]!]! * vt.pgAdvantages[i]!;
      blLoss += 0.5 * (vt.vs[i]! - values[i]!) ** 2;
      entropy += H;
      const dl = p.map((pi, k) => -vt.pgAdvantages[i]! * ((k === actions[i] ? 1 : 0) - pi) + opts.entropyCost * pi * (logp[k]! + H));
      const dV = -opts.baselineCost * (vt.vs[i]! - values[i]!);
      const xi = x(t, b);
      for (let d = 0; d < D; d++) {
        for (let k = 0; k < A; k++) gW[d * A + k]! += xi[d]! * dl[k]!;
        gv[d]! += xi[d]! * dV;
      }
      dl.forEach((g, k) => (gb[k]! += g));
      gc += dV;
    }
  }
  const rms = (theta: number, g: number) => theta - (opts.lr * g) / Math.sqrt(opts.decay * 1 + (1 - opts.decay) * g * g + opts.eps);
  return {
    W: W.map((w, k) => rms(w, gW[k]!)),
    b: bias.map((w, k) => rms(w, gb[k]!)),
    v: v.map((w, k) => rms(w, gv[k]!)),
    c: rms(c, gc),
    policyLoss: pgLoss,
    baselineLoss: opts.baselineCost * blLoss,
    entropyLoss: -opts.entropyCost * entropy,
    entropy: entropy / rows,
  };
}

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
