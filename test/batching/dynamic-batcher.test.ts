/**
 * DynamicBatcher: FIFO batches, minimum/maximum sizes, the timeout rule, batches in flight, backpressure,
 * getters and option checks. Expected batches follow from the rules in docs/reference-facts.md
 * §2 (a batch is the oldest min(queued, max) requests; >= min goes at once; after the timeout, >= 1 goes).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchShapeError, DynamicBatcher } from '../../src/index.js';
import type { DynamicBatcherOptions } from '../../src/index.js';
import { deferred, nextTurn, sleep, state } from './helpers.js';

/** A batcher whose batch function doubles its inputs and records every batch it receives. */
function recording(options: DynamicBatcherOptions<number> = {}): { batcher: DynamicBatcher<number, number>; batches: number[][] } {
  const batches: number[][] = [];
  const batcher = new DynamicBatcher<number, number>((xs) => {
    batches.push([...xs]);
    return xs.map((x) => 2 * x);
  }, options);
  return { batcher, batches };
}

/** A batcher whose batches stay in flight until the test settles them. */
function manual(options: DynamicBatcherOptions<number> = {}) {
  const calls: { inputs: number[]; resolve: (outputs: number[]) => void; reject: (error: unknown) => void }[] = [];
  const batcher = new DynamicBatcher<number, number>((inputs) => {
    const d = deferred<number[]>();
    calls.push({ inputs: [...inputs], resolve: d.resolve, reject: d.reject });
    return d.promise;
  }, options);
  return { batcher, calls };
}

describe('DynamicBatcher: batches are FIFO and sized by min/max', () => {
  test('concurrent calls made together form one batch, in call order', async () => {
    const { batcher, batches } = recording();
    const out = await Promise.all([1, 2, 3, 4].map((x) => batcher.compute(x)));
    assert.deepEqual(out, [2, 4, 6, 8]);
    assert.deepEqual(batches, [[1, 2, 3, 4]]);
    batcher.close();
  });

  test('a batch is the first min(queued, maximumBatchSize) requests', async () => {
    const { batcher, batches } = recording({ maximumBatchSize: 3 });
    const out = await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.compute(i)));
    assert.deepEqual(out, Array.from({ length: 10 }, (_, i) => 2 * i));
    assert.deepEqual(batches, [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
    batcher.close();
  });

  test('with one batch in flight at a time, requests accumulate into the next batch (FIFO)', async () => {
    const { batcher, calls } = manual({ maximumConcurrentBatches: 1, maximumBatchSize: 3 });
    const results = [batcher.compute(0)];
    await nextTurn();
    assert.equal(calls.length, 1);
    for (let i = 1; i <= 5; i++) results.push(batcher.compute(i));
    await nextTurn();
    assert.equal(calls.length, 1, 'no second batch while the first is in flight');
    assert.equal(batcher.size, 5);
    assert.equal(batcher.pending, 1);
    calls[0]!.resolve([100]);
    await nextTurn();
    assert.deepEqual(
      calls.map((c) => c.inputs),
      [[0], [1, 2, 3]],
    );
    calls[1]!.resolve([101, 102, 103]);
    await nextTurn();
    assert.deepEqual(calls[2]!.inputs, [4, 5]);
    calls[2]!.resolve([104, 105]);
    assert.deepEqual(await Promise.all(results), [100, 101, 102, 103, 104, 105]);
    batcher.close();
  });

  test('with >= minimumBatchSize queued the batch goes at once (no wait for the timeout)', async () => {
    const { batcher, batches } = recording({ minimumBatchSize: 3, timeoutMs: 60_000 });
    const start = performance.now();
    const out = await Promise.all([batcher.compute(1), batcher.compute(2), batcher.compute(3)]);
    assert.deepEqual(out, [2, 4, 6]);
    assert.deepEqual(batches, [[1, 2, 3]]);
    assert.ok(performance.now() - start < 2000, 'did not wait for the 60 s timeout');
    batcher.close();
  });

  test('the minimum is reached by requests arriving one by one', async () => {
    const { batcher, batches } = recording({ minimumBatchSize: 3, timeoutMs: 60_000 });
    const p1 = batcher.compute(1);
    await sleep(5);
    const p2 = batcher.compute(2);
    await sleep(5);
    assert.equal(await state(p1), 'pending');
    const p3 = batcher.compute(3);
    assert.deepEqual(await Promise.all([p1, p2, p3]), [2, 4, 6]);
    assert.deepEqual(batches, [[1, 2, 3]]);
    batcher.close();
  });
});

