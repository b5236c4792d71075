// WebWorkerActorFleet and serveActorInWebWorker in Node: each "Web Worker" is the other end of a MessageChannel in
// this thread (postMessage with transfer lists, onmessage), so the fleet, the worker side and PageTrainer's
// actorWorker mode run the code the page runs. The page itself, with real Web Workers, is tested in Chromium by
// `npm run test:browser` (web-worker-actors.browser-test.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import '@tensorflow/tfjs-backend-cpu';
import { Box, Discrete, PageTrainer, WebWorkerActorFleet, buildNetwork, createLearner, makeEnv, presetFor, registerEnv, resolveTrainConfig, serveActorInWebWorker, type ActorEnv, type Env, type ParameterSnapshot, type StepResult } from '../../src/browser.js';
import { messageChannelWorker } from '../helpers/message-channel-worker.js';
import { setupTestBackend } from '../helpers/tf.js';

await setupTestBackend();

/** A fake Web Worker running serveActorInWebWorker on the other end of a MessageChannel. */
const fakeWorker = (): ReturnType<typeof messageChannelWorker> => messageChannelWorker((scope) => { serveActorInWebWorker({ scope }); });

const config = { env: 'CartPole-v1', ...presetFor('CartPole-v1'), envsPerActor: 2, unrollLength: 5 } as const;

/**
 * `WebHang-v0`: `step` never answers after `hangAfter` steps (the worker stops sending without exiting);
 * `WebSlow-v0`: every `step` answers after `delayMs`. Both run in this thread, like the fake workers.
 */
class TimedEnv implements Env<Float32Array, number> {
  readonly observationSpace = new Box({ low: -1, high: 1, shape: [4], dtype: 'float32' });
  readonly actionSpace = new Discrete(2);
  steps = 0;
  constructor(readonly options: { hangAfter?: number; delayMs?: number }) {}
  reset() {
    return { observation: new Float32Array(4), info: {} };
  }
  step(): Promise<StepResult<Float32Array>> {
    this.steps++;
    if (this.options.hangAfter !== undefined && this.steps > this.options.hangAfter) return new Promise<never>(() => undefined);
    const result = { observation: new Float32Array(4), reward: 1, terminated: this.steps % 10 === 0, truncated: false, info: {} };
    return new Promise((resolve) => setTimeout(() => { resolve(result); }, this.options.delayMs ?? 0));
  }
}
registerEnv('WebHang-v0', (options) => new TimedEnv(options));
registerEnv('WebSlow-v0', (options) => new TimedEnv(options));
const timed = { ...config, envsPerActor: 1, mlpHiddenSizes: [8] } as const;

/** Version-0 parameters of the network the `timed` workers build (a 4-value observation, 2 actions). */
function timedParameters(): ParameterSnapshot {
  const network = buildNetwork(timed, makeEnv('CartPole-v1'), 1);
  const weights = network.getFlatWeights();
  network.dispose();
  return { version: 0, weights };
}

describe('WebWorkerActorFleet (MessageChannel workers)', () => {
  test('delivers unrolls of every worker, with the published parameters\' version; close terminates the workers', async () => {
    const env = makeEnv('CartPole-v1') as unknown as ActorEnv;
    const learner = createLearner(resolveTrainConfig({ ...config, totalFrames: 1000 }), buildNetwork(config, env, 1));
    const workers: ReturnType<typeof fakeWorker>[] = [];
    const fleet = await WebWorkerActorFleet.start({ numWorkers: 2, createWorker: () => { const w = fakeWorker(); workers.push(w); return w; }, config, parameters: learner.latest() });
    assert.equal(fleet.size, 2);
    assert.equal(fleet.backend, 'cpu');
    const actors = new Set<number>();
    for (let i = 0; i < 6; i++) {
      const r = await fleet.next();
      assert.equal(r.done, false);
      const ts = r.value;
      assert.ok(ts);
      assert.equal(ts.length, 2);
      for (const t of ts) {
        actors.add(t.actorId);
        assert.equal(t.policyVersion, 0);
        assert.equal(t.rewards.length, 6);
      }
    }
    assert.deepEqual([...actors].sort(), [0, 1]);
    const states = await fleet.actorStates(5000);
    assert.equal(states.length, 2);
    assert.ok(states.every((s) => s.unrolls > 0));
    await fleet.close();
    assert.ok(workers.every((w) => w.terminated));
    assert.deepEqual(await fleet.next(), { done: true, value: undefined });
    learner.dispose();
  });

  test('a worker that fails (unknown env id) makes start reject with its message', async () => {
    await assert.rejects(
      WebWorkerActorFleet.start({ numWorkers: 1, createWorker: fakeWorker, config: { ...config, env: 'NoSuchEnv-v0' } }),
      /worker 0 failed: .*NoSuchEnv-v0/,
    );
  });
});

