// Writes example learning-curve plots (synthetic data) so a person can look at them: a CartPole-like run of three
// seeds with raw episode returns and the 475 target, an Acrobot-like run (negative returns, millions of frames), and
// the edge cases (single point, constant series, NaN gaps, no data). Each is written as .svg, one also as .html, and
// as .png when `rsvg-convert` (Debian package librsvg2-bin) is on the PATH.
// Usage: npm run render:plots [-- --out DIR]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Rng, writeLearningCurve } from '../src/index.js';
import type { CurvePoint, LearningCurveOptions, LearningCurveSeries } from '../src/index.js';

const { values } = parseArgs({ options: { out: { type: 'string', default: '.tmp/plots' } } });
const out = values.out;

/** Episodes of a learner whose return follows a logistic curve in frames, plus noise; mean over the last 100. */
function syntheticRun(name: string, seed: number, opts: { frames: number; lo: number; hi: number; mid: number; width: number }): LearningCurveSeries {
  const rng = new Rng(seed);
  const raw: CurvePoint[] = [];
  const points: CurvePoint[] = [];
  const window: number[] = [];
  let frames = 0;
  while (frames < opts.frames) {
    const p = 1 / (1 + Math.exp(-(frames - opts.mid) / opts.width));
    const mean = opts.lo + (opts.hi - opts.lo) * p;
    const noise = (rng.random() - 0.5) * 0.4 * Math.abs(opts.hi - opts.lo) * (1 - p);
    const ret = Math.round(Math.min(Math.max(opts.lo, opts.hi), Math.max(Math.min(opts.lo, opts.hi), mean + noise)));
    frames += Math.max(8, Math.abs(ret));
    raw.push({ x: frames, y: ret });
    window.push(ret);
    if (window.length > 100) window.shift();
    points.push({ x: frames, y: window.reduce((a, b) => a + b, 0) / window.length });
  }
  return { name, points, raw };
}

const plots: [string, LearningCurveSeries[], LearningCurveOptions][] = [
  [
    'cartpole',
    [0, 1, 2].map((s) => syntheticRun(`seed ${s}`, s, { frames: 300_000, lo: 20, hi: 500, mid: 120_000 + 30_000 * s, width: 25_000 })),
    { title: 'CartPole-v1 (synthetic data)', yLabel: 'mean return (last 100 episodes)', target: 475 },
  ],
  [
    'acrobot',
    [0, 1].map((s) => syntheticRun(`seed ${s}`, 10 + s, { frames: 2_000_000, lo: -500, hi: -80, mid: 600_000 + 200_000 * s, width: 150_000 })),
    { title: 'Acrobot-v1 (synthetic data)', target: { value: -100, label: 'goal −100' } },
  ],
  ['single-point', [{ name: 'only one', points: [{ x: 5000, y: 42 }] }], { title: 'A single point' }],
  ['constant', [{ name: 'flat', points: [0, 1, 2, 3].map((i) => ({ x: i * 1e5, y: 500 })) }], { title: 'A constant series', target: 475 }],
  [
    'nan-gaps',
    [{ name: 'gappy', points: [0, 1, 2, 3, 4, 5, 6].map((i) => ({ x: i * 1000, y: i === 2 || i === 4 ? NaN : i * i })) }],
    { title: 'NaN points skipped', xLabel: 'updates', yLabel: 'loss' },
  ],
  ['empty', [], { title: 'No data yet' }],
];

for (const [name, series, options] of plots) {
  const svg = join(out, `${name}.svg`);
  await writeLearningCurve(svg, series, options);
  if (name === 'cartpole') await writeLearningCurve(join(out, `${name}.html`), series, options);
  const png = spawnSync('rsvg-convert', ['-o', join(out, `${name}.png`), svg], { encoding: 'utf8' });
  console.log(`${svg}${png.status === 0 ? ` (+ ${name}.png)` : ''}`);
}