describe('DynamicBatcher: the timeout rule', () => {
  test('after timeoutMs the consumer takes whatever is queued, fewer than the minimum', async () => {
    const { batcher, batches } = recording({ minimumBatchSize: 5, timeoutMs: 50 });
    const out = await Promise.all([batcher.compute(1), batcher.compute(2), batcher.compute(3)]);
    assert.deepEqual(out, [2, 4, 6]);
    assert.deepEqual(batches, [[1, 2, 3]]);
    batcher.close();
  });

  test('the timer starts when the consumer begins waiting (construction), not when a request arrives', async () => {
    const period = 1000;
    const t0 = performance.now();
    const { batcher } = recording({ minimumBatchSize: 2, timeoutMs: period });
    await sleep(600);
    const arrival = performance.now() - t0;
    await batcher.compute(1);
    const done = performance.now() - t0;
    // The consumer's waits time out at t0 + k * period; the request is served at the first one after it
    // arrives. A timer started at arrival would serve it at arrival + period instead (about 1600 ms).
    const expected = (Math.floor(arrival / period) + 1) * period;
    assert.ok(done >= expected - 50 && done <= expected + 450, `served at ${done} ms, expected about ${expected} ms (arrival ${arrival} ms)`);
    batcher.close();
  });

  test('after a batch is taken the next wait starts afresh', async () => {
    const period = 300;
    const { batcher, batches } = recording({ minimumBatchSize: 2, timeoutMs: period, maximumBatchSize: 2 });
    // Three requests with maximumBatchSize 2: the first two go at once (2 >= min), leaving one queued;
    // the consumer's new wait then times out `period` later and takes it alone.
    const start = performance.now();
    const p = [batcher.compute(1), batcher.compute(2), batcher.compute(3)];
    await p[0];
    const first = performance.now() - start;
    await p[2];
    const second = performance.now() - start;
    assert.deepEqual(batches, [[1, 2], [3]]);
    assert.ok(first < 250, `first batch at ${first} ms`);
    assert.ok(second >= period - 20 && second <= period + 600, `second batch at ${second} ms`);
    batcher.close();
  });

  test('timeoutMs null (no timeout): a batch always has at least minimumBatchSize requests', async () => {
    const { batcher, batches } = recording({ minimumBatchSize: 2, timeoutMs: null });
    const p1 = batcher.compute(1);
    await sleep(150);
    assert.equal(await state(p1), 'pending');
    assert.deepEqual(await Promise.all([p1, batcher.compute(2)]), [2, 4]);
    assert.deepEqual(batches, [[1, 2]]);
    batcher.close();
  });

  test('timeoutMs 0 releases a lone request on the next timer tick', async () => {
    const { batcher, batches } = recording({ minimumBatchSize: 4, timeoutMs: 0 });
    assert.equal(await batcher.compute(7), 14);
    assert.deepEqual(batches, [[7]]);
    batcher.close();
  });
});

describe('DynamicBatcher: batches in flight', () => {
  test('several batches run at once when the batch function is async, and may finish out of order', async () => {
    const { batcher, calls } = manual({ maximumBatchSize: 1 });
    const results = [0, 1, 2].map((x) => batcher.compute(x));
    while (calls.length < 3) await nextTurn();
    assert.equal(batcher.pending, 3);
    const finished: number[] = [];
    results.forEach((p, i) => void p.then(() => finished.push(i)));
    calls[2]!.resolve([12]);
    calls[0]!.resolve([10]);
    calls[1]!.resolve([11]);
    assert.deepEqual(await Promise.all(results), [10, 11, 12]);
    assert.deepEqual(finished, [2, 0, 1]);
    batcher.close();
  });

  test('maximumConcurrentBatches bounds the batches in flight', async () => {
    const { batcher, calls } = manual({ maximumBatchSize: 1, maximumConcurrentBatches: 2 });
    const results = [0, 1, 2, 3].map((x) => batcher.compute(x));
    await nextTurn();
    assert.equal(calls.length, 2);
    calls[1]!.resolve([11]);
    await nextTurn();
    assert.equal(calls.length, 3);
    assert.deepEqual(calls[2]!.inputs, [2]);
    calls[0]!.resolve([10]);
    await nextTurn();
    calls[2]!.resolve([12]);
    calls[3]!.resolve([13]);
    assert.deepEqual(await Promise.all(results), [10, 11, 12, 13]);
    batcher.close();
  });
});

