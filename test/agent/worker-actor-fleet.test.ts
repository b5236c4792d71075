/**
 * WorkerActorFleet (actors in worker_threads) and train()'s actor modes. The expected trajectories come from an
 * in-process Actor with the same seed, environments and parameters (the pool must reproduce it exactly);
 * shapes follow the Trajectory contract (T + 1 entries; CartPole: 4 observation values, 2 actions).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Actor, type ActorEnv } from '../../src/agent/actor.js';
import { loadCheckpoint } from '../../src/agent/checkpoint.js';
import { buildNetwork, resolveActorMode, train } from '../../src/agent/train.js';
import type { Trajectory } from '../../src/agent/trajectory.js';
import { WorkerActorFleet } from '../../src/agent/worker-actor-fleet.js';
import { makeEnv } from '../../src/envs/registry.js';
import { actorSeed } from '../../src/agent/actor-seed.js';
import { assertAllClose, setupTestBackend, testBackendName, tf } from '../helpers/tf.js';

await setupTestBackend();
const backend = testBackendName();

const T = 4;
const E = 2;
const config = { env: 'CartPole-v1', envsPerActor: E, unrollLength: T, mlpHiddenSizes: [8], seed: 3 } as const;
const cartPole = (): ActorEnv => makeEnv('CartPole-v1');

/** Flat weights of the test MLP built with `seed` (different seeds give different weights). */
function weightsOf(seed: number): Float32Array {
  const net = buildNetwork(config, cartPole(), seed);
  const w = net.getFlatWeights();
  net.dispose();
  return w;
}

function checkShapes(t: Trajectory): void {
  assert.equal(t.unrollLength, T);
  assert.deepEqual([...t.observationShape], [4]);
  assert.ok(t.observations instanceof Float32Array);
  assert.equal(t.observations.length, (T + 1) * 4);
  for (const a of [t.rewards, t.dones, t.terminated, t.truncated, t.truncationValues, t.lastActions, t.actions]) assert.equal(a.length, T + 1);
  assert.equal(t.behaviourLogits.length, (T + 1) * 2);
  assert.equal(t.initialState, null);
  assert.ok(t.actions.every((a) => a === 0 || a === 1));
}

/** Waits (up to 10 s) until `pool.pending` reaches `n`, then 300 ms more, and returns it: more than `n` is an overshoot. */
async function pendingAfterReaching(pool: WorkerActorFleet, n: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  while (pool.pending < n && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setTimeout(resolve, 300));
  return pool.pending;
}

