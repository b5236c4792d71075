/**
 * Randomized stress tests of DynamicBatcher (fixed seeds, so failures reproduce): thousands of
 * concurrent calls with random delays, random batch-function latencies and random failures. Checked
 * invariants (from the semantics in docs/reference-facts.md §2): every caller settles, with
 * exactly its own answer or exactly its batch's error (or BatcherClosedError once closed); every request
 * is in at most one batch; batches respect the size and concurrency limits; concatenated in dispatch
 * order, batches are the requests in call order (FIFO).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BatcherClosedError, DynamicBatcher } from '../../src/index.js';
import type { DynamicBatcherOptions } from '../../src/index.js';
import { mulberry32, sleep } from './helpers.js';

interface Input {
  readonly id: number;
  readonly value: number;
}
interface Output {
  readonly id: number;
  readonly value: number;
}
interface BatchRecord {
  readonly ids: number[];
  outcome: 'pending' | 'ok' | 'error';
  error?: unknown;
}

interface Scenario {
  readonly seed: number;
  readonly calls: number;
  readonly producers: number;
  readonly failureRate: number;
  readonly options: DynamicBatcherOptions<Output>;
  /** Close the batcher after this many calls were made (undefined: never). */
  readonly closeAfter?: number;
}

const answer = (value: number): number => 3 * value + 1;

interface Stats {
  readonly batches: number;
  readonly meanBatch: number;
  readonly ok: number;
  readonly failed: number;
  readonly closed: number;
  readonly maxInFlight: number;
}

async function runScenario(s: Scenario): Promise<Stats> {
  const random = mulberry32(s.seed);
  const batches: BatchRecord[] = [];
  const batchOf = new Map<number, BatchRecord>();
  let inFlight = 0;
  let maxInFlight = 0;
  const maxBatch = s.options.maximumBatchSize ?? 1024;
  const maxQueue = s.options.maximumQueueSize ?? Infinity;

  const fn = (inputs: Input[]): Output[] | Promise<Output[]> => {
    const record: BatchRecord = { ids: inputs.map((x) => x.id), outcome: 'pending' };
    batches.push(record);
    for (const id of record.ids) {
      assert.ok(!batchOf.has(id), `request ${id} in two batches`);
      batchOf.set(id, record);
    }
    const outputs = inputs.map((x) => ({ id: x.id, value: answer(x.value) }));
    const fail = random() < s.failureRate;
    const mode = random();
    const error = new Error(`batch ${batches.length - 1} failed`);
    if (mode < 0.25) {
      // synchronous
      if (fail) {
        record.outcome = 'error';
        record.error = error;
        throw error;
      }
      record.outcome = 'ok';
      return outputs;
    }
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const delay = mode < 0.5 ? 0 : Math.floor(random() * 4);
    const wrongLength = fail && random() < 0.3;
    return (async () => {
      if (mode < 0.5) await Promise.resolve();
      else await sleep(delay);
      inFlight--;
      if (fail && !wrongLength) {
        record.outcome = 'error';
        record.error = error;
        throw error;
      }
      if (wrongLength) {
        record.outcome = 'error'; // the batcher turns this into a BatchShapeError
        return outputs.slice(1);
      }
      record.outcome = 'ok';
      return outputs;
    })();
  };

  const batcher = new DynamicBatcher<Input, Output>(fn, s.options);
  const callOrder: number[] = [];
  const values = new Map<number, number>();
  const outcomes = new Map<number, PromiseSettledResult<Output>>();
  const promises: Promise<void>[] = [];
  let made = 0;

  const call = (id: number, value: number): Promise<void> => {
    callOrder.push(id);
    values.set(id, value);
    made++;
    if (s.closeAfter !== undefined && made === s.closeAfter) batcher.close('stress close');
    return batcher.compute({ id, value }).then(
      (value) => void outcomes.set(id, { status: 'fulfilled', value }),
      (reason: unknown) => void outcomes.set(id, { status: 'rejected', reason }),
    );
  };

  const perProducer = Math.ceil(s.calls / s.producers);
  let nextId = 0;
  const producer = async (): Promise<void> => {
    for (let k = 0; k < perProducer && nextId < s.calls; k++) {
      const id = nextId++;
      const r = random();
      const p = call(id, Math.floor(random() * 1000));
      if (r < 0.3) await p; // wait for the answer
      else if (r < 0.5) await sleep(Math.floor(random() * 3));
      else if (r < 0.6) await new Promise((resolve) => setImmediate(resolve));
      else promises.push(p); // fire and go on: many calls in one turn
    }
  };
  const producers = Array.from({ length: s.producers }, producer);
  await Promise.all(producers);
  await Promise.all(promises);
  await batcher.onIdle();

  // Every caller settled.
  assert.equal(outcomes.size, s.calls, 'every call settled');
  assert.equal(batcher.size, 0);
  assert.equal(batcher.pending, 0);

  // Each caller: its own answer, or exactly its batch's error, or BatcherClosedError.
  let ok = 0;
  let failed = 0;
  let closed = 0;
  const closedByFailure = s.options.closeOnError ?? true;
  for (let id = 0; id < s.calls; id++) {
    const outcome = outcomes.get(id)!;
    const record = batchOf.get(id);
    if (outcome.status === 'fulfilled') {
      ok++;
      assert.ok(record?.outcome === 'ok', `request ${id} resolved but its batch did not succeed`);
      assert.equal(outcome.value.id, id, `request ${id} got request ${outcome.value.id}'s answer`);
    } else if (outcome.reason instanceof BatcherClosedError) {
      closed++;
      assert.ok(s.closeAfter !== undefined || closedByFailure, `request ${id} closed unexpectedly`);
    } else {
      failed++;
      assert.ok(record !== undefined, `request ${id} failed without a batch`);
      assert.equal(record.outcome, 'error');
      if (record.error !== undefined) assert.equal(outcome.reason, record.error, `request ${id} got another batch's error`);
      else assert.match(String(outcome.reason), /output batch dim \d+ != \d+ inputs/);
    }
  }
  // The answer's value is the function of this request's own input value.
  for (const [id, outcome] of outcomes) {
    if (outcome.status === 'fulfilled') assert.equal(outcome.value.value, answer(values.get(id)!), `value of request ${id}`);
  }

  // Batch sizes and concurrency.
  for (const b of batches) {
    assert.ok(b.ids.length >= 1 && b.ids.length <= Math.min(maxBatch, maxQueue), `batch of ${b.ids.length}`);
  }
  assert.ok(maxInFlight <= (s.options.maximumConcurrentBatches ?? Infinity), `max in flight ${maxInFlight}`);

  // FIFO: batches, in dispatch order, are the requests in call order.
  const batched = batches.flatMap((b) => b.ids);
  assert.deepEqual(batched, callOrder.slice(0, batched.length));

  if (s.closeAfter === undefined && !closedByFailure) {
    assert.equal(batched.length, s.calls, 'every request was batched');
    assert.equal(closed, 0);
  }
  assert.equal(ok + failed + closed, s.calls);
  if (s.failureRate > 0 && !closedByFailure) assert.ok(failed > 0 && ok > 0, `ok ${ok}, failed ${failed}`);
  batcher.close();
  return { batches: batches.length, meanBatch: batched.length / Math.max(1, batches.length), ok, failed, closed, maxInFlight };
}