describe('WebWorkerActorFleet hang watch', () => {
  test('a worker that stops sending (without exiting) is found within actorTimeoutMs, named, terminated and restarted', { timeout: 10_000 }, async (t) => {
    const warnings: { message: string; at: number }[] = [];
    const workers: ReturnType<typeof fakeWorker>[] = [];
    // 5 steps an unroll: two unrolls, then the third hangs; each restarted worker has fresh envs and does the same.
    const fleet = await WebWorkerActorFleet.start({
      numWorkers: 1,
      createWorker: (index) => {
        assert.equal(index, 0);
        const w = fakeWorker();
        workers.push(w);
        return w;
      },
      config: { ...timed, env: 'WebHang-v0', envOptions: { hangAfter: 10 } },
      parameters: timedParameters(),
      actorTimeoutMs: 1000,
      onWarning: (message) => warnings.push({ message, at: performance.now() }),
    });
    t.after(() => fleet.close()); // also when an assertion fails
    assert.equal((await fleet.next()).done, false);
    assert.equal((await fleet.next()).done, false);
    const second = performance.now(); // the worker's last message came before this
    assert.equal((await fleet.next()).done, false); // from the restarted worker
    assert.equal(fleet.restarts, 1);
    assert.equal(warnings.length, 1);
    const { message, at } = warnings[0]!;
    const m = /^WebWorkerActorFleet: actor 0 \(env WebHang-v0\) sent nothing for (\d+) s \(timeout 1 s\): worker terminated and restarted with fresh environments \(restart 1\)$/.exec(message);
    assert.ok(m, message);
    assert.ok(Number(m[1]) >= 1, message);
    // Found within the timeout and one watch period (250 ms), with slack for a busy machine.
    assert.ok(at - second < 1000 + 250 + 750, `found ${Math.round(at - second)} ms after the last unroll`);
    assert.equal(workers.length, 2);
    assert.ok(workers[0]!.terminated && !workers[1]!.terminated);
    const states = await fleet.actorStates(1000);
    assert.equal(states[0]!.unrolls, 3, 'the restarted worker went on from the hung one\'s last reported state (2 unrolls)');
    await fleet.close();
    assert.ok(workers[1]!.terminated);
  });

  test('a worker that hangs after maxRestarts restarts is dropped; with none left iteration rejects', { timeout: 10_000 }, async (t) => {
    const warnings: string[] = [];
    const fleet = await WebWorkerActorFleet.start({
      numWorkers: 1,
      createWorker: fakeWorker,
      config: { ...timed, env: 'WebHang-v0', envOptions: { hangAfter: 0 } },
      actorTimeoutMs: 1000,
      maxRestarts: 0,
      onWarning: (message) => warnings.push(message),
    });
    t.after(() => fleet.close()); // also when an assertion fails
    const started = performance.now();
    fleet.publish(timedParameters());
    await assert.rejects(fleet.next(), /WebWorkerActorFleet: no actor left: every worker hung \(sent nothing for 1 s/);
    assert.ok(performance.now() - started < 3000, `found after ${Math.round(performance.now() - started)} ms`);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^WebWorkerActorFleet: actor 0 \(env WebHang-v0\) sent nothing for \d+ s after 0 restart\(s\): dropped, 0 actor\(s\) left$/);
    assert.equal(fleet.restarts, 0);
    await fleet.close();
  });

  test('a slow worker that keeps delivering, and an idle one without credits, are not taken as hung', { timeout: 10_000 }, async (t) => {
    const warnings: string[] = [];
    // 5 steps of 60 ms: an unroll takes about 300 ms of the 1 s timeout, and the run longer than the timeout.
    const fleet = await WebWorkerActorFleet.start({
      numWorkers: 1,
      createWorker: fakeWorker,
      config: { ...timed, env: 'WebSlow-v0', envOptions: { delayMs: 60 } },
      parameters: timedParameters(),
      actorTimeoutMs: 1000,
      onWarning: (message) => warnings.push(message),
    });
    t.after(() => fleet.close()); // also when an assertion fails
    // Nothing is taken for 1.5 timeouts: the worker uses its 2 credits, then waits for the consumer in silence; its
    // silence is timed from its next credit, not from its last unroll.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.deepEqual(warnings, []);
    const started = performance.now();
    for (let i = 0; i < 6; i++) assert.equal((await fleet.next()).done, false);
    assert.ok(performance.now() - started > 1000, 'the unrolls took longer than one timeout');
    assert.deepEqual(warnings, []);
    assert.equal(fleet.restarts, 0);
    await fleet.close();
  });

  test('checks the options', async () => {
    await assert.rejects(WebWorkerActorFleet.start({ numWorkers: 1, createWorker: fakeWorker, config, actorTimeoutMs: 0 }), /'actorTimeoutMs' must be > 0, got 0/);
    await assert.rejects(WebWorkerActorFleet.start({ numWorkers: 1, createWorker: fakeWorker, config, maxRestarts: -1 }), /'maxRestarts' must be an integer >= 0, got -1/);
  });
});

describe('PageTrainer with actorWorker', () => {
  test('trains with its actors in (fake) Web Workers and checkpoints their states', async () => {
    const trainer = new PageTrainer({ ...config, numActors: 2, batchSize: 4, totalFrames: 400 }, { actorWorker: fakeWorker });
    await trainer.run();
    assert.equal(trainer.status, 'finished');
    assert.ok(trainer.frames >= 400);
    const cp = trainer.checkpoint();
    assert.equal(cp.actors.length, 2);
    assert.ok(cp.actors.every((s) => s.unrolls > 0));
    trainer.dispose();
  });
});
