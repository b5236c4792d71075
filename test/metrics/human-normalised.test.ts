import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanNormalisedScore, summariseHumanNormalised } from '../../src/metrics/index.js';

// Made-up reference scores: the formula is what is tested, not any game's data.
const refs = { a: { human: 10, random: 0 }, b: { human: -5, random: -25 }, c: { human: 100, random: 20 } };

test('human-normalised score: 0 at random play, 1 at the human score, linear between and beyond', () => {
  assert.equal(humanNormalisedScore(0, refs.a), 0);
  assert.equal(humanNormalisedScore(10, refs.a), 1);
  assert.equal(humanNormalisedScore(25, refs.a), 2.5);
  assert.equal(humanNormalisedScore(-15, refs.b), 0.5);
  assert.throws(() => humanNormalisedScore(1, { human: 3, random: 3 }), /must differ/);
});

test('summary: median, mean and capped mean over games', () => {
  const s = summariseHumanNormalised({ a: 30, b: -15, c: 20 }, refs);
  assert.deepEqual(s.perGame, { a: 3, b: 0.5, c: 0 });
  assert.equal(s.median, 0.5);
  assert.equal(s.mean, 3.5 / 3);
  assert.equal(s.meanCapped, 1.5 / 3);
  assert.equal(summariseHumanNormalised({ a: 30, b: -15 }, refs).median, 1.75);
  assert.throws(() => summariseHumanNormalised({ d: 1 }, refs), /no reference scores for 'd'/);
  assert.throws(() => summariseHumanNormalised({}, refs), /no scores/);
});
