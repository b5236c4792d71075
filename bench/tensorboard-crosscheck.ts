// Writes a TensorBoard log dir with TensorBoardWriter, then has TensorFlow and TensorBoard read it back
// (bench/check_tensorboard.py), and times the writer. Python is optional: without a Python that imports tensorflow and
// tensorboard (bench/.venv, see docs/metrics.md) only the timings are printed.
// Usage: npm run bench:tensorboard [-- --events N --tags K --out DIR --no-serve]
import { spawnSync } from 'node:child_process';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TensorBoardWriter } from '../src/index.js';
import { findPython } from './lib/python.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    tags: { type: 'string', default: '10' },
    out: { type: 'string', default: '.tmp/tensorboard-crosscheck' },
    'no-serve': { type: 'boolean', default: false },
  },
});
const numEvents = Number(values.events);
const numTags = Number(values.tags);
const benchDir = fileURLToPath(new URL('.', import.meta.url));
const logDir = join(values.out, 'run-0');
rmSync(values.out, { recursive: true, force: true });

interface Expected {
  step: number;
  wallTime: number;
  values: [string, number | string][];
}
const expected: Expected[] = [];
const json = (v: number): number | string => (Number.isFinite(v) ? v : String(v)); // 'NaN', 'Infinity', '-Infinity'

// 1. Known edge cases, checked value by value.
const tb = await TensorBoardWriter.create(logDir, { flushIntervalMs: 0 });
const cases: [Record<string, number>, number][] = [
  [{ 'episode/return': 21.5 }, 0],
  [{ 'loss/total': 0.1, 'loss/policy': -0.3, 'loss/baseline': 1e-7, 'optim/learning_rate': 6e-4 }, 1000],
  [{ 'perf/frames_per_s': 12345.678, 'episode/return': 475 }, 2 ** 53 - 1],
  [{ 'special/nan': NaN, 'special/inf': Infinity, 'special/-inf': -Infinity }, 7],
  [{ 'unicode/écart π ✓': 3 }, -5],
];
cases.forEach(([record, step], i) => {
  const wallTime = 1700000000 + i * 0.25;
  tb.addScalars(record, step, wallTime);
  expected.push({ step, wallTime, values: Object.entries(record).map(([t, v]) => [t, json(v)]) });
});

// 2. Volume, timed: numEvents events of numTags scalars each, as a learner would log per update.
const tags = Array.from({ length: numTags }, (_, k) => `bulk/metric_${k}`);
const t0 = performance.now();
for (let i = 0; i < numEvents; i++) {
  const record: Record<string, number> = {};
  for (let k = 0; k < numTags; k++) record[tags[k]!] = Math.sin(i * 0.001 + k) * (k + 1);
  tb.addScalars(record, 10_000 + i, 1700001000 + i * 0.5);
}
const t1 = performance.now();
await tb.close();
const t2 = performance.now();
for (let i = 0; i < numEvents; i++) {
  expected.push({
    step: 10_000 + i,
    wallTime: 1700001000 + i * 0.5,
    values: tags.map((t, k) => [t, Math.sin(i * 0.001 + k) * (k + 1)]),
  });
}
writeFileSync(join(values.out, 'expected.json'), JSON.stringify(expected));
const bytes = statSync(tb.path).size;
console.log(`TensorBoardWriter: ${numEvents} events × ${numTags} scalars`);
console.log(`  encode+buffer: ${(t1 - t0).toFixed(0)} ms (${((numEvents / (t1 - t0)) * 1000).toFixed(0)} events/s, ${((numEvents * numTags) / (t1 - t0) * 1000).toFixed(0)} scalars/s)`);
console.log(`  close (write + fdatasync): ${(t2 - t1).toFixed(0)} ms; file ${(bytes / 1024).toFixed(0)} KiB (${(bytes / (numEvents + cases.length + 1)).toFixed(0)} B/event)`);
console.log(`  file: ${tb.path}`);

// 3. TensorFlow / TensorBoard read it back.
const { python, reason } = findPython(['tensorflow', 'tensorboard'], benchDir);
if (python === null) {
  console.log(`Python cross-check skipped (${reason}); see docs/metrics.md to set up bench/.venv`);
} else {
  const args = [join(benchDir, 'check_tensorboard.py'), logDir, join(values.out, 'expected.json')];
  if (!values['no-serve']) args.push('--serve');
  const r = spawnSync(python, args, { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' }, timeout: 300_000 });
  process.stdout.write(r.stdout);
  if (r.status !== 0) {
    process.stderr.write(r.stderr.split('\n').slice(-30).join('\n'));
    process.exit(1);
  }
}
