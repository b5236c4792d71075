import * as tf from '@tensorflow/tfjs-core';
import { sampleActions } from './action-sampling.js';
import type { RandomSource } from './action-sampling.js';
import { formatShape } from '../internal/format.js';
import { checkIndexRange, checkTensor } from './input-checks.js';
import { buildInstructionEncoder } from './instruction-encoder.js';
import type { InstructionEncoder } from './instruction-encoder.js';
import { INSTRUCTION_HASH_BUCKETS } from './instruction-tokenizer.js';
import type { InstructionInput } from './instruction-tokenizer.js';
import { addLstmWeights, lstmCellStep, lstmCellStepProjected, lstmProjectInputs } from './lstm.js';
import type { LstmState, LstmWeights } from './lstm.js';
import { builtInTorso } from './network-options.js';
import type { ImpalaNetworkOptions } from './network-options.js';
import { oneHotFloat } from './one-hot.js';
import { ParameterStore } from './parameter-store.js';
import type { WeightSpec } from './parameter-store.js';
import { buildPolicyValueHeads } from './policy-value-heads.js';
import type { PolicyValueHeads } from './policy-value-heads.js';
import type { Torso, TorsoDefinition } from './torso.js';
import { readWeightsDirectory, writeWeightsDirectory } from './weights-file.js';
import type { AgentModel, ModelState, ModelStepInputs, ModelStepOutputs, ModelUnrollInputs, ModelUnrollOutputs } from '../agent/core.js';
import { NetworkError } from './errors.js';
import { GraphFunction } from '../compile/graph-function.js';

let stepFallbackLogged = false;
/** `compile: 'auto'` says once per process why network steps run eagerly. */
function logStepFallbackOnce(message: string): void {
  if (stepFallbackLogged) return;
  stepFallbackLogged = true;
  console.warn(message);
}
import { assertTfjsReady } from '../backends/tfjs-ready.js';

/**
 * Recurrent state of the core: an LSTM state, or `null` for a feed-forward network.
 * @deprecated The same type as {@link ModelState}; use that.
 * @category Networks
 */
export type CoreState = ModelState;

/**
 * Inputs of one acting step for a batch of B environments (`[B, ...]` tensors): the agent's
 * {@link ModelStepInputs}, plus the instruction of networks that use one. Observations are int32 or float32 pixel
 * values 0–255 for the pixel torsos; `lastAction` may be whole-number float32; `lastReward` is clipped to [−1, 1]
 * inside; rows with `done` get a zero state before the step, exactly as `unroll` does at `dones[t]`.
 * @category Networks
 */
export interface NetworkStepInputs extends ModelStepInputs {
  /** `[B, L]` tokens and `[B]` lengths; required when the network uses instructions (see `encodeInstructions`). */
  readonly instruction?: InstructionInput;
}

/**
 * Inputs of a whole unroll of T steps for B environments: {@link ModelUnrollInputs} plus an instruction.
 * @category Networks
 */
export interface NetworkUnrollInputs extends ModelUnrollInputs {
  /** `[T, B, L]` tokens and `[T, B]` lengths; required when the network uses instructions. */
  readonly instruction?: InstructionInput;
}

/**
 * Outputs of {@link ImpalaNetwork.step}; the caller owns (and disposes) every tensor.
 * @deprecated The same type as {@link ModelStepOutputs}; use that.
 * @category Networks
 */
export type NetworkStepOutputs = ModelStepOutputs;

/**
 * Outputs of {@link ImpalaNetwork.unroll}; the caller owns (and disposes) every tensor.
 * @deprecated The same type as {@link ModelUnrollOutputs}; use that.
 * @category Networks
 */
export type NetworkUnrollOutputs = ModelUnrollOutputs;

/**
 * The settings a saved network directory records in `model.json` (`userDefinedMetadata.impalaNetwork`).
 * @category Networks
 */
export interface SavedNetworkMetadata {
  /** `TorsoDefinition.kind`. */
  readonly torso: string;
  /** `TorsoDefinition.config`, or null. */
  readonly torsoConfig: Readonly<Record<string, unknown>> | null;
  /** Observation shape. */
  readonly observationShape: readonly number[];
  /** Number of actions (a list for a multi-discrete space). */
  readonly numActions: number | readonly number[];
  /** LSTM units (0 for feed-forward). */
  readonly lstmSize: number;
  /** Whether the instruction encoder is present. */
  readonly useInstruction: boolean;
  /** Total number of parameters. */
  readonly numParameters: number;
}

