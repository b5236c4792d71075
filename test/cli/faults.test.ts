/**
 * Faults with real processes and real signals: `impala-rl train` killed with SIGKILL at each step of a
 * checkpoint write (the test hook `IMPALA_RL_TEST_CHECKPOINT_PAUSE_MS` announces each step and pauses after it,
 * so the kill lands there) and at a random moment of training, each followed by `--resume`, which must continue
 * from the last complete checkpoint with exact counters; `--resume` refusing (exit 2, nothing changed) for a
 * mistyped run directory and a damaged checkpoint; SIGTERM and SIGINT while the only actor hangs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '../../src/agent/checkpoint.js';
import { cli, root, snapshotFiles, waitFor as waitForOutput, type Run } from '../helpers/cli-process.js';

const faultEnvs = join(root, 'test/agent/fixtures/fault-envs.ts');

const waitFor = (what: string, predicate: () => boolean, run: Run, timeoutMs = 90_000): Promise<void> => waitForOutput(what, predicate, run, timeoutMs, 20);

const count = (text: string, pattern: RegExp): number => [...text.matchAll(pattern)].length;

const snapshot = snapshotFiles;

function metricFrames(runDir: string): number[] {
  const lines = readFileSync(join(runDir, 'metrics.csv'), 'utf8').trim().split('\n');
  return lines.slice(1).map((l) => Number(l.split(',')[0]));
}

const trainArgs = (runDir: string, totalFrames: number): string[] => ['train', '--env', 'CartPole-v1', '--total-frames', String(totalFrames), '--run-dir', runDir, '--backend', 'cpu', '--quiet', '--log-interval', '0'];
const checkpointFrames = (folder: string): number => (JSON.parse(readFileSync(join(folder, 'state.json'), 'utf8')) as { learner: { frames: number } }).learner.frames;

describe('impala-rl train: faults (subprocesses)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'impala-cli-faults-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('SIGKILL at each step of a checkpoint write, and at a random moment: --resume continues from the last complete checkpoint, counters exact', async () => {
    const steps = ['files-written', 'manifest-written', 'folder-renamed', 'pointer-written', 'random'] as const;
    await Promise.all(
      steps.map(async (step) => {
        const runDir = join(dir, `kill-${step}`);
        const first = cli([...trainArgs(runDir, 1_000_000), '--checkpoint-interval', '0.3'], { IMPALA_RL_TEST_CHECKPOINT_PAUSE_MS: '150' });
        let expected: string;
        if (step === 'random') {
          await waitFor('a second checkpoint', () => count(first.stderr, /checkpoint step pruned/g) >= 2, first);
          await new Promise((r) => setTimeout(r, Math.random() * 1500));
          first.child.kill('SIGKILL');
          await first.done;
          expected = join(runDir, 'checkpoints', readFileSync(join(runDir, 'checkpoints', 'latest'), 'utf8').trim());
        } else {
          // The kill lands during the pause after `step` of the second write.
          await waitFor(`step ${step} of the second write`, () => count(first.stderr, new RegExp(`checkpoint step ${step}\\n`, 'g')) >= 2, first);
          first.child.kill('SIGKILL');
          await first.done;
          expected = join(runDir, 'checkpoints', step === 'pointer-written' ? 'ckpt-000002' : 'ckpt-000001');
        }
        const frames = checkpointFrames(expected);
        assert.ok(frames > 0);
        const total = frames + 120;
        const second = cli(['train', '--run-dir', runDir, '--resume', '--total-frames', String(total), '--backend', 'cpu']);
        const resumed = await second.done;
        assert.equal(resumed.code, 0, `${step}: ${second.stderr}`);
        assert.match(second.stderr, new RegExp(`resuming from ${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, ${frames} frames`), step);
        assert.equal((await loadCheckpoint(runDir)).learner.frames, total, step);
        assert.equal((await loadCheckpoint(runDir)).learner.updates, total / 40, step);
        assert.deepEqual(metricFrames(runDir), Array.from({ length: total / 40 }, (_, i) => 40 * (i + 1)), `${step}: one metrics row per update, none twice`);
        assert.ok(!readdirSync(join(runDir, 'checkpoints')).some((n) => n.startsWith('.tmp-')), `${step}: temporary folders removed`);
      }),
    );
  });

  test('--resume of a mistyped run directory or a damaged checkpoint: exit 2, a clear error, nothing changed', async () => {
    const missing = join(dir, 'no-such-run');
    const a = cli([...trainArgs(missing, 400), '--resume']);
    assert.equal((await a.done).code, 2, a.stderr);
    assert.match(a.stderr, /impala-rl: train: cannot resume: no checkpoint in '.*no-such-run'/);
    assert.equal(existsSync(missing), false);

    const runDir = join(dir, 'damaged');
    const ok = cli(trainArgs(runDir, 80));
    assert.equal((await ok.done).code, 0, ok.stderr);
    truncateSync(join(runDir, 'checkpoints', 'ckpt-000001', 'weights.bin'), 64);
    const files = snapshot(runDir);
    for (const flag of ['--resume', '--resume-or-start']) {
      const b = cli(['train', '--run-dir', runDir, flag, '--backend', 'cpu']);
      assert.equal((await b.done).code, 2, b.stderr);
      assert.match(b.stderr, /impala-rl: train: cannot resume: no loadable checkpoint in .*ckpt-000001\/weights\.bin' has 64 bytes, the manifest says \d+ \(truncated or overwritten\)/);
    }
    assert.deepEqual(snapshot(runDir), files, 'nothing changed on disk');
  });

  for (const [signal, exitCode] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    test(`${signal} while the only actor hangs: exits within seconds with a final checkpoint`, async () => {
      const runDir = join(dir, `hang-${signal}`);
      // 8 envs x T=5 per unroll, one update per unroll; each env hangs after 45 steps: 9 updates, then nothing.
      const run = cli(
        ['train', '--env', 'Hang-v0', '--env-option', 'hangAfter=45', '--envs-per-actor', '8', '--batch-size', '8', '--unroll-length', '5', '--total-frames', '100000', '--run-dir', runDir, '--backend', 'cpu', '--log-interval', '0.1', '--actor-timeout', '600'],
        {},
        [faultEnvs],
      );
      try {
        await waitFor('training', () => /frames \d+\//.test(run.stderr), run);
        // Progress lines come with updates: after the 9th there are none. Give the actor time to hang.
        await new Promise((r) => setTimeout(r, 4000));
        const sent = Date.now();
        run.child.kill(signal);
        const { code } = await run.done;
        const took = Date.now() - sent;
        assert.equal(code, exitCode, run.stderr);
        assert.ok(took < 10_000, `stopped ${took} ms after ${signal}`);
        assert.equal((await loadCheckpoint(runDir)).learner.frames, 360);
      } finally {
        run.child.kill('SIGKILL');
      }
    });
  }
});
