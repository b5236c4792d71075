// The demo page in headless Chromium (npm run test:browser): trains CartPole-v1 to a mean return of 475 over the
// last 100 episodes, saves and restores a checkpoint through IndexedDB, runs the deep agent on the pixel maze, and
// runs the V-trace conformance suite, each failing on any console error or uncaught exception. Screenshots and
// measurements go to .tmp/browser/.
//
// IMPALA_BROWSER_BACKENDS: comma-separated backends to train and check on (default `auto`: the first of webgpu,
// webgl, wasm, cpu that initialises). IMPALA_BROWSER_MAZE_BACKEND: the maze test's backend (default `auto`).
// IMPALA_BROWSER_LIMIT_MIN: minutes before the CartPole test gives up (default 20).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { demoState, type DemoState, openPage, outDir, sleep, useDemo } from './chromium.js';

const backends = (process.env.IMPALA_BROWSER_BACKENDS ?? 'auto').split(',').map((b) => b.trim()).filter(Boolean);
const mazeBackend = process.env.IMPALA_BROWSER_MAZE_BACKEND ?? 'auto';
const limitMs = Number(process.env.IMPALA_BROWSER_LIMIT_MIN ?? 20) * 60_000;

const demo = useDemo();

for (const backend of backends) {
  describe(`demo page on ${backend}`, () => {
    test('CartPole-v1 reaches a mean return of 475 over the last 100 episodes; checkpoint to IndexedDB and back', { timeout: limitMs + 120_000 }, async () => {
      const { page, errors } = await openPage(demo.browser, `${demo.url}?mode=cartpole&backend=${backend}&autostart=1`);
      const started = Date.now();
      let state: DemoState = await demoState(page);
      let lastLog = 0;
      while (Date.now() - started < limitMs) {
        state = await demoState(page);
        if (state.reachedTarget !== null || state.error !== null || errors.length > 0 || ['finished', 'failed', 'stopped'].includes(state.status)) break;
        if (Date.now() - lastLog > 30_000) {
          lastLog = Date.now();
          console.log(`# ${state.backend}: ${state.frames} frames, mean return ${state.meanReturn100.toFixed(1)} (best ${state.bestMeanReturn.toFixed(1)}), ${Math.round(state.framesPerSecond)} frames/s`);
        }
        await sleep(1000);
      }
      const dir = outDir();
      await page.screenshot({ path: join(dir, `cartpole-${state.backend}.png`) });
      assert.deepEqual(errors, [], 'no console errors or uncaught exceptions');
      assert.equal(state.error, null);
      assert.ok(state.reachedTarget !== null, `mean return of the last 100 episodes did not reach 475 (best ${state.bestMeanReturn.toFixed(1)} after ${state.frames} frames, ${((Date.now() - started) / 60_000).toFixed(1)} min, status ${state.status})`);
      const measured = { backend: state.backend, framesTo475: state.reachedTarget.frames, minutesTo475: state.reachedTarget.seconds / 60, framesPerSecond: state.framesPerSecond, wallMinutes: (Date.now() - started) / 60_000 };
      writeFileSync(join(dir, `cartpole-${state.backend}.json`), `${JSON.stringify(measured, null, 2)}\n`);
      console.log(`# ${state.backend}: 475 reached after ${measured.framesTo475} frames, ${measured.minutesTo475.toFixed(2)} min of training, ${Math.round(measured.framesPerSecond)} frames/s`);

      // Pause, save to IndexedDB, reset, restore: the counters come back.
      await page.click('#pause');
      await page.waitForFunction("window.impalaDemo.state().status === 'paused'");
      const paused = await demoState(page);
      await page.click('#save');
      await page.waitForFunction("document.getElementById('status')?.textContent?.startsWith('Saved')", undefined, { timeout: 30_000 });
      await page.click('#reset');
      await page.waitForFunction('window.impalaDemo.state().frames === 0');
      await page.click('#restore');
      await page.waitForFunction("document.getElementById('status')?.textContent?.startsWith('Restored')", undefined, { timeout: 30_000 });
      const restored = await demoState(page);
      assert.equal(restored.frames, paused.frames, 'frames restored from IndexedDB');
      assert.equal(restored.updates, paused.updates, 'updates restored from IndexedDB');
      assert.ok(Math.abs(restored.meanReturn100 - paused.meanReturn100) < 1e-9, 'recent returns restored');
      assert.deepEqual(errors, [], 'no console errors or uncaught exceptions');
      await page.close();
    });

    test('the V-trace conformance suite passes in the page (tensors on the backend, and arrays)', { timeout: 300_000 }, async () => {
      const { page, errors } = await openPage(demo.browser, `${demo.url}?backend=${backend}`);
      await page.click('#conformance');
      await page.waitForFunction('window.impalaDemo.conformance() !== null', undefined, { timeout: 240_000 });
      const r = await page.evaluate(() => {
        const c = (globalThis as unknown as { impalaDemo: { conformance(): { tensors: { ok: boolean; passed: number; summary: string }; arrays: { ok: boolean; passed: number; summary: string }; backend: string; leakedTensors: number } } }).impalaDemo.conformance();
        return { tensors: c.tensors.ok, tensorsPassed: c.tensors.passed, arrays: c.arrays.ok, arraysPassed: c.arrays.passed, backend: c.backend, leaked: c.leakedTensors, summary: `${c.tensors.summary}\n${c.arrays.summary}` };
      });
      console.log(`# conformance on ${r.backend}: tensors ${r.tensorsPassed}/35, arrays ${r.arraysPassed}/35`);
      assert.ok(r.tensors && r.tensorsPassed === 35, r.summary);
      assert.ok(r.arrays && r.arraysPassed === 35, r.summary);
      assert.equal(r.leaked, 0, 'no tensors leaked');
      assert.deepEqual(errors, []);
      await page.close();
    });
  });
}

describe(`demo page, maze mode on ${mazeBackend}`, () => {
  test('the maze mode trains the deep agent and draws its frames', { timeout: 600_000 }, async () => {
    const { page, errors } = await openPage(demo.browser, `${demo.url}?mode=maze&backend=${mazeBackend}&autostart=1`);
    const started = Date.now();
    let state = await demoState(page);
    while (Date.now() - started < 480_000 && state.updates < 5 && state.error === null && errors.length === 0) {
      await sleep(1000);
      state = await demoState(page);
    }
    await sleep(1500);
    state = await demoState(page);
    await page.screenshot({ path: join(outDir(), `maze-${state.backend}.png`) });
    assert.deepEqual(errors, []);
    assert.equal(state.error, null);
    assert.ok(state.updates >= 5, `only ${state.updates} updates in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    console.log(`# maze on ${state.backend}: ${state.updates} updates, ${state.frames} frames, ${Math.round(state.framesPerSecond)} frames/s`);
    await page.close();
  });
});
