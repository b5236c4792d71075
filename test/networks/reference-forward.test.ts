// The network's outputs equal an independent plain-JavaScript float64 implementation of the architecture
// in impala-reference.md §2.1–2.2 (scalable_agent's Agent: torso → [features, clip(r), one-hot(a), instr] →
// LSTMBlockCell (gates i, j, f, o; forget bias 1; state zeroed where done) → linear heads), fed with the
// network's own weights by name. Odd frame sizes exercise TensorFlow's SAME padding rule
// (pad_total = max((out − 1)·s + k − in, 0), pad_top = ⌊pad_total / 2⌋; max-pool ignores the padding).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setupTestBackend, tf } from '../helpers/tf.js';
import { ImpalaNetwork, instructionWordBuckets, type ImpalaNetworkOptions } from '../../src/index.js';
import { disposeInputs, makeUnrollInputs } from './network-inputs.js';

await setupTestBackend();

type F64 = Float64Array;
const F64 = Float64Array;

/** An image in HWC layout. */
interface Img {
  h: number;
  w: number;
  c: number;
  data: F64;
}

interface Weights {
  get(name: string): { shape: readonly number[]; values: Float32Array };
}

function conv(x: Img, wts: Weights, name: string, stride: number, same: boolean): Img {
  const { shape, values: k } = wts.get(`${name}/kernel`);
  const bias = wts.get(`${name}/bias`).values;
  const [kh, kw, ci, co] = shape as [number, number, number, number];
  const oh = same ? Math.ceil(x.h / stride) : Math.floor((x.h - kh) / stride) + 1;
  const ow = same ? Math.ceil(x.w / stride) : Math.floor((x.w - kw) / stride) + 1;
  const pt = same ? Math.floor(Math.max((oh - 1) * stride + kh - x.h, 0) / 2) : 0;
  const pl = same ? Math.floor(Math.max((ow - 1) * stride + kw - x.w, 0) / 2) : 0;
  const out = new F64(oh * ow * co);
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < ow; j++)
      for (let o = 0; o < co; o++) {
        let s = bias[o]!;
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kw; b++) {
            const y = i * stride + a - pt;
            const z = j * stride + b - pl;
            if (y < 0 || y >= x.h || z < 0 || z >= x.w) continue;
            for (let c = 0; c < ci; c++) s += x.data[(y * x.w + z) * ci + c]! * k[((a * kw + b) * ci + c) * co + o]!;
          }
        out[(i * ow + j) * co + o] = s;
      }
  return { h: oh, w: ow, c: co, data: out };
}

function maxPoolSame(x: Img): Img {
  const oh = Math.ceil(x.h / 2);
  const ow = Math.ceil(x.w / 2);
  const pt = Math.floor(Math.max((oh - 1) * 2 + 3 - x.h, 0) / 2);
  const pl = Math.floor(Math.max((ow - 1) * 2 + 3 - x.w, 0) / 2);
  const out = new F64(oh * ow * x.c);
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < ow; j++)
      for (let c = 0; c < x.c; c++) {
        let m = -Infinity;
        for (let a = 0; a < 3; a++)
          for (let b = 0; b < 3; b++) {
            const y = i * 2 + a - pt;
            const z = j * 2 + b - pl;
            if (y >= 0 && y < x.h && z >= 0 && z < x.w) m = Math.max(m, x.data[(y * x.w + z) * x.c + c]!);
          }
        out[(i * ow + j) * x.c + c] = m;
      }
  return { ...x, h: oh, w: ow, data: out };
}

const relu = (v: F64): F64 => v.map((x) => Math.max(0, x));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function dense(x: F64, wts: Weights, name: string): F64 {
  const { shape, values: k } = wts.get(`${name}/kernel`);
  const bias = wts.get(`${name}/bias`).values;
  const [n, m] = shape as [number, number];
  const out = new F64(m);
  for (let o = 0; o < m; o++) {
    let s = bias[o]!;
    for (let i = 0; i < n; i++) s += x[i]! * k[i * m + o]!;
    out[o] = s;
  }
  return out;
}

