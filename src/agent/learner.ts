import * as tf from '@tensorflow/tfjs-core';
import { assertTfjsReady } from '../backends/tfjs-ready.js';
import { baselineLoss, policyEntropy, policyGradientLoss } from '../losses/impala-loss.js';
import type { RewardClipping } from '../losses/reward-clipping.js';
import { Adam } from '../optim/adam.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';
import { RMSProp, type RMSPropOptions } from '../optim/rmsprop.js';
import { clipByGlobalNorm, linearDecay } from '../optim/schedules.js';
import { clipByGlobalNormTensor } from '../optim/clip-tensor.js';
import { fromLogitsTensor } from '../compile/vtrace-graph.js';
import { LearnerCompiler, type CompileMode, type CompileStats, type LearnerBatchTensors } from '../compile/learner-compiler.js';
import { fromLogits } from '../vtrace/from-logits.js';
import type { VTraceOptions } from '../vtrace/options.js';
import type { AgentModel, ParameterSnapshot, ParameterSource } from './core.js';
import { modelFingerprint } from './model-fingerprint.js';
import { TRAIN_DEFAULTS } from './train-config.js';
import { stackTrajectories } from './stack-trajectories.js';
import type { EpisodeStats, Trajectory } from './trajectory.js';
import { AgentError } from './errors.js';

/**
 * Options of {@link Learner}; defaults are the original IMPALA's (`experiment.py`) unless noted.
 * @category Agent
 */
export interface LearnerOptions extends VTraceOptions {
  /** The network being trained (its variables are updated in place). */
  readonly model: AgentModel;
  /**
   * γ.
   * @defaultValue 0.99
   */
  readonly discount?: number;
  /**
   * Weight of the baseline loss `0.5·Σ(vs − V)²`.
   * @defaultValue 0.5
   */
  readonly baselineCost?: number;
  /**
   * Weight of the entropy bonus.
   * @defaultValue 0.00025
   */
  readonly entropyCost?: number;
  /**
   * Reward clipping applied to the V-trace rewards.
   * @defaultValue 'abs_one'
   */
  readonly rewardClipping?: RewardClipping;
  /**
   * Factor applied to rewards before clipping (the values then estimate scaled returns). Not in the
   * original; useful when returns are large, e.g. 0.1 on CartPole's +1 per step.
   * @defaultValue 1
   */
  readonly rewardScale?: number;
  /**
   * Initial learning rate, decayed linearly to 0 over `totalFrames`.
   * @defaultValue 0.00048
   */
  readonly learningRate?: number;
  /**
   * Frames over which the learning rate decays to 0; `Infinity` keeps it constant.
   * @defaultValue Infinity
   */
  readonly totalFrames?: number;
  /**
   * Environment frames per agent step (for the frame counter: `B·T·actionRepeats` per update).
   * @defaultValue 1
   */
  readonly actionRepeats?: number;
  /**
   * Global-norm gradient clipping threshold; `null` disables it (the original code has none; torchbeast
   * and the paper's Atari runs use 40).
   * @defaultValue null
   */
  readonly maxGradNorm?: number | null;
  /**
   * `'rmsprop'` (TensorFlow 1 semantics, the original), `'adam'`, or an {@link Optimizer} instance.
   * @defaultValue 'rmsprop'
   */
  readonly optimizer?: 'rmsprop' | 'adam' | Optimizer;
  /** RMSProp settings when `optimizer` is `'rmsprop'` (decay 0.99, momentum 0, ε 0.1). */
  readonly rmsprop?: RMSPropOptions;
  /**
   * Run each update (forward unroll, V-trace, losses, gradients, clipping, RMSProp) as one libtensorflow
   * graph on the `tensorflow`/`cuda` backends: the first update of each batch shape runs eagerly while
   * its ops are recorded, later ones are one session call (see docs/backends.md). `'auto'` falls back to
   * eager updates, logging why once, where no graph can be built (another backend, Adam or a custom
   * optimizer, a model that reads values on the host mid-step); `true` throws naming the reason.
   * @defaultValue 'auto'
   */
  readonly compile?: CompileMode;
  /**
   * Receives the one line saying why `compile: 'auto'` runs updates eagerly.
   * @defaultValue `console.warn`, each distinct line once per process
   */
  readonly log?: (message: string) => void;
}

/**
 * What one learner update measured.
 * @category Agent
 */
