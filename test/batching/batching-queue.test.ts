/**
 * BatchingQueue: exactly batchSize items per get(), FIFO, backpressure on put(), close/abort, async
 * iteration, and a seeded randomized producer/consumer run. Expected behaviour: torchbeast's
 * BatchingQueue as summarised in docs/reference-facts.md §2 (enqueue blocks when full,
 * closing fails waiting calls) and the API.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { BatcherClosedError, BatchingQueue } from '../../src/index.js';
import { mulberry32, nextTurn, sleep, state } from './helpers.js';

describe('BatchingQueue: batches', () => {
  test('get() returns exactly batchSize items, oldest first', async () => {
    const q = new BatchingQueue<number>({ batchSize: 3 });
    for (let i = 0; i < 7; i++) await q.put(i);
    assert.deepEqual(await q.get(), [0, 1, 2]);
    assert.deepEqual(await q.get(), [3, 4, 5]);
    assert.equal(q.size, 1);
    const third = q.get();
    assert.equal(await state(third), 'pending', 'waits for a full batch');
    await q.put(7);
    await q.put(8);
    assert.deepEqual(await third, [6, 7, 8]);
    q.close();
  });

  test('concurrent get() calls are served in call order', async () => {
    const q = new BatchingQueue<string>({ batchSize: 2 });
    const g1 = q.get();
    const g2 = q.get();
    for (const x of ['a', 'b', 'c', 'd']) await q.put(x);
    assert.deepEqual(await g1, ['a', 'b']);
    assert.deepEqual(await g2, ['c', 'd']);
    q.close();
  });

  test('batchSize 1 hands items one by one', async () => {
    const q = new BatchingQueue<number>({ batchSize: 1 });
    await q.put(5);
    assert.deepEqual(await q.get(), [5]);
    q.close();
  });
});

describe('BatchingQueue: backpressure', () => {
  test('put() waits while maximumQueueSize items are queued and nothing is dropped', async () => {
    const q = new BatchingQueue<number>({ batchSize: 2, maximumQueueSize: 3 });
    const puts = [0, 1, 2, 3, 4].map((x) => q.put(x));
    assert.equal(await state(puts[2]!), 'fulfilled');
    assert.equal(await state(puts[3]!), 'pending', 'the queue is full');
    assert.equal(await state(puts[4]!), 'pending');
    assert.equal(q.size, 3);
    assert.deepEqual(await q.get(), [0, 1]);
    assert.equal(await state(puts[3]!), 'fulfilled');
    assert.equal(await state(puts[4]!), 'fulfilled');
    assert.equal(q.size, 3);
    // A new put() goes behind the waiting ones even when room appears (FIFO).
    assert.deepEqual(await q.get(), [2, 3]);
    await q.put(5);
    assert.deepEqual(await q.get(), [4, 5]);
    q.close();
  });

  test('maximumQueueSize must be at least batchSize', () => {
    assert.throws(() => new BatchingQueue({ batchSize: 4, maximumQueueSize: 3 }), /BatchingQueue: option 'maximumQueueSize' must be an integer >= batchSize \(4\) or Infinity, got 3/);
    assert.throws(() => new BatchingQueue({ batchSize: 0 }), /BatchingQueue: option 'batchSize' must be an integer >= 1, got 0/);
    assert.throws(() => new BatchingQueue({ batchSize: 2.5 }), /'batchSize'/);
    assert.throws(() => new BatchingQueue({ batchSize: 2, maximumQueueSize: 4.5 }), /'maximumQueueSize'/);
  });
});

describe('BatchingQueue: close and abort', () => {
  test('close() rejects waiting get()/put() and later calls, and returns the queued items', async () => {
    const q = new BatchingQueue<number>({ batchSize: 4, maximumQueueSize: 4 });
    const puts = [1, 2, 3].map((x) => q.put(x));
    await Promise.all(puts);
    const get = q.get();
    await q.put(4); // the pending get() takes [1, 2, 3, 4]
    assert.deepEqual(await get, [1, 2, 3, 4]);
    for (const x of [5, 6, 7, 8]) await q.put(x);
    const blocked = q.put(9);
    const get2 = q.get(); // served at once with [5..8], which lets 9 in
    assert.deepEqual(await get2, [5, 6, 7, 8]);
    await blocked;
    const waitingGet = q.get();
    const putsAfter = [10, 11, 12, 13].map((x) => q.put(x)); // 9,10,11,12 fill a batch for waitingGet
    assert.deepEqual(await waitingGet, [9, 10, 11, 12]);
    await Promise.all(putsAfter);
    const waitingGet2 = q.get();
    assert.deepEqual(q.close('done'), [13]);
    for (const p of [waitingGet2, q.get(), q.put(14)]) {
      await assert.rejects(p, (error) => error instanceof BatcherClosedError && error.message === 'BatchingQueue: closed: done' && error.cause === 'done');
    }
    assert.deepEqual(q.close(), [], 'idempotent');
    assert.equal(q.closed, true);
  });

  test('close() rejects put() calls waiting for room', async () => {
    const q = new BatchingQueue<number>({ batchSize: 1, maximumQueueSize: 1 });
    await q.put(1);
    const blocked = q.put(2);
    assert.deepEqual(q.close(), [1]);
    await assert.rejects(blocked, { name: 'BatcherClosedError', message: 'BatchingQueue: closed' });
  });

  test('an aborted signal closes the queue; close() removes the listener', async () => {
    const controller = new AbortController();
    const q = new BatchingQueue<number>({ batchSize: 2, signal: controller.signal });
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    const g = q.get();
    controller.abort(new Error('halt'));
    await assert.rejects(g, (error) => error instanceof BatcherClosedError && error.message.includes('BatchingQueue: aborted: Error: halt'));
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);

    const q2 = new BatchingQueue<number>({ batchSize: 2, signal: AbortSignal.abort() });
    await assert.rejects(q2.put(1), BatcherClosedError);

    const controller3 = new AbortController();
    const q3 = new BatchingQueue<number>({ batchSize: 2, signal: controller3.signal });
    q3.close();
    assert.equal(getEventListeners(controller3.signal, 'abort').length, 0);
  });

  test('for await yields batches until the queue is closed, then ends', async () => {
    const q = new BatchingQueue<number>({ batchSize: 2 });
    const seen: number[][] = [];
    const consumer = (async () => {
      for await (const batch of q) seen.push(batch);
    })();
    for (let i = 0; i < 5; i++) await q.put(i);
    await nextTurn();
    q.close();
    await consumer;
    assert.deepEqual(seen, [
      [0, 1],
      [2, 3],
    ]);
  });
});

describe('BatchingQueue: seeded random producers and consumers', () => {
  test('every item is delivered once, in put order, in batches of exactly batchSize', { timeout: 60_000 }, async () => {
    const random = mulberry32(42);
    const batchSize = 8;
    const q = new BatchingQueue<number>({ batchSize, maximumQueueSize: 20 });
    const producers = 12;
    const perProducer = 200; // 2400 items = 300 batches
    const putOrder: number[] = [];
    let maxSize = 0;
    let next = 0;
    const produce = async (): Promise<void> => {
      for (let k = 0; k < perProducer; k++) {
        const item = next++;
        putOrder.push(item); // call order
        const p = q.put(item);
        maxSize = Math.max(maxSize, q.size);
        if (random() < 0.5) await p;
        else {
          await p;
          await sleep(Math.floor(random() * 2));
        }
      }
    };
    const received: number[][] = [];
    const consume = async (): Promise<void> => {
      while (received.length < (producers * perProducer) / batchSize) {
        const batch = await q.get();
        received.push(batch);
        maxSize = Math.max(maxSize, q.size);
        if (random() < 0.3) await sleep(Math.floor(random() * 3));
      }
    };
    await Promise.all([...Array.from({ length: producers }, produce), consume()]);
    for (const batch of received) assert.equal(batch.length, batchSize);
    assert.deepEqual(received.flat(), putOrder);
    assert.ok(maxSize <= 20, `queue held ${maxSize}`);
    assert.equal(q.size, 0);
    q.close();
  });
});
