// TensorBoardWriter: files it creates, read back with the independent reader in test/helpers/tfevents-reader.ts
// (which checks both CRCs of every record). Expected values are the inputs themselves, rounded to float32 as
// simple_value is a protobuf float.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TensorBoardWriter } from '../../src/index.js';
import { readEventFile } from '../helpers/tfevents-reader.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'impala-tb-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('TensorBoardWriter', () => {
  test('creates the log dir and an events.out.tfevents.<seconds>.<hostname> file holding the version record', async (t) => {
    const logDir = join(tempDir(t), 'runs', 'cartpole-seed0');
    const before = Math.floor(Date.now() / 1000);
    const w = await TensorBoardWriter.create(logDir, { flushIntervalMs: 0 });
    const after = Math.floor(Date.now() / 1000);
    assert.equal(w.logDir, logDir);
    assert.deepEqual(readdirSync(logDir), [basename(w.path)]);
    const match = /^events\.out\.tfevents\.(\d+)\.(.+)$/.exec(basename(w.path));
    assert.ok(match, basename(w.path));
    assert.ok(Number(match[1]) >= before && Number(match[1]) <= after);
    assert.equal(match[2], hostname());
    // On disk before any flush or close.
    const events = readEventFile(w.path);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.fileVersion, 'brain.Event:2');
    assert.ok(Math.abs(events[0]!.wallTime - Date.now() / 1000) < 60);
    await w.close();
  });

  test('round-trips tags, float32 values, steps and wall times', async (t) => {
    const w = await TensorBoardWriter.create(tempDir(t), { flushIntervalMs: 0 });
    w.addScalar('episode/return', 21.5, 1000, 1700000000.5);
    w.addScalar('loss/total', 0.1, 2000, 1700000001.25);
    w.addScalars({ 'loss/policy': -0.3, 'loss/baseline': 1e-7, 'learning rate': 6e-4, 'frames/s': 12345.678 }, 3000, 1700000002);
    w.addScalar('big step', 123456789, 2 ** 53 - 1, 1700000003);
    w.addScalar('negative step', 1, -5, 1700000004);
    w.addScalars({ nan: NaN, inf: Infinity }, 7, 1700000005);
    w.addScalar('unicode/écart π', 3, 8, 1700000006);
    await w.close();
    const events = readEventFile(w.path).slice(1);
    assert.deepEqual(
      events.map((e) => [e.step, e.wallTime, e.values.map((v) => [v.tag, v.simpleValue])]),
      [
        [1000, 1700000000.5, [['episode/return', 21.5]]],
        [2000, 1700000001.25, [['loss/total', Math.fround(0.1)]]],
        [
          3000,
          1700000002,
          [
            ['loss/policy', Math.fround(-0.3)],
            ['loss/baseline', Math.fround(1e-7)],
            ['learning rate', Math.fround(6e-4)],
            ['frames/s', Math.fround(12345.678)],
          ],
        ],
        [2 ** 53 - 1, 1700000003, [['big step', 123456792]]], // float32 keeps ~7 digits
        [-5, 1700000004, [['negative step', 1]]],
        [7, 1700000005, [['nan', NaN], ['inf', Infinity]]],
        [8, 1700000006, [['unicode/écart π', 3]]],
      ],
    );
  });

  test('wall time defaults to now', async (t) => {
    const w = await TensorBoardWriter.create(tempDir(t), { flushIntervalMs: 0 });
    const before = Date.now() / 1000;
    w.addScalar('a', 1, 1);
    w.addScalars({ b: 2 }, 2);
    const after = Date.now() / 1000;
    await w.close();
    for (const e of readEventFile(w.path).slice(1)) assert.ok(e.wallTime >= before && e.wallTime <= after, String(e.wallTime));
  });

  test('buffers until flush, then appends; the empty record writes nothing', async (t) => {
    const w = await TensorBoardWriter.create(tempDir(t), { flushIntervalMs: 0 });
    w.addScalar('a', 1, 1);
    w.addScalars({}, 2);
    assert.equal(readEventFile(w.path).length, 1, 'nothing written before flush');
    await w.flush();
    assert.equal(readEventFile(w.path).length, 2);
    w.addScalar('a', 2, 3);
    await w.flush();
    await w.flush(); // nothing buffered: a no-op
    assert.deepEqual(
      readEventFile(w.path).map((e) => e.step),
      [0, 1, 3],
    );
    await w.close();
  });

  test('flushes on a timer without flush() being called', async (t) => {
    const w = await TensorBoardWriter.create(tempDir(t), { flushIntervalMs: 20 });
    w.addScalar('a', 1, 1);
    await waitFor(() => readEventFile(w.path).length === 2);
    await w.close();
  });

  test('starts a write when maxBufferedBytes is reached', async (t) => {
    const w = await TensorBoardWriter.create(tempDir(t), { flushIntervalMs: 0, maxBufferedBytes: 200 });
    for (let i = 0; i < 3; i++) w.addScalar('a', i, i); // ~35 bytes each: below the threshold
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(readEventFile(w.path).length, 1);
    for (let i = 3; i < 10; i++) w.addScalar('a', i, i);
    await waitFor(() => readEventFile(w.path).length > 1);
    await w.close();
    assert.deepEqual(
      readEventFile(w.path).map((e) => e.step),
      [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
  });

  test('many concurrent flushes keep records whole and in order', async (t) => {
    const w = await TensorBoardWriter.create(tempDir(t), { flushIntervalMs: 1, maxBufferedBytes: 100 });
    const flushes: Promise<void>[] = [];
    for (let i = 1; i <= 500; i++) {
      w.addScalars({ x: i, y: -i }, i);
      if (i % 7 === 0) flushes.push(w.flush());
    }
    await Promise.all(flushes);
    await w.close();
    const events = readEventFile(w.path).slice(1);
    assert.deepEqual(
      events.map((e) => e.step),
      Array.from({ length: 500 }, (_, i) => i + 1),
    );
    assert.ok(events.every((e) => e.values[0]!.simpleValue === e.step && e.values[1]!.simpleValue === -e.step));
  });

  test('never overwrites: writers created in the same second get distinct files; filenameSuffix is appended', async (t) => {
    const dir = tempDir(t);
    const writers = await Promise.all([0, 1, 2].map(() => TensorBoardWriter.create(dir, { flushIntervalMs: 0 })));
    const suffixed = await TensorBoardWriter.create(dir, { flushIntervalMs: 0, filenameSuffix: '.learner' });
    const paths = [...writers, suffixed].map((w) => w.path);
    assert.equal(new Set(paths).size, 4);
    assert.ok(paths.every((p) => basename(p).includes('tfevents')));
    assert.match(basename(suffixed.path), /^events\.out\.tfevents\.\d+\..+\.learner(\.\d+)?$/);
    writers.forEach((w, i) => {
      w.addScalar('writer', i, i);
    });
    await Promise.all([...writers, suffixed].map((w) => w.close()));
    writers.forEach((w, i) => {
      assert.deepEqual(readEventFile(w.path)[1]!.values, [{ tag: 'writer', simpleValue: i }]);
    });
  });

  test('close is idempotent; adding after close throws', async (t) => {
    const w = await TensorBoardWriter.create(tempDir(t), { flushIntervalMs: 0 });
    w.addScalar('a', 1, 1);
    assert.equal(w.closed, false);
    await Promise.all([w.close(), w.close()]);
    await w.close();
    assert.equal(w.closed, true);
    assert.throws(() => {
      w.addScalar('a', 1, 2);
    }, /TensorBoardWriter.addScalar: the writer is closed/);
    assert.throws(() => {
      w.addScalars({ a: 1 }, 2);
    }, /TensorBoardWriter.addScalars: the writer is closed/);
    assert.equal(readEventFile(w.path).length, 2);
  });

  test('validates its arguments', async (t) => {
    const dir = tempDir(t);
    await assert.rejects(TensorBoardWriter.create(''), /TensorBoardWriter.create: logDir must be a non-empty string/);
    await assert.rejects(TensorBoardWriter.create(dir, { flushIntervalMs: -1 }), /flushIntervalMs must be a finite number >= 0, got -1/);
    await assert.rejects(TensorBoardWriter.create(dir, { maxBufferedBytes: NaN }), /maxBufferedBytes must be a finite number >= 0, got NaN/);
    await assert.rejects(TensorBoardWriter.create(dir, { filenameSuffix: 'a/b' }), /filenameSuffix must not contain a path separator/);
    const w = await TensorBoardWriter.create(dir, { flushIntervalMs: 0 });
    assert.throws(() => {
      w.addScalar('a', 1, 1.5);
    }, /TensorBoardWriter.addScalar: step must be a safe integer, got 1.5/);
    assert.throws(() => {
      w.addScalar('a', 1, 2 ** 53);
    }, /step must be a safe integer/);
    assert.throws(() => {
      w.addScalar('', 1, 1);
    }, /TensorBoardWriter.addScalar: tag must be a non-empty string/);
    assert.throws(() => {
      w.addScalar('a', '1' as unknown as number, 1);
    }, /value of 'a' must be a number, got string/);
    assert.throws(() => {
      w.addScalar('a', 1, 1, NaN);
    }, /wallTime must be a finite number of seconds, got NaN/);
    assert.throws(() => {
      w.addScalars({ a: 1, b: undefined as unknown as number }, 1);
    }, /TensorBoardWriter.addScalars: value of 'b' must be a number, got undefined/);
    await w.close();
    assert.equal(readEventFile(w.path).length, 1, 'rejected calls wrote nothing');
  });

  test('a crash keeps everything flushed before it (the process is SIGKILLed after a flush)', (t) => {
    const dir = tempDir(t);
    const logDir = join(dir, 'run');
    const script = join(dir, 'crash.mts');
    const entry = pathToFileURL(join(import.meta.dirname, '..', '..', 'src', 'metrics', 'index.ts')).href;
    writeFileSync(
      script,
      `import { TensorBoardWriter } from ${JSON.stringify(entry)};
const w = await TensorBoardWriter.create(${JSON.stringify(logDir)}, { flushIntervalMs: 0 });
for (let i = 1; i <= 3; i++) w.addScalar('flushed', i, i);
await w.flush();
for (let i = 4; i <= 5; i++) w.addScalar('lost', i, i);
process.kill(process.pid, 'SIGKILL');
`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    const files = readdirSync(logDir);
    assert.equal(files.length, 1);
    const path = join(logDir, files[0]!);
    assert.ok(statSync(path).size > 0);
    const events = readEventFile(path);
    assert.equal(events[0]!.fileVersion, 'brain.Event:2');
    assert.deepEqual(
      events.slice(1).map((e) => [e.step, e.values[0]!.tag]),
      [
        [1, 'flushed'],
        [2, 'flushed'],
        [3, 'flushed'],
      ],
    );
  });
});
