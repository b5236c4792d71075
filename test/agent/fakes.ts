/** Small, fully known models and environments for the actor/learner tests. */
import { Box, Discrete } from '../../src/envs/contract/spaces.js';
import type { Env, ResetResult, StepResult } from '../../src/envs/contract/types.js';
import type { AgentModel, ModelState, ModelStepInputs } from '../../src/agent/core.js';
import { tf } from '../helpers/tf.js';

/**
 * A feed-forward linear policy/value model over D-dimensional observations:
 * logits = x·W + b (`[D, A]`, `[A]`), baseline = x·v + c (`[D]`, scalar). Small enough to differentiate by hand.
 */
export class LinearModel implements AgentModel {
  readonly lstmSize = 0;
  readonly actionSizes: readonly number[];
  readonly W: tf.Variable;
  readonly b: tf.Variable;
  readonly v: tf.Variable;
  readonly c: tf.Variable;

  constructor(readonly observationShape: readonly number[], numActions: number, init: { W: number[]; b: number[]; v: number[]; c: number }) {
    const D = observationShape[0]!;
    this.actionSizes = [numActions];
    this.W = tf.variable(tf.tensor2d(init.W, [D, numActions]));
    this.b = tf.variable(tf.tensor1d(init.b));
    this.v = tf.variable(tf.tensor2d(init.v, [D, 1]));
    this.c = tf.variable(tf.tensor1d([init.c]));
  }

  get trainableVariables(): tf.Variable[] {
    return [this.W, this.b, this.v, this.c];
  }

  get weightSpecs() {
    return [
      { name: 'W', shape: this.W.shape },
      { name: 'b', shape: this.b.shape },
      { name: 'v', shape: this.v.shape },
      { name: 'c', shape: this.c.shape },
    ];
  }

  initialState(): ModelState {
    return null;
  }

  #forward(x: tf.Tensor2D): [tf.Tensor2D, tf.Tensor1D] {
    return [tf.add(tf.matMul(x, this.W), this.b), tf.reshape(tf.add(tf.matMul(x, this.v), this.c), [-1])];
  }

  step(inputs: ModelStepInputs): { policyLogits: tf.Tensor2D; baseline: tf.Tensor1D; state: ModelState } {
    const out = tf.tidy(() => {
      const [logits, values] = this.#forward(tf.cast(inputs.observation, 'float32') as tf.Tensor2D);
      return { logits, values };
    });
    return { policyLogits: out.logits, baseline: out.values, state: null };
  }

  /** Feed-forward: `dones` and the state are not used. */
  unroll(inputs: { observation: tf.Tensor }): { policyLogits: tf.Tensor3D; baseline: tf.Tensor2D; finalState: ModelState } {
    const [T, B, D] = inputs.observation.shape as [number, number, number];
    const out = tf.tidy(() => {
      const [logits, values] = this.#forward(tf.reshape(tf.cast(inputs.observation, 'float32'), [T * B, D]));
      return { logits: tf.reshape<tf.Rank.R3>(logits, [T, B, -1]), values: tf.reshape<tf.Rank.R2>(values, [T, B]) };
    });
    return { policyLogits: out.logits, baseline: out.values, finalState: null };
  }

  splitPolicyLogits(logits: tf.Tensor): tf.Tensor[] {
    return [logits];
  }

  getFlatWeights(): Float32Array {
    return Float32Array.from(this.trainableVariables.flatMap((v) => Array.from(v.dataSync())));
  }

  setWeights(weights: Float32Array): void {
    let o = 0;
    for (const v of this.trainableVariables) {
      v.assign(tf.tensor(weights.slice(o, o + v.size), v.shape));
      o += v.size;
    }
  }

  dispose(): void {
    tf.dispose(this.trainableVariables);
  }
}

/**
 * A deterministic chain: observation = [position / length, 1]; action 1 moves right (reward +1),
 * action 0 stays (reward 0). Terminates after `terminateAt` right moves; truncated after `timeLimit` steps.
 */
export class ChainEnv implements Env<Float32Array, number> {
  readonly observationSpace = new Box({ low: -10, high: 10, shape: [2], dtype: 'float32' });
  readonly actionSpace = new Discrete(2);
  position = 0;
  steps = 0;
  resets = 0;

  constructor(private readonly terminateAt = Infinity, private readonly timeLimit = Infinity) {}

  #obs(): Float32Array {
    return Float32Array.from([this.position / 10, 1]);
  }

  reset(): ResetResult<Float32Array> {
    this.position = 0;
    this.steps = 0;
    this.resets++;
    return { observation: this.#obs(), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    this.steps++;
    const reward = action === 1 ? 1 : 0;
    this.position += action;
    return {
      observation: this.#obs(),
      reward,
      terminated: this.position >= this.terminateAt,
      truncated: this.steps >= this.timeLimit,
      info: {},
    };
  }
}
