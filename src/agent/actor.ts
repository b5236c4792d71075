import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../envs/contract/rng.js';
import { sampleActions } from '../networks/action-sampling.js';
import type { Env } from '../envs/contract/types.js';
import type { AgentModel, ModelState, ModelStepInputs, ModelStepOutputs, ParameterSource } from './core.js';
import { checkModelFingerprint } from './model-fingerprint.js';
import type { ArrayCoreState, EpisodeStats, Trajectory } from './trajectory.js';
import { AgentError } from './errors.js';
import { assertTfjsReady } from '../backends/tfjs-ready.js';

/**
 * An environment the actor can run: array-like observations, a discrete (or multi-discrete) action.
 * @category Agent
 */
export type ActorEnv = Env<ArrayLike<number>, number> | Env<ArrayLike<number>, Int32Array>;

/**
 * Options of {@link Actor}.
 * @category Agent
 */
export interface ActorOptions {
  /** N environments stepped in lockstep, one batched inference per step (N ≥ 1). */
  readonly envs: readonly ActorEnv[];
  /** The behaviour policy (a copy of the learner's network). */
  readonly model: AgentModel;
  /** T, new steps per unroll (each trajectory has T + 1 entries). */
  readonly unrollLength: number;
  /**
   * Seeds action sampling and the environments' first resets: env i of actor k is reset with seed
   * `seed·1000 + i + k·100003` (k is `actorId`).
   */
  readonly seed: number;
  /**
   * Identifies the actor in trajectories and episode statistics.
   * @defaultValue 0
   */
  readonly actorId?: number;
  /** Where to get fresh parameters before each unroll; without it the model's weights stay as they are. */
  readonly parameterSource?: ParameterSource;
  /** The env ids of `envs` (entry i for env i), for error messages; by default each env's `spec.id`. */
  readonly envIds?: readonly string[];
  /**
   * Runs the policy instead of `model.step` (same inputs and outputs), e.g. `CentralInference.step`, which batches
   * the steps of many actors into one call of a shared network. The actor disposes the inputs and the outputs'
   * logits and baseline as it does `model.step`'s, and keeps the returned state until the next step.
   * @defaultValue `model.step`
   */
  readonly inference?: (inputs: Required<ModelStepInputs>, state: ModelState) => ModelStepOutputs | Promise<ModelStepOutputs>;
}

/**
 * The seed of the first reset of environment `envIndex` of actor `actorId` whose seed is `seed`: what
 * {@link Actor} passes to `env.reset({ seed })`, so that a process stepping the same environments elsewhere (a
 * thin actor of central inference) reproduces them.
 *
 * @param seed - the actor's seed.
 * @param actorId - the actor's id.
 * @param envIndex - the environment's index in the actor.
 * @returns `seed·1000 + envIndex + actorId·100003`.
 * @category Agent
 */
export function envResetSeed(seed: number, actorId: number, envIndex: number): number {
  return seed * 1000 + envIndex + actorId * 100003;
}

/**
 * Serialisable actor state for checkpoints: the sampling RNG's state and the number of unrolls produced.
 * @category Agent
 */
export interface ActorState {
  /** {@link Rng.getState} of the sampling RNG. */
  readonly rng: readonly number[];
  /** Unrolls produced. */
  readonly unrolls: number;
}

interface EnvSlot {
  readonly env: ActorEnv;
  observation: ArrayLike<number>;
  reward: number;
  done: boolean;
  terminated: boolean;
  truncated: boolean;
  truncationValue: number;
  lastAction: Int32Array;
  episodeReturn: number;
  episodeLength: number;
}

const FN = 'Actor';

/** The per-entry arrays of a trajectory under construction. */
type EntryArrays = Pick<
  Trajectory,
  'observations' | 'rewards' | 'dones' | 'terminated' | 'truncated' | 'truncationValues' | 'lastActions' | 'actions' | 'behaviourLogits'
>;

/**
 * True when no tensor holds `t`'s data any more: `t` is disposed and so is every tensor sharing its data (a
 * reshape on some backends), so the host array it was made from may be overwritten.
 */
function released(t: tf.Tensor): boolean {
  return t.isDisposed && !tf.engine().state.tensorInfo.has(t.dataId);
}

