// Backend parity: the gradients of every op the IMPALA networks and loss use, and of small shallow
// and deep networks with an LSTM unroll, computed on the test backend and on the cpu backend (the
// reference). Runs on IMPALA_TEST_BACKEND (tensorflow, cuda, wasm), or on wasm when that is cpu, so
// the default suite checks wasm with impala-rl's kernels. Tolerance: max |diff| relative to the
// largest reference value below testTolerance(backend).rtol / 10 (1e-5 for wasm and tensorflow).
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { setupTestBackend, testBackendName, testTolerance, tf } from '../helpers/tf.js';
import { useBackend, type BackendName } from '../../src/backends/index.js';
import { ImpalaNetwork } from '../../src/networks/index.js';
import { gradsOn, maxRelDiff, randomValues, seededRandom, type InputSpec } from './compare.js';

const requested = testBackendName();
const target: BackendName = requested === 'cpu' ? 'wasm' : requested;
const tfjsTarget = target === 'cuda' ? 'tensorflow' : target;
const REL_TOL = testTolerance(target).rtol / 10;

before(async () => {
  await setupTestBackend();
  if (requested === 'cpu') await useBackend('wasm');
});

function spec(seed: number, shape: readonly number[], scale = 1): InputSpec {
  const v = randomValues(seededRandom(seed), shape.reduce((a, b) => a * b, 1));
  return { shape, values: scale === 1 ? v : v.map((x) => x * scale) };
}

async function assertParity(name: string, f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: readonly InputSpec[]): Promise<void> {
  const dy = (size: number): Float32Array => randomValues(seededRandom(99), size);
  const t = await gradsOn(tfjsTarget, f, inputs, dy);
  const c = await gradsOn('cpu', f, inputs, dy);
  await tf.setBackend(tfjsTarget);
  const yDiff = maxRelDiff(t.y, c.y);
  assert.ok(yDiff < REL_TOL, `${name} on ${target}: output differs from cpu by ${yDiff}`);
  t.grads.forEach((g, i) => {
    const d = maxRelDiff(g, c.grads[i]!);
    assert.ok(d < REL_TOL, `${name} on ${target}: gradient of input ${i} differs from cpu by ${d}`);
  });
}