export interface LearnerStepMetrics {
  /** Total loss (policy gradient + baseline·cost − entropy·cost). */
  readonly totalLoss: number;
  /** `−Σ log π(a)·A`. */
  readonly policyLoss: number;
  /** `baselineCost · 0.5·Σ(vs − V)²`. */
  readonly baselineLoss: number;
  /** `−entropyCost · Σ H`. */
  readonly entropyLoss: number;
  /** Mean policy entropy per step (nats). */
  readonly entropy: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** Learning rate used for this update. */
  readonly learningRate: number;
  /** Mean of (learner version − behaviour version) over the batch. */
  readonly policyLag: number;
  /** Frames consumed after this update. */
  readonly frames: number;
  /** Updates done after this update. */
  readonly updates: number;
  /** Episodes that finished in the batch's trajectories. */
  readonly episodes: readonly EpisodeStats[];
}

/**
 * Serialisable learner state (besides the model weights), for checkpoints.
 * @category Agent
 */
export interface LearnerState {
  /** Frames consumed. */
  readonly frames: number;
  /** Updates done. */
  readonly updates: number;
  /** Optimizer slots and iterations. */
  readonly optimizer: OptimizerState;
}

const FN = 'Learner';

/**
 * The IMPALA learner (Espeholt et al. 2018, §3, and `build_learner` of the original code): for a batch
 * of B trajectories it re-runs the network over the `[T+1, B]` entries from the stored initial states,
 * computes V-trace targets (`vtrace.fromLogits`) with `bootstrapValue = baseline[T]`, and minimises
 * `−Σ log π(a)·A + baselineCost·0.5·Σ(vs − V)² − entropyCost·Σ H(π)` summed over time and batch.
 *
 * Discounts are γ except 0 where an episode ended. At a truncation (time limit) the trace is cut the same
 * way, but the actor's value estimate of the final observation is added to the reward as
 * `r + γ·V(x_final)`, so the target bootstraps from the state the episode was cut at rather than from
 * the next episode's first state (which the reference systems use) or from nothing.
 *
 * It is also the actors' {@link ParameterSource}: `latest()` returns the current version and flat weights.
 *
 * @example
 * ```ts
 * import { Actor, Learner, buildNetwork, makeEnv, useBackend, type ActorEnv } from 'impala-rl';
 * await useBackend('auto'); // a backend and tfjs's gradients
 * const envs = [makeEnv('CartPole-v1') as ActorEnv, makeEnv('CartPole-v1') as ActorEnv];
 * const network = buildNetwork({}, envs[0]!, 1);
 * const learner = new Learner({ model: network, learningRate: 0.002, totalFrames: 10_000 });
 * const actor = new Actor({ envs, model: buildNetwork({}, envs[0]!, 1), unrollLength: 20, seed: 1, parameterSource: learner });
 * const metrics = learner.step(await actor.unroll()); // one update on a batch of 2 trajectories
 * console.log(metrics.totalLoss, learner.frames); // …, 40
 * ```
 * docs/agent.md has the whole loop: several actors, a `BatchingQueue`, a checkpoint.
 * @category Agent
 */
export class Learner implements ParameterSource {
  readonly #model: AgentModel;
  readonly #optimizer: Optimizer;
  readonly #options: Required<Omit<LearnerOptions, 'model' | 'optimizer' | 'rmsprop' | 'compile' | 'log' | keyof VTraceOptions>>;
  readonly #compiler: LearnerCompiler | null;
  readonly #vtrace: VTraceOptions;
  readonly #variables: Record<string, tf.Variable>;
  readonly #engineToPublic: Map<string, string>;
  readonly #fingerprint: string;
  #frames = 0;
  #updates = 0;
  #snapshot: ParameterSnapshot | null = null;
  /**
   * The stacked observations of the last update, reused by the next one of the same size: at T = 20,
   * B = 32 on 84×84×4 frames it is 76 MB, and a fresh buffer per update costs more (zeroing and page
   * faults) than copying the frames into it. Its tensor is disposed before `step` returns, so no
   * backend still reads it when it is overwritten.
   */
  #observationBuffer: Int32Array | Float32Array | null = null;
  /** The same for compiled updates of uint8 pixels, stacked as bytes. */
  #observationBytes: Uint8Array | null = null;

