/**
 * Actors inline vs in worker threads (`npm run bench:actor-modes`): trains with `train()` in both
 * `actorMode`s and reports environment frames per second, to pick `'auto'`'s rule (docs/agent.md,
 * "Actors in worker threads").
 *
 * Each (env, mode, numActors, repeat) runs in a fresh child process, one after the other, so runs do not
 * share a JIT or compete for the CPUs. Reported per run: frames/s as `train` measures it (from the first
 * update's wait on, worker start-up excluded), frames/s over the whole wall time (start-up included), the
 * mean policy lag, and the mean return of the last 100 episodes.
 *
 * Options (all optional):
 *   --env CartPole-v1|MazeDeep   the CartPole config of the issue, or the deep maze (see MAZE below)
 *   --frames 100000              frames per run
 *   --actors 2,4                 numActors values
 *   --modes inline,workers       actor modes
 *   --repeats 1                  runs per combination
 *   --backend cpu                tfjs backend of the learner thread and of the workers
 *   --out FILE                   also write the results as JSON
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

interface RunResult {
  readonly env: string;
  readonly mode: string;
  readonly numActors: number;
  readonly backend: string;
  readonly frames: number;
  readonly trainFps: number;
  readonly wallFps: number;
  readonly wallSeconds: number;
  readonly policyLag: number;
  /** null (NaN in JSON) before the first episode ends. */
  readonly meanReturn100: number | null;
  readonly episodes: number;
}

function option(name: string, fallback: string): string {
  const args = process.argv.slice(2);
  const eq = args.find((a) => a.startsWith(`--${name}=`));
  if (eq) return eq.slice(name.length + 3);
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

/** The configuration of issue 7's measurement for CartPole-v1. */
const CARTPOLE = {
  env: 'CartPole-v1',
  unrollLength: 5,
  batchSize: 8,
  envsPerActor: 8,
  optimizer: 'rmsprop',
  learningRate: 0.001,
  entropyCost: 0.01,
  rewardClipping: 'none',
  maxGradNorm: null,
} as const;

/** The deep ResNet + LSTM on the small pixel maze, at a budget small enough for 2 cores. */
const MAZE = {
  env: 'Maze-v0',
  torso: 'deep',
  lstmSize: 256,
  unrollLength: 20,
  batchSize: 4,
  envsPerActor: 4,
  optimizer: 'rmsprop',
  learningRate: 0.0006,
  entropyCost: 0.01,
  maxGradNorm: 40,
} as const;

async function runOne(envName: string, mode: 'inline' | 'workers', numActors: number, frames: number, backend: string): Promise<RunResult> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await import('@tensorflow/tfjs-layers'); // registers the gradients the learner needs
  const { useBackend, parseBackendName } = await import('../src/backends/index.js');
  const { train } = await import('../src/agent/train.js');
  tf.env().set('IS_TEST', true); // no console notices from tfjs
  await useBackend(parseBackendName(backend));
  const base = envName === 'MazeDeep' ? MAZE : CARTPOLE;
  let lagSum = 0;
  let lagCount = 0;
  const t0 = performance.now();
  const result = await train(
    { ...base, totalFrames: frames, numActors, actorMode: mode, seed: 1 },
    {
      onProgress: (p) => {
        lagSum += p.policyLag;
        lagCount++;
      },
    },
  );
  const wallSeconds = (performance.now() - t0) / 1000;
  result.network.dispose();
  return {
    env: base.env,
    mode,
    numActors,
    backend,
    frames: result.frames,
    trainFps: result.frames / result.elapsedSeconds,
    wallFps: result.frames / wallSeconds,
    wallSeconds,
    policyLag: lagSum / Math.max(1, lagCount),
    meanReturn100: result.meanReturn100,
    episodes: result.episodes,
  };
}

async function main(): Promise<void> {
  const single = option('single', '');
  const envName = option('env', 'CartPole-v1');
  const frames = Number(option('frames', envName === 'MazeDeep' ? '8000' : '100000'));
  const backend = option('backend', 'cpu');
  if (single) {
    const [mode, actors] = single.split(',');
    const r = await runOne(envName, mode as 'inline' | 'workers', Number(actors), frames, backend);
    console.log(`RESULT ${JSON.stringify(r)}`);
    return;
  }
  const modes = option('modes', 'inline,workers').split(',');
  const actors = option('actors', '2,4').split(',').map(Number);
  const repeats = Number(option('repeats', '1'));
  const out = option('out', '');
  console.log(`actor modes on ${envName}, ${frames} frames, backend ${backend}; ${availableParallelism()} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}`);
  const results: RunResult[] = [];
  const self = fileURLToPath(import.meta.url);
  for (let rep = 0; rep < repeats; rep++) {
    for (const n of actors) {
      for (const mode of modes) {
        const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--single', `${mode},${n}`, '--env', envName, '--frames', String(frames), '--backend', backend], {
          encoding: 'utf8',
          env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
          maxBuffer: 64 * 1024 * 1024,
        });
        const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
        if (child.status !== 0 || !line) {
          console.error(child.stdout, child.stderr);
          throw new Error(`run ${mode} x${n} failed with status ${child.status}`);
        }
        const r = JSON.parse(line.slice('RESULT '.length)) as RunResult;
        results.push(r);
        console.log(
          `${r.env} ${r.mode.padEnd(7)} actors=${r.numActors} frames=${r.frames} train ${r.trainFps.toFixed(0)} f/s, wall ${r.wallFps.toFixed(0)} f/s (${r.wallSeconds.toFixed(1)} s), lag ${r.policyLag.toFixed(2)}, return100 ${r.meanReturn100 === null ? 'n/a' : r.meanReturn100.toFixed(1)} (${r.episodes} episodes)`,
        );
      }
    }
  }
  if (out) writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
}

await main();
