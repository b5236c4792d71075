// The graph rewrites of compiled learner updates (src/compile/graph-rewrite.ts, issue #16), A/B in one
// process: one Learner per variant (compile: true, tensorflow backend), each variant turning some rewrites
// off through IMPALA_COMPILE_REWRITES_OFF, all stepping on the same synthetic batch, alternating step by
// step so that the machine's load hits all alike. Per variant: the median wall and CPU time of a step
// (the whole process, all threads: steadier than wall time on a loaded machine), of its session run, and
// the CPU time outside the session run (stacking, feeding, assigning).
//
//   npx tsx bench/compile-rewrites.bench.ts                                 # shallow, B 32, 9 steps
//   npx tsx bench/compile-rewrites.bench.ts --net deep --B 16 --reps 5
//   npx tsx bench/compile-rewrites.bench.ts --variants 'all/reluGrad/uint8Observation/'
//     (variants separated by '/', each an IMPALA_COMPILE_REWRITES_OFF value; '' = every rewrite on)
import * as tf from '@tensorflow/tfjs-core';
import { loadavg } from 'node:os';
import { Learner } from '../src/agent/learner.js';
import type { Trajectory } from '../src/agent/trajectory.js';
import { useBackend } from '../src/backends/index.js';
import { CompiledGraph } from '../src/compile/compiled-graph.js';
import { REWRITES_OFF_ENV } from '../src/compile/graph-rewrite.js';
import { ImpalaNetwork } from '../src/networks/index.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const net = (args.get('net') ?? 'shallow') as 'shallow' | 'deep';
const B = Number(args.get('B') ?? (net === 'deep' ? 16 : 32));
const reps = Number(args.get('reps') ?? 9);
const variants = (args.get('variants') ?? 'all/reluGrad/biasAdd/biasAddGrad/matMul/uint8Observation/').split('/');
const [T, S, C, A] = [20, 84, 4, 18];

await useBackend('tensorflow');
tf.env().set('IS_TEST', false);

let seed = 11;
const rand = (): number => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
const batch: Trajectory[] = Array.from({ length: B }, (_, b) => ({
  unrollLength: T,
  observationShape: [S, S, C],
  observations: Uint8Array.from({ length: (T + 1) * S * S * C }, () => Math.floor(rand() * 256)),
  rewards: Float32Array.from({ length: T + 1 }, () => rand() - 0.5),
  dones: new Uint8Array(T + 1),
  terminated: new Uint8Array(T + 1),
  truncated: new Uint8Array(T + 1),
  truncationValues: new Float32Array(T + 1),
  lastActions: Int32Array.from({ length: T + 1 }, () => Math.floor(rand() * A)),
  actions: Int32Array.from({ length: T + 1 }, () => Math.floor(rand() * A)),
  behaviourLogits: Float32Array.from({ length: (T + 1) * A }, () => rand() - 0.5),
  initialState: { c: new Float32Array(256), h: new Float32Array(256) },
  policyVersion: 0,
  episodes: [],
  actorId: b,
}));

// Session runs timed from the outside.
const inRun = { wall: 0, cpu: 0 };
const run = CompiledGraph.prototype.run; // eslint-disable-line @typescript-eslint/unbound-method
CompiledGraph.prototype.run = function (inputs) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = run.call(this, inputs);
  inRun.wall += performance.now() - t0;
  const c = process.cpuUsage(c0);
  inRun.cpu += (c.user + c.system) / 1000;
  return out;
};

const before = process.env[REWRITES_OFF_ENV];
const runs = variants.map((off) => {
  process.env[REWRITES_OFF_ENV] = off; // read when the learner's compiler is made
  const model = new ImpalaNetwork({ torso: net, observationShape: [S, S, C], numActions: A, seed: 1, checkInputValues: false });
  const learner = new Learner({ model, discount: 0.99, baselineCost: 0.5, entropyCost: 0.01, learningRate: 6e-4, maxGradNorm: 40, rmsprop: { epsilon: 0.01, decay: 0.99 }, compile: true });
  return { off, model, learner, wall: [] as number[], cpu: [] as number[], runWall: [] as number[], runCpu: [] as number[] };
});
process.env[REWRITES_OFF_ENV] = before ?? '';
for (const r of runs) for (let i = 0; i < 2; i++) r.learner.step(batch); // records, loads, warms up
for (let i = 0; i < reps; i++) {
  for (const r of runs) {
    inRun.wall = 0;
    inRun.cpu = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    r.learner.step(batch);
    r.wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    r.cpu.push((c.user + c.system) / 1000);
    r.runWall.push(inRun.wall);
    r.runCpu.push(inRun.cpu);
  }
}
const median = (x: readonly number[]): number => [...x].sort((a, b) => a - b)[x.length >> 1]!;
console.log(`${net}, T = ${T}, B = ${B}, ${reps} steps per variant after 2 (recording, warm-up), alternating; load ${loadavg().map((x) => x.toFixed(2)).join(', ')}`);
console.log('| rewrites off | graph nodes | step wall | step CPU | session run wall | session run CPU | CPU outside the run | rewrites applied |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const r of runs) {
  const s = r.learner.compileStats;
  const applied = Object.entries(s.rewrites ?? {}).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
  const outside = median(r.cpu.map((x, i) => x - r.runCpu[i]!));
  console.log(`| ${r.off === '' ? '(none)' : r.off} | ${s.graphNodes} | ${median(r.wall).toFixed(0)} ms | ${median(r.cpu).toFixed(0)} ms | ${median(r.runWall).toFixed(0)} ms | ${median(r.runCpu).toFixed(0)} ms | ${outside.toFixed(1)} ms | ${applied} |`);
}
for (const r of runs) {
  r.learner.dispose();
  r.model.dispose();
}
