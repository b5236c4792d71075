#!/usr/bin/env node
// Proves the published package works: `npm pack`, install the tarball with the tfjs peers into an
// empty project, then (1) `import { vtrace } from 'impala-rl'` (ESM), (2) `require('impala-rl')` (CJS),
// (3) `impala-rl/testing` in both, and (4) type-check an ESM and a CJS consumer with tsc (node16
// resolution), so each condition finds its own declaration file; (5) the `impala-rl` bin: `npx impala-rl --help`,
// and a 200-frame CartPole run and its evaluation on the cpu backend; (6) every code block of the shipped
// README.md and docs/*.md marked `<!-- test:pack runs this block -->`, type-checked (strict,
// exactOptionalPropertyTypes) and run as written; (7) a new user's first call: train() with no backend chosen.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'impala-rl-pack-'));
try {
  // `npm publish --dry-run` must be clean: npm silently drops fields it "auto-corrects" (a bin path written
  // as ./dist/cli.js was removed from the published package.json).
  const dryRun = spawnSync('npm', ['publish', '--dry-run'], { cwd: root, encoding: 'utf8' });
  if (dryRun.status !== 0) throw new Error(`npm publish --dry-run failed:\n${dryRun.stderr}`);
  if (/auto-corrected|was invalid and removed/.test(dryRun.stderr)) throw new Error(`npm publish --dry-run corrected package.json (run npm pkg fix):\n${dryRun.stderr}`);
  console.log('check-pack: npm publish --dry-run is clean');
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', dir], root).trim().split('\n').pop();
  console.log(`check-pack: packed ${tarball}`);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '0.0.0' }));
  const dev = pkg.devDependencies;
  const peers = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm'].map((p) => `${p}@${dev[p]}`);
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

  // (6) The documentation's runnable blocks, from the copies shipped in the package, and (7) the first call.
  const installed = join(dir, 'node_modules', 'impala-rl');
  const marker = '<!-- test:pack runs this block -->';
  const docFiles = ['README.md', ...readdirSync(join(installed, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const programs = [];
  for (const file of docFiles) {
    const text = readFileSync(join(installed, file), 'utf8');
    let at = text.indexOf(marker);
    while (at !== -1) {
      const block = /^\s*```ts\n([\s\S]*?)\n```/.exec(text.slice(at + marker.length));
      if (!block) throw new Error(`${file}: '${marker}' is not followed by a \`\`\`ts block`);
      const name = `doc-${file.replace(/[^\w]+/g, '-')}-${programs.length}.mts`;
      writeFileSync(join(dir, name), `${block[1]}\nexport {};\n`);
      programs.push({ name, file });
      at = text.indexOf(marker, at + marker.length);
    }
  }
  if (programs.length < 4) throw new Error(`expected at least 4 runnable documentation blocks, found ${programs.length}`);
  // The line, as a new user writes it: no useBackend, no tfjs-layers import.
  writeFileSync(join(dir, 'first-use.mts'), `import { presetFor, train } from 'impala-rl';
const result = await train({ ...presetFor('CartPole-v1'), env: 'CartPole-v1', totalFrames: 200 });
console.log('trained', result.frames);
result.network.dispose();
`);
  writeFileSync(
    join(dir, 'tsconfig.docs.json'),
    JSON.stringify({
      compilerOptions: { strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, module: 'node16', moduleResolution: 'node16', target: 'es2022', outDir: 'out', types: ['node'], skipLibCheck: true },
      files: [...programs.map((p) => p.name), 'first-use.mts'],
    }),
  );
  run(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.docs.json')], dir);
  console.log(`check-pack: ${programs.length} documentation blocks and the first-use program type-check (strict, exactOptionalPropertyTypes)`);
  const runOut = (name, env) => execFileSync(process.execPath, [join('out', name.replace(/\.mts$/, '.mjs'))], {
    cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ...env },
  });
  for (const { name, file } of programs) {
    try {
      runOut(name, { TOTAL_FRAMES: '400', CHECKPOINT_DIR: join(dir, 'checkpoint-' + name) });
    } catch (error) {
      throw new Error(`${file}: the block in ${name} failed:\n${error.stdout ?? ''}${error.stderr ?? error.message}`);
    }
    console.log(`check-pack: ran the block of ${file} (${name})`);
  }
  const first = runOut('first-use.mts', {});
  if (!/no tfjs backend was selected, so useBackend\('auto'\) chose 'wasm'/.test(first) || !/trained 2\d\d/.test(first)) {
    throw new Error(`train() with no backend chosen did not select wasm and train:\n${first}`);
  }
  if (/looks like you are running TensorFlow\.js in Node/.test(first)) throw new Error(`the tfjs banner was printed:\n${first}`);
  console.log('check-pack: train() with no backend chosen selects wasm, registers gradients, says so once, and trains');
  console.log('check-pack: OK');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
