/**
 * train() when things go wrong: strict resume (nothing changed on disk when it refuses), the fallback to an
 * older checkpoint, metrics cut back to the checkpoint on resume (and TensorBoard's restart marker), no leaked
 * tensors from a failed start, hung inline actors (one dropped; all dropped), abort during a hang, and bad
 * experience stopped at the env. Hung workers: worker-supervision.test.ts.
 */
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, loadCheckpoint, NoCheckpointError } from '../../src/agent/checkpoint.js';
import { train, type TrainConfig } from '../../src/agent/train.js';
import { setupTestBackend, tf } from '../helpers/tf.js';
import { readEventFile } from '../helpers/tfevents-reader.js';
import { snapshotFiles } from '../helpers/cli-process.js';
import './fixtures/fault-envs.js';

await setupTestBackend();

const base: TrainConfig = {
  env: 'CartPole-v1',
  totalFrames: 200,
  envsPerActor: 2,
  batchSize: 2,
  unrollLength: 10,
  mlpHiddenSizes: [8],
  seed: 1,
  actorMode: 'inline',
  // Every update writes its metrics row (the rows after the checkpoint are what a resume must cut).
  logIntervalSeconds: 0,
};

const snapshot = snapshotFiles;

function csvColumn(path: string, column: string): number[] {
  const [header, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  const i = header!.split(',').indexOf(column);
  return rows.map((r) => Number(r.split(',')[i]));
}

describe('train() faults', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'impala-faults-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('resume: true without a checkpoint refuses, creates nothing, leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const runDir = join(dir, 'mistyped');
    await assert.rejects(train({ ...base, runDir, resume: true }), (e: unknown) => {
      assert.ok(e instanceof NoCheckpointError);
      assert.match(e.message, /^train: cannot resume: no checkpoint in '.*mistyped'.*nothing was changed/);
      return true;
    });
    assert.equal(existsSync(runDir), false);
    assert.equal(tf.memory().numTensors, before);
  });

  test("a damaged only checkpoint: resume: true and 'if-present' both refuse and change nothing", async () => {
    const runDir = join(dir, 'run');
    (await train({ ...base, totalFrames: 80, runDir })).network.dispose();
    truncateSync(join(runDir, 'checkpoints', 'ckpt-000001', 'weights.bin'), 100);
    const files = snapshot(runDir);
    const before = tf.memory().numTensors;
    for (const resume of [true, 'if-present'] as const) {
      await assert.rejects(train({ ...base, runDir, resume }), (e: unknown) => {
        assert.ok(e instanceof CheckpointError && !(e instanceof NoCheckpointError));
        assert.match(e.message, /^train: cannot resume: no loadable checkpoint in .*weights\.bin' has 100 bytes, the manifest says/);
        return true;
      });
    }
    assert.deepEqual(snapshot(runDir), files);
    assert.equal(tf.memory().numTensors, before);
  });

  test("resume: 'if-present' starts afresh only when there is no checkpoint at all", async () => {
    const result = await train({ ...base, totalFrames: 80, runDir: join(dir, 'new'), resume: 'if-present' });
    assert.equal(result.frames, 80);
    result.network.dispose();
  });

  test('the newest checkpoint damaged: resumes from the older one and says so in one line', async () => {
    const runDir = join(dir, 'run');
    const controller = new AbortController();
    (await train({ ...base, runDir, totalFrames: 400, checkpointIntervalSeconds: 1e-6 }, { signal: controller.signal, onProgress: (p) => { if (p.frames >= 120) controller.abort(); } })).network.dispose();
    const folders = readdirSync(join(runDir, 'checkpoints')).filter((n) => n.startsWith('ckpt-')).sort();
    assert.ok(folders.length >= 2, folders.join());
    const newest = join(runDir, 'checkpoints', folders.at(-1)!);
    const older = await loadCheckpoint(join(runDir, 'checkpoints', folders.at(-2)!));
    appendFileSync(join(newest, 'optimizer.bin'), 'x');
    const warnings: string[] = [];
    let startFrames = -1;
    const result = await train({ ...base, runDir, totalFrames: 400, resume: true }, { onWarning: (m) => warnings.push(m), onStart: (i) => { startFrames = i.frames; } });
    result.network.dispose();
    assert.equal(startFrames, older.learner.frames);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, new RegExp(`^train: resuming from the older checkpoint .*${folders.at(-2)!} \\(${older.learner.frames} frames\\): the newest one is damaged \\(.*optimizer\\.bin' has`));
    assert.ok(!warnings[0]!.includes('\n'));
    assert.equal(result.frames, 400);
  });

  test('resume cuts metrics rows written after the checkpoint (partial line too) and marks the restart for TensorBoard', async () => {
    const runDir = join(dir, 'run');
    (await train({ ...base, runDir, totalFrames: 120 })).network.dispose();
    // What a crash after the checkpoint leaves: rows of later updates, a half-written line.
    const row = (frames: number, updates: number) => [frames, updates, ...Array.from({ length: 15 }, () => 0)].join(',');
    appendFileSync(join(runDir, 'metrics.csv'), `${row(140, 7)}\n${row(160, 8)}\n160,8,0.`);
    appendFileSync(join(runDir, 'metrics.jsonl'), `${JSON.stringify({ frames: 140, updates: 7 })}\n{"frames":16`);
    appendFileSync(join(runDir, 'episodes.csv'), '140,0,0,,9,9,false\n160,0,1,,9');
    const first = readdirSync(join(runDir, 'tensorboard'));
    await new Promise((r) => setTimeout(r, 1100)); // a new event file name (one per second)
    (await train({ ...base, runDir, totalFrames: 240, resume: true })).network.dispose();
    const frames = csvColumn(join(runDir, 'metrics.csv'), 'frames');
    assert.deepEqual(frames, Array.from({ length: 12 }, (_, i) => 20 * (i + 1)), 'one row per update, no duplicate, no backward jump');
    const jsonl = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { frames: number }).frames);
    assert.deepEqual(jsonl, frames);
    const episodeFrames = csvColumn(join(runDir, 'episodes.csv'), 'frames');
    assert.ok(episodeFrames.every((f, i) => i === 0 || f >= episodeFrames[i - 1]!), `episodes.csv frames ${episodeFrames.join()}`);
    assert.ok(readFileSync(join(runDir, 'episodes.csv'), 'utf8').endsWith('\n'));
    const second = readdirSync(join(runDir, 'tensorboard')).filter((f) => !first.includes(f));
    assert.equal(second.length, 1);
    const events = readEventFile(join(runDir, 'tensorboard', second[0]!));
    const start = events.find((e) => e.sessionLog);
    assert.ok(start, 'a SessionLog event');
    assert.equal(start.sessionLog!.status, 1, 'START');
    assert.equal(start.step, 121, 'steps after the checkpoint (120 frames) are discarded by TensorBoard');
    assert.ok(events.filter((e) => e.values.length > 0).every((e) => e.step > 120));
  });

  test('a failed start frees every tensor: a fleet factory that throws, a checkpoint of another network', async () => {
    const runDir = join(dir, 'run');
    (await train({ ...base, totalFrames: 40, runDir })).network.dispose();
    const before = tf.memory().numTensors;
    await assert.rejects(train({ ...base, runDir: join(dir, 'x') }, { fleet: () => { throw new Error('no fleet today'); } }), /no fleet today/);
    assert.equal(tf.memory().numTensors, before);
    await assert.rejects(train({ ...base, runDir, resume: true, mlpHiddenSizes: [9] }), /train: cannot resume|weight \d+ is '.*' \[.*\], the network has/);
    assert.equal(tf.memory().numTensors, before);
  });

  test('one hung inline actor is dropped with a warning naming it and its env; the run goes on', async () => {
    const warnings: string[] = [];
    const controller = new AbortController();
    let framesAtWarning = -1;
    const result = await train(
      { ...base, env: ['CartPole-v1', 'CartPole-v1', 'Hang-v0', 'Hang-v0'], envOptions: { hangAfter: 15 }, numActors: 2, totalFrames: 1_000_000, actorTimeoutSeconds: 0.3 },
      {
        signal: controller.signal,
        onWarning: (m) => warnings.push(m),
        onProgress: (p) => {
          if (warnings.length > 0 && framesAtWarning < 0) framesAtWarning = p.frames;
          if (framesAtWarning >= 0 && p.frames >= framesAtWarning + 200) controller.abort();
        },
      },
    );
    result.network.dispose();
    assert.equal(result.stopped, true);
    assert.ok(result.frames >= framesAtWarning + 200, 'training went on with the other actor');
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /^InlineActorFleet: actor 1 \(env Hang-v0\) delivered nothing for \d+ s \(timeout 0\.3 s\): dropped, 1 actor\(s\) left$/);
  });

  test('every inline actor hung: the run stops with a clear error after a final checkpoint', async () => {
    const runDir = join(dir, 'run');
    await assert.rejects(
      train({ ...base, runDir, env: 'Hang-v0', envOptions: { hangAfter: 45 }, totalFrames: 1000, actorTimeoutSeconds: 0.5 }, { onWarning: () => undefined }),
      /InlineActorFleet: no actor left: every actor hung/,
    );
    const saved = await loadCheckpoint(runDir);
    assert.ok(saved.learner.frames >= 20 && saved.learner.frames < 1000, `frames ${saved.learner.frames}`);
  });

  test('abort during a hang stops within seconds, with a final checkpoint', async () => {
    const runDir = join(dir, 'run');
    const controller = new AbortController();
    let last = 0;
    const timer = setInterval(() => {
      if (last > 0 && Date.now() - last > 500) controller.abort();
    }, 100);
    const pending = train(
      { ...base, runDir, env: 'Hang-v0', envOptions: { hangAfter: 45 }, totalFrames: 100_000, actorTimeoutSeconds: 600 },
      { signal: controller.signal, onProgress: () => { last = Date.now(); } },
    );
    try {
      const result = await pending;
      const stoppedAfter = Date.now() - last;
      result.network.dispose();
      assert.equal(result.stopped, true);
      assert.ok(stoppedAfter < 5000, `stopped ${stoppedAfter} ms after the last update`);
      assert.equal((await loadCheckpoint(runDir)).learner.frames, result.frames);
    } finally {
      clearInterval(timer);
    }
  });

  for (const [bad, message] of [
    ['nan', /Actor\.unroll: env 'BadObs-v0' \(actor 0, env index \d, step 7 of its episode, unroll \d+\): observation\[2\] = NaN is not a finite number/],
    ['reward', /Actor\.unroll: env 'BadObs-v0' \(actor 0, env index \d, step 7 of its episode, unroll \d+\): reward = Infinity is not a finite number/],
    ['length', /Actor\.unroll: env 'BadObs-v0' \(actor 0, env index \d, step 7 of its episode, unroll \d+\): the observation has 3 values, the model expects shape \[4\]/],
  ] as const) {
    test(`bad experience (${bad}) is stopped at the env, naming env id, actor, env index and step`, async () => {
      const before = tf.memory().numTensors;
      await assert.rejects(train({ ...base, env: 'BadObs-v0', envOptions: { badAt: 7, bad } }), message);
      assert.equal(tf.memory().numTensors, before, 'a failed run frees its tensors');
    });
  }
});