describe('DynamicBatcher stress (seeded)', () => {
  const scenarios: (Scenario & { name: string; check: (stats: Stats) => void })[] = [
    {
      name: 'keep serving after failures, unbounded concurrency',
      seed: 1,
      calls: 4000,
      producers: 40,
      failureRate: 0.05,
      options: { minimumBatchSize: 4, maximumBatchSize: 32, timeoutMs: 1, closeOnError: false },
      check: (st) => {
        assert.ok(st.maxInFlight > 1, 'several batches were in flight at once');
        assert.ok(st.failed > 0 && st.closed === 0);
      },
    },
    {
      name: 'one batch in flight, backpressure, min 16',
      seed: 2,
      calls: 3000,
      producers: 50,
      failureRate: 0.15,
      options: { minimumBatchSize: 16, maximumBatchSize: 64, timeoutMs: 2, maximumQueueSize: 48, maximumConcurrentBatches: 1, closeOnError: false },
      check: (st) => {
        assert.ok(st.meanBatch > 8, 'requests accumulate while one batch is in flight');
        assert.ok(st.failed > 0);
      },
    },
    {
      name: 'three in flight, queue of 8, timeout 0',
      seed: 3,
      calls: 3000,
      producers: 30,
      failureRate: 0.03,
      options: { maximumBatchSize: 8, timeoutMs: 0, maximumQueueSize: 8, maximumConcurrentBatches: 3, closeOnError: false },
      check: (st) => {
        assert.ok(st.maxInFlight > 1);
        assert.ok(st.failed > 0);
      },
    },
    {
      name: 'default closeOnError: first failure closes, everyone settles',
      seed: 4,
      calls: 2000,
      producers: 20,
      failureRate: 0.1,
      options: { maximumBatchSize: 16, timeoutMs: 1 },
      check: (st) => {
        assert.ok(st.failed > 0 && st.closed > 0, 'a batch failed, then the rest was closed');
      },
    },
    {
      name: 'close() in the middle of the run',
      seed: 5,
      calls: 2000,
      producers: 25,
      failureRate: 0,
      closeAfter: 1200,
      options: { minimumBatchSize: 2, maximumBatchSize: 16, timeoutMs: 1, maximumQueueSize: 16, closeOnError: false },
      check: (st) => {
        assert.ok(st.ok > 0 && st.closed > 0 && st.failed === 0);
      },
    },
  ];
  for (const scenario of scenarios) {
    test(`${scenario.name} (seed ${scenario.seed}, ${scenario.calls} calls)`, { timeout: 60_000 }, async (t) => {
      const stats = await runScenario(scenario);
      t.diagnostic(JSON.stringify(stats));
      scenario.check(stats);
    });
  }

  test('thousands of calls in one turn, default options', async () => {
    const batcher = new DynamicBatcher<number, number>((xs) => xs.map((x) => x * x), { maximumBatchSize: 256 });
    const n = 5000;
    const out = await Promise.all(Array.from({ length: n }, (_, i) => batcher.compute(i)));
    out.forEach((y, i) => {
      assert.equal(y, i * i);
    });
    batcher.close();
  });
});
