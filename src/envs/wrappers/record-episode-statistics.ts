/**
 * The episode-statistics wrapper (Gymnasium's `RecordEpisodeStatistics`).
 */
import { mapMaybe } from '../../internal/maybe.js';
import type { Env, MaybePromise, ResetArgs, ResetResult, StepResult } from '../contract/types.js';
import { Wrapper } from './wrapper.js';
import { EnvError } from '../errors.js';

/**
 * The statistics of one finished episode, found in `info.episode` of its last step.
 * @category Environments
 */
export interface EpisodeStatistics {
  /** The undiscounted sum of the episode's rewards. */
  readonly return: number;
  /** The number of steps in the episode. */
  readonly length: number;
  /** Wall-clock milliseconds from the reset to the last step. */
  readonly durationMs: number;
}

/**
 * Options of {@link RecordEpisodeStatistics}.
 * @category Environments
 */
export interface RecordEpisodeStatisticsOptions {
  /**
   * How many recent episodes `recentReturns` and `recentLengths` keep.
   *
   * @defaultValue 100
   */
  bufferLength?: number;
}

/**
 * Adds `info.episode: {@link EpisodeStatistics}` to the step that ends an episode (`terminated` or `truncated`),
 * and keeps the returns and lengths of the last `bufferLength` episodes.
 *
 * @typeParam Obs - observation type.
 * @typeParam Act - action type.
 * @category Environments
 */
export class RecordEpisodeStatistics<Obs, Act> extends Wrapper<Obs, Act> {
  private episodeReturn = 0;
  private episodeLength = 0;
  private startMs = 0;
  private readonly bufferLength: number;
  private readonly returns: number[] = [];
  private readonly lengths: number[] = [];
  private episodes = 0;

  /**
   * @param env - the env to wrap.
   * @param options - buffer length.
   */
  constructor(env: Env<Obs, Act>, options: RecordEpisodeStatisticsOptions = {}) {
    super(env);
    this.bufferLength = options.bufferLength ?? 100;
    if (!Number.isSafeInteger(this.bufferLength) || this.bufferLength < 1) {
      throw new EnvError(`RecordEpisodeStatistics: bufferLength must be a positive integer, got ${this.bufferLength}`);
    }
  }

  /** Returns of the most recent finished episodes, oldest first (at most `bufferLength`). */
  get recentReturns(): readonly number[] {
    return this.returns;
  }

  /** Lengths of the most recent finished episodes, oldest first (at most `bufferLength`). */
  get recentLengths(): readonly number[] {
    return this.lengths;
  }

  /** The number of episodes finished since the wrapper was made. */
  get episodeCount(): number {
    return this.episodes;
  }

  /** {@inheritDoc Env.reset} */
  override reset(args?: ResetArgs): MaybePromise<ResetResult<Obs>> {
    this.episodeReturn = 0;
    this.episodeLength = 0;
    this.startMs = performance.now();
    return this.env.reset(args);
  }

  /** {@inheritDoc Env.step} */
  override step(action: Act): MaybePromise<StepResult<Obs>> {
    return mapMaybe(this.env.step(action), (r) => {
      this.episodeReturn += r.reward;
      this.episodeLength++;
      if (!r.terminated && !r.truncated) return r;
      const episode: EpisodeStatistics = {
        return: this.episodeReturn,
        length: this.episodeLength,
        durationMs: performance.now() - this.startMs,
      };
      this.episodes++;
      this.returns.push(episode.return);
      this.lengths.push(episode.length);
      if (this.returns.length > this.bufferLength) {
        this.returns.shift();
        this.lengths.shift();
      }
      return { ...r, info: { ...r.info, episode } };
    });
  }
}
