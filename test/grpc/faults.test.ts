/**
 * The distributed run's faults with real processes and real signals (`impala-rl learner` and `impala-rl actor`
 * as subprocesses, loopback only): an actor SIGKILLed and replaced, the learner SIGKILLed and restarted with
 * `--resume` while its actors wait and retry, an actor stalled with SIGSTOP, and the two final endings of an
 * actor (refused: exit 3 at once; no learner: exit 4 after --retry-for). Every wait is bounded and every process
 * is killed at the end, whatever happened.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, waitFor as waitForOutput, type Run } from '../helpers/cli-process.js';

/** A CLI process and its stderr lines with the time (performance.now()) each one arrived. */
interface Proc extends Run {
  readonly lines: { t: number; text: string }[];
  readonly started: number;
}

const running: Proc[] = [];

function start(args: readonly string[]): Proc {
  const started = performance.now();
  const run = cli(args);
  const lines: { t: number; text: string }[] = [];
  let partial = '';
  run.child.stderr?.on('data', (s: string) => {
    const now = performance.now();
    const parts = (partial + s).split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts) lines.push({ t: now, text });
  });
  const proc = Object.assign(run, { lines, started });
  running.push(proc);
  return proc;
}

/** SIGKILLs every process still running (after SIGCONT, for one left stopped). */
function killAll(): void {
  for (const p of running.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGCONT');
      p.child.kill('SIGKILL');
    }
  }
}

const waitFor = (what: string, predicate: () => boolean, run: Run, timeoutMs = 60_000): Promise<void> => waitForOutput(what, predicate, run, timeoutMs, 25);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves with the exit of `run`, or rejects after `ms`. */
async function exitOf(run: Run, ms: number, what: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      run.done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => { reject(new Error(`${what}: still running after ${ms} ms:\n${run.stderr}`)); }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The frames of the newest progress line (0 before the first). */
function frames(run: Run): number {
  const all = [...run.stderr.matchAll(/^frames (\d+)\//gm)];
  return all.length === 0 ? 0 : Number(all[all.length - 1]![1]);
}

const count = (text: string, pattern: RegExp): number => [...text.matchAll(pattern)].length;

/** The port the learner bound (it listens on port 0). */
async function learnerPort(learner: Proc): Promise<number> {
  await waitFor('the learner listening', () => /learner: listening on 127\.0\.0\.1:\d+/.test(learner.stderr), learner);
  return Number(/learner: listening on 127\.0\.0\.1:(\d+)/.exec(learner.stderr)![1]);
}

/** metrics.csv as rows of named numbers. */
function metrics(runDir: string): Record<string, number>[] {
  const [head, ...rows] = readFileSync(join(runDir, 'metrics.csv'), 'utf8').trim().split('\n');
  const names = head!.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [names[i]!, Number(v)])));
}