/** One LSTMBlockCell step; returns [c, h]. */
function lstm(x: F64, c: F64, h: F64, wts: Weights, name: string): [F64, F64] {
  // (all arrays here are plain F64<ArrayBuffer>)
  const gates = dense(F64.from([...x, ...h]), wts, name);
  const u = c.length;
  const c2 = new F64(u);
  const h2 = new F64(u);
  for (let k = 0; k < u; k++) {
    const [i, j, f, o] = [gates[k]!, gates[u + k]!, gates[2 * u + k]!, gates[3 * u + k]!];
    c2[k] = sigmoid(f + 1) * c[k]! + sigmoid(i) * Math.tanh(j);
    h2[k] = sigmoid(o) * Math.tanh(c2[k]!);
  }
  return [c2, h2];
}

function torso(kind: string, frame: Img, wts: Weights): F64 {
  if (kind === 'mlp') {
    let x = frame.data;
    for (let i = 0; ; i++) {
      try {
        wts.get(`torso/linear_${i}/kernel`);
      } catch {
        return x;
      }
      x = relu(dense(x, wts, `torso/linear_${i}`));
    }
  }
  let x: Img = { ...frame, data: frame.data.map((v) => v / 255) };
  if (kind === 'shallow') {
    x = conv(x, wts, 'torso/conv_0', 4, false);
    x = { ...x, data: relu(x.data) };
    x = conv(x, wts, 'torso/conv_1', 2, false);
    x = { ...x, data: relu(x.data) };
    return relu(dense(x.data, wts, 'torso/linear'));
  }
  for (let s = 0; s < 3; s++) {
    x = maxPoolSame(conv(x, wts, `torso/section_${s}/conv`, 1, true));
    for (let b = 0; b < 2; b++) {
      const y = conv({ ...x, data: relu(x.data) }, wts, `torso/section_${s}/block_${b}/conv_0`, 1, true);
      const z = conv({ ...y, data: relu(y.data) }, wts, `torso/section_${s}/block_${b}/conv_1`, 1, true);
      x = { ...x, data: x.data.map((v, i) => v + z.data[i]!) };
    }
  }
  return relu(dense(relu(x.data), wts, 'torso/linear'));
}

function instructionEmbedding(tokens: number[], wts: Weights): F64 {
  const emb = wts.get('instruction/embedding').values;
  let c: F64 = new F64(64);
  let h: F64 = new F64(64);
  if (tokens.length === 0) return h; // the original returns zeros for an empty instruction
  for (const t of tokens) [c, h] = lstm(F64.from(emb.subarray(t * 20, t * 20 + 20)), c, h, wts, 'instruction/lstm');
  return h;
}

const CASES: Record<string, ImpalaNetworkOptions> = {
  'deep + LSTM + instruction (7×9×2 frames)': { torso: 'deep', observationShape: [7, 9, 2], numActions: 3, lstmSize: 5, useInstruction: true, seed: 4 },
  'shallow + LSTM (31×26×2 frames)': { torso: 'shallow', observationShape: [31, 26, 2], numActions: 4, lstmSize: 6, seed: 5 },
  'mlp multi-discrete feed-forward': { torso: 'mlp', observationShape: [3], numActions: [2, 3], lstmSize: 0, seed: 6 },
};

