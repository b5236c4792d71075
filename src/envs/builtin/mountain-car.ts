/**
 * MountainCar-v0, ported from Gymnasium 1.3's `classic_control/mountain_car.py` (Moore 1990).
 */
import type { Rng } from '../contract/rng.js';
import { Box, Discrete } from '../contract/spaces.js';
import type { EnvSpec } from '../contract/types.js';
import { ClassicControlEnv, resetBounds } from './classic-control-env.js';
import type { ClassicControlOptions } from './classic-control-env.js';

const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
const GOAL_POSITION = 0.5;
const FORCE = 0.001;
const GRAVITY = 0.0025;

/**
 * Options of {@link MountainCarEnv}.
 * @category Environments
 */
export interface MountainCarOptions extends ClassicControlOptions {
  /**
   * The velocity the car must have (at least) on reaching the goal position (Gymnasium's `goal_velocity`).
   *
   * @defaultValue 0
   */
  goalVelocity?: number;
}

/**
 * An under-powered car in a valley (Gymnasium's `MountainCar-v0`): accelerate left (0), not at all (1) or right
 * (2); reward −1 on every step; terminates when the car reaches position 0.5 (with velocity ≥ `goalVelocity`);
 * truncated after 200 steps.
 *
 * State `[position, velocity]` (float64, settable through `state`); observation the same as float32. The initial
 * position is uniform in `[-0.6, -0.4]` (changeable with reset `options.low`/`options.high`), velocity 0.
 * @category Environments
 */
export class MountainCarEnv extends ClassicControlEnv {
  /** `Box(float32, [2])` with bounds `[-1.2, -0.07]`..`[0.6, 0.07]`. */
  readonly observationSpace = new Box({
    low: [MIN_POSITION, -MAX_SPEED],
    high: [MAX_POSITION, MAX_SPEED],
    shape: [2],
    dtype: 'float32',
  });
  /** `Discrete(3)`: accelerate left, don't, accelerate right. */
  readonly actionSpace = new Discrete(3);
  /** `{ id: 'MountainCar-v0', maxEpisodeSteps: 200, rewardThreshold: -110 }`. */
  readonly spec: EnvSpec;
  /** The minimum velocity at the goal. */
  readonly goalVelocity: number;

  /**
   * @param options - time limit and goal velocity.
   */
  constructor(options: MountainCarOptions = {}) {
    const maxEpisodeSteps = options.maxEpisodeSteps ?? 200;
    super('MountainCarEnv', 2, maxEpisodeSteps);
    this.goalVelocity = options.goalVelocity ?? 0;
    this.spec = {
      id: 'MountainCar-v0',
      ...(Number.isFinite(maxEpisodeSteps) ? { maxEpisodeSteps } : {}),
      rewardThreshold: -110,
    };
  }

  /** {@inheritDoc ClassicControlEnv.initialState} */
  protected initialState(rng: Rng, options: Record<string, unknown> | undefined): void {
    const [low, high] = resetBounds('MountainCarEnv.reset', options, -0.6, -0.4);
    this.s[0] = rng.uniform(low, high);
    this.s[1] = 0;
  }

  /** {@inheritDoc ClassicControlEnv.transition} */
  protected transition(action: number): number {
    let position = this.s[0]!;
    let velocity = this.s[1]!;
    // Gymnasium: `velocity += (action - 1) * force + cos(3 * position) * (-gravity)`: the sum is formed first.
    velocity = velocity + ((action - 1) * FORCE + Math.cos(3 * position) * -GRAVITY);
    velocity = Math.min(MAX_SPEED, Math.max(-MAX_SPEED, velocity));
    position = position + velocity;
    position = Math.min(MAX_POSITION, Math.max(MIN_POSITION, position));
    if (position === MIN_POSITION && velocity < 0) velocity = 0;
    this.s[0] = position;
    this.s[1] = velocity;
    return -1.0;
  }

  /** {@inheritDoc ClassicControlEnv.isTerminal} */
  protected isTerminal(): boolean {
    return this.s[0]! >= GOAL_POSITION && this.s[1]! >= this.goalVelocity;
  }

  /** {@inheritDoc ClassicControlEnv.observe} */
  protected observe(): Float32Array {
    return Float32Array.from(this.s);
  }
}