describe('WorkerActorFleet', () => {
  test('2 workers: trajectories equal an in-process Actor, versions follow publish(), backpressure, states, close', async () => {
    const before = tf.memory().numTensors;
    const w0 = weightsOf(1);
    const pool = await WorkerActorFleet.start({ numWorkers: 2, config, backend, parameters: { version: 0, weights: w0 } });
    try {
      assert.equal(pool.size, 2);
      assert.equal(w0.length > 0, true, 'publish must not detach the caller’s weights');
      const byWorker: Trajectory[][][] = [[], []];
      for (let i = 0; i < 4; i++) {
        const unroll = (await pool.take())!;
        assert.equal(unroll.length, E);
        unroll.forEach(checkShapes);
        byWorker[unroll[0]!.actorId]!.push(unroll);
        assert.ok(unroll.every((t) => t.policyVersion === 0));
      }

      // Reference: worker 0 is actor 0 of `train`, seeded actorSeed(seed, 0), with envs 0..E-1.
      const model = buildNetwork(config, cartPole(), 99);
      const reference = new Actor({
        envs: [cartPole(), cartPole()], model, unrollLength: T, seed: actorSeed(config.seed, 0), actorId: 0,
        parameterSource: { latest: () => ({ version: 0, weights: w0 }) },
      });
      for (const got of byWorker[0]!) {
        const want = await reference.unroll();
        got.forEach((t, e) => {
          const r = want[e]!;
          assert.deepEqual(Array.from(t.actions), Array.from(r.actions), `env ${e} actions`);
          assert.deepEqual(Array.from(t.observations), Array.from(r.observations), `env ${e} observations`);
          assert.deepEqual(Array.from(t.dones), Array.from(r.dones));
          assertAllClose(t.behaviourLogits, r.behaviourLogits, undefined, `env ${e} logits`);
        });
      }
      reference.dispose();
      model.dispose();

      // New parameters: every worker switches to version 5 within its credits (2 unrolls ahead) plus one.
      pool.publish({ version: 5, weights: weightsOf(2) });
      const last = [0, 0];
      const seen = new Set<number>();
      // (Bounded by time, not by a count of takes: on a loaded machine one worker may get the CPU for a while.)
      const deadline = Date.now() + 20_000;
      while (seen.size < 2 && Date.now() < deadline) {
        const unroll = (await pool.take())!;
        const id = unroll[0]!.actorId;
        const v = unroll[0]!.policyVersion;
        assert.ok(v >= last[id]!, `worker ${id}: version went back from ${last[id]} to ${v}`);
        last[id] = v;
        if (v === 5) seen.add(id);
      }
      assert.deepEqual([...seen].sort(), [0, 1], 'both workers picked up version 5');

      // Backpressure: without takes, each worker stops after its 2 credits (maxUnrollsAhead's default);
      // taking one unroll gives its worker one credit, so it runs exactly one more.
      assert.equal(await pendingAfterReaching(pool, 4), 4, 'two unrolls ahead per worker, no more');
      await pool.take();
      assert.equal(await pendingAfterReaching(pool, 4), 4, 'one more unroll after one take');

      const states = await pool.getActorStates();
      assert.equal(states.length, 2);
      states.forEach((s) => {
        assert.equal(s.rng.length, 4);
        assert.ok(s.unrolls >= 2);
      });
    } finally {
      await pool.close();
    }
    assert.equal(await pool.take(), null);
    assert.equal(pool.closed, true);
    assert.equal(tf.memory().numTensors, before);
  });

  test('fairness: a consumer that computes after each take still gets every worker’s unrolls', async () => {
    // Regression: the pool used to resolve takers inside a worker's 'message' event, so their continuation (a
    // learner update) ran inside Node's drain loop of that worker's port; a worker producing one unroll per
    // update then kept its port busy and the other worker's unrolls were never delivered.
    const pool = await WorkerActorFleet.start({ numWorkers: 2, config, backend, parameters: { version: 0, weights: weightsOf(1) } });
    try {
      const counts = [0, 0];
      for (let i = 0; i < 40 && Math.min(...counts) < 3; i++) {
        const unroll = (await pool.take())!;
        counts[unroll[0]!.actorId]!++;
        const until = performance.now() + 40; // an "update" that takes longer than an unroll of this config
        while (performance.now() < until) { /* busy */ }
      }
      assert.ok(counts[0]! >= 3 && counts[1]! >= 3, `unrolls per worker: ${counts.join(', ')}`);
    } finally {
      await pool.close();
    }
  });

  test('actor states: restored at start, set and read by message, and the RNG continues like an in-process Actor', async () => {
    const w0 = weightsOf(1);
    // A state some earlier run saved: an in-process actor 0 after two unrolls.
    const model = buildNetwork(config, cartPole(), 99);
    const reference = new Actor({
      envs: [cartPole(), cartPole()], model, unrollLength: T, seed: actorSeed(config.seed, 0), actorId: 0,
      parameterSource: { latest: () => ({ version: 0, weights: w0 }) },
    });
    await reference.unroll();
    await reference.unroll();
    const saved = reference.getState();
    // No parameters yet: the worker waits, so its state is exactly the restored one.
    const pool = await WorkerActorFleet.start({ numWorkers: 1, config, backend, actorStates: [saved] });
    try {
      assert.deepEqual(await pool.getActorStates(), [saved]);
      const other = { rng: [1, 2, 3, 4], unrolls: 40 };
      await pool.setActorStates([other]);
      assert.deepEqual(await pool.getActorStates(), [other]);
      await pool.setActorStates([saved]);
      pool.publish({ version: 0, weights: w0 });
      const got = (await pool.take())!;
      // A restored actor restarts its envs from a reset; so does a fresh in-process actor given the same state.
      const fresh = new Actor({
        envs: [cartPole(), cartPole()], model, unrollLength: T, seed: actorSeed(config.seed, 0), actorId: 0,
        parameterSource: { latest: () => ({ version: 0, weights: w0 }) },
      });
      fresh.setState(saved);
      const want = await fresh.unroll();
      got.forEach((t, e) => { assert.deepEqual(Array.from(t.actions), Array.from(want[e]!.actions), `env ${e} actions`); });
      // The worker has run ahead by its credits; its RNG matches the in-process actor's after as many unrolls.
      const [now] = await pool.getActorStates();
      while (fresh.getState().unrolls < now!.unrolls) await fresh.unroll();
      assert.deepEqual(now, fresh.getState());
      fresh.dispose();
    } finally {
      await pool.close();
      reference.dispose();
      model.dispose();
    }
  });

  test('a worker that cannot make its env fails start() with its message and stack', async () => {
    const error = await WorkerActorFleet.start({ numWorkers: 1, config: { ...config, env: 'NoSuchEnv-v0' }, backend }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    assert.ok(error instanceof Error);
    assert.match(error.message, /^WorkerActorFleet: worker 0 failed: makeEnv: unknown env id 'NoSuchEnv-v0'/);
    assert.match(error.stack ?? '', /--- worker 0 stack ---[\s\S]*makeEnv/);
    assert.ok(error.cause instanceof Error);
  });

  test('a worker crash during unrolls rejects take() and closes the pool', async () => {
    const pool = await WorkerActorFleet.start({ numWorkers: 2, config, backend });
    try {
      pool.publish({ version: 0, weights: new Float32Array(3) }); // wrong length: setWeights throws in the workers
      await assert.rejects(pool.take(), (e: Error) => {
        assert.match(e.message, /^WorkerActorFleet: worker \d failed: .*3/);
        return true;
      });
      await assert.rejects(pool.take(), /WorkerActorFleet: worker \d failed/);
      // The states reported so far are still available for a last checkpoint.
      assert.equal((await pool.getActorStates()).length, 2);
    } finally {
      await pool.close();
    }
  });

  test('hang watch: a worker idle without credits for longer than actorTimeoutMs is not restarted once it gets work', async () => {
    const warnings: string[] = [];
    // Slow-v0 answers each step after 50 ms: an unroll takes 200 ms of the 500 ms timeout.
    const pool = await WorkerActorFleet.start({
      numWorkers: 1,
      config: { ...config, env: 'Slow-v0', envOptions: { delayMs: 50 } },
      backend,
      setupModule: fileURLToPath(new URL('./fixtures/fault-envs.ts', import.meta.url)),
      parameters: { version: 0, weights: weightsOf(3) },
      actorTimeoutMs: 500,
      onWarning: (m) => warnings.push(m),
    });
    try {
      // The worker uses its 2 credits, then waits for the consumer for 2 timeouts; its silence counts from its next credit.
      assert.equal(await pendingAfterReaching(pool, 2), 2);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      for (let i = 0; i < 4; i++) assert.ok(await pool.take());
      assert.deepEqual(warnings, []);
      assert.equal(pool.restarts, 0);
    } finally {
      await pool.close();
    }
  });

  test('close() leaves no live workers: a process that used pools exits by itself', () => {
    const script = fileURLToPath(new URL('./fixtures/pool-exits.ts', import.meta.url));
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 25_000 });
    assert.equal(child.signal, null, `the child did not exit by itself (killed by ${child.signal}); stderr: ${child.stderr}`);
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stdout, /pool-exits: closed/);
  });
});