describe('forward pass equals a plain-JS float64 reference', () => {
  for (const [label, options] of Object.entries(CASES)) {
    test(label, () => {
      const net = new ImpalaNetwork(options);
      const values = net.getWeights();
      const wts: Weights = {
        get: (name) => {
          const i = net.weightSpecs.findIndex((s) => s.name === name);
          if (i < 0) throw new Error(`no weight ${name}`);
          return { shape: net.weightSpecs[i]!.shape, values: values[i]! };
        },
      };
      const T = 3;
      const B = 2;
      const inputs = makeUnrollInputs(net, T, B, 17);
      const doneFlags = [[0, 1], [1, 0], [0, 0]];
      const dones = tf.tensor(doneFlags, [T, B], 'int32');
      const c0: tf.Tensor2D | null = net.isRecurrent ? tf.randomNormal([B, net.lstmSize], 0, 1, 'float32', 3) : null;
      const h0: tf.Tensor2D | null = net.isRecurrent ? tf.randomNormal([B, net.lstmSize], 0, 1, 'float32', 4) : null;
      const out = net.unroll(inputs, dones, c0 === null || h0 === null ? null : { c: c0, h: h0 });
      const logits = out.policyLogits.arraySync();
      const baseline = out.baseline.arraySync();

      const obs = inputs.observation.dataSync();
      const actions = inputs.lastAction.dataSync();
      const rewards = inputs.lastReward.dataSync();
      const tokens = inputs.instruction?.tokens.arraySync() as number[][][] | undefined;
      const lengths = inputs.instruction?.lengths.arraySync() as number[][] | undefined;
      const [fh, fw, fc] = net.observationShape.length === 3 ? (net.observationShape as [number, number, number]) : [1, 1, net.observationShape[0]!];
      const frameSize = fh * fw * fc;
      const heads = net.actionSizes.length;
      let maxErr = 0;
      for (let b = 0; b < B; b++) {
        let c: F64 = c0 === null ? new F64(0) : F64.from(c0.arraySync()[b]!);
        let h: F64 = h0 === null ? new F64(0) : F64.from(h0.arraySync()[b]!);
        for (let t = 0; t < T; t++) {
          const row = t * B + b;
          const frame: Img = { h: fh, w: fw, c: fc, data: F64.from(obs.subarray(row * frameSize, (row + 1) * frameSize)) };
          const parts = [...torso(net.torsoKind, frame, wts), Math.max(-1, Math.min(1, rewards[row]!))];
          net.actionSizes.forEach((a, k) => {
            for (let i = 0; i < a; i++) parts.push(actions[row * heads + k] === i ? 1 : 0);
          });
          if (tokens !== undefined && lengths !== undefined) {
            parts.push(...instructionEmbedding(tokens[t]![b]!.slice(0, lengths[t]![b]), wts));
          }
          let core: F64 = F64.from(parts);
          if (net.isRecurrent) {
            if (doneFlags[t]![b] === 1) {
              c = new F64(c.length);
              h = new F64(h.length);
            }
            [c, h] = lstm(core, c, h, wts, 'core/lstm');
            core = h;
          }
          const expectedLogits = heads === 1 ? dense(core, wts, 'policy') : net.actionSizes.flatMap((_, k) => [...dense(core, wts, `policy_${k}`)]);
          const expectedValue = dense(core, wts, 'baseline')[0]!;
          expectedLogits.forEach((v, i) => (maxErr = Math.max(maxErr, Math.abs(v - logits[t]![b]![i]!))));
          maxErr = Math.max(maxErr, Math.abs(expectedValue - baseline[t]![b]!));
        }
      }
      // float32 network vs float64 reference on O(1) values: 1e-4 absolute.
      assert.ok(maxErr < 1e-4, `max |network − reference| = ${maxErr}`);
      tf.dispose([out.policyLogits, out.baseline, dones]);
      if (out.finalState !== null) tf.dispose([out.finalState.c, out.finalState.h]);
      if (c0 !== null && h0 !== null) tf.dispose([c0, h0]);
      disposeInputs(inputs);
      net.dispose();
    });
  }
});

describe('instruction tokenisation', () => {
  test('FNV-1a 32-bit of lower-cased whitespace-split words, modulo 1000', () => {
    // Published FNV-1a 32-bit test vectors: fnv1a("a") = 0xe40c292c, fnv1a("foobar") = 0xbf9cf968.
    assert.deepEqual(instructionWordBuckets('a'), [0xe40c292c % 1000]);
    assert.deepEqual(instructionWordBuckets('  FooBar\ta \n'), [0xbf9cf968 % 1000, 0xe40c292c % 1000]);
    assert.deepEqual(instructionWordBuckets('foobar', 7), [0xbf9cf968 % 7]);
    assert.deepEqual(instructionWordBuckets(''), []);
    assert.deepEqual(instructionWordBuckets(' \t '), []);
  });
});
