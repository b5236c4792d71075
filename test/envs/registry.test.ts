// The env registry: built-in ids, time limits, user registrations and isolated registries.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AcrobotEnv,
  CartPoleEnv,
  EnvRegistry,
  MAZE_VARIANTS,
  MazeEnv,
  MountainCarEnv,
  TimeLimit,
  createEnvRegistry,
  makeEnv,
  registerEnv,
} from '../../src/index.js';
import { CountingEnv } from '../helpers/envs.js';

const BUILTIN_IDS = [
  'Acrobot-v1',
  'CartPole-v1',
  'CartPoleStateless-v1',
  'Maze-v0',
  'MazeLarge-v0',
  'MazeLargeNoCues-v0',
  'MazeLocal-v0',
  'MazeLocalNoCues-v0',
  'MazeNoCues-v0',
  'MountainCar-v0',
];

describe('makeEnv', () => {
  test('makes every built-in id, as an instance of its class with its spec', () => {
    assert.ok(makeEnv('CartPole-v1') instanceof CartPoleEnv);
    assert.ok(makeEnv('Acrobot-v1') instanceof AcrobotEnv);
    assert.ok(makeEnv('MountainCar-v0') instanceof MountainCarEnv);
    for (const id of Object.keys(MAZE_VARIANTS)) assert.ok(makeEnv(id) instanceof MazeEnv, id);
    for (const id of BUILTIN_IDS) {
      const env = makeEnv(id);
      assert.equal(env.spec?.id, id);
    }
    assert.notEqual(makeEnv('CartPole-v1'), makeEnv('CartPole-v1'), 'a new env each call');
  });

  test('passes env options and overrides the time limit', () => {
    const maze = makeEnv('Maze-v0', { height: 84, width: 84, maxEpisodeSteps: 7 });
    assert.deepEqual(maze.observationSpace.shape, [84, 84, 3]);
    assert.equal(maze.spec.maxEpisodeSteps, 7);
    assert.equal(makeEnv('Acrobot-v1', { dynamics: 'nips' }).dynamics, 'nips');
    assert.equal(makeEnv('CartPoleStateless-v1').maskVelocity, true);
  });

  test('unknown ids list what is known', () => {
    assert.throws(() => makeEnv('CartPole-v9'), /makeEnv: unknown env id 'CartPole-v9' \(did you mean 'CartPole-v1'\?\); known ids: Acrobot-v1, CartPole-v1/);
    assert.throws(() => makeEnv(''), /makeEnv: id must be a non-empty string/);
  });
});

describe('registerEnv', () => {
  test('adds ids that makeEnv finds, wrapped in the registered time limit', async () => {
    registerEnv('Counting-test-v0', () => new CountingEnv(), { maxEpisodeSteps: 2 });
    const env = makeEnv('Counting-test-v0');
    assert.ok(env instanceof TimeLimit);
    await env.reset();
    await env.step(1);
    assert.equal((await env.step(1)).truncated, true);
    assert.ok(makeEnv('Counting-test-v0', { maxEpisodeSteps: Infinity }) instanceof CountingEnv);
    assert.throws(() => { registerEnv('Counting-test-v0', () => new CountingEnv()); }, /already registered/);
    registerEnv('Counting-test-v0', () => new CountingEnv({ terminateAt: 1 }), { override: true });
    await makeEnv('Counting-test-v0').reset();
  });

  test('passes options to the factory', () => {
    let received: unknown;
    registerEnv('Options-test-v0', (options) => {
      received = options;
      return new CountingEnv();
    });
    makeEnv('Options-test-v0', { speed: 3 });
    assert.deepEqual(received, { speed: 3 });
  });

  test('cannot replace built-in ids', () => {
    assert.throws(() => { registerEnv('CartPole-v1', () => new CountingEnv(), { override: true }); }, /'CartPole-v1' is a built-in env id/);
  });
});

describe('EnvRegistry', () => {
  test('registries are independent and start with the built-ins', () => {
    const a = createEnvRegistry();
    const b = new EnvRegistry();
    assert.deepEqual(a.ids(), BUILTIN_IDS);
    a.register('Private-v0', () => new CountingEnv());
    assert.ok(a.has('Private-v0'));
    assert.ok(!b.has('Private-v0'));
    assert.throws(() => makeEnv('Private-v0'), /unknown env id 'Private-v0'/);
    assert.ok(a.make('Private-v0') instanceof CountingEnv);
    assert.ok(a.make('CartPole-v1') instanceof CartPoleEnv);
    assert.deepEqual(createEnvRegistry({ builtins: false }).ids(), []);
    assert.equal(a.get('CartPole-v1')?.maxEpisodeSteps, 500);
    assert.throws(() => a.make('Nope-v0'), /EnvRegistry.make: unknown env id 'Nope-v0'; registered ids: /);
    assert.throws(() => a.register('bad id', () => new CountingEnv()), /id must be a non-empty string without spaces/);
    assert.throws(() => a.register('X-v0', 3 as never), /factory for 'X-v0' is not a function/);
  });

  test('a private registry may shadow a built-in id only with override', () => {
    const r = createEnvRegistry();
    assert.throws(() => r.register('CartPole-v1', () => new CountingEnv()), /already registered/);
    r.register('CartPole-v1', () => new CountingEnv(), { override: true });
    assert.ok(r.make('CartPole-v1') instanceof CountingEnv);
    assert.ok(makeEnv('CartPole-v1') instanceof CartPoleEnv, 'the shared built-in is untouched');
  });
});
