/**
 * The time-limit wrapper (Gymnasium's `TimeLimit`).
 */
import { mapMaybe } from '../../internal/maybe.js';
import type { Env, MaybePromise, ResetArgs, ResetResult, StepResult } from '../contract/types.js';
import { Wrapper } from './wrapper.js';
import { EnvError } from '../errors.js';

/**
 * Reports `truncated: true` on the `maxEpisodeSteps`-th step of an episode (and keeps the inner env's
 * `terminated`, so both may be true on that step).
 *
 * @typeParam Obs - observation type.
 * @typeParam Act - action type.
 * @category Environments
 */
export class TimeLimit<Obs, Act> extends Wrapper<Obs, Act> {
  /** The episode length after which `truncated` is reported. */
  readonly maxEpisodeSteps: number;
  private elapsed = 0;

  /**
   * @param env - the env to wrap.
   * @param maxEpisodeSteps - a positive integer.
   */
  constructor(env: Env<Obs, Act>, maxEpisodeSteps: number) {
    super(env);
    if (!Number.isSafeInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) {
      throw new EnvError(`TimeLimit: maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`);
    }
    this.maxEpisodeSteps = maxEpisodeSteps;
  }

  /** Steps taken in the current episode. */
  get elapsedSteps(): number {
    return this.elapsed;
  }

  /** {@inheritDoc Env.reset} */
  override reset(args?: ResetArgs): MaybePromise<ResetResult<Obs>> {
    this.elapsed = 0;
    return this.env.reset(args);
  }

  /** {@inheritDoc Env.step} */
  override step(action: Act): MaybePromise<StepResult<Obs>> {
    return mapMaybe(this.env.step(action), (r) => {
      this.elapsed++;
      return this.elapsed >= this.maxEpisodeSteps && !r.truncated ? { ...r, truncated: true } : r;
    });
  }
}
