import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrainArgs } from '../../src/cli/train-args.js';

test('--compile / --no-compile set TrainConfig.compile; without either it stays unset (Learner default auto)', () => {
  const compile = (...flags: string[]) => parseTrainArgs(['--env', 'CartPole-v1', ...flags]).config.compile;
  assert.equal(compile(), undefined);
  assert.equal(compile('--compile'), true);
  assert.equal(compile('--no-compile'), false);
  assert.equal(parseTrainArgs(['--env', 'CartPole-v1', '--no-compile']).flags.compile, false);
});