describe('DynamicBatcher: backpressure', () => {
  test('with maximumQueueSize reached, compute() waits and nothing is dropped', async () => {
    const { batcher, calls } = manual({ maximumBatchSize: 8, maximumQueueSize: 4, maximumConcurrentBatches: 1 });
    const results = Array.from({ length: 10 }, (_, i) => batcher.compute(i));
    assert.equal(batcher.size, 10, 'all ten are waiting: four queued, six for room');
    await nextTurn();
    // Only 4 fit in the queue, so the first batch has 4 even though maximumBatchSize is 8.
    assert.deepEqual(calls[0]!.inputs, [0, 1, 2, 3]);
    assert.equal(batcher.size, 6);
    assert.equal(await state(results[9]!), 'pending');
    calls[0]!.resolve([0, 1, 2, 3].map((x) => -x));
    await nextTurn();
    assert.deepEqual(calls[1]!.inputs, [4, 5, 6, 7]);
    calls[1]!.resolve([4, 5, 6, 7].map((x) => -x));
    await nextTurn();
    assert.deepEqual(calls[2]!.inputs, [8, 9]);
    calls[2]!.resolve([-8, -9]);
    assert.deepEqual(await Promise.all(results), Array.from({ length: 10 }, (_, i) => -i));
    batcher.close();
  });

  test('maximumQueueSize must be at least minimumBatchSize', () => {
    assert.throws(
      () => new DynamicBatcher<number, number>((x) => x, { minimumBatchSize: 4, maximumQueueSize: 3 }),
      /option 'maximumQueueSize' must be an integer >= 4 or Infinity, got 3/,
    );
  });
});

describe('DynamicBatcher: getters, onIdle and options', () => {
  test('size, pending and onIdle follow the requests', async () => {
    const { batcher, calls } = manual({ minimumBatchSize: 2, timeoutMs: null });
    await batcher.onIdle(); // idle at start
    const p1 = batcher.compute(1);
    assert.equal(batcher.size, 1);
    assert.equal(batcher.pending, 0);
    const idle = batcher.onIdle();
    const p2 = batcher.compute(2);
    await nextTurn();
    assert.equal(batcher.size, 0);
    assert.equal(batcher.pending, 2);
    assert.equal(await state(idle), 'pending');
    calls[0]!.resolve([10, 20]);
    await idle;
    assert.deepEqual(await Promise.all([p1, p2]), [10, 20]);
    assert.equal(batcher.closed, false);
    batcher.close();
    assert.equal(batcher.closed, true);
  });

  test('defaults are min 1, max 1024, timeout 100 ms', async () => {
    const { batcher, batches } = recording();
    await Promise.all(Array.from({ length: 1500 }, (_, i) => batcher.compute(i)));
    assert.deepEqual(
      batches.map((b) => b.length),
      [1024, 476],
    );
    batcher.close();
  });

  test('invalid options are rejected with messages naming the option', () => {
    const f = (xs: number[]): number[] => xs;
    assert.throws(() => new DynamicBatcher(f, { minimumBatchSize: 0 }), /DynamicBatcher: option 'minimumBatchSize' must be an integer >= 1, got 0/);
    assert.throws(() => new DynamicBatcher(f, { minimumBatchSize: 1.5 }), /'minimumBatchSize'/);
    assert.throws(() => new DynamicBatcher(f, { minimumBatchSize: 8, maximumBatchSize: 4 }), /'maximumBatchSize' must be an integer >= 8, got 4/);
    assert.throws(() => new DynamicBatcher(f, { maximumBatchSize: Infinity }), /'maximumBatchSize'/);
    assert.throws(() => new DynamicBatcher(f, { timeoutMs: -1 }), /'timeoutMs' must be a number >= 0, null or Infinity, got -1/);
    assert.throws(() => new DynamicBatcher(f, { timeoutMs: NaN }), /'timeoutMs'/);
    assert.throws(() => new DynamicBatcher(f, { maximumConcurrentBatches: 0 }), /'maximumConcurrentBatches'/);
    assert.throws(() => new DynamicBatcher('nope' as unknown as typeof f), /argument 'fn' must be a function/);
    new DynamicBatcher(f, { timeoutMs: Infinity, maximumQueueSize: Infinity, maximumConcurrentBatches: Infinity }).close();
  });

  test('a batch function returning the wrong number of outputs fails its batch with a shape error', async () => {
    const batcher = new DynamicBatcher<number, number>((xs) => [...xs, 0]);
    const results = await Promise.allSettled([batcher.compute(1), batcher.compute(2), batcher.compute(3)]);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      const reason = (r).reason as Error;
      assert.ok(reason instanceof BatchShapeError);
      assert.match(reason.message, /DynamicBatcher: output batch dim 4 != 3 inputs/);
    }
    assert.equal(batcher.closed, true);
  });

  test('a batch function returning a non-array fails its batch', async () => {
    const batcher = new DynamicBatcher<number, number>(() => 5 as unknown as number[]);
    await assert.rejects(batcher.compute(1), /DynamicBatcher: output number \(not an array\) != 1 inputs/);
  });
});
