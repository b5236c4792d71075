/**
 * The base class of env wrappers (Gymnasium's `Wrapper`): an `Env` that holds another and forwards to it.
 */
import type { Env, EnvSpec, MaybePromise, ResetArgs, ResetResult, StepResult } from '../contract/types.js';
import type { Space } from '../contract/spaces.js';

/**
 * An env that wraps `env` and forwards every call to it; subclasses override what they change.
 *
 * A wrapper may change the observation type (`Obs` vs `InnerObs`) or the action type (`Act` vs `InnerAct`); it
 * then sets its own `observationSpace`/`actionSpace`. Results stay synchronous when the inner env answers
 * synchronously.
 *
 * @typeParam Obs - the observation type this wrapper returns.
 * @typeParam Act - the action type this wrapper accepts.
 * @typeParam InnerObs - the observation type of the wrapped env.
 * @typeParam InnerAct - the action type of the wrapped env.
 * @category Environments
 */
export class Wrapper<Obs, Act, InnerObs = Obs, InnerAct = Act> implements Env<Obs, Act> {
  /** The wrapped env. */
  readonly env: Env<InnerObs, InnerAct>;
  /** The observation space; the inner env's unless the subclass changes it. */
  readonly observationSpace: Space<Obs>;
  /** The action space; the inner env's unless the subclass changes it. */
  readonly actionSpace: Space<Act>;

  /**
   * @param env - the env to wrap.
   * @param spaces - the spaces of this wrapper when they differ from the inner env's.
   */
  constructor(
    env: Env<InnerObs, InnerAct>,
    spaces: { observationSpace?: Space<Obs>; actionSpace?: Space<Act> } = {},
  ) {
    this.env = env;
    this.observationSpace = spaces.observationSpace ?? (env.observationSpace as unknown as Space<Obs>);
    this.actionSpace = spaces.actionSpace ?? (env.actionSpace as unknown as Space<Act>);
  }

  /** The inner env's spec. */
  get spec(): EnvSpec | undefined {
    return this.env.spec;
  }

  /** The innermost env, below every wrapper (Gymnasium's `env.unwrapped`). */
  get unwrapped(): Env {
    let env = this.env as Env;
    while (env instanceof Wrapper) env = env.env;
    const inner = (env as { unwrapped?: unknown }).unwrapped;
    return typeof inner === 'object' && inner !== null ? (inner as Env) : env;
  }

  /** {@inheritDoc Env.reset} */
  reset(args?: ResetArgs): MaybePromise<ResetResult<Obs>> {
    return this.env.reset(args) as unknown as MaybePromise<ResetResult<Obs>>;
  }

  /** {@inheritDoc Env.step} */
  step(action: Act): MaybePromise<StepResult<Obs>> {
    return this.env.step(action as unknown as InnerAct) as unknown as MaybePromise<StepResult<Obs>>;
  }

  /** Closes the inner env. */
  close(): MaybePromise<void> {
    return this.env.close?.();
  }
}