describe(`op gradients on ${target} vs cpu`, () => {
  const mask = tf.tidy(() => tf.tensor2d([...Array(35).keys()].map((i) => i % 3 === 0), [5, 7], 'bool').arraySync());
  const cases: [string, number[][], (...xs: tf.Tensor[]) => tf.Tensor][] = [
    ['conv2d valid s4', [[2, 20, 20, 3], [8, 8, 3, 4]], (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 4, 'valid')],
    ['conv2d valid s2', [[2, 9, 9, 4], [4, 4, 4, 5]], (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid')],
    ['conv2d same s1', [[2, 12, 12, 3], [3, 3, 3, 4]], (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')],
    ['conv2d same s2', [[2, 11, 11, 3], [3, 3, 3, 4]], (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same')],
    ['fused conv2d bias relu', [[2, 9, 9, 3], [3, 3, 3, 4], [4]],
      (x, w, b) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, bias: b, strides: 2, pad: 'same', activation: 'relu' })],
    ['maxPool 3x3 s2 same', [[2, 17, 17, 3]], (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'same')],
    ['relu', [[5, 7]], (x) => tf.relu(x)],
    ['add (broadcast)', [[5, 7], [7]], (a, b) => tf.add(a, b)],
    ['matMul', [[5, 7], [7, 3]], (a, b) => tf.matMul(a, b)],
    ['fused matMul bias relu', [[5, 7], [7, 3], [3]], (a, b, c) => tf.fused.matMul({ a: a, b: b, bias: c, activation: 'relu' })],
    ['sigmoid', [[5, 7]], (x) => tf.sigmoid(x)],
    ['tanh', [[5, 7]], (x) => tf.tanh(x)],
    ['mul', [[5, 7], [5, 7]], (a, b) => tf.mul(a, b)],
    ['concat', [[5, 7], [5, 3]], (a, b) => tf.concat([a, b], 1)],
    ['slice', [[5, 7]], (x) => tf.slice(x, [1, 2], [3, 4])],
    ['split', [[5, 8]], (x) => tf.split(x, 4, 1)[2]!],
    ['logSoftmax', [[5, 7]], (x) => tf.logSoftmax(x)],
    ['softmax', [[5, 7]], (x) => tf.softmax(x)],
    ['oneHot · logSoftmax, summed', [[5, 7]], (x) => tf.sum(tf.mul(tf.oneHot(tf.tensor1d([0, 1, 6, 3, 3], 'int32'), 7), tf.logSoftmax(x)), -1)],
    // float32 one-hots (the network's last-action input; index 9 is out of range: an all-zero row)
    ['oneHot float32, on 0.5 off −1, times x', [[5, 7]], (x) => tf.mul(tf.oneHot(tf.tensor1d([0, 1, 6, 9, 3], 'int32'), 7, 0.5, -1, 'float32'), x)],
    ['gather', [[5, 7]], (x) => tf.gather(x, tf.tensor1d([4, 0, 4], 'int32'))],
    ['square', [[5, 7]], (x) => tf.square(x)],
    ['sum', [[5, 7]], (x) => tf.sum(x, 0)],
    ['mean', [[5, 7]], (x) => tf.mean(x)],
    ['clipByValue', [[5, 7]], (x) => tf.clipByValue(x, -0.5, 0.5)],
    ['where', [[5, 7], [5, 7]], (a, b) => tf.where(tf.tensor2d(mask, [5, 7], 'bool'), a, b)],
    ['sqrt, div (RMSProp)', [[5, 7], [5, 7]], (g, ms) => tf.div(g, tf.sqrt(tf.add(tf.add(tf.mul(tf.square(ms), 0.99), tf.mul(tf.square(g), 0.01)), 0.01)))],
    ['exp, log, neg, sub', [[5, 7], [5, 7]], (a, b) => tf.neg(tf.sub(tf.exp(a), tf.log(tf.add(tf.abs(b), 1))))],
    ['stack, unstack, reshape, transpose', [[3, 8], [3, 8]], (a, b) => tf.transpose(tf.reshape(tf.stack([tf.unstack(a)[1]!, tf.reshape(tf.slice(b, 1, 1), [8])]), [4, 4]))],
  ];
  for (const [i, [name, shapes, f]] of cases.entries()) {
    test(name, async () => {
      await assertParity(name, f, shapes.map((s, j) => spec(10 * i + j, s)));
    });
  }
});

/**
 * The shallow IMPALA torso (conv 8×8/4 → conv 4×4/2 → fc, relu), an LSTM unroll over T with resets,
 * policy and baseline heads, and the IMPALA loss, at toy sizes: T = 3, B = 2, 28×28×2 frames.
 */
function shallowLoss(x: tf.Tensor, ...p: tf.Tensor[]): tf.Tensor {
  const [w1, b1, w2, b2, wfc, bfc, wl, bl, wpi, bpi, wv, bv] = p as [tf.Tensor4D, tf.Tensor, tf.Tensor4D, tf.Tensor, tf.Tensor2D, tf.Tensor, tf.Tensor2D, tf.Tensor, tf.Tensor2D, tf.Tensor, tf.Tensor2D, tf.Tensor];
  const h1 = tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w1, bias: b1, strides: 4, pad: 'valid', activation: 'relu' });
  const h2 = tf.fused.conv2d({ x: h1, filter: w2, bias: b2, strides: 2, pad: 'valid', activation: 'relu' });
  const fc = tf.fused.matMul({ a: tf.reshape(h2, [6, -1]), b: wfc, bias: bfc, activation: 'relu' });
  return headsAndLoss(lstm(tf.reshape(fc, [3, 2, -1]), wl, bl), wpi, bpi, wv, bv);
}

/** The deep torso's first section (conv 3×3, maxPool 3×3/2 'same', one residual block) on 12×12×2 frames. */
function deepLoss(x: tf.Tensor, ...p: tf.Tensor[]): tf.Tensor {
  const [w0, b0, wr1, br1, wr2, br2, wfc, bfc, wl, bl, wpi, bpi, wv, bv] = p as [tf.Tensor4D, tf.Tensor, tf.Tensor4D, tf.Tensor, tf.Tensor4D, tf.Tensor, tf.Tensor2D, tf.Tensor, tf.Tensor2D, tf.Tensor, tf.Tensor2D, tf.Tensor, tf.Tensor2D, tf.Tensor];
  const c0 = tf.add(tf.conv2d(x as tf.Tensor4D, w0, 1, 'same'), b0);
  const pooled = tf.maxPool(c0 as tf.Tensor4D, 3, 2, 'same');
  const r1 = tf.fused.conv2d({ x: tf.relu(pooled), filter: wr1, bias: br1, strides: 1, pad: 'same', activation: 'relu' });
  const r2 = tf.fused.conv2d({ x: r1, filter: wr2, bias: br2, strides: 1, pad: 'same' });
  const out = tf.relu(tf.add(pooled, r2));
  const fc = tf.fused.matMul({ a: tf.reshape(out, [6, -1]), b: wfc, bias: bfc, activation: 'relu' });
  return headsAndLoss(lstm(tf.reshape(fc, [3, 2, -1]), wl, bl), wpi, bpi, wv, bv);
}

/** LSTM over [T, B, F] with the four gates from one matMul; state zeroed where an episode restarted. */
function lstm(xs: tf.Tensor, wl: tf.Tensor2D, bl: tf.Tensor): tf.Tensor {
  const notDone = tf.tensor2d([[1, 1], [1, 0], [0, 1]]);
  const units = wl.shape[1] / 4;
  let h = tf.zeros([2, units]), c = tf.zeros([2, units]);
  const outs: tf.Tensor[] = [];
  tf.unstack(xs).forEach((xt, t) => {
    const keep = tf.reshape(tf.slice(notDone, [t, 0], [1, 2]), [2, 1]);
    h = tf.mul(h, keep);
    c = tf.mul(c, keep);
    const z = tf.add(tf.matMul(tf.concat([xt, h], 1), wl), bl);
    const [i, f, g, o] = tf.split(z, 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    c = tf.add(tf.mul(tf.sigmoid(tf.add(f, 1)), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
    h = tf.mul(tf.sigmoid(o), tf.tanh(c));
    outs.push(h);
  });
  return tf.reshape(tf.stack(outs), [6, units]);
}

/** Policy-gradient, baseline and entropy terms (summed, as in the paper) with constant targets. */
function headsAndLoss(core: tf.Tensor, wpi: tf.Tensor2D, bpi: tf.Tensor, wv: tf.Tensor2D, bv: tf.Tensor): tf.Tensor {
  const logits = tf.add(tf.matMul(core, wpi), bpi);
  const values = tf.reshape(tf.add(tf.matMul(core, wv), bv), [6]);
  const logPi = tf.logSoftmax(logits);
  const actions = tf.oneHot(tf.tensor1d([0, 4, 2, 2, 1, 3], 'int32'), 5);
  const advantages = tf.tensor1d([0.5, -1, 0.25, 2, -0.3, 0.1]);
  const vs = tf.tensor1d([1, 0.5, -0.5, 0.3, 0, -1]);
  const pg = tf.neg(tf.sum(tf.mul(tf.sum(tf.mul(actions, logPi), -1), advantages)));
  const baseline = tf.mul(0.5, tf.sum(tf.square(tf.sub(vs, tf.clipByValue(values, -5, 5)))));
  const entropy = tf.sum(tf.mul(tf.softmax(logits), logPi));
  return tf.add(tf.add(pg, tf.mul(0.5, baseline)), tf.mul(0.01, entropy));
}

const SHALLOW: readonly (readonly number[])[] = [[6, 28, 28, 2], [8, 8, 2, 4], [4], [4, 4, 4, 8], [8], [32, 16], [16], [28, 48], [48], [12, 5], [5], [12, 1], [1]];
const DEEP: readonly (readonly number[])[] = [[6, 12, 12, 2], [3, 3, 2, 4], [4], [3, 3, 4, 4], [4], [3, 3, 4, 4], [4], [144, 8], [8], [20, 48], [48], [12, 5], [5], [12, 1], [1]];

describe(`IMPALA-shaped networks on ${target} vs cpu: loss and every gradient`, () => {
  test('shallow torso + LSTM + loss', async () => {
    await assertParity('shallow', shallowLoss, SHALLOW.map((s, i) => spec(500 + i, s, i === 0 ? 1 : 0.3)));
  });
  test('deep torso section (maxPool, residual) + LSTM + loss', async () => {
    await assertParity('deep', deepLoss, DEEP.map((s, i) => spec(600 + i, s, i === 0 ? 1 : 0.3)));
  });
  test('ImpalaNetwork (shallow, LSTM) unroll with last actions, rewards and resets: outputs and every gradient', async () => {
    // The library's own network, not a re-implementation: it also covers the float32 one-hot of the
    // last action and the reward clipping of the core input. Weights are made once (on cpu) and copied.
    const [T, B] = [3, 2];
    const options = { torso: 'shallow', observationShape: [28, 28, 2], numActions: 5, lstmSize: 8, seed: 3 } as const;
    const frames = Int32Array.from(spec(700, [T * B * 28 * 28 * 2]).values, (v) => Math.min(255, Math.floor(Math.abs(v) * 80)));
    const run = async (backend: string, weights?: Float32Array): Promise<{ weights: Float32Array; out: Float32Array[] }> => {
      await tf.setBackend(backend);
      // IS_TEST's per-kernel leak check misfires on tfjs-node's fused matMul under a gradient tape
      // ("internal memory leak (1 data ids)", while the backend's data-id count stays constant);
      // the tensor count is still checked below.
      const isTest = tf.env().getBool('IS_TEST');
      if (backend === 'tensorflow') tf.env().set('IS_TEST', false);
      const net = new ImpalaNetwork(options);
      if (weights !== undefined) net.setWeights(weights);
      const out = tf.tidy(() => {
        const inputs = {
          observation: tf.tensor(frames, [T, B, 28, 28, 2], 'int32'),
          lastAction: tf.tensor2d([[0, 4], [2, 1], [3, 3]], [T, B], 'int32'),
          lastReward: tf.tensor2d([[0, 1.5], [-0.25, 0], [2, -3]]),
        };
        const dones = tf.tensor2d([[false, false], [false, true], [true, false]], [T, B], 'bool');
        const weightsOut = tf.tensor(spec(701, [T, B, 5]).values, [T, B, 5]);
        let outputs: tf.Tensor[] = [];
        const { grads } = tf.variableGrads(() => {
          const u = net.unroll(inputs, dones, net.initialState(B));
          outputs = [tf.keep(u.policyLogits), tf.keep(u.baseline)];
          return tf.add<tf.Scalar>(tf.sum(tf.mul(u.policyLogits, weightsOut)), tf.sum(tf.square(u.baseline)));
        }, net.trainableVariables);
        const values = [...outputs, ...net.trainableVariables.map((v) => grads[v.name]!)].map((x) => x.dataSync() as Float32Array);
        tf.dispose(outputs); // kept through variableGrads, so not freed by this tidy
        return values;
      });
      tf.env().set('IS_TEST', isTest);
      const flat = net.getFlatWeights();
      net.dispose();
      return { weights: flat, out };
    };
    const before = tf.memory().numTensors;
    const c = await run('cpu');
    const t = await run(tfjsTarget, c.weights);
    await tf.setBackend(tfjsTarget);
    assert.equal(tf.memory().numTensors, before);
    t.out.forEach((v, i) => {
      const d = maxRelDiff(v, c.out[i]!);
      assert.ok(d < REL_TOL, `${i === 0 ? 'logits' : i === 1 ? 'baseline' : `gradient ${i - 2}`} on ${target} differs from cpu by ${d}`);
    });
  });

  test('one RMSProp step on the shallow network', async () => {
    const params = SHALLOW.slice(1).map((s, i) => spec(501 + i, s, 0.3));
    const frames = spec(500, SHALLOW[0]!);
    const step = async (backend: string): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const vars = params.map((p) => tf.tidy(() => tf.variable(tf.tensor(p.values, [...p.shape]))));
      const opt = tf.train.rmsprop(0.01, 0.99, 0, 0.01);
      const x = tf.tensor(frames.values, [...frames.shape]);
      opt.minimize(() => shallowLoss(x, ...vars) as tf.Scalar, false, vars);
      const out = vars.map((v) => v.dataSync() as Float32Array);
      opt.dispose();
      tf.dispose([x, ...vars]);
      return out;
    };
    const before = tf.memory().numTensors;
    const t = await step(tfjsTarget);
    const c = await step('cpu');
    await tf.setBackend(tfjsTarget);
    assert.equal(tf.memory().numTensors, before);
    t.forEach((v, i) => {
      const d = maxRelDiff(v, c[i]!);
      assert.ok(d < REL_TOL, `parameter ${i} after one RMSProp step differs from cpu by ${d}`);
    });
  });
});
