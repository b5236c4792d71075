/**
 * Checkpoint files: numbered folders, the `latest` pointer, the manifest, and every damaged-file case loading
 * must catch (naming the file), with the fallback to an older complete checkpoint.
 */
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkCheckpointFits,
  CheckpointError,
  cleanCheckpointLeftovers,
  findCheckpoint,
  loadCheckpoint,
  NoCheckpointError,
  saveCheckpoint,
  type Checkpoint,
} from '../../src/agent/checkpoint.js';
import { crc32c } from '../../src/metrics/crc32c.js';

function sample(updates: number, fill = 0.5): Checkpoint {
  return {
    config: { env: 'CartPole-v1', totalFrames: 1000, episodes: updates * 2 },
    weights: new Float32Array(10).fill(fill),
    weightSpecs: [
      { name: 'dense/kernel', shape: [2, 4] },
      { name: 'dense/bias', shape: [2] },
    ],
    learner: { frames: updates * 40, updates, optimizer: { name: 'rmsprop', iterations: updates, slots: { 'dense/kernel/ms': { shape: [2, 4], values: new Float32Array(8).fill(0.1) } } } },
    actors: [{ rng: [1, 2, 3, 4], unrolls: updates }],
    recentReturns: [10, 20],
    elapsedSeconds: updates,
    savedAt: '2026-01-01T00:00:00.000Z',
  };
}

/** Rewrites state.json of a folder through `edit`, and fixes the manifest so that only the values are wrong. */
interface StateJson {
  learner: { frames: unknown; updates: unknown; optimizer: { iterations: unknown } };
  config: { episodes: unknown };
  elapsedSeconds: unknown;
}

function editState(folder: string, edit: (state: StateJson) => void): void {
  const state = JSON.parse(readFileSync(join(folder, 'state.json'), 'utf8')) as StateJson;
  edit(state);
  const bytes = Buffer.from(JSON.stringify(state));
  writeFileSync(join(folder, 'state.json'), bytes);
  const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as { files: Record<string, { bytes: number; crc32c: number }> };
  manifest.files['state.json'] = { bytes: bytes.byteLength, crc32c: crc32c(bytes) };
  writeFileSync(join(folder, 'manifest.json'), JSON.stringify(manifest));
}

