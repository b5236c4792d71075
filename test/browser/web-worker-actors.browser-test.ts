// PageTrainer with its actors in Web Workers (npm run test:browser): the demo page with `?workers=2` trains
// CartPole-v1 in headless Chromium for at least 20 updates with the frames increasing, while the page's own
// animation frames and timers keep firing, and with no console error or uncaught exception. Writes frames/s of the
// worker mode and of the inline mode (same page, same backend, same wall time) to .tmp/browser/web-worker-actors.json.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { demoState, openPage, outDir, sleep, useDemo } from './chromium.js';

const backend = process.env.IMPALA_BROWSER_BACKEND ?? 'wasm';

const demo = useDemo();

/** Counts the page's animation frames and 50 ms timer ticks from now on. */
async function countTicks(page: Page): Promise<void> {
  // A string, as the page's DOM globals are not in this project's typings.
  await page.evaluate(`(() => {
    const w = globalThis;
    w.ticks = { raf: 0, timer: 0 };
    const raf = () => { w.ticks.raf++; requestAnimationFrame(raf); };
    requestAnimationFrame(raf);
    setInterval(() => { w.ticks.timer++; }, 50);
  })()`);
}

function ticks(page: Page): Promise<{ raf: number; timer: number }> {
  return page.evaluate(() => (globalThis as unknown as { ticks: { raf: number; timer: number } }).ticks);
}

/** Trains for `seconds` (or until `minUpdates`, whichever is later, within 3 minutes); returns what it saw. */
async function trainFor(query: string, seconds: number, minUpdates: number): Promise<{ updates: number; frames: number; framesPerSecond: number; framesSeen: number[]; raf: number; timer: number; wallSeconds: number; errors: string[]; error: string | null; backend: string; status: string }> {
  const { page, errors } = await openPage(demo.browser, `${demo.url}?mode=cartpole&backend=${backend}&${query}`);
  await countTicks(page);
  await page.click('#start');
  const started = Date.now();
  const framesSeen: number[] = [];
  let state = await demoState(page);
  while (Date.now() - started < 180_000) {
    await sleep(1000);
    state = await demoState(page);
    framesSeen.push(state.frames);
    if (state.error !== null || errors.length > 0 || ['failed', 'finished', 'stopped'].includes(state.status)) break;
    if (Date.now() - started >= seconds * 1000 && state.updates >= minUpdates) break;
  }
  const wallSeconds = (Date.now() - started) / 1000;
  const t = await ticks(page);
  await page.click('#pause');
  await page.close();
  return { updates: state.updates, frames: state.frames, framesPerSecond: state.framesPerSecond, framesSeen, ...t, wallSeconds, errors, error: state.error, backend: state.backend, status: state.status };
}

describe(`PageTrainer with actors in Web Workers (learner on ${backend})`, () => {
  test('CartPole-v1 trains with 2 Web Worker actors while the page stays responsive', { timeout: 420_000 }, async () => {
    const workers = await trainFor('workers=2', 20, 20);
    console.log(`# 2 Web Worker actors: ${workers.updates} updates, ${workers.frames} frames in ${workers.wallSeconds.toFixed(1)} s, ${Math.round(workers.framesPerSecond)} frames/s; ${workers.raf} animation frames, ${workers.timer} timer ticks`);
    assert.deepEqual(workers.errors, [], 'no console errors or uncaught exceptions');
    assert.equal(workers.error, null);
    assert.equal(workers.status, 'running');
    assert.ok(workers.updates >= 20, `only ${workers.updates} updates`);
    const seen = workers.framesSeen.filter((f) => f > 0);
    assert.ok(seen.length >= 3 && seen.at(-1)! > seen[0]!, `frames increase: ${workers.framesSeen.join(', ')}`);
    // Responsive: animation frames and timers kept firing during training (at least 5 per second each).
    assert.ok(workers.raf >= 5 * workers.wallSeconds, `${workers.raf} animation frames in ${workers.wallSeconds.toFixed(1)} s`);
    assert.ok(workers.timer >= 5 * workers.wallSeconds, `${workers.timer} timer ticks in ${workers.wallSeconds.toFixed(1)} s`);

    // The inline mode on the same page and backend, for comparison (measured, not asserted).
    const inline = await trainFor('workers=0', workers.wallSeconds, 0);
    console.log(`# inline actors: ${inline.updates} updates, ${inline.frames} frames in ${inline.wallSeconds.toFixed(1)} s, ${Math.round(inline.framesPerSecond)} frames/s; ${inline.raf} animation frames, ${inline.timer} timer ticks`);
    assert.deepEqual(inline.errors, []);
    const strip = (r: typeof workers): Record<string, unknown> => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'framesSeen' && k !== 'errors'));
    writeFileSync(join(outDir(), 'web-worker-actors.json'), `${JSON.stringify({ learnerBackend: workers.backend, workerActorBackend: 'cpu', workers: strip(workers), inline: strip(inline) }, null, 2)}\n`);
  });
});
