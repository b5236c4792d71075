// The batched Gymnasium bridge and Atari through it (ALE/…, gym:… ids). The tests that need Python with
// gymnasium, ale-py and numpy skip with a message when there is none; the missing-package messages are checked
// with any python3 by shadowing the package with one that fails to import.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GymnasiumBatch, GymnasiumEnv, makeEnv, makeEnvAsync, makeEnvs } from '../../src/index.js';
import { findPython } from '../helpers/python.js';

const gym = findPython(['gymnasium', 'numpy']);
const ale = findPython(['gymnasium', 'numpy', 'ale_py']);
const anyPython = findPython([]);
if (gym.skip !== false) console.log(`# gymnasium bridge batch tests skipped: ${gym.skip}`);
if (ale.skip !== false) console.log(`# Atari bridge tests skipped: ${ale.skip}`);

/** A directory whose `name` package raises ImportError, to put first on PYTHONPATH. */
function shadow(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'impala-rl-shadow-'));
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, '__init__.py'), `raise ImportError('${name} shadowed by a test')\n`);
  return dir;
}

async function withPythonPath<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env.PYTHONPATH;
  process.env.PYTHONPATH = dir;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.PYTHONPATH;
    else process.env.PYTHONPATH = before;
  }
}

const byteEq = (a: unknown, b: unknown): boolean => Buffer.from(a as Uint8Array).equals(Buffer.from(b as Uint8Array));