describe('train() actor modes', () => {
  test("resolveActorMode: 'auto' uses workers only with several actors, more than 2 CPUs and built-in envs", () => {
    assert.equal(resolveActorMode({ env: 'CartPole-v1', numActors: 4 }, 2), 'inline');
    assert.equal(resolveActorMode({ env: 'CartPole-v1', numActors: 4 }, 8), 'workers');
    assert.equal(resolveActorMode({ env: 'CartPole-v1', numActors: 1 }, 8), 'inline');
    assert.equal(resolveActorMode({ env: ['CartPole-v1', 'MyEnv-v0'], numActors: 4 }, 8), 'inline');
    assert.equal(resolveActorMode({ env: 'MyEnv-v0', numActors: 4, workerSetupModule: './register.js' }, 8), 'workers');
    assert.equal(resolveActorMode({ env: 'CartPole-v1', numActors: 1, actorMode: 'workers' }, 2), 'workers');
    assert.equal(resolveActorMode({ env: 'CartPole-v1', numActors: 4, actorMode: 'inline' }, 8), 'inline');
    assert.throws(() => resolveActorMode({ env: 'CartPole-v1', actorMode: 'threads' as never }), /train: 'actorMode' must be/);
  });

  test("actorMode 'workers': 2k frames, sensible counters, policy lag, worker actor states in the checkpoint", async () => {
    const before = tf.memory().numTensors;
    const runDir = mkdtempSync(join(tmpdir(), 'impala-workers-'));
    try {
      const lags: number[] = [];
      const result = await train(
        { env: 'CartPole-v1', totalFrames: 2000, numActors: 2, envsPerActor: 4, unrollLength: 5, batchSize: 4, mlpHiddenSizes: [16], actorMode: 'workers', actorBackend: backend, runDir, learningRate: 0.001 },
        { onProgress: (p) => lags.push(p.policyLag) },
      );
      // 20 frames per update (B·T), so exactly 100 updates reach 2000.
      assert.equal(result.frames, 2000);
      assert.equal(result.updates, 100);
      assert.equal(result.stopped, false);
      assert.ok(result.episodes > 0 && result.returns.length === result.episodes);
      assert.ok(result.returns.every((r) => Number.isInteger(r) && r >= 1 && r <= 500), 'CartPole returns are episode lengths');
      // Workers act with recent parameters: typically a few updates old (credits 2 per worker, one batch per
      // unroll); a worker the OS leaves waiting can deliver an older unroll now and then, so the median is checked.
      // (If parameters did not reach the workers, the lag would grow with every update, to 99.)
      assert.equal(lags.length, 100);
      assert.ok(lags.every((l) => Number.isFinite(l) && l >= 0), `policy lags ${lags.join(',')}`);
      const median = [...lags].sort((a, b) => a - b)[50]!;
      assert.ok(median < 15, `median policy lag ${median}: ${lags.join(',')}`);
      assert.ok(lags.some((l) => l > 0), 'some lag is measured (parameters travel between threads)');
      const checkpoint = await loadCheckpoint(result.checkpoint!);
      assert.equal(checkpoint.actors.length, 2);
      assert.ok(checkpoint.actors.every((s) => s.rng.length === 4 && s.unrolls > 0));
      result.network.dispose();
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
    assert.equal(tf.memory().numTensors, before);
  });
});