/**
 * An IMPALA actor (Espeholt et al. 2018, §3): runs N environments with a local copy of the policy and
 * emits, every T steps, one {@link Trajectory} per environment with T + 1 entries (the last entry of the
 * previous unroll is repeated first), the recurrent state at the start of the unroll, the behaviour
 * logits and actions, rewards, `terminated`/`truncated` flags, and for truncated steps the value of the
 * final observation, so the learner can bootstrap from it. Environments are reset automatically.
 *
 * Inference is batched over the N environments (one `model.step` per time step). Parameters are
 * refreshed from the `parameterSource` between unrolls, never inside one, so each trajectory carries the
 * single `policyVersion` that produced it.
 *
 * @example
 * ```ts
 * import { Actor, buildNetwork, makeEnv, useBackend, type ActorEnv } from 'impala-rl';
 * await useBackend('auto');
 * const envs = Array.from({ length: 4 }, () => makeEnv('CartPole-v1') as ActorEnv);
 * const actor = new Actor({ envs, model: buildNetwork({}, envs[0]!, 1), unrollLength: 20, seed: 1 });
 * const trajectories = await actor.unroll(); // 4 trajectories of 21 entries (the last one of the previous unroll first)
 * console.log(trajectories[0]!.actions.length, trajectories[0]!.episodes); // 21, finished episodes with their returns
 * ```
 * @category Agent
 */
export class Actor {
  /** Actor id carried in trajectories. */
  readonly actorId: number;
  readonly #model: AgentModel;
  readonly #unrollLength: number;
  readonly #slots: EnvSlot[];
  readonly #source: ParameterSource | undefined;
  readonly #envIds: readonly string[];
  readonly #seed: number;
  readonly #headCount: number;
  readonly #logitsWidth: number;
  readonly #obsSize: number;
  readonly #inference: (inputs: Required<ModelStepInputs>, state: ModelState) => ModelStepOutputs | Promise<ModelStepOutputs>;
  #rng: Rng;
  #state: ModelState = null;
  #started = false;
  #policyVersion = -1;
  #unrolls = 0;
  // The carried last entry: its action/logits and the state before it.
  #carriedActions: Int32Array = new Int32Array(0);
  #carriedLogits: Float32Array = new Float32Array(0);
  #carriedStateBefore: ArrayCoreState[] | null = null;
  // The observation array of the last full-batch step and the tensor made from it: reused once that tensor is
  // disposed (a backend may read the array until then).
  #observationBuffer: { readonly array: Float32Array; readonly tensor: tf.Tensor } | null = null;