/** The longest time between two consecutive progress lines of `run` (from `from` on), in ms. */
function longestProgressGap(run: Proc, from = 0): number {
  const times = run.lines.filter((l) => l.t >= from && /^frames \d+\//.test(l.text)).map((l) => l.t);
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return gap;
}

/** A port nothing listens on (bound to a free one, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  return port;
}

// T=5, B=8 (the CartPole-v1 preset): 40 frames per update.
const learnerArgs = (runDir: string, totalFrames: number, extra: readonly string[] = []): string[] =>
  ['learner', '--listen', '127.0.0.1:0', '--env', 'CartPole-v1', '--run-dir', runDir, '--total-frames', String(totalFrames), '--backend', 'cpu', '--log-interval', '0.25', ...extra];
const actorArgs = (port: number, extra: readonly string[] = []): string[] => ['actor', '--connect', `127.0.0.1:${port}`, '--env', 'CartPole-v1', '--actor-backend', 'cpu', ...extra];

/** The most time the tail of a test may take for a run to finish. */
const FINISH_MS = 90_000;

describe('impala-rl learner / actor: faults (subprocesses, loopback)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'impala-grpc-faults-'));
  });
  afterEach(killAll);
  after(() => {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  test('an actor SIGKILLed mid-unroll: the learner goes on with the other, a new actor takes its place (restart), the run finishes', async () => {
    const runDir = join(dir, 'actor-kill');
    const total = 10_000;
    const learner = start(learnerArgs(runDir, total));
    const port = await learnerPort(learner);
    const a = start(actorArgs(port));
    const b = start(actorArgs(port));
    await waitFor('two actors joined', () => learner.stderr.includes('2 connected'), learner);
    await waitFor('training', () => frames(learner) >= 400, learner);
    const killedAt = performance.now();
    const framesAtKill = frames(learner);
    b.child.kill('SIGKILL');
    assert.equal((await exitOf(b, 10_000, 'the killed actor')).signal, 'SIGKILL');
    await waitFor('the learner noticing the actor left', () => /learner: actor \d \(.*\) left after \d+ unrolls: connection lost; 1 connected/.test(learner.stderr), learner, 10_000);
    // It goes on with the other one: frames keep increasing, progress keeps coming.
    await waitFor('training with one actor', () => frames(learner) >= framesAtKill + 600 && performance.now() - killedAt > 1500, learner, 30_000);
    const c = start(actorArgs(port));
    await waitFor('the new actor joined', () => /learner: actor \d joined from .* \(restart\); 2 connected/.test(learner.stderr), learner, 30_000);
    const joinedFrames = frames(learner);
    assert.ok(joinedFrames < total, `the run ended (${joinedFrames} frames) before the new actor joined: raise total`);

    const done = await exitOf(learner, FINISH_MS, 'the learner');
    assert.equal(done.code, 0, learner.stderr);
    assert.match(learner.stdout, new RegExp(`finished CartPole-v1: ${total}/${total} frames, ${total / 40} updates`));
    assert.equal((await exitOf(a, 15_000, 'actor a')).code, 0, a.stderr);
    assert.equal((await exitOf(c, 15_000, 'actor c')).code, 0, c.stderr);
    assert.match(c.stderr, /impala-rl actor: joined the learner at .* as actor \d/);

    const gap = longestProgressGap(learner, killedAt);
    assert.ok(gap < 5_000, `progress lines ${gap.toFixed(0)} ms apart after the kill`);
    const rows = metrics(runDir);
    const elapsedGap = Math.max(...rows.slice(1).map((r, i) => r.elapsedSeconds! - rows[i]!.elapsedSeconds!));
    assert.ok(elapsedGap < 5, `metrics rows ${elapsedGap.toFixed(2)} s apart`);
    assert.ok(rows.at(-1)!.actorRestarts! >= 1, 'actorRestarts counts the new actor');
    assert.equal(rows.at(-1)!.frames, total);
    console.log(`# actor kill: gap ${gap.toFixed(0)} ms (progress), ${elapsedGap.toFixed(2)} s (metrics); kill at ${framesAtKill} frames, join at ${joinedFrames}`);
  });

  test('central inference: thin actor processes (--inference remote) beside a local one; a thin actor SIGKILLed mid-episode, a new one joins, the run finishes', async () => {
    const runDir = join(dir, 'thin-kill');
    const total = 8_000;
    const learner = start(learnerArgs(runDir, total, ['--minimum-batch-size', '2', '--timeout-ms', '5']));
    const port = await learnerPort(learner);
    const local = start(actorArgs(port));
    const thin = start(['actor', '--connect', `127.0.0.1:${port}`, '--env', 'CartPole-v1', '--inference', 'remote']);
    await waitFor('both actors joined', () => learner.stderr.includes('2 connected') && learner.stderr.includes('central inference)'), learner);
    await waitFor('training', () => frames(learner) >= 400, learner);
    const killedAt = performance.now();
    const framesAtKill = frames(learner);
    thin.child.kill('SIGKILL');
    await waitFor('the learner noticing the thin actor left', () => /left after \d+ unrolls: connection lost; 1 connected/.test(learner.stderr), learner, 10_000);
    await waitFor('training with the local actor', () => frames(learner) >= framesAtKill + 400 && performance.now() - killedAt > 1000, learner, 30_000);
    const thin2 = start(['actor', '--connect', `127.0.0.1:${port}`, '--env', 'CartPole-v1', '--inference', 'remote']);
    await waitFor('the new thin actor joined', () => /joined from .* central inference\) \(restart\); 2 connected/.test(learner.stderr), learner, 30_000);
    assert.ok(frames(learner) < total, 'the run ended before the new thin actor joined: raise total');
    const done = await exitOf(learner, FINISH_MS, 'the learner');
    assert.equal(done.code, 0, learner.stderr);
    assert.match(learner.stdout, new RegExp(`finished CartPole-v1: ${total}/${total} frames`));
    assert.match(learner.stderr, /learner: central inference: \d+ batches/);
    assert.equal((await exitOf(local, 15_000, 'the local actor')).code, 0, local.stderr);
    assert.equal((await exitOf(thin2, 15_000, 'the new thin actor')).code, 0, thin2.stderr);
    assert.match(thin2.stdout, /impala-rl actor: finished/);
    assert.ok(longestProgressGap(learner, killedAt) < 5_000);
  });

  test('the learner SIGKILLed and restarted with --resume: the actors retry with backoff, reconnect, and the run finishes at exactly --total-frames', async () => {
    const runDir = join(dir, 'learner-kill');
    // Long enough after the restart (~10 s at ~1,300 frames/s) for both actors to rejoin: their retries back off
    // to 2–4 s apart by then, and with 6,000 frames one actor could miss the whole resumed run on a quiet machine.
    const total = 16_000;
    const first = start(learnerArgs(runDir, total, ['--checkpoint-interval', '1']));
    const port = await learnerPort(first);
    const actors = [start(actorArgs(port)), start(actorArgs(port))];
    const latest = join(runDir, 'checkpoints', 'latest');
    const checkpointed = (): number => {
      try {
        return (JSON.parse(readFileSync(join(runDir, 'checkpoints', readFileSync(latest, 'utf8').trim(), 'state.json'), 'utf8')) as { learner: { frames: number } }).learner.frames;
      } catch {
        return 0; // none yet
      }
    };
    // A checkpoint after some training (the first one comes with the first update), and more training since.
    await waitFor('a checkpoint of a few hundred frames', () => checkpointed() >= 400, first, 60_000);
    await sleep(300);
    first.child.kill('SIGKILL');
    await exitOf(first, 10_000, 'the first learner');
    assert.ok(frames(first) < total, 'killed before the end');
    const checkpoint = join(runDir, 'checkpoints', readFileSync(latest, 'utf8').trim());
    const state = JSON.parse(readFileSync(join(checkpoint, 'state.json'), 'utf8')) as { learner: { frames: number; updates: number } };
    assert.ok(state.learner.frames > 0);

    // Both actors keep running and retry, with growing delays.
    for (const actor of actors) {
      await waitFor('two retries', () => count(actor.stderr, /unavailable \(.*\); retry \d+ in [\d.]+ s/g) >= 2, actor, 15_000);
    }
    for (const actor of actors) {
      const delays = [...actor.stderr.matchAll(/; retry \d+ in ([\d.]+) s/g)].map((m) => Number(m[1]));
      assert.ok(delays[1]! > delays[0]!, `backoff grows: ${delays.join(', ')}`);
    }

    const second = start(['learner', '--listen', `127.0.0.1:${port}`, '--run-dir', runDir, '--resume', '--total-frames', String(total), '--backend', 'cpu']);
    const done = await exitOf(second, FINISH_MS, 'the restarted learner');
    assert.equal(done.code, 0, second.stderr);
    assert.match(second.stderr, new RegExp(`resuming from ${checkpoint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, ${state.learner.frames} frames`));
    assert.equal(count(second.stderr, /learner: actor \d joined from /g), 2, second.stderr);
    assert.match(second.stdout, new RegExp(`finished CartPole-v1: ${total}/${total} frames, ${total / 40} updates`));
    for (const actor of actors) {
      assert.equal((await exitOf(actor, 15_000, 'an actor')).code, 0, actor.stderr);
      assert.match(actor.stderr, /joined the learner at .* as actor \d \(8 x CartPole-v1, session 2\)/);
    }
    const rows = metrics(runDir);
    const updates = rows.map((r) => r.updates!);
    assert.ok(updates.every((u, i) => i === 0 || u > updates[i - 1]!), `updates strictly increasing, none twice: ${updates.join(',')}`);
    assert.ok(updates.includes(state.learner.updates) || updates.some((u) => u > state.learner.updates), 'rows after the resume');
    assert.ok(rows.every((r) => r.frames === r.updates! * 40), 'frames = 40 x updates in every row');
    assert.equal(rows.at(-1)!.frames, total);
    console.log(`# learner kill: checkpoint at ${state.learner.frames} frames (${state.learner.updates} updates); ${rows.length} metrics rows`);
  });

  test('a stalled actor (SIGSTOP) does not stall the learner; after SIGCONT the run finishes', async (t) => {
    if (process.platform === 'win32') {
      t.skip('SIGSTOP/SIGCONT are not available on Windows');
      return;
    }
    const runDir = join(dir, 'actor-stop');
    const total = 6_000;
    const learner = start(learnerArgs(runDir, total));
    const port = await learnerPort(learner);
    const a = start(actorArgs(port));
    const b = start(actorArgs(port));
    await waitFor('two actors joined', () => learner.stderr.includes('2 connected'), learner);
    await waitFor('training', () => frames(learner) >= 400, learner);
    b.child.kill('SIGSTOP');
    const stoppedAt = performance.now();
    await sleep(500); // an unroll it had already sent may still be taken
    const before = frames(learner);
    await sleep(3_000);
    const during = frames(learner);
    assert.ok(during >= before + 400, `frames ${before} -> ${during} while an actor was stopped`);
    assert.ok(longestProgressGap(learner, stoppedAt) < 5_000, 'progress lines kept coming');
    b.child.kill('SIGCONT');
    const done = await exitOf(learner, FINISH_MS, 'the learner');
    assert.equal(done.code, 0, learner.stderr);
    assert.match(learner.stdout, new RegExp(`finished CartPole-v1: ${total}/${total} frames`));
    assert.equal((await exitOf(a, 15_000, 'actor a')).code, 0, a.stderr);
    assert.equal((await exitOf(b, 15_000, 'actor b')).code, 0, b.stderr);
    console.log(`# SIGSTOP: ${during - before} frames in 3 s with one actor stopped`);
  });

  test('a refusal is final (exit 3 at once); no learner: exit 4 after --retry-for', async () => {
    const runDir = join(dir, 'refused');
    const tokenFile = join(dir, 'token');
    const wrongFile = join(dir, 'wrong-token');
    writeFileSync(tokenFile, 'right-token-0123456789abcdef\n');
    writeFileSync(wrongFile, 'wrong-token-0123456789abcdef\n');
    const learner = start(learnerArgs(runDir, 400, ['--token-file', tokenFile]));
    const port = await learnerPort(learner);
    const nowhere = await freePort();
    const wrong = start(actorArgs(port, ['--token-file', wrongFile]));
    const away = start(actorArgs(nowhere, ['--retry-for', '2']));

    const refused = await exitOf(wrong, 30_000, 'the actor with the wrong token');
    assert.equal(refused.code, 3, wrong.stderr);
    assert.match(wrong.stderr, /impala-rl actor: runRemoteActor: the learner at 127\.0\.0\.1:\d+ refused this actor: UNAUTHENTICATED: wrong or missing token/);
    assert.doesNotMatch(wrong.stderr, /retry/);
    // From its first line (the backend, right before it connects) to its exit: no retry delay (0.5 s) in between.
    const refusedIn = performance.now() - wrong.lines[0]!.t;
    assert.ok(refusedIn < 2_000, `refused ${refusedIn.toFixed(0)} ms after start-up`);
    await waitFor('the learner logging the refusal', () => /learner: refused GetRun from .* \(UNAUTHENTICATED\)/.test(learner.stderr), learner, 5_000);

    const gaveUp = await exitOf(away, 30_000, 'the actor without a learner');
    const awayFor = performance.now() - away.lines[0]!.t;
    assert.equal(gaveUp.code, 4, away.stderr);
    assert.ok(count(away.stderr, /unavailable \(UNAVAILABLE: .*\); retry \d+ in/g) >= 2, away.stderr);
    assert.match(away.stderr, /impala-rl actor: runRemoteActor: gave up on the learner at 127\.0\.0\.1:\d+ after 2 s without an answer/);
    assert.ok(awayFor > 1_800 && awayFor < 6_000, `gave up ${awayFor.toFixed(0)} ms after start-up`);

    // The refusal did the learner no harm: an actor with the right token finishes its run.
    const right = start(actorArgs(port, ['--token-file', tokenFile]));
    assert.equal((await exitOf(learner, FINISH_MS, 'the learner')).code, 0, learner.stderr);
    assert.equal((await exitOf(right, 15_000, 'the right actor')).code, 0, right.stderr);
    console.log(`# refused in ${refusedIn.toFixed(0)} ms; gave up in ${awayFor.toFixed(0)} ms`);
  });
});
