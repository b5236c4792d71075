/**
 * The test expectations of scalable_agent's `dynamic_batching_test.py`, ported (see
 * docs/reference-facts.md §2). Expected values come from those tests: f(a, b) = a + b and
 * the observed batch size; timing bounds are widened for a loaded 2-core machine.
 * Not ported: `test_invalid_computation_id` and `test_op_shape` (computation ids are internal here) and
 * `test_static_shape` (no static graph shapes in tfjs).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchShapeError, BatcherClosedError, DynamicBatcher, batchFn } from '../../src/index.js';
import { setupTestBackend, tf } from '../helpers/tf.js';
import { deferred } from './helpers.js';

interface Pair {
  readonly a: number[];
  readonly b: number[];
}
interface SumAndBatch {
  readonly sum: number[];
  readonly batchSize: number;
}

/** The original `f(a, b) = (a + b, batch_size)` over plain arrays. */
function addWithBatchSize(inputs: Pair[]): SumAndBatch[] {
  return inputs.map(({ a, b }) => ({ sum: a.map((x, i) => x + b[i]!), batchSize: inputs.length }));
}

describe('ported scalable_agent dynamic_batching_test expectations', () => {
  test('test_one: a single call is a batch of 1', async () => {
    const batcher = new DynamicBatcher(addWithBatchSize);
    const out = await batcher.compute({ a: [1, 3], b: [2, 2] });
    assert.deepEqual(out, { sum: [3, 5], batchSize: 1 });
    batcher.close();
  });

  test('test_two: two concurrent calls form one batch of 2', async () => {
    const batcher = new DynamicBatcher(addWithBatchSize);
    const [r0, r1] = await Promise.all([batcher.compute({ a: [1], b: [2] }), batcher.compute({ a: [2], b: [3] })]);
    assert.deepEqual(r0, { sum: [3], batchSize: 2 });
    assert.deepEqual(r1, { sum: [5], batchSize: 2 });
    batcher.close();
  });

  test('test_many_small: 200 calls from 10 producers all get their own result', async () => {
    const batcher = new DynamicBatcher((inputs: number[][][]) =>
      inputs.map((x) => x.map((row) => row.map((v) => v + v))),
    );
    const results = new Map<number, number[][]>();
    const producer = async (p: number): Promise<void> => {
      for (let i = p; i < 200; i += 10) results.set(i, await batcher.compute([new Array<number>(5).fill(i)]));
    };
    await Promise.all(Array.from({ length: 10 }, (_, p) => producer(p)));
    assert.equal(results.size, 200);
    for (let i = 0; i < 200; i++) assert.deepEqual(results.get(i), [new Array<number>(5).fill(2 * i)]);
    batcher.close();
  });

  test('test_run_after_error_should_be_cancelled: a failed batch closes the batcher', async () => {
    const failure = new Error('boom');
    const batcher = new DynamicBatcher<number, number>(() => {
      throw failure;
    });
    await assert.rejects(batcher.compute(1), (error) => error === failure);
    await assert.rejects(batcher.compute(1), (error) => error instanceof BatcherClosedError && error.cause === failure);
  });

  test('test_minimum_batch_size: min 2, timeout 1000 ms: one call waits ~1 s (batch 1), two go at once', async () => {
    const batcher = new DynamicBatcher(addWithBatchSize, { minimumBatchSize: 2, timeoutMs: 1000 });
    let start = performance.now();
    const single = await batcher.compute({ a: [1, 3], b: [2, 2] });
    let seconds = (performance.now() - start) / 1000;
    assert.equal(single.batchSize, 1);
    // Original: 0.9 <= duration <= 1.5 s; the upper bound is widened for a loaded machine.
    assert.ok(seconds >= 0.9 && seconds <= 2.5, `one request took ${seconds} s`);

    start = performance.now();
    const [r0] = await Promise.all([batcher.compute({ a: [1, 3], b: [2, 2] }), batcher.compute({ a: [1, 3], b: [2, 2] })]);
    seconds = (performance.now() - start) / 1000;
    assert.equal(r0.batchSize, 2);
    // Original: <= 0.5 s; what matters is that it did not wait for the 1 s timeout.
    assert.ok(seconds < 0.8, `two requests took ${seconds} s`);
    batcher.close();
  });

  test('test_maximum_batch_size: max 2 with 5 requests: every batch has at most 2', async () => {
    const batcher = new DynamicBatcher(addWithBatchSize, { maximumBatchSize: 2 });
    const results = await Promise.all(Array.from({ length: 5 }, () => batcher.compute({ a: [1], b: [2] })));
    for (const { sum, batchSize } of results) {
      assert.deepEqual(sum, [3]);
      assert.ok(batchSize <= 2, `batch of ${batchSize}`);
    }
    assert.deepEqual(
      results.map((r) => r.batchSize),
      [2, 2, 2, 2, 1],
    );
    batcher.close();
  });

  for (const order of ['in order', 'out of order'] as const) {
    test(`test_out_of_order_execution: results set ${order} reach their own callers`, async () => {
      const pending: { inputs: number[]; done: (outputs: number[]) => void }[] = [];
      const batcher = new DynamicBatcher<number, number>(
        (inputs) => {
          const d = deferred<number[]>();
          pending.push({ inputs, done: d.resolve });
          return d.promise;
        },
        { minimumBatchSize: 1, maximumBatchSize: 1, timeoutMs: null },
      );
      const r0 = batcher.compute(1);
      const r1 = batcher.compute(2);
      while (pending.length < 2) await new Promise((resolve) => setImmediate(resolve));
      const [c0, c1] = pending as [(typeof pending)[0], (typeof pending)[0]];
      assert.deepEqual(c0.inputs, [1]);
      assert.deepEqual(c1.inputs, [2]);
      if (order === 'in order') {
        c0.done([1 + 42]);
        c1.done([2 + 42]);
      } else {
        c1.done([2 + 42]);
        c0.done([1 + 42]);
      }
      assert.equal(await r0, 43);
      assert.equal(await r1, 44);
      batcher.close();
    });
  }

  test('test_get_inputs_cancelled / test_batcher_closed: closing a waiting batcher ends cleanly', async () => {
    const batcher = new DynamicBatcher<number, number>((xs) => xs);
    await new Promise((resolve) => setTimeout(resolve, 20));
    batcher.close();
    await batcher.onIdle();
    await assert.rejects(batcher.compute(1), BatcherClosedError);
  });
});

