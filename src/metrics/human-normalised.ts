/**
 * Human-normalised scores (Mnih et al. 2015): `(agent − random) / (human − random)` per game, and the summaries
 * of the IMPALA paper (Espeholt et al. 2018): the median and mean over games (its Table 4), and the mean of scores
 * capped at 1 (the fitness of its population-based training, Table G.1). The reference scores are inputs; the
 * Atari-57 table ships as `ATARI_57_REFERENCE_SCORES` (atari-reference-scores.ts).
 */

/**
 * A game's reference scores.
 * @category Metrics
 */
export interface ReferenceScores {
  /** The score of a human player. */
  readonly human: number;
  /** The score of a uniform random policy. */
  readonly random: number;
}

/**
 * One game's human-normalised score: 0 is random play, 1 the human reference.
 *
 * @param score - the agent's score.
 * @param reference - the game's human and random scores.
 * @returns `(score − random) / (human − random)`.
 * @throws when human and random scores are equal.
 * @category Metrics
 */
export function humanNormalisedScore(score: number, reference: ReferenceScores): number {
  const span = reference.human - reference.random;
  if (span === 0 || !Number.isFinite(span)) throw new RangeError(`humanNormalisedScore: human (${reference.human}) and random (${reference.random}) scores must differ`);
  return (score - reference.random) / span;
}

/**
 * What {@link summariseHumanNormalised} returns.
 * @category Metrics
 */
export interface HumanNormalisedSummary {
  /** Each game's normalised score. */
  readonly perGame: Readonly<Record<string, number>>;
  /** Median over games. */
  readonly median: number;
  /** Mean over games. */
  readonly mean: number;
  /** Mean over games of `min(1, score)`. */
  readonly meanCapped: number;
}

/**
 * Normalises every game's score and summarises them.
 *
 * @param scores - the agent's score per game.
 * @param references - the reference scores per game; every game of `scores` must have one.
 * @returns per-game scores, their median, mean and capped mean.
 * @throws when `scores` is empty or a game has no reference.
 * @category Metrics
 */
export function summariseHumanNormalised(scores: Readonly<Record<string, number>>, references: Readonly<Record<string, ReferenceScores>>): HumanNormalisedSummary {
  const games = Object.keys(scores);
  if (games.length === 0) throw new RangeError('summariseHumanNormalised: no scores');
  const perGame: Record<string, number> = {};
  for (const game of games) {
    const reference = Object.hasOwn(references, game) ? references[game] : undefined;
    if (reference === undefined) throw new Error(`summariseHumanNormalised: no reference scores for '${game}'`);
    perGame[game] = humanNormalisedScore(scores[game]!, reference);
  }
  const values = games.map((g) => perGame[g]!).sort((a, b) => a - b);
  const mid = values.length >> 1;
  const median = values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const meanCapped = values.reduce((a, b) => a + Math.min(1, b), 0) / values.length;
  return { perGame, median, mean, meanCapped };
}