describe('GymnasiumBatch (one Python process, many envs)', () => {
  test('N envs in one process step together and match N single envs seeded alike', { skip: gym.skip }, async () => {
    const batch = await GymnasiumBatch.make('CartPole-v1', { python: gym.python!, numEnvs: 3 });
    const singles = await Promise.all([0, 1, 2].map(() => GymnasiumEnv.make('CartPole-v1', { python: gym.python! })));
    try {
      assert.equal(batch.numEnvs, 3);
      const a = await Promise.all(batch.envs.map((e, i) => e.reset({ seed: 10 + i })));
      const b = await Promise.all(singles.map((e, i) => e.reset({ seed: 10 + i })));
      a.forEach((r, i) => { assert.deepEqual(r.observation, b[i]!.observation); });
      for (let t = 0; t < 20; t++) {
        const actions = [t % 2, (t + 1) % 2, (t >> 1) % 2];
        const x = await Promise.all(batch.envs.map((e, i) => e.step(actions[i])));
        const y = await Promise.all(singles.map((e, i) => e.step(actions[i])));
        x.forEach((r, i) => {
          assert.deepEqual(r.observation, y[i]!.observation, `step ${t} env ${i}`);
          assert.equal(r.reward, y[i]!.reward);
          assert.equal(r.terminated, y[i]!.terminated);
          assert.deepEqual(r.info, {}, 'no info unless asked');
        });
      }
      // Two steps of one env in the same tick are sent one after the other, in order.
      const [s1, s2] = await Promise.all([batch.envs[0]!.step(0), batch.envs[0]!.step(0)]);
      assert.notDeepEqual(s1.observation, s2.observation);
    } finally {
      await batch.close();
      await Promise.all(singles.map((e) => e.close()));
    }
  });

  test('observations through shared memory equal those through the pipe, in one reply or several; a failing env fails alone', { skip: gym.skip }, async () => {
    // Shared memory, 2 replies for a step of 4 envs; the pipe, 1 reply per request.
    const viaShm = await GymnasiumBatch.make('CartPole-v1', { python: gym.python!, numEnvs: 4, sharedMemory: true, replyParts: 2 });
    const viaPipe = await GymnasiumBatch.make('CartPole-v1', { python: gym.python!, numEnvs: 4, sharedMemory: false, replyParts: 1 });
    try {
      assert.deepEqual([viaShm.sharedMemory, viaPipe.sharedMemory], [true, false]);
      const leftovers = existsSync('/dev/shm') ? readdirSync('/dev/shm').filter((f) => f.startsWith(`impala-rl-gym-${process.pid}-`)) : [];
      assert.deepEqual(leftovers, [], 'the shared file is unlinked once both sides hold it');
      const a = await Promise.all(viaShm.envs.map((e, i) => e.reset({ seed: i })));
      const b = await Promise.all(viaPipe.envs.map((e, i) => e.reset({ seed: i })));
      a.forEach((r, i) => { assert.deepEqual(r.observation, b[i]!.observation); });
      const kept = a.map((r) => Float32Array.from(r.observation as Float32Array));
      for (let t = 0; t < 30; t++) {
        // A subset of the envs, out of order, then all of them: one request each.
        const order = t % 3 === 0 ? [2, 0] : t % 3 === 1 ? [3, 1, 0, 2] : [0, 1, 2, 3];
        const x = await Promise.all(order.map((i) => viaShm.envs[i]!.step(t % 2)));
        const y = await Promise.all(order.map((i) => viaPipe.envs[i]!.step(t % 2)));
        x.forEach((r, j) => {
          assert.deepEqual(r.observation, y[j]!.observation, `step ${t} env ${order[j]}`);
          assert.equal(r.reward, y[j]!.reward);
          assert.equal(r.terminated, y[j]!.terminated);
        });
        const done = order.filter((_, j) => x[j]!.terminated || x[j]!.truncated);
        await Promise.all(done.flatMap((i) => [viaShm.envs[i]!.reset({ seed: i }), viaPipe.envs[i]!.reset({ seed: i })]));
      }
      a.forEach((r, i) => { assert.deepEqual(r.observation, kept[i], 'an observation already returned is not overwritten'); });
      // CartPole refuses action 7: that env's promise rejects with Python's message, the others resolve.
      const mixed = await Promise.allSettled([viaShm.envs[0]!.step(0), viaShm.envs[1]!.step(7), viaShm.envs[2]!.step(1), viaShm.envs[3]!.step(7)]);
      assert.deepEqual(mixed.map((m) => m.status), ['fulfilled', 'rejected', 'fulfilled', 'rejected']);
      assert.match(String((mixed[1] as PromiseRejectedResult).reason), /GymnasiumEnv \(CartPole-v1\): AssertionError/);
    } finally {
      await Promise.all([viaShm.close(), viaPipe.close()]);
    }
  });

  test('info when asked; step before reset is refused; closing every env ends the process', { skip: gym.skip }, async () => {
    const batch = await GymnasiumBatch.make('CartPole-v1', { python: gym.python!, numEnvs: 2, info: true });
    await assert.rejects(batch.envs[0]!.step(0), /call reset\(\) before step\(\)/);
    await batch.envs[0]!.reset({ seed: 1 });
    const r = await batch.envs[0]!.step(1);
    assert.deepEqual(r.info, {});
    await batch.envs[0]!.close();
    assert.equal((await batch.envs[1]!.reset({ seed: 2 })).observation instanceof Float32Array, true, 'the other env still runs');
    await batch.envs[1]!.close();
    await assert.rejects(batch.envs[1]!.reset(), /exited|closed/i);
  });

  test('gym:<id> works by id through makeEnvs and makeEnvAsync', { skip: gym.skip }, async () => {
    const before = process.env.IMPALA_RL_PYTHON;
    process.env.IMPALA_RL_PYTHON = gym.python!;
    try {
      const envs = await makeEnvs('gym:CartPole-v1', 2, { maxEpisodeSteps: 7 });
      assert.equal(envs.length, 2);
      assert.equal((envs[0] as GymnasiumEnv).batch, (envs[1] as GymnasiumEnv).batch, 'one process for both');
      assert.equal(envs[0]!.spec?.maxEpisodeSteps, 7);
      await Promise.all(envs.map((e) => Promise.resolve(e.close?.())));
      const one = await makeEnvAsync('gym:CartPole-v1');
      assert.equal(one.actionSpace.toString(), 'Discrete(2)');
      await one.close?.();
    } finally {
      if (before === undefined) delete process.env.IMPALA_RL_PYTHON;
      else process.env.IMPALA_RL_PYTHON = before;
    }
    await assert.rejects(makeEnvs('gym:CartPole-v1', 1, { frameSkip: 4 }), /unknown option\(s\) frameSkip/);
  });
});

