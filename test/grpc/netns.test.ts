/**
 * A distributed run across a real network boundary: two Linux network namespaces joined by a veth pair in a
 * private /30, the learner (`impala-rl learner --insecure-listen --token-file`, and a TLS variant with the test CA
 * of test/fixtures/tls) in one, two actors in the other. Needs root and `ip netns`; skipped, saying why, where
 * either is missing. The namespaces (and with them the veth pair) are deleted at the end, whatever happened.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, root, waitFor, type Run } from '../helpers/cli-process.js';

/** Runs `ip ARGS`; returns null when it succeeded, else why not. */
function ip(...args: string[]): string | null {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return `ip ${args.join(' ')}: ${r.error.message}`;
  return r.status === 0 ? null : `ip ${args.join(' ')}: exit ${r.status}: ${r.stderr.trim()}`;
}

const suffix = `${process.pid % 100_000}${Math.floor(Math.random() * 36 ** 2).toString(36)}`;
const NS_LEARNER = `irl-l-${suffix}`;
const NS_ACTORS = `irl-a-${suffix}`;
const VETH_LEARNER = `irlvl${suffix}`.slice(0, 15);
const VETH_ACTORS = `irlva${suffix}`.slice(0, 15);
const BLOCK = 4 * Math.floor(Math.random() * 64); // 10.231.<random>.<BLOCK>/30 (the namespaces are fresh: no clash with the host)
const NET = `10.231.${Math.floor(Math.random() * 256)}`;
const LEARNER_IP = `${NET}.${BLOCK + 1}`;
const ACTOR_IP = `${NET}.${BLOCK + 2}`;

/** Creates the namespaces and the link between them; returns why it could not (then nothing is left behind). */
function setUpNetwork(): string | null {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (ip netns add)';
  const which = spawnSync('ip', ['-V'], { encoding: 'utf8' });
  if (which.error) return `no 'ip' command (iproute2): ${which.error.message}`;
  const steps: string[][] = [
    ['netns', 'add', NS_LEARNER],
    ['netns', 'add', NS_ACTORS],
    ['link', 'add', VETH_LEARNER, 'type', 'veth', 'peer', 'name', VETH_ACTORS],
    ['link', 'set', VETH_LEARNER, 'netns', NS_LEARNER],
    ['link', 'set', VETH_ACTORS, 'netns', NS_ACTORS],
    ['-n', NS_LEARNER, 'addr', 'add', `${LEARNER_IP}/30`, 'dev', VETH_LEARNER],
    ['-n', NS_ACTORS, 'addr', 'add', `${ACTOR_IP}/30`, 'dev', VETH_ACTORS],
    ['-n', NS_LEARNER, 'link', 'set', 'lo', 'up'],
    ['-n', NS_ACTORS, 'link', 'set', 'lo', 'up'],
    ['-n', NS_LEARNER, 'link', 'set', VETH_LEARNER, 'up'],
    ['-n', NS_ACTORS, 'link', 'set', VETH_ACTORS, 'up'],
  ];
  for (const step of steps) {
    const problem = ip(...step);
    if (problem !== null) {
      tearDownNetwork();
      return `cannot set up network namespaces: ${problem}`;
    }
  }
  return null;
}

/** Deletes whatever `setUpNetwork` made (the veth pair goes with its namespaces; it is deleted too in case it was never moved). */
function tearDownNetwork(): void {
  ip('netns', 'del', NS_LEARNER);
  ip('netns', 'del', NS_ACTORS);
  ip('link', 'del', VETH_LEARNER);
}

const running: Run[] = [];

/** `impala-rl ARGS` inside network namespace `ns`. */
function cliIn(ns: string, args: readonly string[]): Run {
  // `ip netns exec` execs the command in place: the child's pid is node's, so signals reach it.
  const run = cli(args, {}, [], ['ip', 'netns', 'exec', ns]);
  running.push(run);
  return run;
}

async function exitOf(run: Run, ms: number, what: string): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const { code } = await Promise.race([
      run.done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => { reject(new Error(`${what}: still running after ${ms} ms:\n${run.stderr}`)); }, ms);
      }),
    ]);
    return code;
  } finally {
    clearTimeout(timer);
  }
}

const tls = (name: string): string => join(root, 'test/fixtures/tls', name);

describe('impala-rl learner / actor across network namespaces (veth, private /30)', () => {
  let skip: string | null = null;
  let dir = '';
  let tokenFile = '';
  before(() => {
    skip = setUpNetwork();
    dir = mkdtempSync(join(tmpdir(), 'impala-grpc-netns-'));
    tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'netns-test-token-0123456789abcdef\n');
  });
  after(() => {
    for (const run of running.splice(0)) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    if (skip === null) tearDownNetwork();
    rmSync(dir, { recursive: true, force: true });
  });

  const variants = [
    { name: 'plaintext (--insecure-listen) with a token', port: 50051, learner: ['--insecure-listen'], actor: [] as string[], security: 'plaintext, token required' },
    {
      name: 'TLS (test CA, --tls-server-name localhost) with a token',
      port: 50052,
      learner: ['--tls-cert', tls('server.crt'), '--tls-key', tls('server.key')],
      actor: ['--tls-ca', tls('ca.crt'), '--tls-server-name', 'localhost'],
      security: 'TLS, token required',
    },
  ];
  for (const v of variants) {
    test(`${v.name}: two actors in the other namespace join and the run finishes`, async (t) => {
      if (skip !== null) {
        t.skip(skip);
        return;
      }
      const total = 1_200;
      const runDir = join(dir, `run-${v.port}`);
      const learner = cliIn(NS_LEARNER, [
        'learner', '--listen', `${LEARNER_IP}:${v.port}`, '--token-file', tokenFile, ...v.learner,
        '--env', 'CartPole-v1', '--run-dir', runDir, '--total-frames', String(total), '--backend', 'cpu', '--log-interval', '0.5',
      ]);
      await waitFor('the learner listening', () => learner.stderr.includes(`learner: listening on ${LEARNER_IP}:${v.port} (${v.security})`), learner, 60_000);
      const actorArgs = ['actor', '--connect', `${LEARNER_IP}:${v.port}`, '--token-file', tokenFile, ...v.actor, '--env', 'CartPole-v1', '--actor-backend', 'cpu', '--retry-for', '60'];
      const actors = [cliIn(NS_ACTORS, actorArgs), cliIn(NS_ACTORS, actorArgs)];
      assert.equal(await exitOf(learner, 90_000, 'the learner'), 0, learner.stderr);
      const joins = [...learner.stderr.matchAll(/learner: actor (\d) joined from (\S+) /g)];
      assert.equal(joins.length, 2, learner.stderr);
      for (const [, , peer] of joins) assert.match(peer!, new RegExp(`^${ACTOR_IP.replace(/\./g, '\\.')}:\\d+$`), 'joined from the other namespace');
      assert.deepEqual(joins.map((m) => m[1]).sort(), ['0', '1']);
      assert.match(learner.stdout, new RegExp(`finished CartPole-v1: ${total}/${total} frames`));
      for (const actor of actors) {
        assert.equal(await exitOf(actor, 15_000, 'an actor'), 0, actor.stderr);
        assert.match(actor.stderr, new RegExp(`impala-rl actor: joined the learner at ${LEARNER_IP.replace(/\./g, '\\.')}:${v.port} as actor \\d`));
      }
    });
  }
});
