/**
 * CartPole-v1, ported from Gymnasium 1.3's `classic_control/cartpole.py` (Barto, Sutton and Anderson 1983), and
 * its velocity-masked variant `CartPoleStateless-v1`.
 */
import type { Rng } from '../contract/rng.js';
import { Box, Discrete } from '../contract/spaces.js';
import type { EnvSpec } from '../contract/types.js';
import { ClassicControlEnv, resetBounds } from './classic-control-env.js';
import type { ClassicControlOptions } from './classic-control-env.js';
import { EnvError } from '../errors.js';

const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_POLE + MASS_CART;
const LENGTH = 0.5; // half the pole's length
const POLE_MASS_LENGTH = MASS_POLE * LENGTH;
const FORCE_MAG = 10.0;
const TAU = 0.02; // seconds between state updates
const THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
const X_THRESHOLD = 2.4;

/**
 * Options of {@link CartPoleEnv}.
 * @category Environments
 */
export interface CartPoleOptions extends ClassicControlOptions {
  /**
   * Observe only the cart position and pole angle (`[x, θ]`, shape `[2]`), hiding both velocities: a partially
   * observed task that needs memory (the `CartPoleStateless-v1` id).
   *
   * @defaultValue false
   */
  maskVelocity?: boolean;
  /**
   * Gymnasium's `sutton_barto_reward`: reward 0 on non-terminal steps and −1 on the terminating step.
   *
   * @defaultValue false
   */
  suttonBartoReward?: boolean;
  /**
   * Gymnasium's `kinematics_integrator`: `'euler'` (the default) or `'semi-implicit-euler'`.
   *
   * @defaultValue `'euler'`
   */
  integrator?: 'euler' | 'semi-implicit-euler';
}

/**
 * A pole balanced on a cart (Gymnasium's `CartPole-v1`): push the cart left (action 0) or right (action 1) by a
 * fixed force; reward +1 on every step, the terminating one included; the episode terminates when the cart leaves
 * ±2.4 or the pole tilts more than 12°, and is truncated after 500 steps.
 *
 * State `[x, ẋ, θ, θ̇]` (float64, settable through `state`); observation the same four numbers as float32 (or
 * `[x, θ]` with `maskVelocity`). The initial state is drawn uniformly from `[-0.05, 0.05]^4` (bounds changeable
 * with reset `options.low`/`options.high`) with the env's own generator, so seeded resets are deterministic but
 * do not reproduce Gymnasium's random stream.
 *
 * @example
 * ```ts
 * const env = new CartPoleEnv();
 * const { observation } = env.reset({ seed: 0 });
 * const { reward, terminated, truncated } = env.step(1);
 * ```
 * @category Environments
 */
export class CartPoleEnv extends ClassicControlEnv {
  /** `Box(float32, [4])` with bounds ±[4.8, ∞, 0.419, ∞] (or `[2]`, ±[4.8, 0.419], with `maskVelocity`). */
  readonly observationSpace: Box;
  /** `Discrete(2)`: 0 pushes left, 1 pushes right. */
  readonly actionSpace = new Discrete(2);
  /** `{ id: 'CartPole-v1' (or 'CartPoleStateless-v1'), maxEpisodeSteps: 500, rewardThreshold: 475 }`. */
  readonly spec: EnvSpec;
  /** Whether velocities are hidden from the observation. */
  readonly maskVelocity: boolean;
  private readonly suttonBarto: boolean;
  private readonly semiImplicit: boolean;
  private stepsBeyondTerminated: number | undefined;

