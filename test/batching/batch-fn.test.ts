/**
 * batchFn (tensor adapter): stacking `[1, ...]` tensors and nests along dim 0, splitting results back,
 * shape errors, and no leaked tensors on any path. Expected values are computed by hand from the model
 * functions used (doubling, affine maps), written next to each assertion.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { BatchShapeError, BatcherClosedError, batchFn } from '../../src/index.js';
import { setupTestBackend, tf } from '../helpers/tf.js';
import { deferred, nextTurn } from './helpers.js';

before(async () => {
  await setupTestBackend();
});

/** Runs `body` and asserts the number of live tensors is the same before and after. */
async function noLeak(body: () => Promise<void>): Promise<void> {
  const before = tf.memory().numTensors;
  await body();
  await nextTurn();
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
}

describe('batchFn: stacking and splitting', () => {
  for (const splitting of ['auto', 'host', 'ops'] as const) {
    test(`three calls become one [3, 2] batch and each gets its own [1, 2] slice (splitting '${splitting}')`, async () => {
      await noLeak(async () => {
        const seen: number[][] = [];
        const f = batchFn(
          (x: tf.Tensor2D) => {
            seen.push(x.shape);
            return tf.tidy(() => tf.mul(x, 2));
          },
          { splitting },
        );
      const xs = [tf.tensor2d([[1, 2]]), tf.tensor2d([[3, 4]]), tf.tensor2d([[5, 6]])];
      const outs = await Promise.all(xs.map((x) => f(x)));
      assert.deepEqual(seen, [[3, 2]]);
      // 2 * x for each caller's own row.
      assert.deepEqual(
        outs.map((o) => o.arraySync()),
        [[[2, 4]], [[6, 8]], [[10, 12]]],
      );
      for (const o of outs) assert.deepEqual(o.shape, [1, 2]);
      tf.dispose([...xs, ...outs]);
      f.close();
    });
  });
  }

  test("an unknown 'splitting' is rejected", () => {
    assert.throws(() => batchFn((x: tf.Tensor) => x, { splitting: 'gpu' as 'ops' }), /batchFn: option 'splitting' must be 'auto', 'host' or 'ops', got gpu/);
  });

  test('nested arguments and results (policy with recurrent state)', async () => {
    await noLeak(async () => {
      // logits = obs * 10 + h, state' = { h: h + 1, c: c * 2 }.
      const step = batchFn((obs: tf.Tensor, state: { h: tf.Tensor; c: tf.Tensor }) =>
        tf.tidy(() => ({
          logits: tf.add(tf.mul(obs, 10), state.h),
          state: [tf.add(state.h, 1), tf.mul(state.c, 2)] as [tf.Tensor, tf.Tensor],
        })),
      );
      const inputs = [0, 1, 2].map((i) => ({
        obs: tf.tensor2d([[i, i]]),
        state: { h: tf.tensor2d([[i + 0.5, i + 0.5]]), c: tf.tensor2d([[i - 1]]) },
      }));
      const outs = await Promise.all(inputs.map(({ obs, state }) => step(obs, state)));
      outs.forEach((out, i) => {
        assert.deepEqual(out.logits.arraySync(), [[11 * i + 0.5, 11 * i + 0.5]]);
        assert.deepEqual(out.state[0].arraySync(), [[i + 1.5, i + 1.5]]);
        assert.deepEqual(out.state[1].arraySync(), [[2 * (i - 1)]]);
      });
      for (const { obs, state } of inputs) tf.dispose([obs, state.h, state.c]);
      for (const out of outs) tf.dispose([out.logits, ...out.state]);
      step.close();
    });
  });

  test('object arguments with keys in another order are matched by key', async () => {
    await noLeak(async () => {
      const f = batchFn((x: { a: tf.Tensor; b: tf.Tensor }) => tf.tidy(() => tf.sub(x.a, x.b)));
      const t = [tf.tensor1d([5]), tf.tensor1d([1]), tf.tensor1d([7]), tf.tensor1d([2])];
      const [r0, r1] = await Promise.all([f({ a: t[0]!, b: t[1]! }), f({ b: t[3]!, a: t[2]! })]);
      assert.deepEqual(r0.arraySync(), [4]); // 5 - 1
      assert.deepEqual(r1.arraySync(), [5]); // 7 - 2
      tf.dispose([...t, r0, r1]);
    });
  });

  test('a batch of one hands the result over without copying; async model functions work', async () => {
    await noLeak(async () => {
      let returned: tf.Tensor | undefined;
      const f = batchFn(async (x: tf.Tensor) => {
        await Promise.resolve();
        returned = tf.add(x, 1);
        return returned;
      });
      const x = tf.tensor2d([[1, 2, 3]]);
      const out = await f(x);
      assert.equal(out, returned);
      assert.deepEqual(out.arraySync(), [[2, 3, 4]]);
      tf.dispose([x, out]);
      f.close();
    });
  });

  test('an identity model function (returns its stacked input) is safe for B = 1 and B > 1', async () => {
    await noLeak(async () => {
      const f = batchFn((x: tf.Tensor) => x);
      const a = tf.tensor1d([1]);
      const b = tf.tensor1d([2]);
      const one = await f(a);
      assert.deepEqual(one.arraySync(), [1]);
      const two = await Promise.all([f(a), f(b)]);
      assert.deepEqual(
        two.map((t) => t.arraySync()),
        [[1], [2]],
      );
      assert.equal(a.isDisposed, false, 'caller inputs are never disposed');
      tf.dispose([a, b, one, ...two]);
    });
  });

  for (const splitting of ['host', 'ops'] as const) {
  test(`int32 and bool tensors keep their dtypes (splitting '${splitting}')`, async () => {
    await noLeak(async () => {
      const f = batchFn((i: tf.Tensor, m: tf.Tensor) => tf.tidy(() => ({ i: tf.add(i, tf.scalar(1, 'int32')), m: tf.logicalNot(m) })), { splitting });
      const args = [
        [tf.tensor1d([1], 'int32'), tf.tensor1d([true], 'bool')],
        [tf.tensor1d([2], 'int32'), tf.tensor1d([false], 'bool')],
      ] as const;
      const outs = await Promise.all(args.map(([i, m]) => f(i, m)));
      assert.equal(outs[0]!.i.dtype, 'int32');
      assert.equal(outs[0]!.m.dtype, 'bool');
      assert.deepEqual(
        outs.map((o) => [o.i.arraySync(), o.m.arraySync()]),
        [
          [[2], [0]], // tfjs reads bool tensors back as 0/1
          [[3], [1]],
        ],
      );
      tf.dispose(args.flat());
      for (const o of outs) tf.dispose([o.i, o.m]);
    });
  });
  }

  test("string tensors are split with ops even with splitting 'host'", async () => {
    await noLeak(async () => {
      const f = batchFn((s: tf.Tensor) => tf.clone(s), { splitting: 'host' });
      const a = tf.tensor1d(['a'], 'string');
      const b = tf.tensor1d(['b'], 'string');
      const outs = await Promise.all([f(a), f(b)]);
      assert.deepEqual(
        outs.map((o) => o.arraySync()),
        [['a'], ['b']],
      );
      tf.dispose([a, b, ...outs]);
    });
  });
});

