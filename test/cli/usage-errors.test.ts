// Usage errors exit 2 before anything is set up or written; `--help | head` exits quietly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/program.js';
import { commandPrefix } from '../../src/cli/train-command.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function sink(): { text: string; write: (s: string) => boolean } {
  const s = { text: '', write: (chunk: string) => { s.text += chunk; return true; } };
  return s;
}

test('an unknown env id exits 2 with a suggestion, before printing settings or writing the run directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'impala-usage-'));
  try {
    const out = sink();
    const err = sink();
    const runDir = join(dir, 'run');
    const code = await runCli(['train', '--env', 'CartPol-v1', '--run-dir', runDir], { stdout: out, stderr: err }, { handleSignals: false });
    assert.equal(code, 2);
    assert.match(err.text, /unknown env id 'CartPol-v1' \(did you mean 'CartPole-v1'\?\)/);
    assert.doesNotMatch(err.text, /backend/);
    assert.equal(existsSync(runDir), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('eval of a directory without a checkpoint exits 2 before any setup', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'impala-usage-'));
  try {
    const err = sink();
    assert.equal(await runCli(['eval', '--checkpoint', join(dir, 'missing')], { stdout: sink(), stderr: err }), 2);
    assert.match(err.text, /--checkpoint: .* is not a directory/);
    const err2 = sink();
    assert.equal(await runCli(['eval', '--checkpoint', dir], { stdout: sink(), stderr: err2 }), 2);
    assert.match(err2.text, /holds no checkpoint/);
    assert.doesNotMatch(err2.text, /backend/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hints are commands that work where the user is: npm run in a clone, npx elsewhere', () => {
  assert.equal(commandPrefix('eval', root), 'npm run eval --');
  assert.equal(commandPrefix('train', tmpdir()), 'npx impala-rl train');
});

test('`impala-rl train --help | head -1` exits 0 without an EPIPE error', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'train', '--help'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  // Like `head -1`: read the first chunk, then close the pipe.
  child.stdout.once('data', () => { child.stdout.destroy(); });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => { resolve(c); }));
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE/);
});

test('train prints one short backend line and names only the flags given', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'impala-usage-'));
  try {
    const out = sink();
    const err = sink();
    const code = await runCli(['train', '--env', 'CartPole-v1', '--total-frames', '80', '--backend', 'cpu', '--run-dir', join(dir, 'run')], { stdout: out, stderr: err }, { handleSignals: false });
    assert.equal(code, 0, err.text);
    const backendLines = err.text.split('\n').filter((l) => l.startsWith("impala-rl: backend '"));
    assert.equal(backendLines.length, 1);
    assert.match(backendLines[0]!, /^impala-rl: backend 'cpu' \(@tensorflow\/tfjs-backend-cpu [\d.]+, 1 thread; --verbose for details\)$/);
    assert.match(err.text, /\(preset CartPole-v1 \+ flag totalFrames\)/);
    const verbose = sink();
    assert.equal(await runCli(['train', '--env', 'CartPole-v1', '--total-frames', '40', '--backend', 'cpu', '--verbose', '--run-dir', join(dir, 'run2')], { stdout: sink(), stderr: verbose }, { handleSignals: false }), 0);
    // The full description (kernels registered by this call: none, the first run registered them).
    assert.match(verbose.text, /^impala-rl: backend 'cpu' \(@tensorflow\/tfjs-backend-cpu [\d.]+, 1 thread\)$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
