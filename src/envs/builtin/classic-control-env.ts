/**
 * Shared machinery of the classic-control ports: seeding, the time limit, reset bounds, the float64 `state`
 * property and the order checks. Each env supplies its dynamics.
 */
import { Rng, assertSeed } from '../contract/rng.js';
import type { Box, Discrete } from '../contract/spaces.js';
import type { Env, EnvSpec, ResetArgs, ResetResult, StepResult } from '../contract/types.js';
import { EnvError } from '../errors.js';

/**
 * Options shared by the classic-control envs.
 * @category Environments
 */
export interface ClassicControlOptions {
  /**
   * The episode length after which `step` reports `truncated` (Gymnasium's `TimeLimit`, built in). Pass
   * `Infinity` for no limit.
   *
   * @defaultValue the Gymnasium registration's `max_episode_steps` (CartPole-v1 500, Acrobot-v1 500, MountainCar-v0 200)
   */
  maxEpisodeSteps?: number;
}

/**
 * Reads Gymnasium's `{ low, high }` reset options (`utils.maybe_parse_reset_bounds`).
 *
 * @param where - the calling function's name, for errors.
 * @param options - the `options` passed to reset.
 * @param low - the default lower bound.
 * @param high - the default upper bound.
 * @returns the bounds to draw the initial state from.
 * @category Environments
 */
export function resetBounds(
  where: string,
  options: Record<string, unknown> | undefined,
  low: number,
  high: number,
): [number, number] {
  const read = (key: 'low' | 'high', fallback: number): number => {
    if (options === undefined || !(key in options)) return fallback;
    const v = Number(options[key]);
    if (Number.isNaN(v)) throw new EnvError(`${where}: options.${key} must be a number, got ${String(options[key])}`);
    return v;
  };
  const lo = read('low', low);
  const hi = read('high', high);
  if (lo > hi) throw new EnvError(`${where}: options.low ${lo} must not exceed options.high ${hi}`);
  return [lo, hi];
}

/**
 * The base of the classic-control envs: a float64 state vector, a discrete action space, float32 observations.
 *
 * The state (`state`, a live `Float64Array`) may be read and written at any time, like Gymnasium's
 * `env.unwrapped.state`; writing it also allows `step` without a prior `reset`, so a test can start the env from
 * a recorded state.
 * @category Environments
 */
export abstract class ClassicControlEnv implements Env<Float32Array, number> {
  /** The observation space (a float32 `Box`). */
  abstract readonly observationSpace: Box;
  /** The action space. */
  abstract readonly actionSpace: Discrete;
  /** The registry id, time limit and reward threshold. */
  abstract readonly spec: EnvSpec;
  /** The episode length after which `step` reports `truncated` (`Infinity` for none). */
  readonly maxEpisodeSteps: number;
  /** The internal state, updated in place by `step` and `reset`. */
  protected readonly s: Float64Array;
  /** The env's generator, created by the first `reset` (from its seed, or from entropy without one). */
  protected rng: Rng | undefined;
  private ready = false;
  private elapsed = 0;
  private readonly name: string;

  /**
   * @param name - the class name, for error messages.
   * @param stateSize - the length of the state vector.
   * @param maxEpisodeSteps - the time limit.
   */
  protected constructor(name: string, stateSize: number, maxEpisodeSteps: number) {
    if (!(maxEpisodeSteps >= 1) || (Number.isFinite(maxEpisodeSteps) && !Number.isInteger(maxEpisodeSteps))) {
      throw new EnvError(`${name}: maxEpisodeSteps must be a positive integer or Infinity, got ${maxEpisodeSteps}`);
    }
    this.name = name;
    this.s = new Float64Array(stateSize);
    this.maxEpisodeSteps = maxEpisodeSteps;
  }

  /**
   * The internal float64 state (a live view: `step` updates it in place; copy it with `.slice()` to keep a
   * snapshot). Assigning copies the given values in and makes the env steppable.
   */
  get state(): Float64Array {
    return this.s;
  }

  /** Copies `value` (as many numbers as the state has) into the state and makes the env steppable. */
  set state(value: ArrayLike<number>) {
    if (value.length !== this.s.length) {
      throw new EnvError(`${this.name}.state: expected ${this.s.length} values, got ${value.length}`);
    }
    this.s.set(value);
    this.ready = true;
  }

  /** The env itself (there is no wrapper below it), like Gymnasium's `env.unwrapped`. */
  get unwrapped(): this {
    return this;
  }

  /** Steps taken since the last reset. */
  get elapsedSteps(): number {
    return this.elapsed;
  }

  /**
   * Starts an episode from a random state drawn with the env's own generator.
   *
   * @param args - `seed` re-seeds the generator; `options.low`/`options.high` change the initial-state bounds.
   * @returns the first observation (float32) and an empty info.
   */
  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    if (args.seed !== undefined) {
      assertSeed(args.seed, `${this.name}.reset`);
      this.rng = new Rng(args.seed);
    }
    this.rng ??= new Rng();
    this.initialState(this.rng, args.options);
    this.elapsed = 0;
    this.ready = true;
    this.onReset();
    return { observation: this.observe(), info: {} };
  }

  /**
   * Advances the dynamics by one step.
   *
   * @param action - an element of `actionSpace`.
   * @returns the float32 observation, the reward, `terminated`, `truncated` (time limit) and an empty info.
   */
  step(action: number): StepResult<Float32Array> {
    if (!this.ready) throw new EnvError(`${this.name}.step: call reset() (or set state) before step()`);
    if (!this.actionSpace.contains(action)) {
      throw new EnvError(`${this.name}.step: invalid action ${String(action)} for ${this.actionSpace.toString()}`);
    }
    const reward = this.transition(action);
    this.elapsed++;
    return {
      observation: this.observe(),
      reward,
      terminated: this.isTerminal(),
      truncated: this.elapsed >= this.maxEpisodeSteps,
      info: {},
    };
  }

  /** Nothing to free; present so `close` may always be called. */
  close(): void {
    // No resources.
  }

  /** Draws the initial state into `this.s`. */
  protected abstract initialState(rng: Rng, options: Record<string, unknown> | undefined): void;
  /** Applies `action` to `this.s` and returns the reward. */
  protected abstract transition(action: number): number;
  /** Whether `this.s` is terminal. */
  protected abstract isTerminal(): boolean;
  /** The float32 observation of `this.s`. */
  protected abstract observe(): Float32Array;
  /** Hook called at the end of `reset`. */
  protected onReset(): void {
    // Nothing by default.
  }
}
