// The whole trainer in a Web Worker (npm run test:browser): the demo page with `?trainer=worker` trains the deep
// agent on the pixel maze in headless Chromium while the page keeps drawing. Measured against the page-thread
// trainer on the same page and backend: animation frames per second and the longest gap between two animation
// frames (a learner update on the page's thread is one long gap). Asserts that the worker mode trains (updates,
// rising frames), keeps the page drawing (≥ 20 animation frames a second, no gap over 1 s after the first
// update) and logs no console error; the page-thread figures are measured, not asserted. Writes both to
// .tmp/browser/web-worker-trainer.json.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { demoState, openPage, outDir, sleep, useDemo } from './chromium.js';

const backend = process.env.IMPALA_BROWSER_MAZE_BACKEND_WORKER ?? 'wasm';

const demo = useDemo();

/** Counts the page's animation frames and the longest gap between two of them, from `reset()` on. */
async function watchFrames(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    const w = globalThis;
    w.frameWatch = { count: 0, maxGap: 0, last: 0, reset() { this.count = 0; this.maxGap = 0; this.last = 0; } };
    const tick = (t) => {
      const f = w.frameWatch;
      if (f.last > 0) f.maxGap = Math.max(f.maxGap, t - f.last);
      f.last = t;
      f.count++;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
}

interface Run {
  updates: number;
  frames: number;
  framesSeen: number[];
  animationFramesPerSecond: number;
  maxGapMs: number;
  seconds: number;
  errors: string[];
  error: string | null;
  backend: string;
  status: string;
}

/** Starts the maze, waits for the first update, then measures for `seconds` (at most 4 minutes in all). */
async function measure(query: string, seconds: number): Promise<Run> {
  const { page, errors } = await openPage(demo.browser, `${demo.url}?mode=maze&backend=${backend}&${query}`);
  await watchFrames(page);
  await page.click('#start');
  const started = Date.now();
  let state = await demoState(page);
  while (state.updates < 1 && Date.now() - started < 180_000 && state.error === null && errors.length === 0) {
    await sleep(200);
    state = await demoState(page);
  }
  await page.evaluate('globalThis.frameWatch.reset()');
  const from = Date.now();
  const framesSeen: number[] = [];
  while (Date.now() - from < seconds * 1000 && state.error === null && errors.length === 0) {
    await sleep(1000);
    state = await demoState(page);
    framesSeen.push(state.frames);
  }
  const measured = (Date.now() - from) / 1000;
  const f = await page.evaluate<{ count: number; maxGap: number }>('({ count: globalThis.frameWatch.count, maxGap: globalThis.frameWatch.maxGap })');
  await page.screenshot({ path: join(outDir(), `maze-${query.replace(/[^a-z0-9]+/gi, '-')}.png`) });
  await page.click('#pause');
  await page.close();
  return { updates: state.updates, frames: state.frames, framesSeen, animationFramesPerSecond: f.count / measured, maxGapMs: f.maxGap, seconds: measured, errors, error: state.error, backend: state.backend, status: state.status };
}

describe(`the trainer in a Web Worker (maze, ${backend})`, () => {
  test('the deep agent trains in the worker while the page keeps drawing', { timeout: 600_000 }, async () => {
    const worker = await measure('trainer=worker', 15);
    console.log(`# trainer in a Web Worker: ${worker.updates} updates, ${worker.frames} frames; page ${worker.animationFramesPerSecond.toFixed(1)} animation frames/s, longest gap ${worker.maxGapMs.toFixed(0)} ms over ${worker.seconds.toFixed(1)} s`);
    assert.deepEqual(worker.errors, [], 'no console errors or uncaught exceptions');
    assert.equal(worker.error, null);
    assert.equal(worker.status, 'running');
    assert.ok(worker.updates >= 2, `only ${worker.updates} updates`);
    const seen = worker.framesSeen.filter((x) => x > 0);
    assert.ok(seen.length >= 3 && seen.at(-1)! > seen[0]!, `frames increase: ${worker.framesSeen.join(', ')}`);
    assert.ok(worker.animationFramesPerSecond >= 20, `${worker.animationFramesPerSecond.toFixed(1)} animation frames/s`);
    // A learner update on the page's thread is a gap of 1–3 s here (wasm, 2 cores); in the worker the page only
    // waits for CPU time, which a loaded machine can delay by a few hundred milliseconds.
    assert.ok(worker.maxGapMs <= 1000, `longest gap between animation frames ${worker.maxGapMs.toFixed(0)} ms`);

    // The trainer on the page's thread, same page and backend, for comparison (measured, not asserted).
    const page = await measure('trainer=page', worker.seconds);
    console.log(`# trainer on the page's thread: ${page.updates} updates, ${page.frames} frames; page ${page.animationFramesPerSecond.toFixed(1)} animation frames/s, longest gap ${page.maxGapMs.toFixed(0)} ms over ${page.seconds.toFixed(1)} s`);
    writeFileSync(join(outDir(), 'web-worker-trainer.json'), JSON.stringify({ backend, worker, page }, null, 1));
  });
});
