/**
 * `parseTrainArgs`: every flag reaches its TrainConfig field, bad values fail with messages that name the
 * flag, and the merge order is paper defaults < preset < saved config.json (resume) < flags. Expected values
 * are the flag values themselves and the tables in src/cli/presets.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CliUsageError } from '../../src/cli/cli-usage-error.js';
import { parseEvalArgs } from '../../src/cli/eval-command.js';
import { PAPER_DEFAULTS, TRAIN_PRESETS } from '../../src/cli/presets.js';
import { parseTrainArgs, type ParseTrainArgsOptions } from '../../src/cli/train-args.js';
import { makeEnv, registerEnv } from '../../src/envs/registry.js';

// An env id without a preset, registered the way a user registers their own.
registerEnv('MyEnv-v0', () => makeEnv('CartPole-v1'));

const now = new Date('2026-01-02T03:04:05.678Z');
const parse = (argv: string[], options: ParseTrainArgsOptions = {}) => parseTrainArgs(argv, { now, ...options });

/** Asserts that parsing fails with a CliUsageError whose message contains `flag`. */
function assertFlagError(argv: string[], flag: string, options: ParseTrainArgsOptions = {}): void {
  assert.throws(
    () => parse(argv, options),
    (e: unknown) => e instanceof CliUsageError && e.message.includes(flag),
    `${argv.join(' ')} should fail naming ${flag}`,
  );
}

