#!/usr/bin/env node
// Runs the backend-parity tests once per installed tfjs backend (IMPALA_TEST_BACKEND=<name>).
// Usage: node scripts/test-backends.mjs [path-substring ...]
//   Default files: every test file whose name contains `.parity.` (e.g. test/vtrace/vtrace.parity.test.ts);
//   name a test file that way to have it run on every backend, or pass path substrings instead.
// Env: IMPALA_TEST_BACKENDS=wasm,tensorflow limits the backends (default: every installed one).
// A backend is "installed" when its package loads in a fresh Node process (tensorflow: tfjs-node's
// native addon is built; cuda: tfjs-node-gpu loads and libtensorflow sees a GPU).
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const env = { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2' };

const probes = {
  cpu: "require('@tensorflow/tfjs-backend-cpu')",
  wasm: "require('@tensorflow/tfjs-backend-wasm')",
  tensorflow: "require('@tensorflow/tfjs-node')",
  cuda: "const tf = require('@tensorflow/tfjs-node-gpu'); if (!tf.backend().isUsingGpuDevice) process.exit(3)",
};

/** Whether a backend's package loads here (checked in a child process: tfjs-node has side effects). */
function installed(name) {
  const r = spawnSync(process.execPath, ['-e', probes[name]], { cwd: root, env, stdio: 'ignore', timeout: 120_000 });
  return r.status === 0;
}

const wanted = (process.env.IMPALA_TEST_BACKENDS ?? 'cpu,wasm,tensorflow,cuda')
  .split(',').map((s) => s.trim()).filter(Boolean);
for (const name of wanted) {
  if (!(name in probes)) {
    console.error(`test-backends: unknown backend '${name}' in IMPALA_TEST_BACKENDS (known: ${Object.keys(probes).join(', ')})`);
    process.exit(2);
  }
}
const patterns = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['.parity.'];

const results = [];
for (const name of wanted) {
  if (!installed(name)) {
    console.log(`\n== test-backends: ${name}: SKIP (package not installed or not loadable here)`);
    results.push([name, 'skipped']);
    continue;
  }
  console.log(`\n== test-backends: ${name}: ${patterns.join(' ')}`);
  const r = spawnSync(process.execPath, ['scripts/run-tests.mjs', ...patterns], {
    cwd: root, stdio: 'inherit', env: { ...env, IMPALA_TEST_BACKEND: name },
  });
  results.push([name, r.status === 0 ? 'passed' : 'FAILED']);
}
console.log(`\n== test-backends summary: ${results.map(([n, s]) => `${n} ${s}`).join(', ')}`);
process.exit(results.some(([, s]) => s === 'FAILED') ? 1 : 0);
