/** The train command's progress display: duration/return formatting, line contents, interval and quiet mode. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrainProgress } from '../../src/agent/train.js';
import { createProgressReporter, formatDuration, formatProgressLine, formatReturn } from '../../src/cli/progress.js';

function progress(frames: number, over: Partial<TrainProgress> = {}): TrainProgress {
  return {
    totalLoss: 1.5, policyLoss: 0.5, baselineLoss: 1, entropyLoss: 0, entropy: 0.69, gradNorm: 2, learningRate: 0.001,
    policyLag: 1, frames, updates: frames / 40, meanReturn100: 22.25, episodes: 10, newEpisodes: [],
    framesPerSecond: 1000, updatesPerSecond: 25, queueSize: 0, actorRestarts: 0, connectedActors: 1, rejectedMessages: 0, actorFramesPerSecond: {}, elapsedSeconds: 3, ...over,
  };
}

class Sink {
  text = '';
  constructor(readonly isTTY: boolean) {}
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

describe('progress', () => {
  test('formatDuration', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(59.4), '59s');
    assert.equal(formatDuration(185), '3m05s');
    assert.equal(formatDuration(2 * 3600 + 7 * 60 + 12), '2h07m');
    assert.equal(formatDuration(NaN), '?');
    assert.equal(formatDuration(Infinity), '?');
  });

  test('formatReturn', () => {
    assert.equal(formatReturn(22.25), '22.3');
    assert.equal(formatReturn(-500), '-500.0');
    assert.equal(formatReturn(NaN), 'n/a');
  });

  test('a line has frames, percentage, mean return, frames/s and the ETA from the session rate', () => {
    // 10,000 frames left at 1,000 frames/s: ETA 10 s.
    const line = formatProgressLine(progress(2000), 12000);
    assert.match(line, /^frames 2000\/12000 \(16\.7%\)/);
    assert.match(line, /return\(100\) 22\.3/);
    assert.match(line, /episodes 10/);
    assert.match(line, /1000 frames\/s/);
    assert.match(line, /ETA 10s$/);
  });

  test('without a terminal: the first update, then one line per interval', () => {
    const sink = new Sink(false);
    let now = 0;
    const r = createProgressReporter({ stream: sink, totalFrames: 1000, quiet: false, logIntervalSeconds: 5, clock: () => now });
    r.update(progress(40));
    now = 4000;
    r.update(progress(80));
    now = 5000;
    r.update(progress(120));
    now = 9999;
    r.update(progress(160));
    r.note('a note');
    r.stop();
    assert.deepEqual(
      sink.text.trim().split('\n').map((l) => l.split(' | ')[0]),
      ['frames 40/1000 (4.0%)', 'frames 120/1000 (12.0%)', 'a note'],
    );
  });

  test('quiet: only notes', () => {
    const sink = new Sink(false);
    const r = createProgressReporter({ stream: sink, totalFrames: 1000, quiet: true, logIntervalSeconds: 1 });
    r.update(progress(40));
    r.note('stopping');
    r.stop();
    assert.equal(sink.text, 'stopping\n');
  });

  test('on a terminal: a bar with frames, return and frames/s', () => {
    const sink = new Sink(true) as Sink & { columns: number; cursorTo: () => boolean; clearLine: () => boolean; moveCursor: () => boolean };
    Object.assign(sink, { columns: 200, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    const r = createProgressReporter({ stream: sink, totalFrames: 1000, quiet: false, logIntervalSeconds: 1 });
    r.update(progress(500));
    r.stop();
    assert.match(sink.text, /500\/1000 frames \| return\(100\) 22\.3 \| 1000 frames\/s/);
  });
});
