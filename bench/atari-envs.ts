/**
 * The Atari half of `npm run bench:envs -- --atari`: random-policy agent steps per second of ALE/Pong-v5
 * through the Gymnasium bridge (one Python process stepping a batch of envs) and of the same loop in Python
 * alone (`python/impala_rl_gym_bridge.py --bench`, which makes its envs with the same code), side by side, for
 * 1 and 8 envs, preprocessed (the paper's 84×84×4) and raw (210×160×3, ALE v5's frame skip 4) frames.
 * Python and bridge runs alternate (`--rounds` pairs per row) so a change in machine load hits both alike.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { GymnasiumBatch, type AtariOptions } from '../src/index.js';
import { bridgeModulePath } from '../src/envs/builtin/gymnasium/python.js';
import { Rng } from '../src/envs/contract/rng.js';

/** One row of the table. */
export interface AtariBenchRow {
  readonly frames: 'preprocessed 84×84×4' | 'raw 210×160×3';
  readonly numEnvs: number;
  readonly pythonStepsPerSecond: number;
  readonly bridgeStepsPerSecond: number;
  /** CPU time per agent step (µs): Python alone, and Python + Node for the bridge (NaN where /proc is missing). */
  readonly pythonCpuMicros: number;
  readonly bridgeCpuMicros: number;
}

/** User + system CPU seconds of a process so far, from /proc (Linux); NaN elsewhere. */
function processCpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${String(pid)}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

interface Rate {
  readonly stepsPerSecond: number;
  readonly cpuSecondsPerStep: number;
}

function pythonRate(python: string, id: string, numEnvs: number, seconds: number, atari: AtariOptions | null): Rate {
  const args = [bridgeModulePath(), '--bench', id, '--num-envs', String(numEnvs), '--seconds', String(seconds)];
  if (atari !== null) args.push('--atari', JSON.stringify(atari));
  const r = spawnSync(python, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python --bench failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Rate;
}

async function bridgeRate(python: string, id: string, numEnvs: number, seconds: number, atari: AtariOptions | null): Promise<Rate> {
  const batch = await GymnasiumBatch.make(id, { python, numEnvs, atari });
  try {
    const { envs } = batch;
    const n = (batch.actionSpace as unknown as { n: number }).n;
    const rng = new Rng(0);
    await Promise.all(envs.map((e, i) => e.reset({ seed: i })));
    const actions = new Array<number>(numEnvs).fill(0);
    const run = async (until: number): Promise<number> => {
      let steps = 0;
      for (;;) {
        for (let i = 0; i < numEnvs; i++) actions[i] = rng.integer(n);
        const results = await Promise.all(envs.map((e, i) => e.step(actions[i])));
        const done = envs.filter((_, i) => results[i]!.terminated || results[i]!.truncated);
        if (done.length > 0) await Promise.all(done.map((e) => e.reset()));
        steps += numEnvs;
        if (performance.now() >= until) return steps;
      }
    };
    await run(performance.now() + 300); // warm-up
    const start = performance.now();
    const pyCpu = processCpuSeconds(batch.pid);
    const nodeCpu = process.cpuUsage();
    const steps = await run(start + seconds * 1000);
    const wall = (performance.now() - start) / 1000;
    const node = process.cpuUsage(nodeCpu);
    const cpu = processCpuSeconds(batch.pid) - pyCpu + (node.user + node.system) / 1e6;
    return { stepsPerSecond: steps / wall, cpuSecondsPerStep: cpu / steps };
  } finally {
    await batch.close();
  }
}

/**
 * Runs the table.
 *
 * @param python - a Python with gymnasium, ale-py and numpy.
 * @param seconds - seconds per measurement.
 * @param rounds - Python/bridge pairs per row (rates are averaged).
 * @returns the rows and the load average (1 min) before and after.
 */
export async function runAtariBench(python: string, seconds: number, rounds: number): Promise<{ rows: AtariBenchRow[]; loadBefore: number[]; loadAfter: number[] }> {
  const loadBefore = loadavg();
  const rows: AtariBenchRow[] = [];
  const id = 'ALE/Pong-v5';
  for (const [frames, atari] of [['preprocessed 84×84×4', {}], ['raw 210×160×3', null]] as const) {
    for (const numEnvs of [1, 8]) {
      const py: Rate[] = [];
      const br: Rate[] = [];
      for (let r = 0; r < rounds; r++) {
        py.push(pythonRate(python, id, numEnvs, seconds, atari));
        br.push(await bridgeRate(python, id, numEnvs, seconds, atari));
      }
      const mean = (xs: Rate[], f: (x: Rate) => number): number => xs.reduce((a, x) => a + f(x), 0) / xs.length;
      rows.push({
        frames,
        numEnvs,
        pythonStepsPerSecond: mean(py, (x) => x.stepsPerSecond),
        bridgeStepsPerSecond: mean(br, (x) => x.stepsPerSecond),
        pythonCpuMicros: mean(py, (x) => x.cpuSecondsPerStep) * 1e6,
        bridgeCpuMicros: mean(br, (x) => x.cpuSecondsPerStep) * 1e6,
      });
    }
  }
  return { rows, loadBefore, loadAfter: loadavg() };
}