describe('Atari through the bridge (ALE/… ids)', () => {
  test('makeEnv refuses ALE ids and points at makeEnvAsync', () => {
    assert.throws(() => makeEnv('ALE/Pong-v5'), /makeEnv: 'ALE\/Pong-v5' is made asynchronously \(a Python process\): use `await makeEnvAsync\('ALE\/Pong-v5'\)`/);
  });

  const pipLine = /install it with: \S*python\S* -m pip install gymnasium ale-py numpy$/;

  test('a Python without gymnasium fails with the exact pip install line', { skip: anyPython.skip }, async () => {
    await withPythonPath(shadow('gymnasium'), async () => {
      await assert.rejects(GymnasiumEnv.make('ALE/Pong-v5', { python: anyPython.python! }), (error: Error) => {
        // numpy is checked first: a bare Python may lack it too.
        assert.match(error.message, /^GymnasiumEnv.make\('ALE\/Pong-v5'\): (numpy|gymnasium) is not installed in /);
        assert.match(error.message, pipLine);
        return true;
      });
    });
  });

  test('a Python with gymnasium but without ale-py fails with the exact pip install line', { skip: gym.skip }, async () => {
    await withPythonPath(shadow('ale_py'), async () => {
      await assert.rejects(makeEnvAsync('ALE/Pong-v5', { python: gym.python! }), (error: Error) => {
        assert.match(error.message, /^GymnasiumEnv.make\('ALE\/Pong-v5'\): ale-py is not installed in \S+ \(ale_py shadowed by a test\); /);
        assert.match(error.message, pipLine);
        return true;
      });
    });
  });

  test('preprocessed Pong: 84×84×4 uint8 frames, 6 actions, seeded resets repeat, stacked frames shift', { skip: ale.skip }, async () => {
    const [env, twin] = await makeEnvs('ALE/Pong-v5', 2, { python: ale.python! });
    try {
      assert.equal(env!.observationSpace.toString(), twin!.observationSpace.toString());
      assert.match(env!.observationSpace.toString(), /^Box\(uint8, \[84, 84, 4\]/);
      assert.equal(env!.actionSpace.toString(), 'Discrete(6)');
      const a = await env!.reset({ seed: 3 });
      const b = await twin!.reset({ seed: 3 });
      assert.ok(byteEq(a.observation, b.observation), 'same seed, same first frame (no-op starts included)');
      let previous = a.observation as Uint8Array;
      let total = 0;
      for (let t = 0; t < 60; t++) {
        const [r, s] = await Promise.all([env!.step(t % 6), twin!.step(t % 6)]);
        assert.ok(byteEq(r.observation, s.observation), `step ${t}: same seed and actions, same frames`);
        const obs = r.observation as Uint8Array;
        // Channel c of this stack is channel c + 1 of the previous one (the newest frame is last).
        for (let p = 0; p < 84 * 84; p += 97) {
          for (let c = 0; c < 3; c++) assert.equal(obs[p * 4 + c], previous[p * 4 + c + 1], `step ${t} pixel ${p} channel ${c}`);
        }
        previous = obs;
        total += r.reward;
      }
      assert.ok(Math.abs(total) <= 3, 'Pong rewards are -1/0/+1 per point');
      assert.ok(previous.some((v) => v !== previous[0]), 'frames are not blank');
    } finally {
      await Promise.all([env!.close?.(), twin!.close?.()]);
    }
  });

  test('Atari frames through shared memory (the default for them) equal those through the pipe', { skip: ale.skip }, async () => {
    for (const atari of [{}, null]) {
      const [viaShm, viaPipe] = await Promise.all([
        GymnasiumBatch.make('ALE/Pong-v5', { python: ale.python!, numEnvs: 2, atari }),
        GymnasiumBatch.make('ALE/Pong-v5', { python: ale.python!, numEnvs: 2, atari, sharedMemory: false }),
      ]);
      try {
        assert.deepEqual([viaShm.sharedMemory, viaPipe.sharedMemory], [true, false]);
        const a = await Promise.all(viaShm.envs.map((e, i) => e.reset({ seed: i })));
        const b = await Promise.all(viaPipe.envs.map((e, i) => e.reset({ seed: i })));
        a.forEach((r, i) => { assert.ok(byteEq(r.observation, b[i]!.observation), `reset ${i}`); });
        for (let t = 0; t < 25; t++) {
          const x = await Promise.all(viaShm.envs.map((e, i) => e.step((t + i) % 6)));
          const y = await Promise.all(viaPipe.envs.map((e, i) => e.step((t + i) % 6)));
          x.forEach((r, i) => { assert.ok(byteEq(r.observation, y[i]!.observation), `${atari === null ? 'raw' : 'preprocessed'} step ${t} env ${i}`); });
        }
      } finally {
        await Promise.all([viaShm.close(), viaPipe.close()]);
      }
    }
  });

  test('raw frames (preprocess: false) and Atari options reach Python', { skip: ale.skip }, async () => {
    const raw = await makeEnvAsync('ALE/Pong-v5', { python: ale.python!, preprocess: false });
    assert.match(raw.observationSpace.toString(), /^Box\(uint8, \[210, 160, 3\]/);
    await raw.close?.();
    const small = await makeEnvAsync('ALE/Breakout-v5', { python: ale.python!, screenSize: 42, frameStack: 2, grayscale: false, fullActionSpace: true });
    try {
      assert.match(small.observationSpace.toString(), /^Box\(uint8, \[42, 42, 6\]/);
      assert.equal(small.actionSpace.toString(), 'Discrete(18)');
    } finally {
      await small.close?.();
    }
    await assert.rejects(makeEnvAsync('ALE/Pong-v5', { python: ale.python!, frameskip: 4 }), /unknown option\(s\) frameskip/);
    await assert.rejects(makeEnvAsync('ALE/Pong-v5', { python: ale.python!, preprocess: false, frameStack: 2 }), /frameStack need preprocess: true/);
  });

  test('episodic life: a lost life ends the episode, the game goes on at the next reset', { skip: ale.skip }, async () => {
    const env = await makeEnvAsync('ALE/Breakout-v5', { python: ale.python!, episodicLife: true, repeatActionProbability: 0, noopMax: 0 });
    try {
      const first = await env.reset({ seed: 0 });
      assert.equal((first.info as { lives: number }).lives, 5);
      let steps = 0;
      for (;;) {
        const r = await env.step(steps === 0 ? 1 : 0); // FIRE once, then let the ball drop
        steps++;
        if (r.terminated || r.truncated) break;
        assert.ok(steps < 5000, 'a life is lost within 5000 steps when not moving');
      }
      const next = await env.reset();
      assert.equal((next.info as { lives: number }).lives, 4, 'the same game, one life fewer');
    } finally {
      await env.close?.();
    }
  });
});

describe('training on bridge envs by id', () => {
  test('train(): gym:CartPole-v1 in worker actors (each worker starts its own Python process)', { skip: gym.skip, timeout: 120_000 }, async () => {
    const { train } = await import('../../src/agent/train.js');
    const { setupTestBackend } = await import('../helpers/tf.js');
    await setupTestBackend();
    const r = await train({
      env: 'gym:CartPole-v1', envOptions: { python: gym.python! }, actorMode: 'workers', actorBackend: 'cpu', numActors: 2,
      envsPerActor: 2, unrollLength: 5, batchSize: 2, totalFrames: 200, mlpHiddenSizes: [8], seed: 1,
    });
    r.network.dispose();
    assert.equal(r.frames, 200);
    assert.ok(r.episodes > 0, 'CartPole episodes finished');
  });

  test('train(): ALE/Pong-v5 inline, small frames and network', { skip: ale.skip, timeout: 120_000 }, async () => {
    const { train } = await import('../../src/agent/train.js');
    const { setupTestBackend } = await import('../helpers/tf.js');
    await setupTestBackend();
    const r = await train({
      env: 'ALE/Pong-v5', envOptions: { python: ale.python!, screenSize: 42, frameStack: 2 }, torso: 'shallow', lstmSize: 0,
      envsPerActor: 2, unrollLength: 5, batchSize: 2, totalFrames: 160, actionRepeats: 4, seed: 1,
    });
    r.network.dispose();
    assert.equal(r.frames, 160);
  });
});
