#!/usr/bin/env node
// Proves the published package works: `npm pack`, install the tarball with the tfjs peers into an
// empty project, then (1) `import { vtrace } from 'impala-rl'` (ESM), (2) `require('impala-rl')` (CJS),
// (3) `impala-rl/testing` in both, and (4) type-check an ESM and a CJS consumer with tsc (node16
// resolution), so each condition finds its own declaration file; (5) the `impala-rl` bin: `npx impala-rl --help`,
// and a 200-frame CartPole run and its evaluation on the cpu backend.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'impala-rl-pack-'));
try {
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', dir], root).trim().split('\n').pop();
  console.log(`check-pack: packed ${tarball}`);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '0.0.0' }));
  const dev = pkg.devDependencies;
  const peers = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-cpu'].map((p) => `${p}@${dev[p]}`);
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, tarball), ...peers, `typescript@${dev.typescript}`, `@types/node@${dev['@types/node']}`], dir);
  // The Gymnasium bridge's Python side ships beside dist/ (the bridge finds it by walking up from dist/).
  if (!existsSync(join(dir, 'node_modules', 'impala-rl', 'python', 'impala_rl_gym_bridge.py'))) throw new Error('check-pack: python/impala_rl_gym_bridge.py is not in the package');

  const body = (mod, testing) => `
const tf = ${mod('@tensorflow/tfjs-core')};
${mod('@tensorflow/tfjs-backend-cpu', true)}
const { vtrace, version } = ${mod('impala-rl')};
const { checkVTraceConformance } = ${testing};
async function main() {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
  const r = vtrace.fromImportanceWeights({
    logRhos: tf.zeros([2, 1]), discounts: tf.fill([2, 1], 0.9), rewards: tf.ones([2, 1]),
    values: tf.zeros([2, 1]), bootstrapValue: tf.zeros([1]),
  });
  const vs = Array.from(r.vs.dataSync()).map((x) => x.toFixed(4)).join(',');
  if (vs !== '1.9000,1.0000') throw new Error('unexpected vs ' + vs);
  const report = await checkVTraceConformance(vtrace.arrays, { atol: 1e-9, rtol: 1e-9 });
  if (!report.ok || report.passed !== 35) throw new Error(report.summary);
  console.log('ok', version, vs, report.passed);
}
main().catch((e) => { console.error(e); process.exit(1); });
`;
  writeFileSync(join(dir, 'esm.mjs'), body((m, side) => (side ? `await import('${m}');` : `await import('${m}')`), `await import('impala-rl/testing')`));
  writeFileSync(join(dir, 'cjs.cjs'), body((m, side) => (side ? `require('${m}');` : `require('${m}')`), `require('impala-rl/testing')`));
  for (const file of ['esm.mjs', 'cjs.cjs']) {
    const out = run(process.execPath, [file], dir).trim();
    if (!out.startsWith('ok ')) throw new Error(`${file}: ${out}`);
    console.log(`check-pack: ${file} -> ${out}`);
  }

  // Types: an ESM and a CJS consumer, strict, node16 resolution. skipLibCheck because tfjs-core's own
  // .d.ts files do not compile alone (missing 'Long'); the @ts-expect-error line proves our types load.
  const consumer = (kind) => `import * as tf from '@tensorflow/tfjs-core';
import { vtrace, type vtrace as V } from 'impala-rl';
import { checkVTraceConformance, type VTraceConformanceReport } from 'impala-rl/testing';
const r: V.VTraceReturns = vtrace.fromImportanceWeights({ logRhos: tf.zeros([1, 1]), discounts: tf.zeros([1, 1]), rewards: tf.zeros([1, 1]), values: tf.zeros([1, 1]), bootstrapValue: tf.zeros([1]) });
const a: Float32Array | Float64Array = vtrace.arrays.fromImportanceWeights({ T: 1, B: 1, logRhos: [0], discounts: [0], rewards: [0], values: [0], bootstrapValue: [0] }).vs;
// @ts-expect-error: 'lambda' must be a number
vtrace.arrays.fromImportanceWeights({ T: 1, B: 1, logRhos: [0], discounts: [0], rewards: [0], values: [0], bootstrapValue: [0], lambda: 'x' });
export const check: Promise<VTraceConformanceReport> = checkVTraceConformance(vtrace.arrays);
export const used = [r, a, '${kind}'];
`;
  writeFileSync(join(dir, 'types-esm.mts'), consumer('esm'));
  writeFileSync(join(dir, 'types-cjs.cts'), consumer('cjs'));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, module: 'node16', moduleResolution: 'node16', target: 'es2022', noEmit: true, types: ['node'], skipLibCheck: true }, files: ['types-esm.mts', 'types-cjs.cts'] }),
  );
  run(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', dir], dir);
  console.log('check-pack: types resolve for ESM (.d.ts) and CJS (.d.cts) consumers');

  const help = run('npx', ['--no-install', 'impala-rl', '--help'], dir);
  if (!/train/.test(help) || !/eval/.test(help)) throw new Error(`impala-rl --help lists no train/eval command:\n${help}`);
  const runDir = join(dir, 'run');
  const trained = run('npx', ['--no-install', 'impala-rl', 'train', '--env', 'CartPole-v1', '--total-frames', '200', '--backend', 'cpu', '--quiet', '--run-dir', runDir], dir);
  if (!/finished CartPole-v1: 200\/200 frames/.test(trained)) throw new Error(`impala-rl train: ${trained}`);
  const evaluated = run('npx', ['--no-install', 'impala-rl', 'eval', '--checkpoint', runDir, '--episodes', '3', '--backend', 'cpu'], dir);
  if (!/return: mean .* over 3 episodes/.test(evaluated)) throw new Error(`impala-rl eval: ${evaluated}`);
  console.log('check-pack: npx impala-rl --help, train (200 frames) and eval run from the tarball');
  console.log('check-pack: OK');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