  /** @param options - see {@link LearnerOptions}. */
  constructor(options: LearnerOptions) {
    assertTfjsReady(FN, true);
    this.#model = options.model;
    this.#fingerprint = modelFingerprint(options.model);
    const d = TRAIN_DEFAULTS;
    this.#options = {
      discount: options.discount ?? d.discount,
      baselineCost: options.baselineCost ?? d.baselineCost,
      entropyCost: options.entropyCost ?? d.entropyCost,
      rewardClipping: options.rewardClipping ?? d.rewardClipping,
      rewardScale: options.rewardScale ?? d.rewardScale,
      learningRate: options.learningRate ?? d.learningRate,
      totalFrames: options.totalFrames ?? Infinity,
      actionRepeats: options.actionRepeats ?? d.actionRepeats,
      maxGradNorm: options.maxGradNorm ?? d.maxGradNorm,
    };
    const { discount, learningRate, actionRepeats } = this.#options;
    if (!(discount >= 0 && discount <= 1)) throw new AgentError(`${FN}: 'discount' must be in [0, 1], got ${discount}`);
    if (!(learningRate >= 0)) throw new AgentError(`${FN}: 'learningRate' must be >= 0, got ${learningRate}`);
    if (!Number.isInteger(actionRepeats) || actionRepeats < 1) throw new AgentError(`${FN}: 'actionRepeats' must be an integer >= 1, got ${actionRepeats}`);
    this.#vtrace = {
      clipRhoThreshold: options.clipRhoThreshold,
      clipCThreshold: options.clipCThreshold,
      clipPgRhoThreshold: options.clipPgRhoThreshold,
      lambda: options.lambda,
    };
    const opt = options.optimizer ?? d.optimizer;
    this.#optimizer = opt === 'rmsprop' ? new RMSProp({ epsilon: d.rmspropEpsilon, decay: d.rmspropDecay, ...options.rmsprop }) : opt === 'adam' ? new Adam() : opt;
    const variables = options.model.trainableVariables;
    const specs = options.model.weightSpecs;
    if (variables.length !== specs.length) throw new AgentError(`${FN}: the model has ${variables.length} variables but ${specs.length} weight specs`);
    this.#variables = {};
    this.#engineToPublic = new Map();
    variables.forEach((v, i) => {
      const name = specs[i]!.name;
      this.#variables[name] = v;
      this.#engineToPublic.set(v.name, name);
    });
    const compile = options.compile ?? 'auto';
    this.#compiler = compile === false ? null : new LearnerCompiler(compile, this.#optimizer, this.#variables, options.model.actionSizes, options.log);
  }

  /** The model being trained. */
  get model(): AgentModel {
    return this.#model;
  }

  /** Frames consumed so far (`B·T·actionRepeats` per update). */
  get frames(): number {
    return this.#frames;
  }

  /** Updates done so far; also the parameter version. */
  get updates(): number {
    return this.#updates;
  }

  /** The learning rate the next update will use. */
  get learningRate(): number {
    return linearDecay(this.#options.learningRate, this.#frames, this.#options.totalFrames);
  }

  /** {@inheritDoc ParameterSource.latest} */
  latest(): ParameterSnapshot {
    if (this.#snapshot?.version !== this.#updates) {
      this.#snapshot = { version: this.#updates, weights: this.#model.getFlatWeights(), fingerprint: this.#fingerprint };
    }
    return this.#snapshot;
  }

  /**
   * One update from a batch of trajectories (all with the same T).
   *
   * @param batch - B ≥ 1 trajectories.
   * @returns the update's metrics.
   */
  step(batch: readonly Trajectory[]): LearnerStepMetrics {
    const inputs = this.#stack(batch);
    const lr = this.learningRate;
    const T = batch[0]!.unrollLength;
    const B = batch.length;
    let parts: number[] = [];
    let gradNorm = 0;
    try {
      const compiled = this.#compiler?.step(inputs, lr, (lrTensor) => this.#update(inputs, lrTensor, true));
      if (compiled) {
        [parts, gradNorm] = [compiled.slice(0, 4), compiled[4]!];
      } else {
        tf.tidy(() => {
          const { pieces, norm } = this.#update(inputs, lr, false);
          gradNorm = norm as number;
          parts = pieces.map((p) => p.dataSync()[0]!);
          tf.dispose(pieces);
        });
      }
    } finally {
      // Always freed (also when the update throws): the observation tensor reads the reused staging buffer.
      tf.dispose([inputs.lastAction, inputs.lastReward, inputs.dones, inputs.actions, inputs.behaviourLogits, inputs.rewards, inputs.discounts]);
      inputs.disposeObservation();
      if (inputs.initialState) tf.dispose([inputs.initialState.c, inputs.initialState.h]);
    }
    const [policyLoss, baselineLossValue, entropyLoss, entropySum] = parts as [number, number, number, number];
    if (![policyLoss, baselineLossValue, entropyLoss, gradNorm].every(Number.isFinite)) {
      throw new AgentError(
        `${FN}.step: non-finite loss or gradient (policy ${policyLoss}, baseline ${baselineLossValue}, entropy ${entropyLoss}, grad norm ${gradNorm}); lower the learning rate or enable maxGradNorm`,
      );
    }
    const lag = batch.reduce((s, t) => s + (this.#updates - t.policyVersion), 0) / B;
    this.#frames += B * T * this.#options.actionRepeats;
    this.#updates += 1;
    return {
      totalLoss: policyLoss + baselineLossValue + entropyLoss,
      policyLoss,
      baselineLoss: baselineLossValue,
      entropyLoss,
      entropy: entropySum / (T * B),
      gradNorm,
      learningRate: lr,
      policyLag: lag,
      frames: this.#frames,
      updates: this.#updates,
      episodes: batch.flatMap((t) => t.episodes),
    };
  }

  /** Counters and optimizer state, for checkpoints (the weights are saved with the model). */
  getState(): LearnerState {
    return { frames: this.#frames, updates: this.#updates, optimizer: this.#optimizer.getState() };
  }

  /** Restores {@link Learner.getState}. */
  setState(state: LearnerState): void {
    this.#optimizer.setState(state.optimizer, this.#variables);
    this.#frames = state.frames;
    this.#updates = state.updates;
    this.#snapshot = null;
  }

  /** Whether updates run as one compiled graph, and why not (see {@link LearnerOptions.compile}). */
  get compileStats(): CompileStats {
    return this.#compiler?.stats ?? { compiled: false, reason: 'compile is off', eagerOps: null, graphNodes: null, compiledSteps: 0, rewrites: null };
  }

  /** Frees the optimizer's slots and compiled sessions (the model belongs to the caller). */
  dispose(): void {
    this.#compiler?.dispose();
    this.#optimizer.dispose();
  }

  /**
   * Forward unroll, V-trace, loss, gradients, clipping and the optimizer update (variables and slots are
   * assigned). Call inside `tf.tidy`. With `inGraph`, the gradient norm and the clipping stay tensors (no
   * read on the host mid-step), so that the compiled path can record it as one graph.
   */
  #update(inputs: LearnerBatchTensors, lr: number | tf.Scalar, inGraph: boolean): { pieces: tf.Scalar[]; norm: number | tf.Scalar } {
    const { baselineCost, entropyCost, maxGradNorm } = this.#options;
    const [T, B] = inputs.actions.shape as [number, number];
    const varList = Object.values(this.#variables);
    let pieces: tf.Scalar[] = [];
    const { grads } = tf.variableGrads(() => {
      const out = this.#model.unroll(
        { observation: inputs.observation, lastAction: inputs.lastAction, lastReward: inputs.lastReward },
        inputs.dones,
        inputs.initialState,
      );
      const width = out.policyLogits.shape[2];
      const targetLogits = tf.slice(out.policyLogits, [0, 0, 0], [T, B, width]);
      const values = tf.slice(out.baseline, [0, 0], [T, B]);
      const bootstrapValue = tf.reshape(tf.slice(out.baseline, [T, 0], [1, B]), [B]);
      const heads = (x: tf.Tensor) => (this.#model.actionSizes.length === 1 ? x : this.#model.splitPolicyLogits(x));
      const actionHeads = this.#model.actionSizes.length === 1 ? inputs.actions : tf.unstack(inputs.actions, 2);
      const vt = (inGraph ? fromLogitsTensor : fromLogits)({
        ...this.#vtrace,
        behaviourPolicyLogits: heads(inputs.behaviourLogits),
        targetPolicyLogits: heads(targetLogits),
        actions: actionHeads,
        discounts: inputs.discounts,
        rewards: inputs.rewards,
        values,
        bootstrapValue,
      });
      const pg = policyGradientLoss(vt.targetActionLogProbs, vt.pgAdvantages);
      const bl = tf.mul(baselineCost, baselineLoss(vt.vs, values));
      const entropy = policyEntropy(heads(targetLogits));
      const ent = tf.mul(-entropyCost, entropy);
      // keep(): variableGrads disposes everything but the loss; the parts are read (and freed) by the caller's tidy.
      pieces = [pg, bl as tf.Scalar, ent as tf.Scalar, entropy].map((x) => tf.keep(x));
      return tf.addN([pg, bl, ent]) as tf.Scalar;
    }, varList);
    const named: Record<string, tf.Tensor> = {};
    for (const [engineName, g] of Object.entries(grads)) named[this.#engineToPublic.get(engineName)!] = g;
    const clipped = inGraph ? clipByGlobalNormTensor(named, maxGradNorm) : clipByGlobalNorm(named, maxGradNorm);
    (this.#optimizer as { applyGradients(v: Record<string, tf.Variable>, g: Record<string, tf.Tensor>, lr: number | tf.Scalar): void })
      .applyGradients(this.#variables, clipped.grads, lr);
    return { pieces, norm: clipped.norm };
  }

  /** The observation staging buffer of `size` values (int32 for uint8 pixels), reused across updates. */
  #stagingBuffer(pixels: boolean, size: number): Int32Array | Float32Array {
    const buffer = this.#observationBuffer;
    if (buffer !== null && buffer.length === size && buffer instanceof Int32Array === pixels) return buffer;
    this.#observationBuffer = pixels ? new Int32Array(size) : new Float32Array(size);
    return this.#observationBuffer;
  }

  /** Stacks B trajectories into time-major learner inputs (validated first). */
  #stack(batch: readonly Trajectory[]) {
    const model = this.#model;
    const spec = { observationShape: model.observationShape, actionSizes: model.actionSizes, lstmSize: model.lstmSize };
    const pixels = batch[0]?.observations instanceof Uint8Array;
    const obsSize = model.observationShape.reduce((a, b) => a * b, 1);
    const T1B = batch.length === 0 ? 0 : (batch[0]!.unrollLength + 1) * batch.length;
    // Compiled updates take uint8 pixels as they are (a quarter of the bytes to stack and to copy into
    // libtensorflow); the int32 tensor is then made only if an eager update (or a recording) reads it.
    const asBytes = pixels && this.#compiler !== null && this.#compiler.stats.reason === null;
    const buffer = batch.length === 0 ? undefined : asBytes ? this.#byteBuffer(T1B * obsSize) : this.#stagingBuffer(pixels, T1B * obsSize);
    const a = stackTrajectories(batch, spec, this.#options, buffer, `${FN}.step`);
    const { T, B } = a;
    const H = model.actionSizes.length;
    const A = model.actionSizes.reduce((x, y) => x + y, 0);
    const u = model.lstmSize;
    const actionShape = H === 1 ? [T, B] : [T, B, H];
    const observationShape = [T + 1, B, ...model.observationShape];
    const stacked = a.observation;
    let observation: tf.Tensor | null = null;
    const makeObservation = (): tf.Tensor => {
      if (observation !== null) return observation;
      if (stacked instanceof Uint8Array) {
        const staging = this.#stagingBuffer(true, stacked.length) as Int32Array;
        staging.set(stacked);
        observation = tf.keep(tf.tensor(staging, observationShape, 'int32')); // kept: it may first be read inside a tidy
      } else {
        observation = tf.tensor(stacked, observationShape, stacked instanceof Int32Array ? 'int32' : 'float32');
      }
      return observation;
    };
    if (!(stacked instanceof Uint8Array)) makeObservation();
    return {
      get observation(): tf.Tensor {
        return makeObservation();
      },
      observationBytes: stacked instanceof Uint8Array ? { data: stacked, shape: observationShape } : undefined,
      /** Disposes the observation tensor if it was made. */
      disposeObservation(): void {
        if (observation !== null) observation.dispose();
      },
      lastAction: tf.tensor(a.lastAction, H === 1 ? [T + 1, B] : [T + 1, B, H], 'int32'),
      lastReward: tf.tensor2d(a.lastReward, [T + 1, B]),
      dones: tf.tensor2d(a.dones, [T + 1, B], 'bool'),
      actions: tf.tensor(a.actions, actionShape, 'int32'),
      behaviourLogits: tf.tensor3d(a.behaviourLogits, [T, B, A]),
      rewards: tf.tensor2d(a.rewards, [T, B]),
      discounts: tf.tensor2d(a.discounts, [T, B]),
      initialState: a.initialState ? { c: tf.tensor2d(a.initialState.c, [B, u]), h: tf.tensor2d(a.initialState.h, [B, u]) } : null,
    };
  }

  /** The uint8 observation staging buffer of compiled updates, reused across updates. */
  #byteBuffer(size: number): Uint8Array {
    if (this.#observationBytes?.length !== size) this.#observationBytes = new Uint8Array(size);
    return this.#observationBytes;
  }
}
