/**
 * The float64 reference of one learner update on a linear model (shared by test/agent/learner.test.ts and
 * the compiled-update parity test): written from the IMPALA loss definition, with a termination and a
 * truncation in the batch.
 */
import type { Trajectory } from '../../src/agent/trajectory.js';
import { vtrace } from '../../src/index.js';

export const T = 3;
export const B = 2;
export const D = 2;
export const A = 3;
export const init = { W: [0.1, -0.2, 0.3, 0.05, 0.2, -0.1], b: [0.01, 0, -0.02], v: [0.5, -0.3], c: 0.1 };
export const gamma = 0.9;

/** Trajectory b: T+1 entries. b = 0 terminates at entry 2; b = 1 is truncated at entry 3 (final value 2.5). */
export function makeBatch(): Trajectory[] {
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
export function reference(batch: Trajectory[], opts: { baselineCost: number; entropyCost: number; lr: number; eps: number; decay: number }) {
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