describe('batchFn: shape errors (no leaks on any path)', () => {
  test('an input whose leading dim is not 1 is rejected alone; the batcher stays open', async () => {
    await noLeak(async () => {
      const f = batchFn((x: tf.Tensor) => tf.clone(x));
      const bad = tf.zeros([2, 3]);
      const scalar = tf.scalar(1);
      await assert.rejects(f(bad), (error) => error instanceof BatchShapeError && error.message === 'batchFn: every input must have leading dim 1 (one example per call), but args[0] has shape [2,3]');
      await assert.rejects(f(scalar), /args\[0\] has shape \[\]/);
      assert.equal(f.batcher.closed, false);
      const good = tf.zeros([1, 3]);
      const out = await f(good);
      tf.dispose([bad, scalar, good, out]);
      f.close();
    });
  });

  test('a non-tensor leaf is rejected with its path', async () => {
    const f = batchFn((x: { obs: tf.Tensor }) => tf.clone(x.obs));
    await assert.rejects(f({ obs: 3 as unknown as tf.Tensor }), /batchFn: args\[0\]\.obs is a number; every leaf must be a tf\.Tensor/);
    f.close();
  });

  test('inputs of different shapes in one batch fail that batch: "all inputs must have equal shapes"', async () => {
    await noLeak(async () => {
      const f = batchFn((x: tf.Tensor) => tf.clone(x), { closeOnError: false });
      const a = tf.zeros([1, 3]);
      const b = tf.zeros([1, 4]);
      const results = await Promise.allSettled([f(a), f(b)]);
      for (const r of results) {
        assert.equal(r.status, 'rejected');
        const error = (r).reason as Error;
        assert.ok(error instanceof BatchShapeError);
        assert.equal(error.message, 'batchFn: all inputs must have equal shapes; args[0] has shape [1,4] in call 1 but [1,3] in call 0');
      }
      tf.dispose([a, b]);
      f.close();
    });
  });

  test('different dtypes or structures in one batch fail that batch', async () => {
    await noLeak(async () => {
      const f = batchFn((x: tf.Tensor | tf.Tensor[]) => (Array.isArray(x) ? tf.clone(x[0]!) : tf.clone(x)), { closeOnError: false });
      const a = tf.zeros([1, 2], 'float32');
      const b = tf.zeros([1, 2], 'int32');
      await assert.rejects(Promise.all([f(a), f(b)]), /all inputs must have equal dtypes; args\[0\] is int32 in call 1 but float32 in call 0/);
      await assert.rejects(Promise.all([f(a), f([a])]), /all inputs must have equal structures; at args of call 1\[0\]: expected a tf\.Tensor, got an array/);
      await assert.rejects(Promise.all([f([a]), f([a, a])]), /array length 2 != 1/);
      tf.dispose([a, b]);
      f.close();
    });
  });

  test('output batch dim mismatch: "output batch dim 4 != 3 inputs", and the batcher closes', async () => {
    await noLeak(async () => {
      const f = batchFn((x: tf.Tensor) => tf.tidy(() => ({ logits: tf.concat([x, tf.zeros([1, 2])], 0) })));
      const xs = [0, 1, 2].map(() => tf.zeros([1, 2]));
      const results = await Promise.allSettled(xs.map((x) => f(x)));
      for (const r of results) {
        assert.equal(r.status, 'rejected');
        assert.equal(((r).reason as Error).message, 'batchFn: output batch dim 4 != 3 inputs (output.logits has shape [4,2])');
      }
      assert.equal(f.batcher.closed, true);
      await assert.rejects(f(xs[0]!), BatcherClosedError);
      tf.dispose(xs);
    });
  });

  test('an output without a batch dimension or with a non-tensor leaf fails the batch', async () => {
    await noLeak(async () => {
      const x = tf.zeros([1, 2]);
      const scalarOut = batchFn<[tf.Tensor], { v: tf.Tensor; ok: tf.Tensor }>(() => ({ v: tf.scalar(1), ok: tf.zeros([1]) }));
      await assert.rejects(scalarOut(x), /batchFn: every output must have a batch dimension, but output\.v has shape \[\]/);
      const numberOut = batchFn<[tf.Tensor], tf.Tensor>(() => ({ v: 1 }) as unknown as tf.Tensor);
      await assert.rejects(numberOut(x), /batchFn: output\.v is a number/);
      x.dispose();
    });
  });

  test('a throwing or rejecting model function leaks nothing', async () => {
    await noLeak(async () => {
      const x = tf.zeros([1, 2]);
      const throws = batchFn<[tf.Tensor], tf.Tensor>((): tf.Tensor => {
        throw new Error('sync failure');
      });
      await assert.rejects(throws(x), /sync failure/);
      const rejects = batchFn<[tf.Tensor], tf.Tensor>(async (): Promise<tf.Tensor> => {
        await Promise.resolve();
        throw new Error('async failure');
      });
      await assert.rejects(rejects(x), /async failure/);
      x.dispose();
    });
  });

  test('a disposed input fails its batch without leaking the other stacked tensors', async () => {
    await noLeak(async () => {
      const f = batchFn((a: tf.Tensor, b: tf.Tensor) => tf.add(a, b), { closeOnError: false });
      const a = tf.zeros([1, 2]);
      const b = tf.zeros([1, 2]);
      const p = f(a, b);
      b.dispose(); // before the batch is formed
      await assert.rejects(p, /batchFn: args\[1\] of call 0 was disposed before its batch ran/);
      a.dispose();
      f.close();
    });
  });

  test('outputs of a batch still in flight when the batcher closes are disposed', async () => {
    await noLeak(async () => {
      const gate = deferred<undefined>();
      const f = batchFn(async (x: tf.Tensor) => {
        const y = tf.mul(x, 3);
        await gate.promise;
        return y;
      });
      const xs = [tf.zeros([1, 2]), tf.ones([1, 2])];
      const results = xs.map((x) => f(x));
      await nextTurn();
      assert.equal(f.batcher.pending, 2);
      f.close('stop');
      for (const r of await Promise.allSettled(results)) assert.equal(r.status, 'rejected');
      gate.resolve(undefined);
      await nextTurn();
      tf.dispose(xs);
    });
  });
});
