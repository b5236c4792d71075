/**
 * Crash survival (`npm run bench:faults`): one CLI training run (`impala-rl train`, CartPole, cpu backend,
 * a checkpoint every 0.2 s) is killed with SIGKILL N times at random moments, and continued each time with
 * `--resume`. Reported: kills survived (the next session resumed from a checkpoint no older than the previous
 * session's), frames lost per kill (frames in metrics.csv at the kill minus the frames the next session resumed
 * from: the work redone), and the runs that restarted from zero (must be none).
 *
 * Options (all optional):
 *   --kills 50          N
 *   --min-ms 300        shortest time between a session's start line and its kill
 *   --max-ms 3000       longest
 *   --keep              keep the run directory (printed)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const kills = option('kills', 50);
const minMs = option('min-ms', 300);
const maxMs = option('max-ms', 3000);
const keep = process.argv.includes('--keep');

/** The `frames` of the last complete row of metrics.csv (0 when there is none). */
function lastMetricFrames(runDir: string): number {
  const path = join(runDir, 'metrics.csv');
  if (!existsSync(path)) return 0;
  const lines = readFileSync(path, 'utf8').split('\n').slice(1, -1); // the last part is empty or partial
  const frames = lines.map((l) => Number(l.split(',')[0])).filter(Number.isFinite);
  return frames.at(-1) ?? 0;
}

interface Session {
  readonly resumedFrom: number | null;
  readonly exit: number | null;
  readonly stderr: string;
}

/** Starts a session, kills it `delayMs` after its start line (or lets it end), and reports what it said. */
function session(runDir: string, resume: boolean, delayMs: number | null): Promise<Session> {
  const args = ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'train', '--env', 'CartPole-v1', '--total-frames', '100000000', '--run-dir', runDir, '--backend', 'cpu', '--checkpoint-interval', '0.2', '--log-interval', '1000'];
  if (resume) args.push('--resume');
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
  let stderr = '';
  let timer: NodeJS.Timeout | undefined;
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
    if (timer === undefined && delayMs !== null && stderr.includes('impala-rl train: CartPole-v1, ')) {
      timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    }
  });
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      const m = /\(resuming from .*, (\d+) frames\)/.exec(stderr);
      resolve({ resumedFrom: m ? Number(m[1]) : null, exit: code, stderr });
    });
  });
}

const runDir = mkdtempSync(join(tmpdir(), 'impala-bench-faults-'));
const lost: number[] = [];
let survived = 0;
let fromZero = 0;
let previous = 0;
const started = Date.now();
let first = true;
let lastKilledAt = 0;
for (let k = 1; k <= kills; k++) {
  const delay = minMs + Math.random() * (maxMs - minMs);
  const s = await session(runDir, !first, delay);
  if (!first && s.resumedFrom === null) {
    console.error(`kill ${k - 1}: the next session did not resume (exit ${s.exit}):\n${s.stderr}`);
    fromZero++;
  }
  if (!first && s.resumedFrom !== null) {
    if (s.resumedFrom === 0 || s.resumedFrom < previous) fromZero++;
    else survived++;
    lost.push(lastKilledAt - s.resumedFrom);
    previous = s.resumedFrom;
  }
  first = false;
  lastKilledAt = lastMetricFrames(runDir);
  process.stderr.write(`kill ${k}/${kills}: at ${lastKilledAt} frames (session resumed from ${s.resumedFrom ?? 'nothing'})\n`);
}
// The last kill is followed by one more resume, which is let run briefly and killed too (not counted as a kill).
const last = await session(runDir, true, 500);
if (last.resumedFrom === null || last.resumedFrom === 0 || last.resumedFrom < previous) fromZero++;
else survived++;
if (last.resumedFrom !== null) {
  lost.push(lastKilledAt - last.resumedFrom);
  previous = last.resumedFrom;
}

const mean = lost.reduce((a, b) => a + b, 0) / Math.max(1, lost.length);
console.log(`bench:faults: ${kills} SIGKILLs of impala-rl train (CartPole-v1, cpu, checkpoint every 0.2 s, kill ${minMs}-${maxMs} ms after a session's start line), each followed by --resume`);
console.log(`  kills survived:             ${survived}/${kills}`);
console.log(`  frames lost per kill:       mean ${mean.toFixed(1)}, max ${Math.max(0, ...lost)} (metrics rows after the checkpoint, redone)`);
console.log(`  runs restarted from zero:   ${fromZero}`);
console.log(`  final checkpoint frames:    ${previous}; wall time ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (keep) console.log(`  run directory: ${runDir}`);
else rmSync(runDir, { recursive: true, force: true });
process.exitCode = fromZero === 0 ? 0 : 1;
