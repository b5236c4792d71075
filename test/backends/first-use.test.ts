// A new user's first call, in a fresh process with nothing but @tensorflow/tfjs-core loaded: train()
// selects a backend and registers the gradients itself (saying so once); the constructors, which cannot
// import anything, fail before any work with an error naming the line to add.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./fixtures/first-use.ts', import.meta.url));
const runFresh = (mode: string): Record<string, unknown> => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', script, mode], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
};

test('buildNetwork without a backend fails with the line to add', () => {
  const r = runFresh('learner');
  assert.equal(r.ok, false);
  assert.equal(r.name, 'BackendError');
  assert.match(String(r.message), /^ImpalaNetwork: no tfjs backend is registered/);
  assert.match(String(r.message), /await useBackend\('auto'\); \/\/ import \{ useBackend \} from 'impala-rl'/);
});

test('a Learner with a backend but no gradients fails with the line to add', () => {
  const r = runFresh('no-gradients');
  assert.equal(r.ok, false);
  assert.match(String(r.message), /^Learner: tfjs's gradients are not registered/);
  assert.match(String(r.message), /await useBackend\('auto'\)/);
});

test('train() with no backend selected picks one, registers gradients, and says so once', () => {
  const r = runFresh('train');
  assert.equal(r.ok, true);
  assert.ok(Number(r.frames) >= 80);
  const lines = r.lines as string[];
  assert.equal(lines.length, 1, JSON.stringify(lines));
  assert.match(lines[0]!, /train: no tfjs backend was selected, so useBackend\('auto'\) chose '(wasm|cpu|tensorflow)'/);
});