  /** @param options - see {@link ActorOptions}. */
  constructor(options: ActorOptions) {
    assertTfjsReady(FN, false);
    if (options.envs.length === 0) throw new AgentError(`${FN}: 'envs' must hold at least one environment`);
    if (!Number.isInteger(options.unrollLength) || options.unrollLength < 1) {
      throw new AgentError(`${FN}: 'unrollLength' must be an integer >= 1, got ${options.unrollLength}`);
    }
    this.actorId = options.actorId ?? 0;
    this.#model = options.model;
    this.#unrollLength = options.unrollLength;
    this.#source = options.parameterSource;
    this.#envIds = options.envIds ?? [];
    this.#seed = options.seed;
    this.#rng = new Rng(options.seed);
    this.#headCount = options.model.actionSizes.length;
    this.#logitsWidth = options.model.actionSizes.reduce((a, b) => a + b, 0);
    this.#obsSize = options.model.observationShape.reduce((a, b) => a * b, 1);
    const model = options.model;
    this.#inference = options.inference ?? ((inputs, state) => model.step(inputs, state));
    this.#slots = options.envs.map((env) => ({
      env,
      observation: new Float32Array(0),
      reward: 0,
      done: true,
      terminated: false,
      truncated: false,
      truncationValue: 0,
      lastAction: new Int32Array(this.#headCount),
      episodeReturn: 0,
      episodeLength: 0,
    }));
  }

  /** Version of the parameters in use (−1 before the first refresh). */
  get policyVersion(): number {
    return this.#policyVersion;
  }

  /** Number of environments. */
  get numEnvs(): number {
    return this.#slots.length;
  }

  /** The actor's RNG state and counters, for checkpoints. */
  getState(): ActorState {
    return { rng: Array.from(this.#rng.getState()), unrolls: this.#unrolls };
  }

  /** Restores {@link Actor.getState} (call before the first unroll; environments restart from a reset). */
  setState(state: ActorState): void {
    this.#rng = Rng.fromState(state.rng);
    this.#unrolls = state.unrolls;
  }

  /** Refreshes the model's weights when the source has a newer version. */
  async refreshParameters(): Promise<void> {
    if (!this.#source) return;
    const snapshot = await this.#source.latest();
    if (snapshot.version !== this.#policyVersion) {
      if (snapshot.fingerprint !== undefined) checkModelFingerprint(`${FN} ${this.actorId}`, snapshot.fingerprint, this.#model);
      this.#model.setWeights(snapshot.weights);
      this.#policyVersion = snapshot.version;
    }
  }

  /**
   * Runs T steps of every environment and returns one trajectory per environment.
   *
   * @returns N trajectories of T + 1 entries.
   */
  async unroll(): Promise<Trajectory[]> {
    await this.refreshParameters();
    const T = this.#unrollLength;
    // Start first: the arrays take the observations' type (uint8 pixels or float32), known after the first reset.
    if (!this.#started) await this.#start();
    const out = this.#slots.map(() => this.#allocate());
    const episodes: EpisodeStats[][] = this.#slots.map(() => []);
    const initialState = this.#carriedStateBefore;
    // Entry 0: the carried last entry of the previous unroll (or the first observation).
    this.#record(out, 0, this.#carriedActions, this.#carriedLogits);
    let actions = this.#carriedActions;
    for (let t = 1; t <= T; t++) {
      await this.#stepEnvs(actions, episodes);
      // Only the last entry's state is kept (it starts the next unroll): read the state back once per unroll.
      const stateBefore = t === T ? this.#stateToArrays() : null;
      const acted = await this.#act();
      actions = acted.actions;
      this.#record(out, t, acted.actions, acted.logits);
      if (t === T) {
        this.#carriedActions = acted.actions;
        this.#carriedLogits = acted.logits;
        this.#carriedStateBefore = stateBefore;
      }
    }
    this.#unrolls++;
    return out.map((arrays, i) => ({
      ...arrays,
      unrollLength: T,
      observationShape: this.#model.observationShape,
      initialState: initialState?.[i] ?? null,
      policyVersion: this.#policyVersion,
      episodes: episodes[i]!,
      actorId: this.actorId,
    }));
  }

  /** Disposes the recurrent state tensors (the model and environments belong to the caller). */
  dispose(): void {
    if (this.#state) tf.dispose([this.#state.c, this.#state.h]);
    this.#state = null;
  }

  #allocate(): EntryArrays {
    const T1 = this.#unrollLength + 1;
    const obs = this.#slots[0]!.observation;
    return {
      observations: obs instanceof Uint8Array ? new Uint8Array(T1 * this.#obsSize) : new Float32Array(T1 * this.#obsSize),
      rewards: new Float32Array(T1),
      dones: new Uint8Array(T1),
      terminated: new Uint8Array(T1),
      truncated: new Uint8Array(T1),
      truncationValues: new Float32Array(T1),
      lastActions: new Int32Array(T1 * this.#headCount),
      actions: new Int32Array(T1 * this.#headCount),
      behaviourLogits: new Float32Array(T1 * this.#logitsWidth),
    };
  }

  async #start(): Promise<void> {
    await Promise.all(
      this.#slots.map(async (slot, i) => {
        const r = await slot.env.reset({ seed: envResetSeed(this.#seed, this.actorId, i) });
        this.#setObservation(slot, r.observation, i, 'reset');
      }),
    );
    this.#state = this.#model.initialState(this.#slots.length);
    this.#carriedStateBefore = this.#stateToArrays();
    const acted = await this.#act();
    this.#carriedActions = acted.actions;
    this.#carriedLogits = acted.logits;
    this.#started = true;
  }

  /** Where an env's output came from, for messages: env id, actor, env index, step. */
  #where(slot: EnvSlot, envIndex: number, what: 'reset' | 'step', step = slot.episodeLength): string {
    const id = this.#envIds[envIndex] ?? slot.env.spec?.id;
    return `${FN}.unroll: env ${id === undefined ? '(no id)' : `'${id}'`} (actor ${this.actorId}, env index ${envIndex}, ${what === 'reset' ? 'reset' : `step ${step} of its episode`}, unroll ${this.#unrolls})`;
  }

  /**
   * Checks what an env returned and keeps it: the observation must have the model's size, keep the type it
   * started with (uint8 pixels or floats) and hold only finite numbers; bad experience is stopped here, where
   * the env, actor and step are known, instead of as NaN in the learner's loss.
   */
  #setObservation(slot: EnvSlot, observation: ArrayLike<number>, envIndex: number, what: 'reset' | 'step'): void {
    const value: unknown = observation;
    if (typeof value !== 'object' || value === null || typeof (value as { length?: unknown }).length !== 'number') {
      throw new AgentError(`${this.#where(slot, envIndex, what)}: the observation is not an array of numbers (got ${value === null ? 'null' : typeof value})`);
    }
    if (observation.length !== this.#obsSize) {
      throw new AgentError(`${this.#where(slot, envIndex, what)}: the observation has ${observation.length} values, the model expects shape [${this.#model.observationShape.join(',')}] (${this.#obsSize} values)`);
    }
    const pixels = observation instanceof Uint8Array;
    if (slot.observation.length > 0 && pixels !== slot.observation instanceof Uint8Array) {
      throw new AgentError(`${this.#where(slot, envIndex, what)}: the observation is ${pixels ? 'a Uint8Array' : 'not a Uint8Array'}, earlier ones were ${pixels ? 'not' : 'Uint8Array'} (an env must keep one dtype)`);
    }
    if (!pixels && !(observation instanceof Int32Array) && !(observation instanceof Int8Array) && !(observation instanceof Uint16Array) && !(observation instanceof Int16Array)) {
      for (let k = 0; k < observation.length; k++) {
        const x = observation[k];
        if (typeof x !== 'number' || !Number.isFinite(x)) {
          throw new AgentError(`${this.#where(slot, envIndex, what)}: observation[${k}] = ${typeof x === 'number' ? String(x) : JSON.stringify(x)} is not a finite number`);
        }
      }
    }
    slot.observation = observation;
  }

  #stateToArrays(): ArrayCoreState[] | null {
    if (this.#state === null) return null;
    const c = this.#state.c.dataSync() as Float32Array;
    const h = this.#state.h.dataSync() as Float32Array;
    const u = this.#model.lstmSize;
    return this.#slots.map((_, i) => ({ c: c.slice(i * u, (i + 1) * u), h: h.slice(i * u, (i + 1) * u) }));
  }

  /**
   * Observation, last action, last reward and done tensors of the current entries. Observations go in as
   * float32 whatever the env's dtype (pixels 0–255 are exact): the networks compute in float32, so the first
   * cast of a step is then a no-op instead of a pass over every pixel.
   */
  #inputs(rows: readonly number[]) {
    const n = rows.length;
    const size = n * this.#obsSize;
    const reuse = this.#observationBuffer;
    const obs = reuse !== null && reuse.array.length === size && released(reuse.tensor) ? reuse.array : new Float32Array(size);
    const lastAction = new Int32Array(n * this.#headCount);
    const lastReward = new Float32Array(n);
    const done = new Uint8Array(n);
    rows.forEach((r, i) => {
      const slot = this.#slots[r]!;
      obs.set(slot.observation, i * this.#obsSize);
      lastAction.set(slot.lastAction, i * this.#headCount);
      lastReward[i] = slot.done ? 0 : slot.reward;
      done[i] = slot.done ? 1 : 0;
    });
    const shape = [n, ...this.#model.observationShape];
    const observation = tf.tensor(obs, shape, 'float32');
    if (n === this.#slots.length) this.#observationBuffer = { array: obs, tensor: observation };
    return {
      observation,
      lastAction: this.#headCount === 1 ? tf.tensor1d(lastAction, 'int32') : tf.tensor2d(lastAction, [n, this.#headCount], 'int32'),
      lastReward: tf.tensor1d(lastReward, 'float32'),
      done: tf.tensor1d(done, 'bool'),
    };
  }

  /** One batched inference step on the current entries: samples actions, advances the state. */
  async #act(): Promise<{ actions: Int32Array; logits: Float32Array }> {
    const inputs = this.#inputs(this.#slots.map((_, i) => i));
    let out: ModelStepOutputs;
    try {
      out = await this.#inference(inputs, this.#state);
    } catch (error) {
      tf.dispose(Object.values(inputs));
      throw error;
    }
    const actions = sampleActions(out.policyLogits, () => this.#rng.random(), this.#model.actionSizes);
    const logits = Float32Array.from(out.policyLogits.dataSync());
    tf.dispose([...Object.values(inputs), out.policyLogits, out.baseline]);
    if (this.#state) tf.dispose([this.#state.c, this.#state.h]);
    this.#state = out.state;
    return { actions, logits };
  }

  /** Value estimates of final observations of truncated episodes, with the current (pre-reset) state. */
  async #truncationValues(rows: readonly number[], finals: readonly ArrayLike<number>[]): Promise<Float32Array> {
    const saved = rows.map((r) => this.#slots[r]!.observation);
    rows.forEach((r, i) => {
      this.#slots[r]!.observation = finals[i]!;
    });
    const inputs = this.#inputs(rows);
    rows.forEach((r, i) => {
      this.#slots[r]!.observation = saved[i]!;
    });
    const current = this.#state;
    const state =
      current &&
      tf.tidy(() => {
        const index = tf.tensor1d([...rows], 'int32');
        return { c: tf.gather<tf.Tensor2D>(current.c, index), h: tf.gather<tf.Tensor2D>(current.h, index) };
      });
    const notDone = tf.zeros([rows.length], 'bool');
    let out: ModelStepOutputs;
    try {
      out = await this.#inference({ ...inputs, done: notDone }, state);
    } catch (error) {
      tf.dispose([...Object.values(inputs), notDone, ...(state ? [state.c, state.h] : [])]);
      throw error;
    }
    const values = Float32Array.from(out.baseline.dataSync());
    tf.dispose([...Object.values(inputs), notDone, out.policyLogits, out.baseline, ...(state ? [state.c, state.h] : []), ...(out.state ? [out.state.c, out.state.h] : [])]);
    return values;
  }

  async #stepEnvs(actions: Int32Array, episodes: EpisodeStats[][]): Promise<void> {
    const H = this.#headCount;
    const results = await Promise.all(
      this.#slots.map(async (slot, i) => {
        const a = actions.subarray(i * H, (i + 1) * H);
        return H === 1 ? (slot.env as Env<ArrayLike<number>, number>).step(a[0]!) : (slot.env as Env<ArrayLike<number>, Int32Array>).step(Int32Array.from(a));
      }),
    );
    const truncatedRows: number[] = [];
    const finals: ArrayLike<number>[] = [];
    results.forEach((r, i) => {
      const slot = this.#slots[i]!;
      const result: unknown = r;
      if (typeof result !== 'object' || result === null) throw new AgentError(`${this.#where(slot, i, 'step', slot.episodeLength + 1)}: step() returned ${result === null ? 'null' : typeof result}, not { observation, reward, terminated, truncated }`);
      if (typeof r.reward !== 'number' || !Number.isFinite(r.reward)) {
        throw new AgentError(`${this.#where(slot, i, 'step', slot.episodeLength + 1)}: reward = ${typeof r.reward === 'number' ? String(r.reward) : JSON.stringify(r.reward)} is not a finite number`);
      }
      if (typeof r.terminated !== 'boolean' || typeof r.truncated !== 'boolean') {
        throw new AgentError(`${this.#where(slot, i, 'step', slot.episodeLength + 1)}: 'terminated' and 'truncated' must be booleans, got ${JSON.stringify(r.terminated)} and ${JSON.stringify(r.truncated)}`);
      }
      slot.reward = r.reward;
      slot.terminated = r.terminated;
      slot.truncated = r.truncated && !r.terminated;
      slot.truncationValue = 0;
      slot.lastAction = Int32Array.from(actions.subarray(i * H, (i + 1) * H));
      slot.episodeReturn += r.reward;
      slot.episodeLength += 1;
      this.#setObservation(slot, r.observation, i, 'step');
      slot.done = false;
      if (slot.truncated) {
        truncatedRows.push(i);
        finals.push(r.observation);
      }
    });
    if (truncatedRows.length > 0) {
      // Set observation/lastAction/reward first: the value is of the final observation, reached with them.
      const values = await this.#truncationValues(truncatedRows, finals);
      truncatedRows.forEach((row, k) => {
        this.#slots[row]!.truncationValue = values[k]!;
      });
    }
    await Promise.all(
      this.#slots.map(async (slot, i) => {
        if (!slot.terminated && !slot.truncated) return;
        episodes[i]!.push({
          episodeReturn: slot.episodeReturn,
          episodeLength: slot.episodeLength,
          truncated: slot.truncated,
          actorId: this.actorId,
          envIndex: i,
          task: slot.env.spec?.id,
        });
        slot.episodeReturn = 0;
        slot.episodeLength = 0;
        const reset = await slot.env.reset();
        this.#setObservation(slot, reset.observation, i, 'reset');
        slot.done = true;
        slot.lastAction = new Int32Array(H);
      }),
    );
  }

  #record(out: EntryArrays[], t: number, actions: Int32Array, logits: Float32Array): void {
    const H = this.#headCount;
    const A = this.#logitsWidth;
    this.#slots.forEach((slot, i) => {
      const o = out[i]!;
      o.observations.set(slot.observation, t * this.#obsSize);
      o.rewards[t] = slot.reward;
      o.dones[t] = slot.done ? 1 : 0;
      o.terminated[t] = slot.terminated ? 1 : 0;
      o.truncated[t] = slot.truncated ? 1 : 0;
      o.truncationValues[t] = slot.truncationValue;
      o.lastActions.set(slot.done ? new Int32Array(H) : slot.lastAction, t * H);
      o.actions.set(actions.subarray(i * H, (i + 1) * H), t * H);
      o.behaviourLogits.set(logits.subarray(i * A, (i + 1) * A), t * A);
    });
  }
}