/** Splits time-major rows `[T·B, F]` into T tensors `[B, F]` (one kernel; none when T = 1). */
function splitTime(x: tf.Tensor2D, time: number): tf.Tensor2D[] {
  return time === 1 ? [x] : tf.split(x, time, 0);
}

/** `Array.isArray` that keeps element types for readonly arrays. */
function isList(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

const DONE_DTYPES: readonly tf.DataType[] = ['bool', 'int32', 'float32'];
const REWARD_DTYPES: readonly tf.DataType[] = ['float32', 'int32'];

/**
 * The IMPALA agent network (Espeholt et al. 2018): torso → core → heads, usable both for acting
 * (`step`, batch B) and for learning (`unroll` over `[T, B]`).
 *
 * - **Torso** per frame: deep residual, shallow A3C, MLP, or custom (see {@link TorsoDefinition}).
 * - **Core input**: `concat(torso features, clip(lastReward, −1, 1), oneHot(lastAction), instruction embedding?)`.
 * - **Core**: LSTM (TensorFlow `LSTMBlockCell` layout, forget bias 1) whose state is reset to zeros, per
 *   batch row, at every step whose `done` flag marks the first observation of a new episode; or none.
 * - **Heads**: linear policy logits (one head per action dimension) and a linear scalar baseline.
 *
 * All computations run inside `tf.tidy`; returned tensors belong to the caller. Variables belong to the
 * network: `dispose()` frees them. Weight names are deterministic (see `weightSpecs`). For training,
 * gradients must be registered with tfjs: import `@tensorflow/tfjs-layers` or `@tensorflow/tfjs` once
 * (`@tensorflow/tfjs-core` alone registers none).
 *
 * @example
 * ```ts
 * const net = new ImpalaNetwork({ torso: 'shallow', observationShape: [84, 84, 4], numActions: 18 });
 * let state = net.initialState(1);
 * const rng = createActionRng(1);
 * const out = net.step({ observation: frame, lastAction: tf.tensor1d([0], 'int32'), lastReward: tf.tensor1d([0]) }, state);
 * const [action] = net.sample(out.policyLogits, rng);
 * ```
 * @see https://arxiv.org/abs/1802.01561
 * @category Networks
 */
export class ImpalaNetwork implements AgentModel {
  /** Shape of one observation. */
  readonly observationShape: readonly number[];
  /** Number of actions per policy head (one entry for a single discrete action space). */
  readonly actionSizes: readonly number[];
  /** Whether `numActions` was given as a list (then `lastAction` has a trailing head dimension). */
  readonly multiDiscrete: boolean;
  /** LSTM units; 0 for a feed-forward core. */
  readonly lstmSize: number;
  /** Whether the network reads an instruction. */
  readonly useInstruction: boolean;
  /** The torso definition's `kind`. */
  readonly torsoKind: string;
  /** Size of the core's input vector (torso + 1 + ΣA + 64 when instructions are used). */
  readonly coreInputSize: number;

  readonly #torsoDefinition: TorsoDefinition;
  readonly #store: ParameterStore;
  readonly #torso: Torso;
  readonly #instruction: InstructionEncoder | null;
  readonly #lstm: LstmWeights | null;
  readonly #heads: PolicyValueHeads;
  readonly #checkValues: boolean;
  readonly #stepGraph: GraphFunction;
  #disposed = false;

  /**
   * Builds the network and creates its variables (seeded, deterministic).
   *
   * @param options - See {@link ImpalaNetworkOptions}.
   */
  constructor(options: ImpalaNetworkOptions) {
    const caller = 'ImpalaNetwork';
    const o = options as Partial<ImpalaNetworkOptions> | undefined;
    if (o === undefined || typeof o !== 'object') throw new NetworkError(`${caller}: options must be an object`);
    assertTfjsReady(caller, false);
    const definition = typeof o.torso === 'string' ? builtInTorso(o.torso) : o.torso;
    if (definition === undefined || typeof definition !== 'object' || typeof definition.build !== 'function') {
      throw new NetworkError(`${caller}: options.torso must be 'deep', 'shallow', 'mlp' or a TorsoDefinition, got ${typeof o.torso === 'string' ? `'${o.torso}'` : typeof o.torso}`);
    }
    const observationShape: unknown = o.observationShape;
    if (!isList(observationShape) || observationShape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d <= 0)) {
      throw new NetworkError(`${caller}: options.observationShape must be a list of positive integers, got ${JSON.stringify(observationShape)}`);
    }
    const numActions = o.numActions;
    const actionSizes = (typeof numActions === 'number' ? [numActions] : isList(numActions) ? Array.from(numActions) : []);
    if (actionSizes.length === 0 || actionSizes.some((a) => typeof a !== 'number' || !Number.isInteger(a) || a <= 0)) {
      throw new NetworkError(`${caller}: options.numActions must be a positive integer or a non-empty list of them, got ${JSON.stringify(numActions)}`);
    }
    const lstmSize = o.lstmSize ?? (o.lstmSize === null ? 0 : 256);
    if (!Number.isInteger(lstmSize) || lstmSize < 0) {
      throw new NetworkError(`${caller}: options.lstmSize must be an integer >= 0 (0 or null: no LSTM), got ${o.lstmSize}`);
    }
    const seed = o.seed ?? 0;
    if (!Number.isFinite(seed)) throw new NetworkError(`${caller}: options.seed must be a finite number, got ${seed}`);

    this.observationShape = Array.from(observationShape) as number[];
    this.actionSizes = actionSizes;
    this.multiDiscrete = typeof numActions !== 'number';
    this.lstmSize = lstmSize;
    this.useInstruction = o.useInstruction ?? false;
    this.torsoKind = definition.kind;
    this.#torsoDefinition = definition;
    this.#checkValues = o.checkInputValues ?? true;
    this.#stepGraph = new GraphFunction('ImpalaNetwork.step', o.compile ?? 'auto', (xs, tag) => this.#stepForward(xs, tag), logStepFallbackOnce);
    this.#store = new ParameterStore(o.name ?? 'impala_network', seed);
    try {
      this.#torso = definition.build({ observationShape: this.observationShape, weights: this.#store.scope('torso/') });
      if (!Number.isInteger(this.#torso.outputSize) || this.#torso.outputSize <= 0) {
        throw new NetworkError(`${caller}: torso '${definition.kind}' reports outputSize ${this.#torso.outputSize}, expected a positive integer`);
      }
      this.#instruction = this.useInstruction ? buildInstructionEncoder(this.#store.scope('instruction/')) : null;
      this.coreInputSize =
        this.#torso.outputSize + 1 + actionSizes.reduce((a, b) => a + b, 0) + (this.#instruction?.outputSize ?? 0);
      this.#lstm = lstmSize > 0 ? addLstmWeights(this.#store.scope('core/'), 'lstm', this.coreInputSize, lstmSize) : null;
      this.#heads = buildPolicyValueHeads(this.#store.scope(''), lstmSize > 0 ? lstmSize : this.coreInputSize, actionSizes, this.multiDiscrete);
    } catch (error) {
      this.#store.dispose();
      throw error;
    }
  }

  /** Names and shapes of all trainable variables, in a fixed order (torso, instruction, core, heads). */
  get weightSpecs(): readonly WeightSpec[] {
    return this.#store.specs;
  }

  /** The trainable variables, in `weightSpecs` order (pass them as `varList` to `optimizer.minimize`). */
  get trainableVariables(): tf.Variable[] {
    return [...this.#store.variables];
  }

  /** Total number of trainable parameters. */
  get numParameters(): number {
    return this.#store.specs.reduce((a, s) => a + s.size, 0);
  }

  /** Whether the core is an LSTM (otherwise the state is always `null`). */
  get isRecurrent(): boolean {
    return this.#lstm !== null;
  }

  /**
   * The zero core state for `batchSize` rows (what the original agent starts every actor with).
   *
   * @param batchSize - B.
   * @returns `{ c, h }` of zeros `[B, lstmSize]` each, or `null` for a feed-forward network.
   */
  initialState(batchSize: number): ModelState {
    this.#checkAlive('initialState');
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new NetworkError(`ImpalaNetwork.initialState: batchSize must be a positive integer, got ${batchSize}`);
    }
    if (this.#lstm === null) return null;
    return { c: tf.zeros([batchSize, this.lstmSize]), h: tf.zeros([batchSize, this.lstmSize]) };
  }

  /**
   * One acting step for a batch of B environments.
   *
   * Equivalent to `unroll` with T = 1 (and `dones = inputs.done`, or all false).
   *
   * @param inputs - `[B, ...]` observation, last action, last reward, optional `done` and instruction.
   * @param state - Core state from `initialState(B)` or a previous step (`null` when feed-forward).
   * @returns `policyLogits [B, A]`, `baseline [B]` and the new state; the inputs are not disposed.
   */
  step(inputs: NetworkStepInputs, state: ModelState): ModelStepOutputs {
    const caller = 'ImpalaNetwork.step';
    this.#checkAlive('step');
    const batch = this.#checkInputs(caller, inputs, 1);
    const lead = [batch];
    if (inputs.done !== undefined) checkTensor(caller, 'inputs.done', inputs.done, lead, DONE_DTYPES, '[B]');
    this.#checkState(caller, 'state', state, batch);
    // Flat inputs and a tag saying which optional ones are present: the compiled step's signature.
    const flat = [inputs.observation, inputs.lastAction, inputs.lastReward];
    if (inputs.done !== undefined) flat.push(inputs.done);
    if (inputs.instruction !== undefined) flat.push(inputs.instruction.tokens, inputs.instruction.lengths);
    if (state !== null) flat.push(state.c, state.h);
    const tag = `${inputs.done === undefined ? '' : 'd'}${inputs.instruction === undefined ? '' : 'i'}${state === null ? '' : 's'}:${batch}`;
    const [logits, baseline, c, h] = this.#stepGraph.call(flat, tag) ?? tf.tidy(() => this.#stepForward(flat, tag));
    return {
      policyLogits: logits as tf.Tensor2D,
      baseline: baseline as tf.Tensor1D,
      state: c === undefined || h === undefined ? null : { c: c as tf.Tensor2D, h: h as tf.Tensor2D },
    };
  }

  /**
   * Runs the network over a whole unroll, as the learner does.
   *
   * The torso (and instruction encoder) run on all T·B frames at once; the LSTM runs step by step, and
   * before step t the state of every row b with `dones[t, b]` is reset to zeros (`dones[t]` marks the first
   * observation of a new episode, as environments auto-reset inside `step`). Outputs at and after a reset
   * therefore do not depend on anything before it.
   *
   * @param inputs - Time-major `[T, B, ...]` observation, last action, last reward and optional instruction.
   * @param dones - `[T, B]` bool (or 0/1 int32/float32) episode-start flags.
   * @param initialState - Core state at the start of the unroll (`null` when feed-forward).
   * @returns `policyLogits [T, B, A]`, `baseline [T, B]` and `finalState`; the inputs are not disposed.
   */
  unroll(inputs: NetworkUnrollInputs, dones: tf.Tensor, initialState: ModelState): ModelUnrollOutputs {
    const caller = 'ImpalaNetwork.unroll';
    this.#checkAlive('unroll');
    const batch = this.#checkInputs(caller, inputs, 2);
    const time = inputs.observation.shape[0];
    checkTensor(caller, 'dones', dones, [time, batch], DONE_DTYPES, '[T, B]');
    this.#checkState(caller, 'initialState', initialState, batch);
    const [policyLogits, baseline, c, h] = tf.tidy(() => {
      const [logits, values, ...finalState] = this.#forward(
        inputs.observation,
        inputs.lastAction,
        inputs.lastReward,
        inputs.instruction,
        dones,
        initialState,
        time,
        batch,
      );
      return [tf.reshape(logits!, [time, batch, logits!.shape[1]!]), tf.reshape(values!, [time, batch]), ...finalState];
    });
    return {
      policyLogits: policyLogits as tf.Tensor3D,
      baseline: baseline as tf.Tensor2D,
      finalState: c === undefined || h === undefined ? null : { c: c as tf.Tensor2D, h: h as tf.Tensor2D },
    };
  }

  /**
   * Samples actions from policy logits with a seeded random source (see `sampleActions`), handling
   * multi-discrete heads.
   *
   * @param logits - `[B, ΣA]` (or `[T, B, ΣA]`) policy logits.
   * @param rng - Uniform random source, e.g. `createActionRng(seed)`.
   * @returns Int32 actions `[B]` (row-major `[B, H]` for a multi-discrete space).
   */
  sample(logits: tf.Tensor, rng: RandomSource): Int32Array {
    return sampleActions(logits, rng, this.actionSizes);
  }

  /**
   * Splits concatenated multi-discrete logits into one tensor per head.
   *
   * @param logits - `[..., ΣA]`.
   * @returns One `[..., A_h]` tensor per head (a single-element list for one head).
   */
  splitPolicyLogits(logits: tf.Tensor): tf.Tensor[] {
    const width = this.actionSizes.reduce((a, b) => a + b, 0);
    if (logits.shape[logits.rank - 1] !== width) {
      throw new NetworkError(`ImpalaNetwork.splitPolicyLogits: logits last dimension must be ${width}, got shape ${formatShape(logits.shape, ', ')}`);
    }
    // Slices rather than tf.split: tfjs's SplitV gradient fails when there is a single output.
    // Fresh begin/size arrays per call: the Slice gradient keeps references to them.
    const lead = logits.rank - 1;
    let offset = 0;
    return this.actionSizes.map((a) => {
      const begin = [...new Array<number>(lead).fill(0), offset];
      offset += a;
      return tf.slice(logits, begin, [...new Array<number>(lead).fill(-1), a]);
    });
  }

  /**
   * Copies the weights to the host, one flat float32 array per variable in `weightSpecs` order
   * (row-major, tfjs layout). Suitable for shipping to actors (`postMessage` with transfer).
   *
   * @returns New arrays, owned by the caller.
   */
  getWeights(): Float32Array[] {
    this.#checkAlive('getWeights');
    return this.#store.variables.map((v) => (v.dataSync() as Float32Array).slice());
  }

  /**
   * Copies all weights into one flat float32 array, the variables concatenated in `weightSpecs` order.
   *
   * @returns A new array of length `numParameters`.
   */
  getFlatWeights(): Float32Array {
    const out = new Float32Array(this.numParameters);
    let offset = 0;
    for (const w of this.getWeights()) {
      out.set(w, offset);
      offset += w.length;
    }
    return out;
  }

  /**
   * Sets every weight from host arrays: either one array per variable in `weightSpecs` order (as
   * `getWeights` returns) or one flat array of length `numParameters` (as `getFlatWeights` returns).
   * All sizes are checked before anything is assigned; errors name the variable. The values are copied.
   *
   * @param weights - The new values.
   */
  setWeights(weights: readonly Float32Array[] | Float32Array): void {
    const caller = 'ImpalaNetwork.setWeights';
    this.#checkAlive('setWeights');
    const specs = this.#store.specs;
    let parts: Float32Array[];
    if (weights instanceof Float32Array) {
      if (weights.length !== this.numParameters) {
        throw new NetworkError(`${caller}: flat weights have ${weights.length} values, the network has ${this.numParameters} parameters`);
      }
      let offset = 0;
      parts = specs.map((s) => weights.subarray(offset, (offset += s.size)));
    } else {
      const list: readonly unknown[] | undefined = isList(weights) ? weights : undefined;
      if (list?.length !== specs.length) {
        const got = list === undefined ? typeof weights : `${list.length} arrays`;
        throw new NetworkError(`${caller}: expected ${specs.length} arrays (one per variable) or one flat Float32Array, got ${got}`);
      }
      parts = specs.map((s, i) => {
        const w = list[i];
        if (!(w instanceof Float32Array)) throw new NetworkError(`${caller}: weights[${i}] for '${s.name}' must be a Float32Array`);
        if (w.length !== s.size) {
          throw new NetworkError(`${caller}: weights[${i}] for '${s.name}' (shape ${formatShape(s.shape, ', ')}) must have ${s.size} values, got ${w.length}`);
        }
        return w;
      });
    }
    this.#assign(parts);
  }

  /**
   * Writes the weights to `dir` in the TensorFlow.js weights-manifest format: `dir/model.json` (a
   * `weightsManifest` with one group listing every variable's name, shape and dtype `float32`, plus the
   * network settings under `userDefinedMetadata.impalaNetwork`) and `dir/group1-shard1of1.bin` (the
   * values, little-endian float32, concatenated in manifest order). Node only; tfjs-node is not needed.
   *
   * @param dir - Directory, created if missing; existing files of the same names are replaced.
   * @returns Resolves when both files are written.
   */
  async save(dir: string): Promise<void> {
    this.#checkAlive('save');
    await writeWeightsDirectory(dir, this.#store.specs, this.getWeights(), { impalaNetwork: this.savedMetadata() });
  }

  /**
   * Loads weights written by `save` (or any tfjs weights manifest with the same float32 variables).
   * Every variable must be present with the same shape, and no other may be; otherwise nothing is
   * assigned and the error names the variable. Values are restored bit for bit.
   *
   * @param dir - Directory holding `model.json`.
   * @returns Resolves when the weights are assigned.
   */
  async load(dir: string): Promise<void> {
    const caller = 'ImpalaNetwork.load';
    this.#checkAlive('load');
    const contents = await readWeightsDirectory(dir, caller);
    const byName = new Map(contents.weights.map((w) => [w.name, w]));
    const specs = this.#store.specs;
    const parts = specs.map((s) => {
      const w = byName.get(s.name);
      if (w === undefined) throw new NetworkError(`${caller}: variable '${s.name}' (shape ${formatShape(s.shape, ', ')}) is missing from ${contents.modelJsonPath}`);
      if (w.shape.length !== s.shape.length || w.shape.some((d, i) => d !== s.shape[i])) {
        throw new NetworkError(`${caller}: variable '${s.name}' has shape ${formatShape(w.shape, ', ')} in ${contents.modelJsonPath} but the network expects ${formatShape(s.shape, ', ')}`);
      }
      return w.values;
    });
    const known = new Set(specs.map((s) => s.name));
    const extra = contents.weights.filter((w) => !known.has(w.name)).map((w) => w.name);
    if (extra.length > 0) throw new NetworkError(`${caller}: ${contents.modelJsonPath} holds variables the network does not have: ${extra.join(', ')}`);
    this.#assign(parts);
  }

  /**
   * Creates a network from a directory written by `save`, using the settings stored in it. Built-in
   * torsos are rebuilt from their stored `kind` and `config`; for a custom torso pass it in `overrides`.
   *
   * @param dir - Directory holding `model.json`.
   * @param overrides - Options replacing the stored ones (e.g. `torso`, `name`, `checkInputValues`).
   * @returns The network with the saved weights.
   */
  static async fromDirectory(dir: string, overrides: Partial<ImpalaNetworkOptions> = {}): Promise<ImpalaNetwork> {
    const caller = 'ImpalaNetwork.fromDirectory';
    const contents = await readWeightsDirectory(dir, caller);
    const meta = contents.metadata.impalaNetwork as SavedNetworkMetadata | undefined;
    if (meta === undefined) throw new NetworkError(`${caller}: ${contents.modelJsonPath} has no userDefinedMetadata.impalaNetwork settings`);
    const torso = overrides.torso ?? builtInTorso(meta.torso, meta.torsoConfig ?? {});
    if (torso === undefined) throw new NetworkError(`${caller}: the saved torso '${meta.torso}' is custom; pass it as overrides.torso`);
    const network = new ImpalaNetwork({
      observationShape: meta.observationShape,
      numActions: meta.numActions,
      lstmSize: meta.lstmSize,
      useInstruction: meta.useInstruction,
      ...overrides,
      torso,
    });
    try {
      await network.load(dir);
    } catch (error) {
      network.dispose();
      throw error;
    }
    return network;
  }

  /**
   * The settings `save` records, enough for `fromDirectory` to rebuild the network.
   *
   * @returns Plain JSON-serialisable settings.
   */
  savedMetadata(): SavedNetworkMetadata {
    return {
      torso: this.torsoKind,
      torsoConfig: this.#torsoDefinition.config ?? null,
      observationShape: [...this.observationShape],
      numActions: this.multiDiscrete ? [...this.actionSizes] : this.actionSizes[0]!,
      lstmSize: this.lstmSize,
      useInstruction: this.useInstruction,
      numParameters: this.numParameters,
    };
  }

  /** `step`'s forward pass on its flat inputs (see `step`); recorded once per signature when compiled. */
  #stepForward(flat: readonly tf.Tensor[], tag: string): (tf.Tensor | undefined)[] {
    const expand = (t: tf.Tensor): tf.Tensor => tf.expandDims(t, 0);
    const [observation, lastAction, lastReward, ...rest] = flat as [tf.Tensor, tf.Tensor, tf.Tensor, ...tf.Tensor[]];
    const done = tag.includes('d') ? rest.shift() : undefined;
    const instruction = tag.includes('i') ? { tokens: expand(rest.shift()!), lengths: expand(rest.shift()!) } : undefined;
    const state = tag.includes('s') ? { c: rest[0] as tf.Tensor2D, h: rest[1] as tf.Tensor2D } : null;
    return this.#forward(expand(observation), expand(lastAction), expand(lastReward), instruction, done === undefined ? undefined : expand(done), state, 1, observation.shape[0]);
  }

  /** Frees the network's variables; the network cannot be used afterwards. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#stepGraph.dispose();
    this.#store.dispose();
  }

  #checkAlive(method: string): void {
    if (this.#disposed) throw new NetworkError(`ImpalaNetwork.${method}: the network was disposed`);
  }

  #assign(parts: readonly Float32Array[]): void {
    const variables = this.#store.variables;
    const specs = this.#store.specs;
    tf.tidy(() => {
      variables.forEach((v, i) => {
        v.assign(tf.tensor(parts[i]!.slice(), [...specs[i]!.shape], 'float32'));
      });
    });
  }

  /**
   * Checks shapes/dtypes (and, if enabled, value ranges) of step or unroll inputs.
   *
   * @returns B.
   */
  #checkInputs(caller: string, inputs: NetworkStepInputs | NetworkUnrollInputs, leadRank: 1 | 2): number {
    const meaning = leadRank === 1 ? '[B' : '[T, B';
    if (typeof inputs !== 'object') throw new NetworkError(`${caller}: inputs must be an object with observation, lastAction and lastReward`);
    const obs = inputs.observation as tf.Tensor | undefined;
    const obsMeaning = `${meaning}, ...observationShape]`;
    if (obs === undefined || !Array.isArray(obs.shape)) throw new NetworkError(`${caller}: inputs.observation must be a tf.Tensor of shape ${obsMeaning}`);
    const lead = obs.shape.slice(0, leadRank);
    const expectedObs = [...lead, ...this.observationShape];
    if (obs.rank !== expectedObs.length || obs.shape.slice(leadRank).some((d, i) => d !== this.observationShape[i]) || lead.some((d) => d <= 0)) {
      throw new NetworkError(
        `${caller}: inputs.observation must have shape ${obsMeaning} with observationShape ${formatShape(this.observationShape, ', ')}, got ${formatShape(obs.shape, ', ')}`,
      );
    }
    checkTensor(caller, 'inputs.observation', obs, expectedObs, this.#torso.observationDtypes ?? ['float32', 'int32'], obsMeaning);
    const leadMeaning = `${meaning}]`;
    const actionShape = this.multiDiscrete ? [...lead, this.actionSizes.length] : lead;
    checkTensor(caller, 'inputs.lastAction', inputs.lastAction, actionShape, ['int32', 'float32'], this.multiDiscrete ? `${meaning}, H]` : leadMeaning);
    checkTensor(caller, 'inputs.lastReward', inputs.lastReward, lead, REWARD_DTYPES, leadMeaning);
    if (this.#checkValues) {
      checkIndexRange(caller, 'inputs.lastAction', inputs.lastAction, this.actionSizes, 'number of actions');
    }
    const instruction = inputs.instruction;
    if (this.#instruction === null) {
      if (instruction !== undefined) throw new NetworkError(`${caller}: inputs.instruction was given but the network was built with useInstruction: false`);
    } else {
      if (instruction === undefined) {
        throw new NetworkError(`${caller}: the network was built with useInstruction: true; pass inputs.instruction (see encodeInstructions)`);
      }
      const tokens = instruction.tokens as tf.Tensor | undefined;
      const steps = tokens?.shape[leadRank] ?? 0;
      checkTensor(caller, 'inputs.instruction.tokens', tokens, [...lead, Math.max(steps, 1)], ['int32'], `${meaning}, L]`);
      checkTensor(caller, 'inputs.instruction.lengths', instruction.lengths, lead, ['int32'], leadMeaning);
      if (this.#checkValues) {
        checkIndexRange(caller, 'inputs.instruction.tokens', tokens, [INSTRUCTION_HASH_BUCKETS], 'number of hash buckets');
        checkIndexRange(caller, 'inputs.instruction.lengths', instruction.lengths, [steps + 1], 'token dimension L + 1');
      }
    }
    return lead[leadRank - 1]!;
  }

  #checkState(caller: string, argument: string, state: ModelState, batch: number): void {
    if (this.#lstm === null) {
      if ((state as ModelState | undefined) != null) throw new NetworkError(`${caller}: ${argument} must be null for a feed-forward network (lstmSize 0)`);
      return;
    }
    if (state === null || typeof state !== 'object') {
      throw new NetworkError(`${caller}: ${argument} must be { c, h } with shapes [B, ${this.lstmSize}] (see initialState(B)), got ${String(state)}`);
    }
    checkTensor(caller, `${argument}.c`, state.c, [batch, this.lstmSize], ['float32'], '[B, lstmSize]');
    checkTensor(caller, `${argument}.h`, state.h, [batch, this.lstmSize], ['float32'], '[B, lstmSize]');
  }

  /**
   * The whole network on `[T, B, ...]` inputs; must run inside `tf.tidy`.
   *
   * @returns `[logits [T·B, ΣA], baseline [T·B], c?, h?]` with rows in time-major order.
   */
  #forward(
    observation: tf.Tensor,
    lastAction: tf.Tensor,
    lastReward: tf.Tensor,
    instruction: InstructionInput | undefined,
    dones: tf.Tensor | undefined,
    state: ModelState,
    time: number,
    batch: number,
  ): tf.Tensor[] {
    const n = time * batch;
    const features = this.#torso.apply(tf.reshape(observation, [n, ...this.observationShape]));
    if (features.rank !== 2 || features.shape[0] !== n || features.shape[1] !== this.#torso.outputSize) {
      throw new NetworkError(
        `ImpalaNetwork: torso '${this.torsoKind}' returned shape ${formatShape(features.shape, ', ')}, expected [${n}, ${this.#torso.outputSize}]`,
      );
    }
    const parts: tf.Tensor2D[] = [features as tf.Tensor2D, tf.reshape(tf.clipByValue(tf.cast(lastReward, 'float32'), -1, 1), [n, 1])];
    const actions = tf.reshape(tf.cast(lastAction, 'int32'), [n, this.actionSizes.length]);
    this.actionSizes.forEach((size, head) => {
      const column = this.actionSizes.length === 1 ? tf.reshape(actions, [n]) : tf.reshape(tf.slice(actions, [0, head], [n, 1]), [n]);
      parts.push(oneHotFloat(column, size) as tf.Tensor2D);
    });
    if (this.#instruction !== null && instruction !== undefined) {
      const steps = instruction.tokens.shape[instruction.tokens.rank - 1]!;
      parts.push(this.#instruction.apply(tf.reshape(instruction.tokens, [n, steps]), tf.reshape(instruction.lengths, [n])));
    }
    const coreInput = tf.concat(parts, 1);
    let core: tf.Tensor2D = coreInput;
    let finalState: tf.Tensor[] = [];
    if (this.#lstm !== null && state !== null) {
      // Per-step inputs and reset masks come from one split each rather than a slice per step: T − 1
      // fewer kernel launches each way, and the gradient is one concat instead of T zero-padded
      // [T·B, F] tensors added up (the same values: adding zeros is exact).
      const keeps =
        dones === undefined
          ? undefined
          : splitTime(tf.reshape(tf.cast(tf.logicalNot(tf.cast(dones, 'bool')), 'float32'), [n, 1]), time);
      // Over several steps, every step's input part of the gates is one large matmul up front (and one in the
      // backward pass) instead of one small matmul per step on concat([x, h]).
      const proj = time > 1 ? lstmProjectInputs(this.#lstm, coreInput) : undefined;
      const inputs = splitTime(proj === undefined ? coreInput : proj.projected, time);
      let s: LstmState = state;
      const outputs: tf.Tensor2D[] = [];
      for (let t = 0; t < time; t++) {
        if (keeps !== undefined) {
          // Reset rows that start a new episode: multiplying by 0 gives exact zeros (the zero state).
          const keep = keeps[t]!;
          s = { c: tf.mul(s.c, keep), h: tf.mul(s.h, keep) };
        }
        s = proj === undefined ? lstmCellStep(this.#lstm, inputs[t]!, s) : lstmCellStepProjected(inputs[t]!, proj.recurrent, s);
        outputs.push(s.h);
      }
      core = outputs.length === 1 ? outputs[0]! : tf.concat(outputs, 0);
      finalState = [s.c, s.h];
    }
    const { logits, baseline } = this.#heads.apply(core);
    return [logits, baseline, ...finalState];
  }
}
