/**
 * The action-repeat wrapper (frame skipping, as in the IMPALA paper's Atari and DMLab setups).
 */
import { isPromiseLike } from '../../internal/maybe.js';
import type { Env, MaybePromise, StepResult } from '../contract/types.js';
import { Wrapper } from './wrapper.js';
import { EnvError } from '../errors.js';

/**
 * Applies each action `repeat` times and sums the rewards. Stops early when the episode ends; the returned
 * observation, flags and info are those of the last inner step taken (`info.repeatedSteps` says how many).
 *
 * @typeParam Obs - observation type.
 * @typeParam Act - action type.
 * @category Environments
 */
export class ActionRepeat<Obs, Act> extends Wrapper<Obs, Act> {
  /** How many inner steps each `step` takes at most. */
  readonly repeat: number;

  /**
   * @param env - the env to wrap.
   * @param repeat - a positive integer (DMLab runs in the IMPALA paper use 4).
   */
  constructor(env: Env<Obs, Act>, repeat: number) {
    super(env);
    if (!Number.isSafeInteger(repeat) || repeat < 1) {
      throw new EnvError(`ActionRepeat: repeat must be a positive integer, got ${repeat}`);
    }
    this.repeat = repeat;
  }

  /** {@inheritDoc Env.step} */
  override step(action: Act): MaybePromise<StepResult<Obs>> {
    let total = 0;
    let taken = 0;
    const after = (r: StepResult<Obs>): MaybePromise<StepResult<Obs>> => {
      for (;;) {
        total += r.reward;
        taken++;
        if (r.terminated || r.truncated || taken >= this.repeat) {
          return { ...r, reward: total, info: { ...r.info, repeatedSteps: taken } };
        }
        const next = this.env.step(action);
        if (isPromiseLike(next)) return next.then(after);
        r = next;
      }
    };
    const first = this.env.step(action);
    return isPromiseLike(first) ? first.then(after) : after(first);
  }
}
