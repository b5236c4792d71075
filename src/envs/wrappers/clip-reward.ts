/**
 * The reward-clipping wrapper (Gymnasium's `ClipReward`).
 */
import { mapMaybe } from '../../internal/maybe.js';
import type { Env, MaybePromise, StepResult } from '../contract/types.js';
import { Wrapper } from './wrapper.js';
import { EnvError } from '../errors.js';

/**
 * Options of {@link ClipReward}.
 * @category Environments
 */
export interface ClipRewardOptions {
  /**
   * The smallest reward passed on.
   *
   * @defaultValue -1
   */
  min?: number;
  /**
   * The largest reward passed on.
   *
   * @defaultValue 1
   */
  max?: number;
}

/**
 * Clips every reward to `[min, max]` (the IMPALA paper clips Atari rewards to [-1, 1]). The unclipped reward is
 * kept in `info.rawReward`.
 *
 * @typeParam Obs - observation type.
 * @typeParam Act - action type.
 * @category Environments
 */
export class ClipReward<Obs, Act> extends Wrapper<Obs, Act> {
  /** The lower clip bound. */
  readonly min: number;
  /** The upper clip bound. */
  readonly max: number;

  /**
   * @param env - the env to wrap.
   * @param options - the clip bounds.
   */
  constructor(env: Env<Obs, Act>, options: ClipRewardOptions = {}) {
    super(env);
    this.min = options.min ?? -1;
    this.max = options.max ?? 1;
    if (!(this.min <= this.max)) throw new EnvError(`ClipReward: min ${this.min} > max ${this.max}`);
  }

  /** {@inheritDoc Env.step} */
  override step(action: Act): MaybePromise<StepResult<Obs>> {
    return mapMaybe(this.env.step(action), (r) => ({
      ...r,
      reward: Math.min(this.max, Math.max(this.min, r.reward)),
      info: { ...r.info, rawReward: r.reward },
    }));
  }
}