describe('checkpoints', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'impala-ckpt-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('numbered folders, a pointer, a manifest; the last `keep` are kept; round trip', async () => {
    for (let u = 1; u <= 4; u++) await saveCheckpoint(dir, sample(u), { keep: 2 });
    assert.deepEqual(readdirSync(join(dir, 'checkpoints')).sort(), ['ckpt-000003', 'ckpt-000004', 'latest']);
    assert.equal(readFileSync(join(dir, 'checkpoints', 'latest'), 'utf8').trim(), 'ckpt-000004');
    const manifest = JSON.parse(readFileSync(join(dir, 'checkpoints', 'ckpt-000004', 'manifest.json'), 'utf8')) as { files: Record<string, { bytes: number }> };
    assert.deepEqual(Object.keys(manifest.files).sort(), ['optimizer.bin', 'state.json', 'weights.bin']);
    assert.equal(manifest.files['weights.bin']!.bytes, 40);
    const c = await loadCheckpoint(dir);
    assert.equal(c.learner.frames, 160);
    assert.equal(c.learner.updates, 4);
    assert.deepEqual(Array.from(c.weights), new Array(10).fill(0.5));
    assert.deepEqual(c.learner.optimizer.slots['dense/kernel/ms']!.shape, [2, 4]);
    // A checkpoint folder can be given directly.
    assert.equal((await loadCheckpoint(join(dir, 'checkpoints', 'ckpt-000003'))).learner.updates, 3);
  });

  test('no checkpoint at all: NoCheckpointError, saying where it looked', async () => {
    await assert.rejects(loadCheckpoint(join(dir, 'missing')), (e: unknown) => e instanceof NoCheckpointError && /^loadCheckpoint: no checkpoint in .*missing/.test(e.message));
  });

  const damage: [string, (folder: string) => void, RegExp][] = [
    ['truncated weights.bin', (f) => { truncateSync(join(f, 'weights.bin'), 12); }, /weights\.bin' has 12 bytes, the manifest says 40 \(truncated/],
    ['same-length garbage in weights.bin', (f) => { writeFileSync(join(f, 'weights.bin'), Buffer.alloc(40, 7)); }, /weights\.bin' has CRC-32C [0-9a-f]+, the manifest says [0-9a-f]+ \(damaged\)/],
    ['damaged state.json', (f) => { writeFileSync(join(f, 'state.json'), '{"format": "impala-rl-chec'); }, /state\.json' has \d+ bytes, the manifest says/],
    ['missing optimizer.bin', (f) => { rmSync(join(f, 'optimizer.bin')); }, /optimizer\.bin' cannot be read \(ENOENT\)/],
    ['missing manifest', (f) => { rmSync(join(f, 'manifest.json')); }, /manifest\.json' is missing/],
    ['frames "lots"', (f) => { editState(f, (s) => { s.learner.frames = 'lots'; }); }, /state\.json' 'learner\.frames' must be an integer >= 0, got "lots"/],
    ['frames -5000', (f) => { editState(f, (s) => { s.learner.frames = -5000; }); }, /'learner\.frames' must be an integer >= 0, got -5000/],
    ['frames and updates disagree', (f) => { editState(f, (s) => { s.learner.frames = 0; }); }, /'learner\.frames' \(0\) and 'learner\.updates' \(2\) disagree/],
    ['optimizer iterations beyond updates', (f) => { editState(f, (s) => { s.learner.optimizer.iterations = 9; }); }, /'learner\.optimizer\.iterations' must be an integer in \[0, updates = 2\], got 9/],
    ['episodes 1.5', (f) => { editState(f, (s) => { s.config.episodes = 1.5; }); }, /'config\.episodes' must be an integer >= 0, got 1\.5/],
    ['elapsedSeconds NaN', (f) => { editState(f, (s) => { s.elapsedSeconds = null; }); }, /'elapsedSeconds' must be a finite number >= 0, got null/],
  ];
  for (const [name, harm, message] of damage) {
    test(`${name}: the only checkpoint fails to load, naming the file`, async () => {
      await saveCheckpoint(dir, sample(2));
      harm(join(dir, 'checkpoints', 'ckpt-000001'));
      await assert.rejects(loadCheckpoint(dir), (e: unknown) => {
        assert.ok(e instanceof CheckpointError && !(e instanceof NoCheckpointError), String(e));
        assert.match(e.message, /^loadCheckpoint: no loadable checkpoint in /);
        assert.match(e.message, message);
        return true;
      });
    });
  }

  test('NaN weights and infinite optimizer slots are refused even with a matching manifest', async () => {
    const nan = sample(2);
    nan.weights[3] = NaN;
    await saveCheckpoint(dir, nan);
    await assert.rejects(loadCheckpoint(dir), /weights\.bin' value 3 is NaN \(weights must be finite\)/);
    rmSync(join(dir, 'checkpoints'), { recursive: true });
    const inf = sample(2);
    inf.learner.optimizer.slots['dense/kernel/ms']!.values[5] = Infinity;
    await saveCheckpoint(dir, inf);
    await assert.rejects(loadCheckpoint(dir), /optimizer\.bin' value 5 is Infinity/);
  });

  test('the newest damaged, an older complete one: found, with the newer one reported as skipped', async () => {
    await saveCheckpoint(dir, sample(1));
    await saveCheckpoint(dir, sample(2));
    truncateSync(join(dir, 'checkpoints', 'ckpt-000002', 'weights.bin'), 0);
    const found = await findCheckpoint(dir);
    assert.equal(found.checkpoint.learner.updates, 1);
    assert.match(found.folder, /ckpt-000001$/);
    assert.equal(found.skipped.length, 1);
    assert.match(found.skipped[0]!.error.message, /ckpt-000002.*weights\.bin' has 0 bytes/);
  });

  test('a folder newer than the pointer (a write killed before the pointer moved) is not used', async () => {
    await saveCheckpoint(dir, sample(1));
    await saveCheckpoint(dir, sample(2));
    writeFileSync(join(dir, 'checkpoints', 'latest'), 'ckpt-000001\n');
    assert.equal((await loadCheckpoint(dir)).learner.updates, 1);
    // The next write numbers past it and moves the pointer.
    await saveCheckpoint(dir, sample(3));
    assert.equal((await loadCheckpoint(dir)).learner.updates, 3);
  });

  test('leftover temporary folders are removed; complete checkpoints are not', async () => {
    await saveCheckpoint(dir, sample(1));
    mkdirSync(join(dir, 'checkpoints', '.tmp-ckpt-000002-1-2'));
    writeFileSync(join(dir, 'checkpoints', '.tmp-latest-1-2'), 'x');
    mkdirSync(join(dir, 'checkpoint.tmp-1-2'));
    const removed = await cleanCheckpointLeftovers(dir);
    assert.equal(removed.length, 3);
    assert.deepEqual(readdirSync(join(dir, 'checkpoints')).sort(), ['ckpt-000001', 'latest']);
    assert.ok(!existsSync(join(dir, 'checkpoint.tmp-1-2')));
  });

  test('the single-folder layout of earlier versions still loads, including a folder renamed aside by a crash', async () => {
    await saveCheckpoint(dir, sample(2));
    const folder = join(dir, 'checkpoints', 'ckpt-000001');
    const legacy = join(dir, 'old-run');
    mkdirSync(legacy);
    for (const f of ['state.json', 'weights.bin', 'optimizer.bin']) writeFileSync(join(legacy, f), readFileSync(join(folder, f)));
    // Files directly in a folder: read as a checkpoint folder.
    assert.equal((await loadCheckpoint(legacy)).learner.updates, 2);
    const crashed = join(dir, 'crashed-run');
    mkdirSync(join(crashed, 'checkpoint.old-1-2'), { recursive: true });
    for (const f of ['state.json', 'weights.bin', 'optimizer.bin']) writeFileSync(join(crashed, 'checkpoint.old-1-2', f), readFileSync(join(folder, f)));
    assert.equal((await loadCheckpoint(crashed)).learner.updates, 2);
  });

  test('checkCheckpointFits names the first weight that differs', () => {
    const c = sample(1);
    assert.doesNotThrow(() => { checkCheckpointFits(c, 'f', { weightSpecs: c.weightSpecs }); });
    assert.throws(
      () => { checkCheckpointFits(c, 'f', { weightSpecs: [c.weightSpecs[0]!, { name: 'dense/bias', shape: [3] }] }); },
      /loadCheckpoint: 'f\/state\.json': weight 1 is 'dense\/bias' \[2\], the network has 'dense\/bias' \[3\]/,
    );
  });
});
