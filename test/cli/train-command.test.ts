/**
 * `impala-rl train` as a user runs it: a subprocess (`node --import tsx src/cli/main.ts train ...`, what
 * `npm run train` and `tsx src/cli/main.ts` do) that writes its run directory; SIGINT mid-run leaves a
 * resumable checkpoint and `--resume` continues the frame counter (the second Ctrl-C: stop-signals.test.ts).
 * The subprocesses use the cpu backend (what is tested is the command, not the backend).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '../../src/agent/checkpoint.js';
import { cli, waitFor } from '../helpers/cli-process.js';



/** The `frames` column of metrics.csv. */
function metricFrames(runDir: string): number[] {
  const lines = readFileSync(join(runDir, 'metrics.csv'), 'utf8').trim().split('\n');
  assert.equal(lines[0]!.split(',')[0], 'frames');
  return lines.slice(1).map((l) => Number(l.split(',')[0]));
}

describe('impala-rl train (subprocess)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'impala-cli-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('trains CartPole for 1000 frames and writes the run directory', async () => {
    const runDir = join(dir, 'cartpole');
    const run = cli(['train', '--env', 'CartPole-v1', '--total-frames', '1000', '--run-dir', runDir, '--backend', 'cpu', '--log-interval', '0']);
    const { code } = await run.done;
    assert.equal(code, 0, run.stderr);
    for (const f of ['config.json', 'metrics.csv', 'metrics.jsonl', 'episodes.csv', 'checkpoints/latest', 'checkpoints/ckpt-000001/state.json', 'checkpoints/ckpt-000001/manifest.json']) {
      assert.ok(existsSync(join(runDir, f)), `${f} exists`);
    }
    // CartPole preset: B·T = 8·5 = 40 frames per update, 25 updates.
    assert.deepEqual(metricFrames(runDir), Array.from({ length: 25 }, (_, i) => 40 * (i + 1)));
    const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(config.env, 'CartPole-v1');
    assert.equal(config.totalFrames, 1000);
    assert.equal(config.unrollLength, 5);
    assert.equal(config.runDir, undefined, 'config.json does not pin the run directory');
    assert.equal((await loadCheckpoint(runDir)).learner.frames, 1000);
    assert.match(run.stderr, /impala-rl: backend 'cpu'/);
    assert.match(run.stdout, /impala-rl train: finished CartPole-v1: 1000\/1000 frames, 25 updates, \d+ episodes/);
    assert.match(run.stdout, new RegExp(`run directory: ${runDir}`));
  });

  test('SIGINT mid-run leaves a resumable checkpoint; --resume continues the frame counter', async () => {
    const runDir = join(dir, 'interrupted');
    const first = cli(['train', '--env', 'CartPole-v1', '--total-frames', '1000000', '--run-dir', runDir, '--backend', 'cpu', '--log-interval', '0']);
    await waitFor('a progress line past 400 frames', () => /frames (\d+)\//.test(first.stderr) && Math.max(...[...first.stderr.matchAll(/frames (\d+)\//g)].map((m) => Number(m[1]))) >= 400, first);
    first.child.kill('SIGINT');
    const stopped = await first.done;
    assert.equal(stopped.code, 130, first.stderr);
    assert.match(first.stderr, /SIGINT: stopping after this update and writing a resumable checkpoint \(Ctrl-C again to exit at once/);
    assert.match(first.stdout, /impala-rl train: stopped CartPole-v1: \d+\/1000000 frames/);
    assert.match(first.stdout, /resume with: npm run train -- --run-dir ".*" --resume/); // in a clone: npm run
    const saved = await loadCheckpoint(runDir);
    const framesAtStop = saved.learner.frames;
    assert.ok(framesAtStop >= 400 && framesAtStop < 1_000_000, `frames ${framesAtStop}`);
    assert.equal(framesAtStop % 40, 0);
    assert.equal(metricFrames(runDir).at(-1), framesAtStop, 'the checkpoint holds the last update');

    // Resume from config.json alone (no --env), with a budget 200 frames (5 updates) further on.
    const total = framesAtStop + 200;
    const second = cli(['train', '--run-dir', runDir, '--resume', '--total-frames', String(total), '--backend', 'cpu', '--log-interval', '0']);
    const resumed = await second.done;
    assert.equal(resumed.code, 0, second.stderr);
    assert.match(second.stderr, /\(resuming from .*ckpt-\d+, \d+ frames\)/);
    const frames = metricFrames(runDir);
    assert.deepEqual(frames, Array.from({ length: total / 40 }, (_, i) => 40 * (i + 1)), 'one counter across both sessions');
    const final = await loadCheckpoint(runDir);
    assert.equal(final.learner.frames, total);
    assert.equal(final.learner.updates, total / 40);
    assert.match(second.stdout, new RegExp(`finished CartPole-v1: ${total}/${total} frames, ${total / 40} updates`));
  });

  test('usage errors exit with code 2 and name the flag', async () => {
    const run = cli(['train', '--env', 'CartPole-v1', '--batch-size', 'many']);
    const { code } = await run.done;
    assert.equal(code, 2);
    assert.match(run.stderr, /--batch-size/);
  });
});
