#!/usr/bin/env node
// Checks that WorkerActorPool (and startInferenceWorker) find and start their worker entries from the built package, in both module
// systems: `import('dist/index.js')` (ESM, worker dist/actor-worker.js) and `require('dist/index.cjs')`
// (CommonJS, worker dist/actor-worker.cjs, located through tsup's import.meta.url shim). Each runs a
// 2-worker pool on CartPole-v1 for a few unrolls, publishes new parameters, and closes the pool; the child
// process must then exit by itself. Run `npm run build` first.
// Usage: node scripts/check-worker-build.mjs [dist-dir]   (default: ./dist)
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = resolve(process.argv[2] ?? join(root, 'dist'));
for (const f of ['index.js', 'index.cjs', 'actor-worker.js', 'actor-worker.cjs', 'inference-worker.js', 'inference-worker.cjs']) {
  if (!existsSync(join(dist, f))) throw new Error(`check-worker-build: ${join(dist, f)} is missing (run npm run build)`);
}

const body = (load) => `
const tf = ${load('@tensorflow/tfjs-core')};
${load('@tensorflow/tfjs-backend-cpu')};
const { WorkerActorPool, ImpalaNetwork, startInferenceWorker, CentralInference, resolveActorConfig } = ${load(join(dist, 'index'))};
async function main() {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
  const config = { env: 'CartPole-v1', envsPerActor: 2, unrollLength: 4 };
  const net = (seed) => new ImpalaNetwork({ torso: 'mlp', observationShape: [4], numActions: 2, lstmSize: 0, seed });
  const n0 = net(1);
  const pool = await WorkerActorPool.start({ numWorkers: 2, config, parameters: { version: 0, weights: n0.getFlatWeights() } });
  const versions = [];
  for (let i = 0; i < 4; i++) versions.push((await pool.take())[0].policyVersion);
  const n1 = net(2);
  pool.publish({ version: 1, weights: n1.getFlatWeights() });
  let seen = 0;
  for (let i = 0; i < 12 && seen < 2; i++) {
    const unroll = await pool.take();
    if (unroll.length !== 2 || unroll[0].observations.length !== 5 * 4) throw new Error('bad trajectory shapes');
    if (unroll[0].policyVersion === 1) seen++;
  }
  if (seen < 2) throw new Error('the workers did not pick up version 1');
  const states = await pool.getActorStates();
  await pool.close();
  // Central inference in a worker thread (dist/inference-worker.*): one batched step of 2 rows.
  const runner = await startInferenceWorker({ config: resolveActorConfig({ env: 'CartPole-v1', lstmSize: 0 }), envId: 'CartPole-v1', backend: 'cpu', parameters: { version: 0, weights: n0.getFlatWeights() } });
  const central = new CentralInference({ model: n0, runner });
  const out = await central.step({ observation: tf.zeros([2, 4]), lastAction: tf.zeros([2], 'int32'), lastReward: tf.zeros([2]), done: tf.ones([2], 'bool') }, null);
  if (out.policyLogits.shape.join('x') !== '2x2') throw new Error('bad inference-worker output shape ' + out.policyLogits.shape);
  await central.close();
  n0.dispose();
  n1.dispose();
  console.log('ok', pool.backend, versions.join(','), states.map((s) => s.unrolls).join(','), 'inference-worker ok');
}
main().catch((e) => { console.error(e); process.exitCode = 1; });
`;

const cases = [
  ['esm', ['--input-type=module', '-e', body((m) => (m.startsWith('/') ? `await import(${JSON.stringify(`${m}.js`)})` : `await import('${m}')`))]],
  ['cjs', ['-e', body((m) => (m.startsWith('/') ? `require(${JSON.stringify(`${m}.cjs`)})` : `require('${m}')`))]],
];
for (const [name, args] of cases) {
  // The child must exit by itself after close(): a timeout here means a worker or handle was left alive.
  const out = execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  if (!out.startsWith('ok ')) throw new Error(`check-worker-build (${name}): ${out}`);
  console.log(`check-worker-build: ${name} -> ${out}`);
}
