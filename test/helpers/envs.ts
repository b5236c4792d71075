// Small scripted envs for the wrapper, vector-env and checker tests.
import { Box, Discrete } from '../../src/index.js';
import type { Env, MaybePromise, ResetArgs, ResetResult, StepResult } from '../../src/index.js';

/** Options of {@link CountingEnv}. */
export interface CountingEnvOptions {
  /** The step on which `terminated` is reported. */
  terminateAt?: number;
  /** Answer with promises instead of plain values. */
  async?: boolean;
}

/**
 * A deterministic env whose observation is `[episode, t, seedOrMinus1]` (float32), reward `5 * (action − 1)`,
 * terminating on step `terminateAt` (default never). Every call is logged in `calls`.
 */
export class CountingEnv implements Env<Float32Array, number> {
  readonly observationSpace = new Box({ low: -Infinity, high: Infinity, shape: [3], dtype: 'float32' });
  readonly actionSpace = new Discrete(3);
  readonly calls: string[] = [];
  episode = -1;
  t = 0;
  seed = -1;
  closed = 0;
  private readonly terminateAt: number;
  private readonly isAsync: boolean;

  constructor(options: CountingEnvOptions = {}) {
    this.terminateAt = options.terminateAt ?? Infinity;
    this.isAsync = options.async ?? false;
  }

  private answer<T>(value: T): MaybePromise<T> {
    return this.isAsync ? new Promise((resolve) => setTimeout(() => { resolve(value); }, 0)) : value;
  }

  reset(args: ResetArgs = {}): MaybePromise<ResetResult<Float32Array>> {
    this.calls.push(`reset(${args.seed ?? ''})`);
    if (args.seed !== undefined) this.seed = args.seed;
    this.episode++;
    this.t = 0;
    return this.answer({ observation: Float32Array.of(this.episode, 0, this.seed), info: { resetInfo: this.episode } });
  }

  step(action: number): MaybePromise<StepResult<Float32Array>> {
    if (this.episode < 0) throw new Error('CountingEnv.step: call reset() first');
    this.calls.push(`step(${action})`);
    this.t++;
    return this.answer({
      observation: Float32Array.of(this.episode, this.t, this.seed),
      reward: 5 * (action - 1),
      terminated: this.t >= this.terminateAt,
      truncated: false,
      info: { t: this.t },
    });
  }

  close(): void {
    this.closed++;
  }
}
