/**
 * Training metrics kept in memory: the browser's counterpart of the run directory's `metrics.csv` and
 * `episodes.csv` (which `train` writes to disk in Node).
 */
import type { LearnerStepMetrics } from '../agent/learner.js';

/**
 * One learner update, as {@link MetricsSeries} keeps it: the learner's metrics plus the run's counters.
 * @category Browser
 */
export interface MetricsPoint extends Omit<LearnerStepMetrics, 'episodes'> {
  /** Seconds of training (paused time excluded). */
  readonly elapsedSeconds: number;
  /** Mean return of the last 100 episodes (NaN before the first). */
  readonly meanReturn100: number;
  /** Episodes finished so far. */
  readonly episodes: number;
  /** Environment frames per second (paused time excluded). */
  readonly framesPerSecond: number;
}

/**
 * One finished episode.
 * @category Browser
 */
export interface EpisodePoint {
  /** Frames consumed when the learner saw it. */
  readonly frames: number;
  /** Its undiscounted return. */
  readonly episodeReturn: number;
  /** Its length in steps. */
  readonly episodeLength: number;
}

/**
 * The columns of {@link MetricsSeries.toCsv}, in order.
 * @category Browser
 */
export const METRICS_COLUMNS = Object.freeze([
  'frames', 'updates', 'elapsedSeconds', 'meanReturn100', 'episodes', 'totalLoss', 'policyLoss', 'baselineLoss',
  'entropyLoss', 'entropy', 'gradNorm', 'learningRate', 'policyLag', 'framesPerSecond',
] as const satisfies readonly (keyof MetricsPoint)[]);

/**
 * An in-memory series of training metrics: one {@link MetricsPoint} per learner update and one
 * {@link EpisodePoint} per finished episode, with the running mean of the last `window` returns. Bounded: beyond
 * `maxPoints` updates the oldest half is thinned to every other point, so a long run keeps its whole curve.
 * @category Browser
 */
export class MetricsSeries {
  readonly #points: MetricsPoint[] = [];
  readonly #episodes: EpisodePoint[] = [];
  readonly #recent: number[] = [];
  readonly #window: number;
  readonly #maxPoints: number;
  #episodeCount = 0;
  #bestMean = Number.NaN;

  /**
   * @param options - `window`: episodes in the running mean (default 100); `maxPoints`: update points kept
   *   before thinning (default 20 000).
   */
  constructor(options: { readonly window?: number; readonly maxPoints?: number } = {}) {
    this.#window = options.window ?? 100;
    this.#maxPoints = options.maxPoints ?? 20_000;
    if (!Number.isInteger(this.#window) || this.#window < 1) throw new RangeError(`MetricsSeries: 'window' must be an integer >= 1, got ${this.#window}`);
    if (!Number.isInteger(this.#maxPoints) || this.#maxPoints < 2) throw new RangeError(`MetricsSeries: 'maxPoints' must be an integer >= 2, got ${this.#maxPoints}`);
  }

  /**
   * Records finished episodes (updates the running mean).
   *
   * @param frames - frames consumed when they were seen.
   * @param episodes - their returns and lengths.
   */
  addEpisodes(frames: number, episodes: readonly { readonly episodeReturn: number; readonly episodeLength: number }[]): void {
    for (const e of episodes) {
      this.#episodes.push({ frames, episodeReturn: e.episodeReturn, episodeLength: e.episodeLength });
      this.#recent.push(e.episodeReturn);
      this.#episodeCount++;
    }
    if (this.#recent.length > this.#window) this.#recent.splice(0, this.#recent.length - this.#window);
    if (this.#episodes.length > this.#maxPoints) this.#thin(this.#episodes);
    const mean = this.meanReturn;
    if (Number.isFinite(mean) && !(mean <= this.#bestMean)) this.#bestMean = mean;
  }

  /**
   * Records one update.
   *
   * @param point - its metrics.
   */
  addPoint(point: MetricsPoint): void {
    this.#points.push(point);
    if (this.#points.length > this.#maxPoints) this.#thin(this.#points);
  }

  #thin(list: unknown[]): void {
    const half = Math.floor(list.length / 2);
    const kept = list.slice(0, half).filter((_, i) => i % 2 === 0);
    list.splice(0, half, ...kept);
  }

  /** Mean return of the last `window` episodes (NaN before the first). */
  get meanReturn(): number {
    return this.#recent.length === 0 ? Number.NaN : this.#recent.reduce((a, b) => a + b, 0) / this.#recent.length;
  }

  /** The best {@link MetricsSeries.meanReturn} so far (NaN before the first episode). */
  get bestMeanReturn(): number {
    return this.#bestMean;
  }

  /** Episodes recorded. */
  get episodeCount(): number {
    return this.#episodeCount;
  }

  /** Returns of the last `window` episodes, oldest first (what a checkpoint keeps). */
  get recentReturns(): readonly number[] {
    return [...this.#recent];
  }

  /** The update points (thinned past `maxPoints`). */
  get points(): readonly MetricsPoint[] {
    return this.#points;
  }

  /** The episodes (thinned past `maxPoints`). */
  get episodes(): readonly EpisodePoint[] {
    return this.#episodes;
  }

  /** The latest update point, if any. */
  get last(): MetricsPoint | undefined {
    return this.#points.at(-1);
  }

  /**
   * Continues the running mean from a checkpoint's recent returns.
   *
   * @param returns - oldest first.
   */
  restoreRecentReturns(returns: readonly number[]): void {
    this.#recent.splice(0, this.#recent.length, ...returns.slice(-this.#window));
  }

  /** Forgets everything. */
  clear(): void {
    this.#points.length = 0;
    this.#episodes.length = 0;
    this.#recent.length = 0;
    this.#episodeCount = 0;
    this.#bestMean = Number.NaN;
  }

  /**
   * The update points as CSV ({@link METRICS_COLUMNS}), like the run directory's `metrics.csv`.
   *
   * @returns the CSV text with a header line.
   */
  toCsv(): string {
    const rows = this.#points.map((p) => METRICS_COLUMNS.map((c) => p[c]).join(','));
    return `${[METRICS_COLUMNS.join(','), ...rows].join('\n')}\n`;
  }
}
