// The shipped Atari-57 reference scores (src/metrics/atari-reference-scores.ts). Expected values are the published
// table's (the sources and cross-checks are in docs/environments.md, "Human-normalised scores"): 57 games, e.g.
// Pong random −20.7 / human 14.6, Montezuma's Revenge 0 / 4753.3, Video Pinball 16256.9 / 17667.9.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ATARI_57_REFERENCE_SCORES, atariReferenceScores, humanNormalisedScore, summariseHumanNormalised } from '../../src/metrics/index.js';
import { findPython } from '../helpers/python.js';

test('57 games, each with a random score below its human score', () => {
  const games = Object.keys(ATARI_57_REFERENCE_SCORES);
  assert.equal(games.length, 57);
  for (const game of games) {
    const { random, human } = ATARI_57_REFERENCE_SCORES[game]!;
    assert.ok(Number.isFinite(random) && Number.isFinite(human) && random < human, `${game}: ${random} < ${human}`);
  }
  assert.ok(Object.isFrozen(ATARI_57_REFERENCE_SCORES));
});

test('values from the published table', () => {
  assert.deepEqual(ATARI_57_REFERENCE_SCORES.Pong, { random: -20.7, human: 14.6 });
  assert.deepEqual(ATARI_57_REFERENCE_SCORES.MontezumaRevenge, { random: 0, human: 4753.3 });
  assert.deepEqual(ATARI_57_REFERENCE_SCORES.VideoPinball, { random: 16256.9, human: 17667.9 });
  assert.deepEqual(ATARI_57_REFERENCE_SCORES.Skiing, { random: -17098.1, human: -4336.9 });
  assert.deepEqual(ATARI_57_REFERENCE_SCORES.Breakout, { random: 1.7, human: 30.5 });
});

test('lookup by any usual spelling of an id or a game name', () => {
  const pong = ATARI_57_REFERENCE_SCORES.Pong;
  for (const id of ['ALE/Pong-v5', 'gym:ALE/Pong-v5', 'PongNoFrameskip-v4', 'PongDeterministic-v4', 'Pong-v0', 'Pong', 'pong']) {
    assert.equal(atariReferenceScores(id), pong, id);
  }
  assert.equal(atariReferenceScores('ms_pacman'), ATARI_57_REFERENCE_SCORES.MsPacman);
  assert.equal(atariReferenceScores('ALE/MontezumaRevenge-v5'), ATARI_57_REFERENCE_SCORES.MontezumaRevenge);
  assert.equal(atariReferenceScores('montezuma_revenge'), ATARI_57_REFERENCE_SCORES.MontezumaRevenge);
  for (const other of ['CartPole-v1', 'ALE/Tetris-v5', 'Maze', '']) assert.equal(atariReferenceScores(other), undefined, other);
});

test('a Pong return of −15 is (−15 + 20.7) / (14.6 + 20.7) human-normalised; summaries use the table', () => {
  assert.equal(humanNormalisedScore(-15, atariReferenceScores('ALE/Pong-v5')!), (-15 + 20.7) / (14.6 + 20.7));
  const s = summariseHumanNormalised({ Pong: 14.6, Breakout: 1.7, Boxing: 24.1 }, ATARI_57_REFERENCE_SCORES);
  assert.equal(s.median, 1);
  assert.equal(s.meanCapped, 2 / 3);
});

const ale = findPython(['gymnasium', 'ale_py']);
if (ale.skip !== false) console.log(`# Atari reference-score id check skipped: ${ale.skip}`);

test('every game is an ALE v5 id that ale-py registers', { skip: ale.skip }, () => {
  const code = 'import gymnasium as gym, ale_py, json, sys\ngym.register_envs(ale_py)\nprint(json.dumps(sorted(i for i in gym.registry if i.startswith("ALE/"))))';
  const r = spawnSync(ale.python!, ['-c', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const ids = new Set(JSON.parse(r.stdout) as string[]);
  for (const game of Object.keys(ATARI_57_REFERENCE_SCORES)) assert.ok(ids.has(`ALE/${game}-v5`), `ALE/${game}-v5`);
});
