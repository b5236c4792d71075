/**
 * {@link EnvProxyGroup}: stand-ins for N environments stepped elsewhere (a thin actor of central inference), so
 * that an ordinary `Actor` on the learner can run the policy and assemble trajectories while the real
 * environments live in another process.
 */
import type { ActorEnv } from './actor.js';
import { AgentError } from './errors.js';

/**
 * What the process that steps the real environments reports after each round of actions (or, the first time,
 * after the seeded resets).
 * @category Agent
 */
export interface EnvProxyReport {
  /** Observation of each env (N of them): for an env whose episode just ended, the final observation. */
  readonly observations: readonly ArrayLike<number>[];
  /** Reward of each env's step (ignored in the first report). */
  readonly rewards: ArrayLike<number>;
  /** 1 where the step terminated the episode. */
  readonly terminated: ArrayLike<number>;
  /** 1 where the step truncated the episode. */
  readonly truncated: ArrayLike<number>;
  /** First observation of the next episode of each env that terminated or truncated, in env order. */
  readonly resetObservations: readonly ArrayLike<number>[];
}

interface Waiter<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (error: Error) => void;
}

interface StepResult {
  observation: ArrayLike<number>;
  reward: number;
  terminated: boolean;
  truncated: boolean;
}

/**
 * N proxy environments whose `step`s are collected into one array of actions (handed to `onActions` once all N
 * have been called, as `Actor` does every step), and answered by the next {@link EnvProxyGroup.deliver}. A
 * `reset` is answered from the last report: the first report's observations for the initial (seeded) resets,
 * `resetObservations` for episodes that ended.
 * @category Agent
 */
export class EnvProxyGroup {
  /** The proxies, to give an `Actor` as its `envs`. */
  readonly envs: ActorEnv[];
  readonly #n: number;
  readonly #heads: number;
  readonly #onActions: (actions: Int32Array) => void;
  #actions: Int32Array;
  #called = 0;
  #steps: (Waiter<StepResult> | null)[];
  #initial: (Waiter<{ observation: ArrayLike<number> }> | null)[];
  #resets = new Map<number, ArrayLike<number>>();
  #started = false;
  #failed: Error | null = null;

  /**
   * @param n - number of environments.
   * @param heads - action heads H (each step takes H actions per env).
   * @param envId - the environments' id (their `spec.id`, for episode statistics).
   * @param onActions - receives the `[N, H]` actions of a step once every env has been stepped.
   */
  constructor(n: number, heads: number, envId: string, onActions: (actions: Int32Array) => void) {
    this.#n = n;
    this.#heads = heads;
    this.#onActions = onActions;
    this.#actions = new Int32Array(n * heads);
    this.#steps = Array.from({ length: n }, () => null);
    this.#initial = Array.from({ length: n }, () => null);
    this.envs = Array.from({ length: n }, (_, i) => this.#proxy(i, envId));
  }

  /**
   * Answers the pending resets (first report) or steps (later ones).
   *
   * @param report - what the real environments did.
   * @throws {@link AgentError} when no step is pending, or the report does not fit (N observations, one reset
   *   observation per ended episode).
   */
  deliver(report: EnvProxyReport): void {
    if (this.#failed) return;
    if (report.observations.length !== this.#n) throw new AgentError(`EnvProxyGroup.deliver: ${report.observations.length} observations for ${this.#n} envs`);
    if (!this.#started) {
      // The first report: the initial observations, for resets already waiting or still to come.
      this.#started = true;
      const waiters = this.#initial;
      this.#initial = waiters.map(() => null);
      report.observations.forEach((o, i) => {
        const w = waiters[i];
        if (w) w.resolve({ observation: o });
        else this.#resets.set(i, o);
      });
      return;
    }
    if (this.#steps.some((w) => w === null)) throw new AgentError('EnvProxyGroup.deliver: a report arrived while no step was pending (one report per reply)');
    let k = 0;
    const resets = new Map<number, ArrayLike<number>>();
    for (let i = 0; i < this.#n; i++) {
      if (report.terminated[i] || report.truncated[i]) {
        const o = report.resetObservations[k++];
        if (o === undefined) throw new AgentError(`EnvProxyGroup.deliver: env ${i} ended its episode but the report has no reset observation for it`);
        resets.set(i, o);
      }
    }
    if (k !== report.resetObservations.length) throw new AgentError(`EnvProxyGroup.deliver: ${report.resetObservations.length} reset observations for ${k} ended episodes`);
    this.#resets = resets;
    const waiters = this.#steps;
    this.#steps = waiters.map(() => null);
    waiters.forEach((w, i) => {
      w!.resolve({ observation: report.observations[i]!, reward: Number(report.rewards[i]), terminated: report.terminated[i] === 1, truncated: report.truncated[i] === 1 });
    });
  }

  /**
   * Rejects every pending reset and step with `error` (and all later ones): the actor using these proxies stops.
   *
   * @param error - why (the remote process left, sent something malformed, the run ended).
   */
  fail(error: Error): void {
    if (this.#failed) return;
    this.#failed = error;
    for (const w of [...this.#steps, ...this.#initial]) w?.reject(error);
    this.#steps = this.#steps.map(() => null);
    this.#initial = this.#initial.map(() => null);
  }

  #proxy(i: number, envId: string): ActorEnv {
    const env = {
      spec: { id: envId },
      reset: (): Promise<{ observation: ArrayLike<number> }> => {
        if (this.#failed) return Promise.reject(this.#failed);
        if (!this.#started) {
          return new Promise((resolve, reject) => {
            this.#initial[i] = { resolve, reject };
          });
        }
        const o = this.#resets.get(i);
        if (o === undefined) return Promise.reject(new AgentError(`EnvProxyGroup: env ${i} was reset but no observation for it was reported (its episode had not ended)`));
        this.#resets.delete(i);
        return Promise.resolve({ observation: o });
      },
      step: (action: number | Int32Array): Promise<StepResult> => {
        if (this.#failed) return Promise.reject(this.#failed);
        const h = this.#heads;
        if (typeof action === 'number') this.#actions[i * h] = action;
        else this.#actions.set(action.subarray(0, h), i * h);
        const promise = new Promise<StepResult>((resolve, reject) => {
          this.#steps[i] = { resolve, reject };
        });
        if (++this.#called === this.#n) {
          this.#called = 0;
          const actions = this.#actions;
          this.#actions = new Int32Array(this.#n * h);
          this.#onActions(actions);
        }
        return promise;
      },
      close: (): void => {
        // the real environment belongs to the remote process
      },
    };
    return env as unknown as ActorEnv;
  }
}
