/**
 * A vectorised env: N copies stepped together, each reset automatically when its episode ends.
 */
import { allMaybe, mapMaybe } from '../internal/maybe.js';
import { assertSeed } from './contract/rng.js';
import type { Space } from './contract/spaces.js';
import type { Env, Info, MaybePromise, ResetArgs, StepResult } from './contract/types.js';
import { EnvError } from './errors.js';

/**
 * What {@link VectorEnv.reset} returns: one observation and info per copy.
 * @category Environments
 */
export interface VectorResetResult<Obs> {
  /** `observations[i]` is copy `i`'s first observation. */
  readonly observations: Obs[];
  /** `infos[i]` is copy `i`'s reset info. */
  readonly infos: Info[];
}

/**
 * What {@link VectorEnv.step} returns, one entry per copy.
 *
 * When copy `i`'s episode ended on this step (`terminated[i] || truncated[i]`), the copy has already been reset:
 * `observations[i]` is the first observation of its next episode, `infos[i].finalObservation` the last observation
 * of the episode that ended (bootstrap from it when `truncated[i]`), and `infos[i].finalInfo` that step's info.
 * @category Environments
 */
export interface VectorStepResult<Obs> {
  /** The next observation of each copy (after an automatic reset where an episode ended). */
  readonly observations: Obs[];
  /** The reward of each copy. */
  readonly rewards: Float64Array;
  /** Whether each copy's episode reached a terminal state on this step. */
  readonly terminated: boolean[];
  /** Whether each copy's episode was cut short on this step. */
  readonly truncated: boolean[];
  /** Each copy's step info; for copies that were reset, also `finalObservation` and `finalInfo`. */
  readonly infos: Info[];
}

/**
 * N envs stepped together, with same-step auto-reset (Gymnasium's `SyncVectorEnv` with
 * `AutoresetMode.SAME_STEP`). Copies that answer with promises are awaited together, so async envs (e.g. in
 * subprocesses) run in parallel; when every copy is synchronous, so is the vector env.
 *
 * `reset({ seed })` seeds copy `i` with `seed + i`.
 *
 * @typeParam Obs - observation type of one copy.
 * @typeParam Act - action type of one copy.
 *
 * @example
 * ```ts
 * const envs = new VectorEnv(Array.from({ length: 8 }, () => makeEnv('CartPole-v1')));
 * let { observations } = await envs.reset({ seed: 0 });
 * const r = await envs.step(observations.map(() => 0));
 * ```
 * @category Environments
 */
export class VectorEnv<Obs, Act> {
  /** The copies, in order. */
  readonly envs: readonly Env<Obs, Act>[];
  /** The observation space of one copy. */
  readonly singleObservationSpace: Space<Obs>;
  /** The action space of one copy. */
  readonly singleActionSpace: Space<Act>;
  private started = false;

  /**
   * @param envs - at least one env; all must have the same spaces (compared by their descriptions).
   */
  constructor(envs: readonly Env<Obs, Act>[]) {
    const first = envs[0];
    if (first === undefined) throw new EnvError('VectorEnv: needs at least one env, got 0');
    envs.forEach((env, i) => {
      if (env.observationSpace.toString() !== first.observationSpace.toString()) {
        throw new EnvError(
          `VectorEnv: env ${i} has observation space ${env.observationSpace.toString()}, env 0 has ${first.observationSpace.toString()}`,
        );
      }
      if (env.actionSpace.toString() !== first.actionSpace.toString()) {
        throw new EnvError(
          `VectorEnv: env ${i} has action space ${env.actionSpace.toString()}, env 0 has ${first.actionSpace.toString()}`,
        );
      }
    });
    this.envs = [...envs];
    this.singleObservationSpace = first.observationSpace;
    this.singleActionSpace = first.actionSpace;
  }

  /** The number of copies. */
  get numEnvs(): number {
    return this.envs.length;
  }

  /**
   * Resets every copy.
   *
   * @param args - `seed` (copy `i` gets `seed + i`) and `options` passed to every copy.
   * @returns one observation and info per copy.
   */
  reset(args: ResetArgs = {}): MaybePromise<VectorResetResult<Obs>> {
    if (args.seed !== undefined) assertSeed(args.seed, 'VectorEnv.reset');
    const results = this.envs.map((env, i) => {
      const a: ResetArgs = {};
      if (args.seed !== undefined) a.seed = args.seed + i;
      if (args.options !== undefined) a.options = args.options;
      return env.reset(a);
    });
    return mapMaybe(allMaybe(results), (rs) => {
      this.started = true;
      return { observations: rs.map((r) => r.observation), infos: rs.map((r) => r.info) };
    });
  }

  /**
   * Steps every copy with its action, resetting the copies whose episode ended.
   *
   * @param actions - one action per copy, `actions.length === numEnvs`.
   * @returns observations, rewards `[N]`, flags and infos.
   */
  step(actions: readonly Act[]): MaybePromise<VectorStepResult<Obs>> {
    if (!this.started) throw new EnvError('VectorEnv.step: call reset() before step()');
    if (actions.length !== this.envs.length) {
      throw new EnvError(`VectorEnv.step: got ${actions.length} actions for ${this.envs.length} envs`);
    }
    const stepped = this.envs.map((env, i) =>
      mapMaybe(env.step(actions[i]!), (r): MaybePromise<[StepResult<Obs>, Obs, Info]> => {
        if (!r.terminated && !r.truncated) return [r, r.observation, r.info];
        return mapMaybe(env.reset(), (reset): [StepResult<Obs>, Obs, Info] => [
          r,
          reset.observation,
          { ...reset.info, finalObservation: r.observation, finalInfo: r.info },
        ]);
      }),
    );
    return mapMaybe(allMaybe(stepped), (rs) => ({
      observations: rs.map((x) => x[1]),
      rewards: Float64Array.from(rs, (x) => x[0].reward),
      terminated: rs.map((x) => x[0].terminated),
      truncated: rs.map((x) => x[0].truncated),
      infos: rs.map((x) => x[2]),
    }));
  }

  /** Closes every copy. */
  close(): MaybePromise<void> {
    return mapMaybe(allMaybe(this.envs.map((env) => env.close?.())), () => undefined);
  }
}
