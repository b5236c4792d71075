// Runs the Python side's own tests (python/tests/, unittest) when a Python with numpy and gymnasium is found;
// skipped with a message otherwise (their Atari cases skip themselves without ale-py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findPython } from '../helpers/python.js';

const { python, skip } = findPython(['gymnasium', 'numpy']);
if (skip !== false) console.log(`# python bridge tests skipped: ${skip}`);

test('python/tests (unittest) pass', { skip, timeout: 300_000 }, () => {
  const dir = fileURLToPath(new URL('../../python/tests', import.meta.url));
  const r = spawnSync(python!, ['-m', 'unittest', '-v', 'test_impala_rl_gym_bridge'], { cwd: dir, encoding: 'utf8' });
  const lines = r.stderr.trim().split('\n');
  const ran = /^Ran (\d+) tests?/.exec(lines.find((l) => l.startsWith('Ran ')) ?? '');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(ran !== null && Number(ran[1]) >= 6, `ran: ${String(ran?.[0])}`);
});
