/**
 * The observation-normalisation wrapper (Gymnasium's `NormalizeObservation`).
 */
import { mapMaybe } from '../../internal/maybe.js';
import { Box } from '../contract/spaces.js';
import type { BoxArray, BoxDtype } from '../contract/spaces.js';
import type { Env, MaybePromise, ResetArgs, ResetResult, StepResult } from '../contract/types.js';
import { Wrapper } from './wrapper.js';
import { EnvError } from '../errors.js';

/**
 * Running statistics of the observations, per element.
 * @category Environments
 */
export interface RunningMeanStd {
  /** Per-element running mean (float64). */
  readonly mean: Float64Array;
  /** Per-element running variance (float64, population variance). */
  readonly variance: Float64Array;
  /** The (pseudo-)count of observations folded in; starts at `1e-4` like Gymnasium's. */
  readonly count: number;
}

/**
 * Options of {@link NormalizeObservation}.
 * @category Environments
 */
export interface NormalizeObservationOptions {
  /**
   * Added to the variance before the square root.
   *
   * @defaultValue 1e-8
   */
  epsilon?: number;
  /**
   * When set, normalised values are clipped to `[-clip, clip]`.
   *
   * @defaultValue no clipping
   */
  clip?: number;
  /**
   * Whether observations update the statistics (turn off for evaluation).
   *
   * @defaultValue true
   */
  update?: boolean;
}

/**
 * Returns `(obs − mean) / sqrt(variance + epsilon)` as a `Float32Array`, where `mean` and `variance` are running
 * per-element statistics over every observation seen so far (reset observations included), updated with the
 * parallel (Chan et al.) algorithm from an initial pseudo-count of 1e-4, mean 0, variance 1, as Gymnasium does.
 * The observation is folded into the statistics before it is normalised.
 *
 * @typeParam Act - action type.
 * @category Environments
 */
export class NormalizeObservation<Act> extends Wrapper<Float32Array, Act, BoxArray> {
  /** Whether observations update the statistics. */
  update: boolean;
  private readonly epsilon: number;
  private readonly clip: number;
  private mean: Float64Array;
  private variance: Float64Array;
  private count = 1e-4;

  /**
   * @param env - an env with a `Box` observation space of any dtype.
   * @param options - epsilon, clipping and whether to update.
   */
  constructor(env: Env<BoxArray, Act>, options: NormalizeObservationOptions = {}) {
    const inner = env.observationSpace;
    if (inner.kind !== 'box') {
      throw new EnvError(`NormalizeObservation: observation space must be a Box, got ${inner.toString()}`);
    }
    const box = inner as unknown as Box<BoxDtype>;
    const clip = options.clip ?? Infinity;
    if (!(clip > 0)) throw new EnvError(`NormalizeObservation: clip must be positive, got ${clip}`);
    super(env, { observationSpace: new Box({ low: -clip, high: clip, shape: box.shape, dtype: 'float32' }) });
    this.epsilon = options.epsilon ?? 1e-8;
    this.clip = clip;
    this.update = options.update ?? true;
    this.mean = new Float64Array(box.size);
    this.variance = new Float64Array(box.size).fill(1);
  }

  /**
   * The current statistics (copies).
   *
   * @returns mean, variance and count.
   */
  getStatistics(): RunningMeanStd {
    return { mean: this.mean.slice(), variance: this.variance.slice(), count: this.count };
  }

  /**
   * Replaces the statistics, e.g. with ones saved from a training run.
   *
   * @param stats - mean and variance of the observation size, and a positive count.
   */
  setStatistics(stats: RunningMeanStd): void {
    if (stats.mean.length !== this.mean.length || stats.variance.length !== this.mean.length) {
      throw new EnvError(
        `NormalizeObservation.setStatistics: expected ${this.mean.length} elements, got mean ${stats.mean.length}, variance ${stats.variance.length}`,
      );
    }
    if (!(stats.count > 0)) throw new EnvError(`NormalizeObservation.setStatistics: count must be positive, got ${stats.count}`);
    this.mean = Float64Array.from(stats.mean);
    this.variance = Float64Array.from(stats.variance);
    this.count = stats.count;
  }

  private normalize(obs: BoxArray): Float32Array {
    const n = this.mean.length;
    if (obs.length !== n) {
      throw new EnvError(`NormalizeObservation: observation has ${obs.length} elements, expected ${n}`);
    }
    if (this.update) {
      // Chan et al.'s parallel update with a batch of one observation (batch mean = obs, batch variance = 0).
      const total = this.count + 1;
      for (let i = 0; i < n; i++) {
        const delta = obs[i]! - this.mean[i]!;
        this.mean[i] = this.mean[i]! + delta / total;
        const m2 = this.variance[i]! * this.count + (delta * delta * this.count) / total;
        this.variance[i] = m2 / total;
      }
      this.count = total;
    }
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const z = (obs[i]! - this.mean[i]!) / Math.sqrt(this.variance[i]! + this.epsilon);
      out[i] = Math.min(this.clip, Math.max(-this.clip, z));
    }
    return out;
  }

  /** {@inheritDoc Env.reset} */
  override reset(args?: ResetArgs): MaybePromise<ResetResult<Float32Array>> {
    return mapMaybe(this.env.reset(args), (r) => ({ observation: this.normalize(r.observation), info: r.info }));
  }

  /** {@inheritDoc Env.step} */
  override step(action: Act): MaybePromise<StepResult<Float32Array>> {
    return mapMaybe(this.env.step(action), (r) => ({ ...r, observation: this.normalize(r.observation) }));
  }
}
