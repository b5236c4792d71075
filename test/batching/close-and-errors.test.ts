/**
 * DynamicBatcher: batch function errors (closeOnError), close(), AbortSignal, discarded outputs, and
 * timers (none left after close, none while idle, the process exits). Expected behaviour from
 * docs/reference-facts.md §2 item 6 (cancel and close) and the semantics list.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { fileURLToPath } from 'node:url';
import { BatcherClosedError, DynamicBatcher } from '../../src/index.js';
import { activeTimers, deferred, nextTurn, state } from './helpers.js';

describe('DynamicBatcher: batch function errors', () => {
  for (const kind of ['throws', 'rejects'] as const) {
    test(`an error (${kind}) rejects exactly its batch, then closes the batcher by default`, async () => {
      const failure = new Error('model exploded');
      const gate = deferred<undefined>();
      const batcher = new DynamicBatcher<number, number>(
        async (xs) => {
          if (xs[0] === 0) {
            await gate.promise;
            return xs.map((x) => x + 100);
          }
          if (kind === 'throws') throw failure;
          await Promise.resolve();
          throw failure;
        },
        { maximumBatchSize: 2 },
      );
      const first = [batcher.compute(0), batcher.compute(100)]; // in flight, waiting on the gate
      await nextTurn();
      const failing = [batcher.compute(1), batcher.compute(2)];
      const results = await Promise.allSettled(failing);
      for (const r of results) assert.equal(r.status === 'rejected' && r.reason, failure);
      assert.equal(batcher.closed, true);
      // The other in-flight batch and later calls fail with BatcherClosedError whose cause is the error.
      for (const r of await Promise.allSettled([...first, batcher.compute(3)])) {
        assert.equal(r.status, 'rejected');
        const reason = (r).reason as BatcherClosedError;
        assert.ok(reason instanceof BatcherClosedError);
        assert.equal(reason.cause, failure);
        assert.match(reason.message, /DynamicBatcher: closed because a batch failed: Error: model exploded/);
      }
      gate.resolve(undefined);
    });
  }

  test('closeOnError: false keeps serving after a failed batch', async () => {
    const batcher = new DynamicBatcher<number, number>(
      (xs) => {
        if (xs.includes(13)) throw new Error('unlucky');
        return xs.map((x) => x * 10);
      },
      { closeOnError: false, maximumBatchSize: 2 },
    );
    const results = await Promise.allSettled([1, 13, 2, 3].map((x) => batcher.compute(x)));
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
      ['unlucky', 'unlucky', 20, 30], // batches [1, 13] (fails) and [2, 3]
    );
    assert.equal(batcher.closed, false);
    assert.equal(await batcher.compute(4), 40);
    batcher.close();
  });

  test('a non-Error thrown value is passed through to the batch callers', async () => {
    const batcher = new DynamicBatcher<number, number>(() => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- exercising a non-Error throw
      throw 'plain string';
    });
    await assert.rejects(batcher.compute(1), (error) => error === 'plain string');
    await assert.rejects(batcher.compute(1), /closed because a batch failed: plain string/);
  });
});

describe('DynamicBatcher: close()', () => {
  test('rejects queued, backpressured and in-flight requests with BatcherClosedError, and later calls', async () => {
    const inFlight = deferred<number[]>();
    const discarded: number[] = [];
    let calls = 0;
    const batcher = new DynamicBatcher<number, number>(
      () => {
        calls++;
        return inFlight.promise;
      },
      { maximumBatchSize: 2, maximumQueueSize: 2, maximumConcurrentBatches: 1, discardOutput: (x) => discarded.push(x) },
    );
    const all = [1, 2, 3, 4, 5, 6].map((x) => batcher.compute(x)); // 2 in flight, 2 queued, 2 waiting for room
    await nextTurn();
    assert.equal(calls, 1);
    assert.equal(batcher.size, 4);
    assert.equal(batcher.pending, 2);
    batcher.close('shutting down');
    for (const r of await Promise.allSettled(all)) {
      assert.equal(r.status, 'rejected');
      const reason = (r).reason as BatcherClosedError;
      assert.ok(reason instanceof BatcherClosedError);
      assert.equal(reason.name, 'BatcherClosedError');
      assert.equal(reason.message, 'DynamicBatcher: closed: shutting down');
      assert.equal(reason.cause, 'shutting down');
    }
    assert.equal(batcher.size, 0);
    assert.equal(batcher.pending, 0);
    await batcher.onIdle();
    await assert.rejects(batcher.compute(7), { name: 'BatcherClosedError', message: 'DynamicBatcher: closed: shutting down' });
    // The in-flight batch completes later: its outputs cannot be delivered and go to discardOutput.
    inFlight.resolve([10, 20]);
    await nextTurn();
    assert.deepEqual(discarded, [10, 20]);
    assert.equal(calls, 1);
    batcher.close(); // idempotent
  });

  test('close() without a reason; a throwing discardOutput is ignored', async () => {
    const inFlight = deferred<number[]>();
    const batcher = new DynamicBatcher<number, number>(() => inFlight.promise, {
      discardOutput: () => {
        throw new Error('ignored');
      },
    });
    const p = batcher.compute(1);
    await nextTurn();
    batcher.close();
    await assert.rejects(p, { name: 'BatcherClosedError', message: 'DynamicBatcher: closed' });
    inFlight.resolve([1]);
    await nextTurn();
  });

  test('close() clears the timeout timer; an idle batcher holds no timer', async () => {
    const before = activeTimers();
    const batcher = new DynamicBatcher<number, number>((xs) => xs, { minimumBatchSize: 2, timeoutMs: 60_000 });
    assert.equal(activeTimers(), before, 'idle: no timer');
    const p = batcher.compute(1);
    assert.equal(activeTimers(), before + 1, 'a request waits for the timeout');
    batcher.close();
    assert.equal(activeTimers(), before, 'close() cleared it');
    await assert.rejects(p, BatcherClosedError);
  });

  test('a timer exists only while a request waits for it', async () => {
    const before = activeTimers();
    const batcher = new DynamicBatcher<number, number>((xs) => xs, { minimumBatchSize: 3, timeoutMs: 20 });
    assert.deepEqual(await Promise.all([batcher.compute(1), batcher.compute(2)]), [1, 2]);
    await nextTurn();
    assert.equal(activeTimers(), before);
    batcher.close();
  });

  test('the process exits promptly after close(), and with an idle batcher never closed', () => {
    const script = fileURLToPath(new URL('./fixtures/exit-after-close.ts', import.meta.url));
    const start = performance.now();
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
    const seconds = (performance.now() - start) / 1000;
    assert.equal(child.status, 0, `exit status ${child.status}, stderr: ${child.stderr}`);
    assert.match(child.stdout, /all settled/);
    // The script's timers are 60 s long: exiting well before shows none was left running.
    assert.ok(seconds < 20, `child took ${seconds} s`);
  });
});

describe('DynamicBatcher: AbortSignal', () => {
  test('aborting rejects everything pending with BatcherClosedError (cause = reason)', async () => {
    const controller = new AbortController();
    const inFlight = deferred<number[]>();
    const batcher = new DynamicBatcher<number, number>(() => inFlight.promise, {
      signal: controller.signal,
      maximumBatchSize: 1,
      maximumConcurrentBatches: 1,
    });
    const all = [batcher.compute(1), batcher.compute(2)];
    await nextTurn();
    const reason = new Error('stop');
    controller.abort(reason);
    for (const r of await Promise.allSettled(all)) {
      assert.equal(r.status, 'rejected');
      const error = (r).reason as BatcherClosedError;
      assert.ok(error instanceof BatcherClosedError);
      assert.equal(error.cause, reason);
      assert.equal(error.message, 'DynamicBatcher: aborted: Error: stop');
    }
    assert.equal(batcher.closed, true);
    await assert.rejects(batcher.compute(3), BatcherClosedError);
    inFlight.resolve([1]);
  });

  test('an already aborted signal gives a closed batcher', async () => {
    const batcher = new DynamicBatcher<number, number>((xs) => xs, { signal: AbortSignal.abort('early') });
    assert.equal(batcher.closed, true);
    await assert.rejects(batcher.compute(1), { name: 'BatcherClosedError', message: 'DynamicBatcher: aborted: early' });
  });

  test('close() removes the abort listener; a long-lived signal does not keep batchers', () => {
    const controller = new AbortController();
    const batchers = Array.from({ length: 3 }, () => new DynamicBatcher<number, number>((xs) => xs, { signal: controller.signal }));
    assert.equal(getEventListeners(controller.signal, 'abort').length, 3);
    for (const b of batchers) b.close();
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  test('a request waiting for its timeout is rejected by abort, and its timer cleared', async () => {
    const controller = new AbortController();
    let calls = 0;
    const before = activeTimers();
    const batcher = new DynamicBatcher<number, number>(
      (xs) => {
        calls++;
        return xs;
      },
      { minimumBatchSize: 2, timeoutMs: 60_000, signal: controller.signal },
    );
    const p = batcher.compute(1);
    assert.equal(activeTimers(), before + 1);
    await nextTurn();
    assert.equal(await state(p), 'pending');
    controller.abort();
    assert.equal(activeTimers(), before);
    await assert.rejects(p, BatcherClosedError);
    assert.equal(calls, 0);
  });
});
