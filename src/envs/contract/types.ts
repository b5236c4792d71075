/**
 * The environment contract: Gymnasium's `Env` API (`reset`/`step` with separate `terminated` and `truncated`),
 * in TypeScript, with results that may be promises so an env can live in another thread or process.
 */
import type { MaybePromise } from '../../internal/maybe.js';
import type { Space } from './spaces.js';

export type { MaybePromise } from '../../internal/maybe.js';

/**
 * Extra, env-specific information returned by `reset` and `step`. Always a plain object (never `undefined`),
 * so wrappers can add keys (for example `episode` from {@link RecordEpisodeStatistics}).
 * @category Environments
 */
export type Info = Record<string, unknown>;

/**
 * Arguments of {@link Env.reset}, named like Gymnasium's keyword-only `reset(*, seed, options)`.
 * @category Environments
 */
export interface ResetArgs {
  /**
   * Seeds the env's random generator before the reset: two resets with the same seed give the same observation
   * and, fed the same actions, the same episode. Without a seed the env goes on with its current random stream
   * (the very first reset without a seed draws its seed from the system's entropy).
   * A non-negative safe integer.
   */
  seed?: number;
  /** Env-specific reset options (for the classic-control envs: `{ low, high }` bounds of the initial state). */
  options?: Record<string, unknown>;
}

/**
 * What {@link Env.reset} returns: the first observation of a new episode.
 * @category Environments
 */
export interface ResetResult<Obs> {
  /** The first observation of the episode; an element of `observationSpace`. */
  readonly observation: Obs;
  /** Extra information. */
  readonly info: Info;
}

/**
 * What {@link Env.step} returns.
 *
 * `terminated` and `truncated` are kept apart because they mean different things to a learner:
 * - `terminated`: the MDP reached a terminal state. The value of `observation` is 0: do not bootstrap from it.
 * - `truncated`: the episode was cut from outside the MDP (a time limit, an outside interruption). The state is
 *   not terminal: bootstrap from the value of `observation`, which is the final observation of the episode.
 *
 * Both may be true at once (a terminal state reached on the last allowed step; then `terminated` wins). After
 * either is true, call {@link Env.reset} before stepping again.
 * @category Environments
 */
export interface StepResult<Obs> {
  /** The observation after the action; when the episode ended, its final observation. */
  readonly observation: Obs;
  /** The reward for the transition, a finite number. */
  readonly reward: number;
  /** True when a terminal state of the MDP was reached (no bootstrapping). */
  readonly terminated: boolean;
  /** True when the episode was cut short without reaching a terminal state (bootstrap from `observation`). */
  readonly truncated: boolean;
  /** Extra information. */
  readonly info: Info;
}

/**
 * Static facts about a registered env id, attached by `makeEnv` as `env.spec`.
 * @category Environments
 */
export interface EnvSpec {
  /** The registry id, e.g. `'CartPole-v1'`. */
  readonly id: string;
  /** The episode length after which `step` reports `truncated`; `undefined` when the env has no time limit. */
  readonly maxEpisodeSteps?: number;
  /** The return at which the task counts as solved, when there is one (Gymnasium's `reward_threshold`). */
  readonly rewardThreshold?: number;
}

/**
 * An environment with observations of type `Obs` and actions of type `Act` (Gymnasium's `Env[ObsType, ActType]`).
 *
 * The rules, stated once:
 * 1. Call `reset` first. `step` before any `reset` throws (an env with a settable `state`, like the classic-control
 *    ones, may also be stepped once its state is set).
 * 2. `step(action)` takes an element of `actionSpace`; the observations it returns are elements of
 *    `observationSpace`, each a new object (an env never mutates an observation it already returned).
 * 3. When `step` returns `terminated` or `truncated`, the episode is over: call `reset` to start the next one.
 * 4. `reset({ seed })` makes the env deterministic: same seed and same actions, same results.
 * 5. Any method may return a promise; callers `await` the result.
 *
 * @typeParam Obs - the observation type (for a `Box` space a typed array, for `Discrete` a number).
 * @typeParam Act - the action type (for `Discrete` a number).
 * @category Environments
 */
export interface Env<Obs = unknown, Act = unknown> {
  /** The set of observations this env returns. */
  readonly observationSpace: Space<Obs>;
  /** The set of actions `step` accepts. */
  readonly actionSpace: Space<Act>;
  /** Set by `makeEnv`: the id the env was made from and its time limit. */
  readonly spec?: EnvSpec | undefined;
  /**
   * Starts a new episode.
   *
   * @param args - optional `seed` and env-specific `options`.
   * @returns the first observation and an info object.
   */
  reset(args?: ResetArgs): MaybePromise<ResetResult<Obs>>;
  /**
   * Applies one action.
   *
   * @param action - an element of `actionSpace`.
   * @returns the next observation, the reward, `terminated`, `truncated` and an info object.
   */
  step(action: Act): MaybePromise<StepResult<Obs>>;
  /** Frees the env's resources (a subprocess, a worker). Calling it twice is allowed. */
  close?(): MaybePromise<void>;
}
