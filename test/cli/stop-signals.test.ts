/**
 * `installStopSignals`: the first SIGINT calls `onStop` once (an echo right after it is ignored); after the
 * echo window the default action is back, so a second Ctrl-C ends the process at once even while its event
 * loop is blocked. Checked on a real child process.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installStopSignals } from '../../src/cli/stop-signals.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('installStopSignals', () => {
  test('the returned function removes the handlers', () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const uninstall = installStopSignals({ onStop: () => undefined });
    assert.deepEqual([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')], [before[0]! + 1, before[1]! + 1]);
    uninstall();
    assert.deepEqual([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')], before);
  });

  test('first SIGINT stops once; a second one after the echo window kills a blocked process at once', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/cli/fixtures/stop-signals-child.ts')], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => { resolve({ code, signal }); }));
    const waitFor = async (text: string): Promise<void> => {
      const start = Date.now();
      while (!out.includes(text)) {
        if (Date.now() - start > 30_000) throw new Error(`'${text}' not printed; output: ${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await waitFor('ready');
      child.kill('SIGINT');
      child.kill('SIGINT'); // the echo of the same key press (npm forwards the terminal's SIGINT)
      await waitFor('busy'); // 700 ms after the first signal: handlers gone, event loop blocked for 20 s
      const sentAt = Date.now();
      child.kill('SIGINT');
      const { code, signal } = await exited;
      const ms = Date.now() - sentAt;
      assert.equal(signal, 'SIGINT', `exit code ${code}`);
      assert.ok(ms < 5000, `ended ${ms} ms after the second signal`);
      assert.equal(out.match(/stop SIGINT/g)?.length, 1, out);
      assert.ok(!out.includes('done'), 'the blocked loop never finished');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