describe('ported expectations that need tensors (batchFn)', () => {
  test('setup', async () => {
    await setupTestBackend();
  });

  test('test_one with tensors: [[1, 3]] + [2] -> [[3, 5]], batch 1', async () => {
    const f = batchFn((a: tf.Tensor, b: tf.Tensor) =>
      tf.tidy(() => ({ sum: tf.add(a, tf.reshape(b, [-1, 1])), batchSize: tf.fill([a.shape[0]], a.shape[0], 'int32') })),
    );
    const [a, b] = [tf.tensor2d([[1, 3]], [1, 2], 'int32'), tf.tensor1d([2], 'int32')];
    const { sum, batchSize } = await f(a, b);
    assert.deepEqual(sum.arraySync(), [[3, 5]]);
    assert.deepEqual(batchSize.arraySync(), [1]);
    tf.dispose([a, b, sum, batchSize]);
    f.close();
  });

  test('test_input_batch_size_should_be_one: leading dim 2 is rejected', async () => {
    const f = batchFn((a: tf.Tensor) => tf.clone(a));
    const a = tf.tensor1d([1, 2]);
    await assert.rejects(f(a), (error) => error instanceof BatchShapeError && error.message.includes('leading dim 1'));
    a.dispose();
    f.close();
  });

  test('test_input_shapes_should_be_equal: shapes [1] and [1,1] in one batch fail it', async () => {
    const f = batchFn((a: tf.Tensor, b: tf.Tensor) => tf.add(a, b));
    const t = [tf.tensor1d([1]), tf.tensor1d([2]), tf.tensor2d([[2]]), tf.tensor1d([3])] as const;
    const results = await Promise.allSettled([f(t[0], t[1]), f(t[2], t[3])]);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.match(String((r).reason), /all inputs must have equal shapes/);
    }
    tf.dispose([...t]);
  });

  test('test_output_must_have_batch_dimension: a scalar output fails the batch', async () => {
    const f = batchFn<[tf.Tensor], tf.Tensor>(() => tf.scalar(1));
    const a = tf.tensor1d([1]);
    await assert.rejects(f(a), /every output must have a batch dimension/);
    a.dispose();
  });

  test('test_output_must_have_same_batch_dimension_size_as_input: 4 outputs for 1 input', async () => {
    const f = batchFn<[tf.Tensor], tf.Tensor>(() => tf.tensor1d([1, 2, 3, 4]));
    const a = tf.tensor1d([1]);
    await assert.rejects(f(a), /output batch dim 4 != 1 inputs/);
    a.dispose();
  });
});
