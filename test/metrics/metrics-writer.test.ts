// MetricsWriter's interval: one row per interval (the first update always), every episode kept, and the
// last update written by close().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrainProgress as MetricsRecord } from '../../src/agent/train.js';
import { MetricsWriter } from '../../src/metrics/metrics-writer.js';

const record = (frames: number, episodes: number): MetricsRecord => ({
  frames, updates: frames / 10, elapsedSeconds: frames / 100, meanReturn100: 1, episodes: 0, totalLoss: 0, policyLoss: 0,
  baselineLoss: 0, entropyLoss: 0, entropy: 1, gradNorm: 1, learningRate: 0.1, policyLag: 0, framesPerSecond: 1,
  updatesPerSecond: 1, queueSize: 0, actorRestarts: 0, connectedActors: 1, rejectedMessages: 0, actorFramesPerSecond: {},
  newEpisodes: Array.from({ length: episodes }, (_, i) => ({ episodeReturn: frames + i, episodeLength: 5, truncated: false, actorId: 0, envIndex: i })),
});

const csvFrames = (dir: string, name: string): number[] =>
  readFileSync(join(dir, name), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[0]));

test('intervalSeconds: a row per interval, the last update at close, every episode with its own frames', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'impala-metrics-'));
  try {
    let now = 0;
    const w = await MetricsWriter.open(dir, 'test', { intervalSeconds: 5, clock: () => now });
    // Updates every second, frames 10, 20, ..., 120; each finishes one episode.
    for (let i = 1; i <= 12; i++) {
      now = (i - 1) * 1000;
      await w.write(record(i * 10, 1));
    }
    await w.close();
    // Written at t = 0 s (frames 10), 5 s (60), 10 s (110), and the last one (120) by close().
    assert.deepEqual(csvFrames(dir, 'metrics.csv'), [10, 60, 110, 120]);
    assert.equal(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 4);
    assert.deepEqual(csvFrames(dir, 'episodes.csv'), [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('intervalSeconds 0 writes every update; a negative interval is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'impala-metrics-'));
  try {
    const w = await MetricsWriter.open(dir, 'test', { intervalSeconds: 0, clock: () => 0 });
    for (let i = 1; i <= 3; i++) await w.write(record(i * 10, 0));
    await w.close();
    assert.deepEqual(csvFrames(dir, 'metrics.csv'), [10, 20, 30]);
    await assert.rejects(MetricsWriter.open(dir, 'test', { intervalSeconds: -1 }), /intervalSeconds/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
