/**
 * Acrobot-v1, ported from Gymnasium 1.3's `classic_control/acrobot.py` (Sutton 1996; Sutton and Barto 1998).
 */
import type { Rng } from '../contract/rng.js';
import { Box, Discrete } from '../contract/spaces.js';
import type { EnvSpec } from '../contract/types.js';
import { ClassicControlEnv, resetBounds } from './classic-control-env.js';
import type { ClassicControlOptions } from './classic-control-env.js';
import { EnvError } from '../errors.js';

const DT = 0.2;
const LINK_LENGTH_1 = 1.0;
const LINK_MASS_1 = 1.0;
const LINK_MASS_2 = 1.0;
const LINK_COM_POS_1 = 0.5;
const LINK_COM_POS_2 = 0.5;
const LINK_MOI = 1.0;
const MAX_VEL_1 = 4 * Math.PI;
const MAX_VEL_2 = 9 * Math.PI;
const AVAIL_TORQUE = [-1.0, 0.0, 1.0] as const;
const G = 9.8;

/**
 * Options of {@link AcrobotEnv}.
 * @category Environments
 */
export interface AcrobotOptions extends ClassicControlOptions {
  /**
   * Which equations of motion: `'book'` (Sutton and Barto's book and the Java implementation; Gymnasium's
   * default) or `'nips'` (the NIPS 1996 paper, without the `m2·l1·lc2·θ̇1²·sin θ2` term in θ̈2).
   *
   * @defaultValue `'book'`
   */
  dynamics?: 'book' | 'nips';
  /**
   * Uniform noise in `[-torqueNoiseMax, torqueNoiseMax]` added to the torque, drawn from the env's generator.
   *
   * @defaultValue 0
   */
  torqueNoiseMax?: number;
}

function wrap(x: number, m: number, M: number): number {
  const diff = M - m;
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}

function bound(x: number, m: number, M: number): number {
  return Math.min(Math.max(x, m), M);
}

/**
 * A two-link pendulum actuated at the joint between the links (Gymnasium's `Acrobot-v1`): apply torque −1 (0),
 * 0 (1) or +1 (2); reward −1 per step and 0 on the terminating step; terminates when the free end rises above
 * the bar (`−cos θ1 − cos(θ1 + θ2) > 1`); truncated after 500 steps. Integrated with one RK4 step of 0.2 s.
 *
 * State `[θ1, θ2, θ̇1, θ̇2]` (float64, settable through `state`); observation
 * `[cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2]` as float32. The initial state is uniform in `[-0.1, 0.1]^4`
 * (changeable with reset `options.low`/`options.high`), rounded to float32 as Gymnasium does.
 * @category Environments
 */
export class AcrobotEnv extends ClassicControlEnv {
  /** `Box(float32, [6])` with bounds ±[1, 1, 1, 1, 4π, 9π]. */
  readonly observationSpace = new Box({
    low: [-1, -1, -1, -1, -MAX_VEL_1, -MAX_VEL_2],
    high: [1, 1, 1, 1, MAX_VEL_1, MAX_VEL_2],
    shape: [6],
    dtype: 'float32',
  });
  /** `Discrete(3)`: torque −1, 0, +1. */
  readonly actionSpace = new Discrete(3);
  /** `{ id: 'Acrobot-v1', maxEpisodeSteps: 500, rewardThreshold: -100 }`. */
  readonly spec: EnvSpec;
  /** The equations of motion in use. */
  readonly dynamics: 'book' | 'nips';
  /** The torque noise amplitude. */
  readonly torqueNoiseMax: number;
  // RK4 scratch buffers (state, torque as a fifth component whose derivative is 0, as in Gymnasium).
  private readonly y = new Float64Array(5);
  private readonly k1 = new Float64Array(5);
  private readonly k2 = new Float64Array(5);
  private readonly k3 = new Float64Array(5);
  private readonly k4 = new Float64Array(5);
  private readonly tmp = new Float64Array(5);

  /**
   * @param options - time limit, dynamics variant and torque noise.
   */
  constructor(options: AcrobotOptions = {}) {
    const maxEpisodeSteps = options.maxEpisodeSteps ?? 500;
    super('AcrobotEnv', 4, maxEpisodeSteps);
    const dynamics: string = options.dynamics ?? 'book';
    if (dynamics !== 'book' && dynamics !== 'nips') {
      throw new EnvError(`AcrobotEnv: dynamics must be 'book' or 'nips', got ${dynamics}`);
    }
    this.dynamics = dynamics;
    this.torqueNoiseMax = options.torqueNoiseMax ?? 0;
    if (!(this.torqueNoiseMax >= 0)) {
      throw new EnvError(`AcrobotEnv: torqueNoiseMax must be >= 0, got ${this.torqueNoiseMax}`);
    }
    this.spec = {
      id: 'Acrobot-v1',
      ...(Number.isFinite(maxEpisodeSteps) ? { maxEpisodeSteps } : {}),
      rewardThreshold: -100,
    };
  }

