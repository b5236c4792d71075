// Environment throughput: maze rendering (the issue's bar: >= 5,000 frames/s at 72×96 on one core), maze and
// classic-control steps, and a vectorised CartPole. Single-threaded; numbers depend on the machine's load.
// Usage: npm run bench:envs [-- --seconds S]
//        npm run bench:envs -- --atari [--seconds S] [--rounds R]   (ALE through the Gymnasium bridge vs Python alone)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runAtariBench } from './atari-envs.js';
import { findPython } from './lib/python.js';
import { GymnasiumEnv, MazeEnv, Rng, VectorEnv, makeEnv } from '../src/index.js';
import type { Env } from '../src/index.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, atari: { type: 'boolean', default: false }, rounds: { type: 'string', default: '2' } } });
const seconds = Number(values.seconds ?? (values.atari ? '5' : '1'));

if (values.atari) {
  const { python, reason } = findPython(['gymnasium', 'ale_py', 'numpy'], fileURLToPath(new URL('.', import.meta.url)));
  if (python === null) {
    console.log(`bench:envs --atari: no Python with gymnasium, ale-py and numpy (${reason}); install them with: python3 -m pip install gymnasium ale-py numpy, and set IMPALA_BENCH_PYTHON`);
    process.exit(1);
  }
  const { rows, loadBefore, loadAfter } = await runAtariBench(python, seconds, Number(values.rounds));
  console.log(`bench:envs --atari: ALE/Pong-v5, random policy, agent steps/s (${seconds}s per run, ${values.rounds} alternating runs each; node ${process.version}, ${python})`);
  console.log(`load average (1 min) before ${loadBefore[0]!.toFixed(2)}, after ${loadAfter[0]!.toFixed(2)}`);
  console.log('steps/s: wall-clock rate (the target: bridge ≥ 90% of Python alone); CPU µs/step: Python alone vs Python + Node (less sensitive to load)');
  console.log(`${'frames'.padEnd(22)} ${'envs'.padStart(4)} ${'Python alone'.padStart(13)} ${'bridge'.padStart(9)} ${'bridge/Python'.padStart(14)} ${'CPU µs/step Python'.padStart(19)} ${'bridge'.padStart(7)}`);
  for (const r of rows) {
    const ratio = r.bridgeStepsPerSecond / r.pythonStepsPerSecond;
    const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
    console.log(
      `${r.frames.padEnd(22)} ${String(r.numEnvs).padStart(4)} ${fmt(r.pythonStepsPerSecond).padStart(13)} ${fmt(r.bridgeStepsPerSecond).padStart(9)} ` +
        `${`${(ratio * 100).toFixed(0)}%`.padStart(14)} ${fmt(r.pythonCpuMicros).padStart(19)} ${fmt(r.bridgeCpuMicros).padStart(7)}${ratio >= 0.9 ? '' : '  (below 90%)'}`,
    );
  }
  process.exit(0);
}

/** Runs `fn` in batches for about `seconds`, after a short warm-up; returns calls per second. */
function measure(fn: () => void): number {
  const warmEnd = performance.now() + 200;
  while (performance.now() < warmEnd) for (let i = 0; i < 100; i++) fn();
  let calls = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 200; i++) fn();
    calls += 200;
    now = performance.now();
  }
  return calls / ((now - start) / 1000);
}

const rows: [string, number, string][] = [];
const rng = new Rng(0);

for (const [label, options] of [
  ['maze render, global view 72×96 (Maze-v0)', { view: 'global' }],
  ['maze render, global view 72×96, large maze (MazeLarge-v0)', { view: 'global', rows: 8, cols: 11 }],
  ['maze render, local view 72×96 (MazeLocal-v0)', { view: 'local', rows: 6, cols: 8 }],
  ['maze render, global view 84×84', { view: 'global', height: 84, width: 84 }],
] as const) {
  const env = new MazeEnv(options);
  env.reset({ seed: 0 });
  rows.push([label, measure(() => env.render()), 'frames/s']);
}

for (const id of ['Maze-v0', 'MazeLocal-v0'] as const) {
  const env = makeEnv(id);
  env.reset({ seed: 0 });
  rows.push([
    `${id} step (move + render + auto reset)`,
    measure(() => {
      if (env.step(rng.integer(4)).truncated) env.reset();
    }),
    'steps/s',
  ]);
}

for (const id of ['CartPole-v1', 'Acrobot-v1', 'MountainCar-v0'] as const) {
  const env = makeEnv(id);
  const n = env.actionSpace.n;
  env.reset({ seed: 0 });
  rows.push([
    `${id} step`,
    measure(() => {
      const r = env.step(rng.integer(n));
      if (r.terminated || r.truncated) env.reset();
    }),
    'steps/s',
  ]);
}

{
  const envs = new VectorEnv(Array.from({ length: 16 }, (): Env<Float32Array, number> => makeEnv('CartPole-v1')));
  // Every copy is synchronous, so the vector env is too (no promise to await).
  void envs.reset({ seed: 0 });
  const actions = new Array<number>(16).fill(0);
  const perSecond = measure(() => {
    for (let i = 0; i < 16; i++) actions[i] = rng.integer(2);
    void envs.step(actions);
  });
  rows.push(['VectorEnv of 16 CartPole-v1 (env steps)', perSecond * 16, 'steps/s']);
}

// The Python bridge, when a Python with gymnasium is around (one round trip per step).
const venvPython = fileURLToPath(new URL('./.venv/bin/python', import.meta.url));
const python = [process.env.IMPALA_RL_PYTHON, existsSync(venvPython) ? venvPython : undefined, 'python3'].find(
  (p) => p !== undefined && spawnSync(p, ['-c', 'import gymnasium'], { stdio: 'ignore' }).status === 0,
);
if (python === undefined) {
  console.log('(GymnasiumEnv bridge not measured: no Python with gymnasium found)');
} else {
  const env = await GymnasiumEnv.make('CartPole-v1', { python });
  await env.reset({ seed: 0 });
  const n = 3000;
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const r = await env.step(i % 2);
    if (r.terminated || r.truncated) await env.reset();
  }
  rows.push(['GymnasiumEnv bridge, CartPole-v1 in Python (one env)', n / ((performance.now() - start) / 1000), 'steps/s']);
  await env.close();
}

console.log(`bench:envs (node ${process.version}, ${seconds}s per row, one thread)`);
for (const [label, rate, unit] of rows) {
  console.log(`${label.padEnd(62)} ${Math.round(rate).toLocaleString('en-US').padStart(12)} ${unit}`);
}
const renderRate = Math.min(...rows.filter((r) => r[0].startsWith('maze render') && r[0].includes('72×96')).map((r) => r[1]));
console.log(`slowest 72×96 maze render: ${Math.round(renderRate)} frames/s (target >= 5,000): ${renderRate >= 5000 ? 'OK' : 'BELOW TARGET'}`);
