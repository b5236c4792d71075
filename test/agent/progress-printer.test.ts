/** progressPrinter: one line per interval and always at the end, no NaN before the first episode, ETA from frames/s. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressPrinter } from '../../src/agent/progress-printer.js';
import type { TrainProgress } from '../../src/agent/train.js';

const progress = (frames: number, elapsedSeconds: number, meanReturn100: number): TrainProgress => ({
  frames, elapsedSeconds, meanReturn100, episodes: Number.isNaN(meanReturn100) ? 0 : 3, framesPerSecond: 100, updatesPerSecond: 1,
  queueSize: 0, newEpisodes: [], totalLoss: 0, policyLoss: 0, baselineLoss: 0, entropyLoss: 0, entropy: 0, gradNorm: 0, learningRate: 0,
  policyLag: 0, updates: 1, actorRestarts: 0, connectedActors: 1, rejectedMessages: 0, actorFramesPerSecond: {},
});

test('prints at most one line per interval, always the last update, and never NaN', () => {
  const lines: string[] = [];
  const print = progressPrinter(1000, { seconds: 5, write: (l) => lines.push(l) });
  print(progress(100, 1, NaN)); // first: printed
  print(progress(200, 3, NaN)); // 2 s later: skipped
  print(progress(700, 6.5, 12.25)); // 5.5 s later: printed
  print(progress(1000, 7, 13)); // last update: printed
  assert.deepEqual(lines, [
    '100/1000 frames, mean return (last 100) (no episode finished yet), 0 episodes, 100 frames/s, ETA 9 s',
    '700/1000 frames, mean return (last 100) 12.3, 3 episodes, 100 frames/s, ETA 3 s',
    '1000/1000 frames, mean return (last 100) 13.0, 3 episodes, 100 frames/s, ETA 0 s',
  ]);
});