  /**
   * @param options - time limit, velocity masking, reward variant and integrator.
   */
  constructor(options: CartPoleOptions = {}) {
    const maxEpisodeSteps = options.maxEpisodeSteps ?? 500;
    super('CartPoleEnv', 4, maxEpisodeSteps);
    this.maskVelocity = options.maskVelocity ?? false;
    this.suttonBarto = options.suttonBartoReward ?? false;
    const integrator: string = options.integrator ?? 'euler';
    if (integrator !== 'euler' && integrator !== 'semi-implicit-euler') {
      throw new EnvError(`CartPoleEnv: unknown integrator ${integrator}`);
    }
    this.semiImplicit = integrator === 'semi-implicit-euler';
    const high = this.maskVelocity
      ? [X_THRESHOLD * 2, THETA_THRESHOLD * 2]
      : [X_THRESHOLD * 2, Infinity, THETA_THRESHOLD * 2, Infinity];
    this.observationSpace = new Box({
      low: high.map((h) => -h),
      high,
      shape: [high.length],
      dtype: 'float32',
    });
    this.spec = {
      id: this.maskVelocity ? 'CartPoleStateless-v1' : 'CartPole-v1',
      ...(Number.isFinite(maxEpisodeSteps) ? { maxEpisodeSteps } : {}),
      rewardThreshold: 475,
    };
  }

  /** {@inheritDoc ClassicControlEnv.initialState} */
  protected initialState(rng: Rng, options: Record<string, unknown> | undefined): void {
    const [low, high] = resetBounds('CartPoleEnv.reset', options, -0.05, 0.05);
    for (let i = 0; i < 4; i++) this.s[i] = rng.uniform(low, high);
  }

  /** {@inheritDoc ClassicControlEnv.onReset} */
  protected override onReset(): void {
    this.stepsBeyondTerminated = undefined;
  }

  /** {@inheritDoc ClassicControlEnv.transition} */
  protected transition(action: number): number {
    const s = this.s;
    let x = s[0]!;
    let xDot = s[1]!;
    let theta = s[2]!;
    let thetaDot = s[3]!;
    const force = action === 1 ? FORCE_MAG : -FORCE_MAG;
    const cosTheta = Math.cos(theta);
    const sinTheta = Math.sin(theta);
    // Same operations in the same order as Gymnasium, so the float64 results agree to the last bits.
    const temp = (force + POLE_MASS_LENGTH * (thetaDot * thetaDot) * sinTheta) / TOTAL_MASS;
    const thetaAcc =
      (GRAVITY * sinTheta - cosTheta * temp) /
      (LENGTH * (4.0 / 3.0 - (MASS_POLE * (cosTheta * cosTheta)) / TOTAL_MASS));
    const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * cosTheta) / TOTAL_MASS;
    if (this.semiImplicit) {
      xDot = xDot + TAU * xAcc;
      x = x + TAU * xDot;
      thetaDot = thetaDot + TAU * thetaAcc;
      theta = theta + TAU * thetaDot;
    } else {
      x = x + TAU * xDot;
      xDot = xDot + TAU * xAcc;
      theta = theta + TAU * thetaDot;
      thetaDot = thetaDot + TAU * thetaAcc;
    }
    s[0] = x;
    s[1] = xDot;
    s[2] = theta;
    s[3] = thetaDot;
    if (!this.isTerminal()) return this.suttonBarto ? 0.0 : 1.0;
    if (this.stepsBeyondTerminated === undefined) {
      this.stepsBeyondTerminated = 0;
      return this.suttonBarto ? -1.0 : 1.0;
    }
    // Stepping past termination is undefined behaviour in Gymnasium; it pays 0 (or −1) like Gymnasium does.
    this.stepsBeyondTerminated++;
    return this.suttonBarto ? -1.0 : 0.0;
  }

  /** {@inheritDoc ClassicControlEnv.isTerminal} */
  protected isTerminal(): boolean {
    const x = this.s[0]!;
    const theta = this.s[2]!;
    return x < -X_THRESHOLD || x > X_THRESHOLD || theta < -THETA_THRESHOLD || theta > THETA_THRESHOLD;
  }

  /** {@inheritDoc ClassicControlEnv.observe} */
  protected observe(): Float32Array {
    const s = this.s;
    return this.maskVelocity ? Float32Array.of(s[0]!, s[2]!) : Float32Array.from(s);
  }
}
