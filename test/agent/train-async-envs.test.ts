/** train() with envs made asynchronously (an id namespace, as the Gymnasium bridge's ALE/ and gym: ids are). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeActorEnvs } from '../../src/agent/make-actor-envs.js';
import { resolveActorMode, train } from '../../src/agent/train.js';
import type { Env } from '../../src/envs/contract/types.js';
import { makeEnvs, registerEnvNamespace } from '../../src/envs/make-envs.js';
import { setupTestBackend } from '../helpers/tf.js';
import { ChainEnv } from './fakes.js';

await setupTestBackend();

const calls: { id: string; count: number }[] = [];
let closed = 0;
registerEnvNamespace('slow:', async (id, count) => {
  calls.push({ id, count });
  await new Promise((resolve) => setTimeout(resolve, 5));
  if (id === 'slow:Broken') throw new Error('slow:Broken cannot start');
  return Array.from({ length: count }, () => {
    const env = new ChainEnv(Infinity, 10) as unknown as Env & { close?: () => void };
    env.close = () => { closed++; };
    return env;
  });
});

describe('envs made asynchronously', () => {
  test('makeEnvs: one factory call per id and batch; registered ids still come from makeEnv', async () => {
    calls.length = 0;
    const envs = await makeEnvs('slow:Chain', 3);
    assert.equal(envs.length, 3);
    assert.deepEqual(calls, [{ id: 'slow:Chain', count: 3 }]);
    assert.equal((await makeEnvs('CartPole-v1', 2)).length, 2);
    await assert.rejects(makeEnvs('NoSuch-v0', 1), /makeEnv: unknown env id 'NoSuch-v0'/);
  });

  test('makeActorEnvs: ids dealt round-robin, one batch per id; a failure closes the envs already made', async () => {
    calls.length = 0;
    const envs = await makeActorEnvs(['slow:A', 'slow:B'], 5, 1);
    assert.equal(envs.length, 5);
    // Actor 1's envs are global envs 5..9: ids B, A, B, A, B.
    assert.deepEqual(calls.sort((a, b) => a.id.localeCompare(b.id)), [{ id: 'slow:A', count: 2 }, { id: 'slow:B', count: 3 }]);
    closed = 0;
    await assert.rejects(makeActorEnvs(['slow:A', 'slow:Broken'], 4, 0), /slow:Broken cannot start/);
    assert.equal(closed, 2, "slow:A's two envs were closed");
  });

  test('train() trains on an async id, and closes its envs', async () => {
    calls.length = 0;
    closed = 0;
    const result = await train({ env: 'slow:Chain', totalFrames: 400, envsPerActor: 4, batchSize: 4, unrollLength: 5, numActors: 2, actorMode: 'inline', mlpHiddenSizes: [8], seed: 1 });
    result.network.dispose();
    assert.equal(result.frames, 400);
    // One batch of 4 per actor (and, depending on how train sizes its network, one probe env).
    assert.equal(calls.filter((c) => c.count === 4).length, 2, 'one batch of 4 per actor');
    assert.ok(calls.every((c) => c.id === 'slow:Chain' && (c.count === 4 || c.count === 1)));
    assert.equal(closed, calls.reduce((a, c) => a + c.count, 0), 'every env made was closed');
  });

  test("'auto' actor mode counts ALE/ and gym: ids as portable to workers, other namespaces not", () => {
    assert.equal(resolveActorMode({ env: 'ALE/Pong-v5', numActors: 2 }, 8), 'workers');
    assert.equal(resolveActorMode({ env: 'gym:CartPole-v1', numActors: 2 }, 8), 'workers');
    assert.equal(resolveActorMode({ env: 'slow:Chain', numActors: 2 }, 8), 'inline');
  });
});