describe('parseTrainArgs: flags', () => {
  const cases: [string[], string, unknown][] = [
    [['--total-frames', '12345'], 'totalFrames', 12345],
    [['--total-frames', '300_000'], 'totalFrames', 300000],
    [['--total-frames', '1e6'], 'totalFrames', 1000000],
    [['--seed', '0'], 'seed', 0],
    [['--num-actors', '3'], 'numActors', 3],
    [['--envs-per-actor', '4'], 'envsPerActor', 4],
    [['--unroll-length', '7'], 'unrollLength', 7],
    [['--batch-size', '16'], 'batchSize', 16],
    [['--torso', 'shallow'], 'torso', 'shallow'],
    [['--lstm-size', '0'], 'lstmSize', 0],
    [['--lstm-size', '128'], 'lstmSize', 128],
    [['--mlp-hidden-sizes', '32,16'], 'mlpHiddenSizes', [32, 16]],
    [['--discount', '0.9'], 'discount', 0.9],
    [['--baseline-cost', '0.25'], 'baselineCost', 0.25],
    [['--entropy-cost', '0'], 'entropyCost', 0],
    [['--reward-clipping', 'soft_asymmetric'], 'rewardClipping', 'soft_asymmetric'],
    [['--learning-rate', '6e-4'], 'learningRate', 0.0006],
    [['--optimizer', 'adam'], 'optimizer', 'adam'],
    [['--rmsprop-epsilon', '0.01'], 'rmspropEpsilon', 0.01],
    [['--rmsprop-decay', '0.9'], 'rmspropDecay', 0.9],
    [['--max-grad-norm', '40'], 'maxGradNorm', 40],
    [['--max-grad-norm', 'none'], 'maxGradNorm', null],
    [['--action-repeats', '4'], 'actionRepeats', 4],
    [['--run-dir', 'somewhere/run1'], 'runDir', 'somewhere/run1'],
    [['--checkpoint-interval', '30'], 'checkpointIntervalSeconds', 30],
    [['--env-option', 'height=24', '--env-option', 'view="local"', '--env-option', 'name=abc'], 'envOptions', { height: 24, view: 'local', name: 'abc' }],
  ];
  for (const [argv, field, expected] of cases) {
    test(`${argv.join(' ')} → ${field}`, () => {
      const r = parse(['--env', 'CartPole-v1', ...argv]);
      assert.deepEqual((r.config as unknown as Record<string, unknown>)[field], expected);
      assert.deepEqual((r.flags as Record<string, unknown>)[field], expected, 'recorded as a flag');
    });
  }

  test('--env: one id is a string, a comma-separated list is an array', () => {
    assert.equal(parse(['--env', 'CartPole-v1']).config.env, 'CartPole-v1');
    assert.deepEqual(parse(['--env', 'Maze-v0, MazeNoCues-v0']).config.env, ['Maze-v0', 'MazeNoCues-v0']);
  });

  test('run settings have flags: --reward-scale, --actor-mode, --actor-backend, --worker-setup-module, --verbose', () => {
    const r = parse(['--env', 'CartPole-v1', '--reward-scale', '0.5', '--actor-mode', 'workers', '--actor-backend', 'cpu', '--worker-setup-module', './setup.js', '--verbose']);
    assert.equal(r.config.rewardScale, 0.5);
    assert.equal(r.config.actorMode, 'workers');
    assert.equal(r.config.actorBackend, 'cpu');
    assert.equal(r.config.workerSetupModule, './setup.js');
    assert.equal(r.verbose, true);
    assert.throws(() => parse(['--env', 'CartPole-v1', '--actor-mode', 'threads']), CliUsageError);
  });

  test('an unknown env id is a usage error with a suggestion', () => {
    assert.throws(() => parse(['--env', 'CartPole-v2']), (e: unknown) => e instanceof CliUsageError && e.message.includes('--env: unknown env id \'CartPole-v2\' (did you mean \'CartPole-v1\'?)'));
    assert.throws(() => parse(['--env', 'CartPole-v1,Mazee-v0']), /unknown env id 'Mazee-v0' \(did you mean 'Maze-v0'/);
    assert.throws(() => parse(['--env', 'Pong']), (e: unknown) => e instanceof CliUsageError && !e.message.includes('did you mean'));
  });

  test('command settings: backend, quiet, log interval, resume', () => {
    const r = parse(['--env', 'CartPole-v1', '--backend', 'wasm', '--quiet', '--log-interval', '2.5', '--run-dir', 'r', '--resume']);
    assert.equal(r.backend, 'wasm');
    assert.equal(r.quiet, true);
    assert.equal(r.logIntervalSeconds, 2.5);
    assert.equal(r.config.resume, true);
    const d = parse(['--env', 'CartPole-v1']);
    assert.equal(d.backend, 'auto');
    assert.equal(d.quiet, false);
    assert.equal(d.logIntervalSeconds, 5);
    assert.equal(r.config.logIntervalSeconds, 2.5);
    assert.equal(d.config.resume, false);
  });

  test('the default run directory is runs/<env>-<UTC timestamp>', () => {
    assert.equal(parse(['--env', 'CartPole-v1']).config.runDir, 'runs/CartPole-v1-20260102-030405');
    assert.equal(parse(['--env', 'Maze-v0,MazeLocal-v0']).config.runDir, 'runs/Maze-v0+MazeLocal-v0-20260102-030405');
  });
});

describe('parseTrainArgs: errors name the flag', () => {
  const bad: [string[], string][] = [
    [['--total-frames', 'abc'], '--total-frames'],
    [['--total-frames', '0'], '--total-frames'],
    [['--total-frames', '1.5'], '--total-frames'],
    [['--seed', '-1'], '--seed'],
    [['--num-actors', '0'], '--num-actors'],
    [['--envs-per-actor', 'x'], '--envs-per-actor'],
    [['--unroll-length', '0'], '--unroll-length'],
    [['--batch-size', ''], '--batch-size'],
    [['--torso', 'huge'], '--torso'],
    [['--lstm-size', '-2'], '--lstm-size'],
    [['--mlp-hidden-sizes', '32,,16'], '--mlp-hidden-sizes'],
    [['--mlp-hidden-sizes', '32,0'], '--mlp-hidden-sizes'],
    [['--discount', '1.5'], '--discount'],
    [['--baseline-cost', '-1'], '--baseline-cost'],
    [['--entropy-cost', 'NaN'], '--entropy-cost'],
    [['--reward-clipping', 'clip'], '--reward-clipping'],
    [['--learning-rate', '0'], '--learning-rate'],
    [['--optimizer', 'sgd'], '--optimizer'],
    [['--rmsprop-epsilon', '0'], '--rmsprop-epsilon'],
    [['--rmsprop-decay', '2'], '--rmsprop-decay'],
    [['--max-grad-norm', '-3'], '--max-grad-norm'],
    [['--action-repeats', '0'], '--action-repeats'],
    [['--checkpoint-interval', '0'], '--checkpoint-interval'],
    [['--backend', 'gpu'], '--backend'],
    [['--env-option', 'novalue'], '--env-option'],
    [['--log-interval', '-1'], '--log-interval'],
    [['--preset', 'nope'], '--preset'],
    [['--resume'], '--resume'],
    [['--bogus'], '--bogus'],
  ];
  for (const [argv, flag] of bad) {
    test(`${argv.join(' ') || '(empty)'} → ${flag}`, () => {
      assertFlagError(['--env', 'CartPole-v1', ...argv], flag);
    });
  }

  test('a missing --env is named', () => {
    assertFlagError(['--total-frames', '10'], '--env');
  });

  test('positional words are refused', () => {
    assert.throws(() => parse(['--env', 'CartPole-v1', 'extra']), CliUsageError);
  });
});

describe('parseTrainArgs: presets and merge order', () => {
  test("the env's preset fills every field the flags leave out; flags win", () => {
    const r = parse(['--env', 'CartPole-v1', '--unroll-length', '9', '--entropy-cost', '0.05']);
    assert.equal(r.preset, 'CartPole-v1');
    const preset = TRAIN_PRESETS['CartPole-v1']!;
    assert.equal(r.config.unrollLength, 9, 'flag over preset (preset says 5)');
    assert.equal(preset.unrollLength, 5);
    assert.equal(r.config.entropyCost, 0.05);
    assert.equal(r.config.batchSize, preset.batchSize);
    assert.equal(r.config.learningRate, preset.learningRate);
    assert.equal(r.config.rewardClipping, 'none');
    assert.equal(r.config.totalFrames, 300_000);
    // Fields the preset does not set come from the paper's defaults.
    assert.equal(r.config.discount, PAPER_DEFAULTS.discount);
    assert.equal(r.config.rmspropEpsilon, PAPER_DEFAULTS.rmspropEpsilon);
  });

  test('each preset is applied over the paper defaults for its env', () => {
    for (const [id, preset] of Object.entries(TRAIN_PRESETS)) {
      // 'maze-small' and 'atari' are presets, not env ids: used as --env Maze-v0 --preset maze-small and
      // --env ALE/Pong-v5 (whose default preset is 'atari').
      const r = id === 'maze-small' ? parse(['--env', 'Maze-v0', '--preset', id]) : id === 'atari' ? parse(['--env', 'ALE/Pong-v5']) : parse(['--env', id]);
      assert.equal(r.preset, id);
      for (const [k, v] of Object.entries({ ...PAPER_DEFAULTS, ...preset })) {
        assert.deepEqual((r.config as unknown as Record<string, unknown>)[k], v, `${id}.${k}`);
      }
    }
    assert.equal(parse(['--env', 'CartPoleStateless-v1']).config.lstmSize, 64);
    assert.equal(parse(['--env', 'Maze-v0']).config.torso, 'deep');
    assert.equal(parse(['--env', 'Maze-v0']).config.lstmSize, 256);
    assert.equal(parse(['--env', 'Acrobot-v1']).config.totalFrames, 500_000);
  });

  test('an env without a preset gets the paper defaults', () => {
    const r = parse(['--env', 'MyEnv-v0']);
    assert.equal(r.preset, 'paper');
    for (const [k, v] of Object.entries(PAPER_DEFAULTS)) assert.deepEqual((r.config as unknown as Record<string, unknown>)[k], v, k);
    assert.equal(r.config.unrollLength, 20);
    assert.equal(r.config.batchSize, 32);
    assert.equal(r.config.entropyCost, 0.00025);
    assert.equal(r.config.learningRate, 0.00048);
  });

  test('--preset picks another preset (paper, or another env id), still under the flags', () => {
    const paper = parse(['--env', 'CartPole-v1', '--preset', 'paper']);
    assert.equal(paper.config.unrollLength, 20);
    assert.equal(paper.config.rewardClipping, 'abs_one');
    const borrowed = parse(['--env', 'MyEnv-v0', '--preset', 'CartPole-v1', '--batch-size', '4']);
    assert.equal(borrowed.config.unrollLength, 5);
    assert.equal(borrowed.config.batchSize, 4);
  });

  test("--preset maze-small (the maze benchmark's): the deep agent on a 2×3 maze of one fixed layout at 24×32", () => {
    // Expected values: the maze-small preset in src/agent/presets.ts (docs/training.md, "Maze-v0").
    const r = parse(['--env', 'Maze-v0', '--preset', 'maze-small']);
    assert.equal(r.preset, 'maze-small');
    assert.equal(r.config.env, 'Maze-v0');
    assert.equal(r.config.torso, 'deep');
    assert.equal(r.config.lstmSize, 256);
    assert.equal(r.config.totalFrames, 300_000);
    assert.equal(r.config.learningRate, 0.001);
    assert.equal(r.config.entropyCost, TRAIN_PRESETS['Maze-v0']!.entropyCost);
    const env = makeEnv('Maze-v0', { ...r.config.envOptions });
    assert.deepEqual([env.rows, env.cols, env.height, env.width], [2, 3, 24, 32]);
    env.reset({ seed: 1 });
    const first = Array.from(env.layout!.walls);
    env.reset({ seed: 2 });
    assert.deepEqual(Array.from(env.layout!.walls), first, 'mazeSeed fixes the layout across resets');
  });

  test("a multi-task run uses the first env's preset", () => {
    assert.equal(parse(['--env', 'Maze-v0,MazeNoCues-v0']).preset, 'Maze-v0');
  });

  test('--resume continues the saved config.json; flags override single fields', () => {
    const saved = { ...PAPER_DEFAULTS, ...TRAIN_PRESETS['Acrobot-v1'], env: 'Acrobot-v1', seed: 5, unrollLength: 6 };
    const seen: string[] = [];
    const readSavedConfig = (dir: string) => {
      seen.push(dir);
      return saved;
    };
    const r = parse(['--run-dir', 'runs/a', '--resume', '--total-frames', '900'], { readSavedConfig });
    assert.deepEqual(seen, ['runs/a']);
    assert.equal(r.resumedConfig, true);
    assert.equal(r.preset, null);
    assert.equal(r.config.env, 'Acrobot-v1');
    assert.equal(r.config.seed, 5, 'saved value, not the paper default');
    assert.equal(r.config.unrollLength, 6);
    assert.equal(r.config.totalFrames, 900, 'flag over saved value');
    assert.equal(r.config.runDir, 'runs/a');
    assert.equal(r.config.resume, true);
    // The same --env is accepted; another one, or --preset, is refused.
    assert.equal(parse(['--env', 'Acrobot-v1', '--run-dir', 'runs/a', '--resume'], { readSavedConfig }).config.seed, 5);
    assertFlagError(['--env', 'CartPole-v1', '--run-dir', 'runs/a', '--resume'], '--env', { readSavedConfig });
    assertFlagError(['--preset', 'paper', '--run-dir', 'runs/a', '--resume'], '--preset', { readSavedConfig });
  });

  test('--resume without a saved config.json falls back to the flags and the preset', () => {
    const r = parse(['--env', 'CartPole-v1', '--run-dir', 'runs/b', '--resume'], { readSavedConfig: () => undefined });
    assert.equal(r.resumedConfig, false);
    assert.equal(r.preset, 'CartPole-v1');
    assertFlagError(['--run-dir', 'runs/b', '--resume'], '--env', { readSavedConfig: () => undefined });
  });
});

describe('parseEvalArgs', () => {
  test('defaults and flags', () => {
    assert.deepEqual(parseEvalArgs(['--checkpoint', 'runs/x']), {
      checkpoint: 'runs/x', episodes: 100, seed: 0, greedy: false, numEnvs: 16, backend: 'auto', json: false,
    });
    const r = parseEvalArgs(['--checkpoint', 'runs/x', '--episodes', '7', '--seed', '3', '--greedy', '--num-envs', '2', '--backend', 'cpu', '--json']);
    assert.deepEqual(r, { checkpoint: 'runs/x', episodes: 7, seed: 3, greedy: true, numEnvs: 2, backend: 'cpu', json: true });
  });

  test('errors name the flag', () => {
    for (const [argv, flag] of [
      [[], '--checkpoint'],
      [['--checkpoint', 'x', '--episodes', '0'], '--episodes'],
      [['--checkpoint', 'x', '--seed', 'a'], '--seed'],
      [['--checkpoint', 'x', '--num-envs', '0'], '--num-envs'],
      [['--checkpoint', 'x', '--backend', 'tpu'], '--backend'],
    ] as [string[], string][]) {
      assert.throws(() => parseEvalArgs(argv), (e: unknown) => e instanceof CliUsageError && e.message.includes(flag), `${argv.join(' ')} → ${flag}`);
    }
  });
});

describe('parseTrainArgs: Atari', () => {
  test('ALE ids get the atari preset (Table G.1 and the paper preprocessing); each --atari-* flag sets one env option', () => {
    const r = parseTrainArgs(['--env', 'ALE/Breakout-v5']);
    assert.equal(r.preset, 'atari');
    assert.equal(r.config.entropyCost, 0.01);
    assert.equal(r.config.learningRate, 0.0006);
    assert.equal(r.config.rmspropEpsilon, 0.01);
    assert.equal(r.config.maxGradNorm, 40);
    assert.equal(r.config.actionRepeats, 4);
    assert.deepEqual(r.config.envOptions, TRAIN_PRESETS.atari!.envOptions);
    const f = parseTrainArgs([
      '--env', 'ALE/Pong-v5', '--env-option', 'python="/usr/bin/python3"',
      '--atari-noop-max', '0', '--atari-frame-skip', '3', '--atari-max-pool', 'off', '--atari-screen-size', '64',
      '--atari-grayscale', 'off', '--atari-frame-stack', '2', '--atari-episodic-life', 'off', '--atari-sticky-actions', '0',
      '--atari-max-episode-frames', '0', '--atari-full-action-space', 'on',
    ]);
    assert.deepEqual(f.config.envOptions, {
      python: '/usr/bin/python3', noopMax: 0, frameSkip: 3, maxPool: false, screenSize: 64, grayscale: false, frameStack: 2,
      episodicLife: false, repeatActionProbability: 0, maxEpisodeFrames: 0, fullActionSpace: true,
    });
    assert.throws(() => parseTrainArgs(['--env', 'ALE/Pong-v5', '--atari-episodic-life', 'yes']), /--atari-episodic-life <on\|off>.*Allowed choices are on, off/);
    assert.throws(() => parseTrainArgs(['--env', 'ALE/Pong-v5', '--atari-sticky-actions', '2']), /--atari-sticky-actions/);
  });
});