  /** {@inheritDoc ClassicControlEnv.initialState} */
  protected initialState(rng: Rng, options: Record<string, unknown> | undefined): void {
    const [low, high] = resetBounds('AcrobotEnv.reset', options, -0.1, 0.1);
    for (let i = 0; i < 4; i++) this.s[i] = Math.fround(rng.uniform(low, high));
  }

  /** The time derivative of `[θ1, θ2, θ̇1, θ̇2, a]`, written to `out` (Gymnasium's `_dsdt`, same operation order). */
  private dsdt(s: Float64Array, out: Float64Array): void {
    const m1 = LINK_MASS_1;
    const m2 = LINK_MASS_2;
    const l1 = LINK_LENGTH_1;
    const lc1 = LINK_COM_POS_1;
    const lc2 = LINK_COM_POS_2;
    const I1 = LINK_MOI;
    const I2 = LINK_MOI;
    const theta1 = s[0]!;
    const theta2 = s[1]!;
    const dtheta1 = s[2]!;
    const dtheta2 = s[3]!;
    const a = s[4]!;
    const cosTheta2 = Math.cos(theta2);
    const sinTheta2 = Math.sin(theta2);
    const d1 = m1 * (lc1 * lc1) + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * cosTheta2) + I1 + I2;
    const d2 = m2 * (lc2 * lc2 + l1 * lc2 * cosTheta2) + I2;
    const phi2 = m2 * lc2 * G * Math.cos(theta1 + theta2 - Math.PI / 2.0);
    const phi1 =
      -m2 * l1 * lc2 * (dtheta2 * dtheta2) * sinTheta2 -
      2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sinTheta2 +
      (m1 * lc1 + m2 * l1) * G * Math.cos(theta1 - Math.PI / 2) +
      phi2;
    let ddtheta2: number;
    if (this.dynamics === 'nips') {
      ddtheta2 = (a + (d2 / d1) * phi1 - phi2) / (m2 * (lc2 * lc2) + I2 - (d2 * d2) / d1);
    } else {
      ddtheta2 =
        (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * sinTheta2 - phi2) /
        (m2 * (lc2 * lc2) + I2 - (d2 * d2) / d1);
    }
    const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
    out[0] = dtheta1;
    out[1] = dtheta2;
    out[2] = ddtheta1;
    out[3] = ddtheta2;
    out[4] = 0.0;
  }

  /** {@inheritDoc ClassicControlEnv.transition} */
  protected transition(action: number): number {
    let torque: number = AVAIL_TORQUE[action as 0 | 1 | 2];
    if (this.torqueNoiseMax > 0) {
      if (this.rng === undefined) {
        throw new EnvError('AcrobotEnv.step: torque noise needs the generator that reset() creates; call reset() first');
      }
      torque += this.rng.uniform(-this.torqueNoiseMax, this.torqueNoiseMax);
    }
    const { y, k1, k2, k3, k4, tmp } = this;
    y.set(this.s);
    y[4] = torque;
    // One RK4 step over t = [0, dt] (Gymnasium's `rk4`).
    const dt = DT - 0;
    const dt2 = dt / 2.0;
    this.dsdt(y, k1);
    for (let j = 0; j < 5; j++) tmp[j] = y[j]! + dt2 * k1[j]!;
    this.dsdt(tmp, k2);
    for (let j = 0; j < 5; j++) tmp[j] = y[j]! + dt2 * k2[j]!;
    this.dsdt(tmp, k3);
    for (let j = 0; j < 5; j++) tmp[j] = y[j]! + dt * k3[j]!;
    this.dsdt(tmp, k4);
    const dt6 = dt / 6.0;
    const s = this.s;
    for (let j = 0; j < 4; j++) s[j] = y[j]! + dt6 * (k1[j]! + 2 * k2[j]! + 2 * k3[j]! + k4[j]!);
    s[0] = wrap(s[0]!, -Math.PI, Math.PI);
    s[1] = wrap(s[1]!, -Math.PI, Math.PI);
    s[2] = bound(s[2]!, -MAX_VEL_1, MAX_VEL_1);
    s[3] = bound(s[3]!, -MAX_VEL_2, MAX_VEL_2);
    return this.isTerminal() ? 0.0 : -1.0;
  }

  /** {@inheritDoc ClassicControlEnv.isTerminal} */
  protected isTerminal(): boolean {
    const s = this.s;
    return -Math.cos(s[0]!) - Math.cos(s[1]! + s[0]!) > 1.0;
  }

  /** {@inheritDoc ClassicControlEnv.observe} */
  protected observe(): Float32Array {
    const s = this.s;
    return Float32Array.of(Math.cos(s[0]!), Math.sin(s[0]!), Math.cos(s[1]!), Math.sin(s[1]!), s[2]!, s[3]!);
  }
}
