/**
 * The learner update as one libtensorflow graph (`LearnerOptions.compile`).
 *
 * The first update of a given batch shape runs eagerly on tfjs-node while its ops are recorded
 * ({@link recordOps}): forward unroll, V-trace, losses, the backward pass, clipping and the optimizer
 * update. The recording becomes a GraphDef whose inputs are the batch, the learning rate and every
 * variable the update reads (weights and optimizer slots), and whose outputs are the new values of the
 * variables it assigned plus the metrics; it is loaded as a SavedModel session. Later updates of that
 * shape are one session run each; the outputs are assigned to the same variables, so checkpoints,
 * `latest()` and resumption see no difference.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer } from '../optim/optimizer.js';
import { RMSProp } from '../optim/rmsprop.js';
import { CompiledGraph, rewriteOptionsFromEnv } from './compiled-graph.js';
import { rewriteGraph, uint8Placeholder, type RewriteOptions } from './graph-rewrite.js';
import { recordOps, type RecordedInput } from './op-recorder.js';
import type { SignatureTensor } from './saved-model-proto.js';
import { bindingConstant, tensorflowBackend, type TensorflowBackend } from './tensorflow-binding.js';

/**
 * `true`: always compile (fail naming the reason when impossible); `false`: eager; `'auto'`: compile when possible.
 * @category Compile
 */
export type CompileMode = boolean | 'auto';

/**
 * The stacked, time-major learner inputs of one update.
 * @category Compile
 */
export interface LearnerBatchTensors {
  /** `[T+1, B, ...obs]` observations. */
  readonly observation: tf.Tensor;
  /**
   * The same observations as bytes when they are uint8 pixels (the int32 `observation` tensor is then
   * only read to record an update): compiled updates feed them to the graph as a uint8 tensor.
   */
  readonly observationBytes?: { readonly data: Uint8Array; readonly shape: readonly number[] } | undefined;
  /** `[T+1, B(, H)]` previous actions. */
  readonly lastAction: tf.Tensor;
  /** `[T+1, B]` previous rewards. */
  readonly lastReward: tf.Tensor2D;
  /** `[T+1, B]` episode starts. */
  readonly dones: tf.Tensor2D;
  /** `[T, B(, H)]` actions. */
  readonly actions: tf.Tensor;
  /** `[T, B, A]` behaviour logits. */
  readonly behaviourLogits: tf.Tensor3D;
  /** `[T, B]` clipped rewards (with truncation bootstraps). */
  readonly rewards: tf.Tensor2D;
  /** `[T, B]` discounts. */
  readonly discounts: tf.Tensor2D;
  /** LSTM state at the first step, or null for a feed-forward model. */
  readonly initialState: { readonly c: tf.Tensor2D; readonly h: tf.Tensor2D } | null;
}

/**
 * The update as the learner runs it eagerly: loss parts (policy, baseline, entropy loss, entropy sum) and the gradient norm.
 * @category Compile
 */
export type RecordableUpdate = (learningRate: tf.Scalar) => { pieces: tf.Scalar[]; norm: number | tf.Scalar };

/**
 * What the compiler did so far (for logs and benchmarks).
 * @category Compile
 */
export interface CompileStats {
  /** Whether updates currently run as a graph. */
  readonly compiled: boolean;
  /** Why not, when they don't (null otherwise). */
  readonly reason: string | null;
  /** Kernel launches of the recorded eager update (null before a recording). */
  readonly eagerOps: number | null;
  /** Nodes of the last graph (placeholders and constants included). */
  readonly graphNodes: number | null;
  /** Updates run as one session call. */
  readonly compiledSteps: number;
  /** How many times each graph rewrite applied to the last graph (see `rewriteGraph`), or null. */
  readonly rewrites: Readonly<Record<string, number>> | null;
}

type Feed = { kind: 'batch'; key: string } | { kind: 'bytes' } | { kind: 'lr' } | { kind: 'variable'; variable: tf.Variable };

interface Entry {
  readonly graph: CompiledGraph;
  readonly feeds: readonly Feed[];
  readonly assigned: readonly tf.Variable[];
}

const FN = 'Learner';

const logged = new Set<string>();
/** The default log: `console.warn`, each distinct line once per process (every learner on wasm would repeat it). */
function warnOnce(message: string): void {
  if (logged.has(message)) return;
  logged.add(message);
  console.warn(message);
}

const BATCH_KEYS = ['observation', 'lastAction', 'lastReward', 'dones', 'actions', 'behaviourLogits', 'rewards', 'discounts'] as const;

/** Flattens the batch tensors with stable names (reads `observation`, which may make its tensor). */
function batchEntries(inputs: LearnerBatchTensors): [string, tf.Tensor][] {
  const out: [string, tf.Tensor][] = BATCH_KEYS.map((key) => [key, inputs[key]]);
  if (inputs.initialState) out.push(['initialC', inputs.initialState.c], ['initialH', inputs.initialState.h]);
  return out;
}

/** The graph key of a batch: names, dtypes and shapes (without reading `observation` when it comes as bytes). */
function batchKey(inputs: LearnerBatchTensors): string {
  const parts = BATCH_KEYS.map((k) => (k === 'observation' && inputs.observationBytes ? `${k}:uint8[${inputs.observationBytes.shape.join(',')}]` : `${k}:${inputs[k].dtype}[${inputs[k].shape.join(',')}]`));
  if (inputs.initialState) parts.push(`initialC:[${inputs.initialState.c.shape.join(',')}]`, `initialH:[${inputs.initialState.h.shape.join(',')}]`);
  return parts.join(' ');
}

const DTYPES: Record<string, `TF_${string}`> = { float32: 'TF_FLOAT', int32: 'TF_INT32', bool: 'TF_BOOL' };

/**
 * Compiles and runs the learner update as one graph; see the module comment.
 * @category Compile
 */
export class LearnerCompiler {
  readonly #mode: CompileMode;
  readonly #optimizer: Optimizer;
  readonly #rmsprop: RMSProp | null;
  readonly #actionSizes: readonly number[];
  readonly #variables: Readonly<Record<string, tf.Variable>>;
  readonly #log: (message: string) => void;
  readonly #graphs = new Map<string, Entry>();
  #reason: string | null = null;
  #eagerOps: number | null = null;
  #graphNodes: number | null = null;
  #compiledSteps = 0;
  #rewrites: Readonly<Record<string, number>> | null = null;
  readonly #rewriteOptions: RewriteOptions = rewriteOptionsFromEnv();

  /**
   * @param mode - see {@link CompileMode}.
   * @param optimizer - the learner's optimizer (only the built-in RMSProp is compiled).
   * @param variables - the learner's trainable variables by name (their optimizer slots are made before recording).
   * @param actionSizes - the model's action-head sizes (actions are range-checked on the host).
   * @param log - receives the one line saying why `'auto'` falls back to eager updates.
   */
  constructor(mode: CompileMode, optimizer: Optimizer, variables: Readonly<Record<string, tf.Variable>>, actionSizes: readonly number[], log: (message: string) => void = warnOnce) {
    this.#mode = mode;
    this.#optimizer = optimizer;
    this.#rmsprop = optimizer instanceof RMSProp ? optimizer : null;
    this.#actionSizes = actionSizes;
    this.#variables = variables;
    this.#log = log;
    if (mode === false) this.#reason = 'compile is off';
  }

  /** {@inheritDoc CompileStats} */
  get stats(): CompileStats {
    return {
      compiled: this.#reason === null && this.#graphs.size > 0,
      reason: this.#reason,
      eagerOps: this.#eagerOps,
      graphNodes: this.#graphNodes,
      compiledSteps: this.#compiledSteps,
      rewrites: this.#rewrites,
    };
  }

  /**
   * Runs one update compiled (recording it first for a new batch shape).
   *
   * @param inputs - the batch.
   * @param learningRate - this update's learning rate.
   * @param update - the learner's eager update, recorded once per batch shape.
   * @returns `[policyLoss, baselineLoss, entropyLoss, entropySum, gradNorm]`, or null when the caller must
   *   run this update eagerly (compile off or fallen back).
   * @throws Error naming the reason when `compile` is `true` and the update cannot be one graph.
   */
  step(inputs: LearnerBatchTensors, learningRate: number, update: RecordableUpdate): number[] | null {
    if (this.#reason !== null) return null;
    const backend = tensorflowBackend();
    if (typeof backend === 'string') return this.#fallBack(backend);
    if (this.#rmsprop === null) {
      return this.#fallBack(`the optimizer is '${this.#optimizer.name}'; only the built-in RMSProp is compiled (Adam computes its bias correction on the host at every step)`);
    }
    this.#checkActions(inputs.actions);
    const key = batchKey(inputs);
    const entry = this.#graphs.get(key) ?? this.#record(backend, key, inputs, learningRate, update);
    if (entry === null) return null;
    const bytes = inputs.observationBytes;
    const bytesId = bytes && entry.feeds.some((f) => f.kind === 'bytes') ? backend.binding.createTensor([...bytes.shape], bindingConstant(backend.binding, 'TF_UINT8'), bytes.data) : null;
    let values: number[] = [];
    try {
      tf.tidy(() => {
        const lr = tf.scalar(learningRate);
        const feeds = entry.feeds.map((f) => {
          switch (f.kind) {
            case 'lr': return lr;
            case 'variable': return f.variable;
            case 'bytes': return bytesId!;
            case 'batch': return f.key === 'initialC' ? inputs.initialState!.c : f.key === 'initialH' ? inputs.initialState!.h : inputs[f.key as (typeof BATCH_KEYS)[number]];
          }
        });
        const outs = entry.graph.run(feeds);
        entry.assigned.forEach((v, i) => { v.assign(outs[i]!); });
        values = Array.from(outs[outs.length - 1]!.dataSync());
      });
    } finally {
      if (bytesId !== null) backend.binding.deleteTensor(bytesId);
    }
    this.#rmsprop.countCompiledUpdates(1);
    this.#compiledSteps++;
    return values;
  }

  /** The graph's V-trace trusts the actions: check their range here (the eager path's check, on host values). */
  #checkActions(actions: tf.Tensor): void {
    const values = actions.dataSync();
    const H = this.#actionSizes.length;
    for (let i = 0; i < values.length; i++) {
      const a = values[i]!;
      const size = this.#actionSizes[i % H]!;
      if (!(Number.isInteger(a) && a >= 0 && a < size)) {
        throw new RangeError(`${FN}.step: action ${a} at flat index ${i} (head ${i % H}) is outside [0, ${size})`);
      }
    }
  }

  /** Closes the sessions. */
  dispose(): void {
    for (const e of this.#graphs.values()) e.graph.dispose();
    this.#graphs.clear();
  }

  #fallBack(reason: string): null {
    this.dispose();
    this.#reason = reason;
    if (this.#mode === true) throw new Error(`${FN}: compile is true but the update cannot run as one graph: ${reason}`);
    this.#log(`${FN}: compile 'auto' runs updates eagerly: ${reason}`);
    return null;
  }

  /**
   * Records one eager update as a dry run (variables, slots and the optimizer's counter are restored
   * afterwards), then builds and loads its graph. Returns the new entry, or null after falling back.
   */
  #record(backend: TensorflowBackend, key: string, inputs: LearnerBatchTensors, learningRate: number, update: RecordableUpdate): Entry | null {
    const entries = batchEntries(inputs);
    const optimizer = this.#rmsprop!;
    optimizer.ensureSlots(this.#variables);
    const variables = Object.values(tf.engine().registeredVariables);
    const optimizerState = optimizer.getState();
    const saved = variables.map((v) => tf.clone(v));
    const lr = tf.scalar(learningRate);
    let restored = false;
    const restore = (): void => {
      if (restored) return;
      restored = true;
      variables.forEach((v, i) => { if (!v.isDisposed) v.assign(saved[i]!); });
      optimizer.setState(optimizerState, this.#variables);
    };
    try {
      const feeds: Feed[] = [...entries.map(([k]): Feed => ({ kind: 'batch', key: k })), { kind: 'lr' }, ...variables.map((v): Feed => ({ kind: 'variable', variable: v }))];
      const tensors = [...entries.map(([, t]) => t), lr, ...variables];
      const ids = backend.getInputTensorIds(tensors);
      const seen = new Set<number>();
      const recorded: RecordedInput[] = [];
      const recordedFeeds: Feed[] = [];
      tensors.forEach((t, i) => {
        const id = ids[i]!;
        if (seen.has(id)) return; // two variables holding one tensor: the first one feeds it
        seen.add(id);
        const dtype = DTYPES[t.dtype];
        if (dtype === undefined) return;
        recorded.push({ name: `input_${i}`, id, dtype: bindingConstant(backend.binding, dtype), shape: t.shape });
        recordedFeeds.push(feeds[i]!);
      });
      const before = variables.map((v) => backend.getInputTensorIds([v])[0]!);
      const { result: metrics, graph: recording, error } = recordOps(backend, recorded, () =>
        tf.tidy(() => {
          const { pieces, norm } = update(lr);
          const stacked = tf.stack([...pieces, typeof norm === 'number' ? tf.scalar(norm) : norm]);
          tf.dispose(pieces); // kept by the update for the eager path's reads
          return stacked;
        }),
      );
      const metricsId = backend.getInputTensorIds([metrics])[0]!;
      const after = variables.map((v) => (v.isDisposed ? -1 : backend.getInputTensorIds([v])[0]!));
      metrics.dispose();
      restore();
      if (error !== null) return this.#fallBack(error);
      if (Object.keys(tf.engine().registeredVariables).length !== variables.length) {
        return this.#fallBack('the update creates variables (e.g. a lazily built layer), so it differs from one step to the next');
      }
      const assigned: tf.Variable[] = [];
      const outputs: SignatureTensor[] = [];
      for (let i = 0; i < variables.length; i++) {
        const v = variables[i]!;
        if (after[i] === before[i]) continue;
        const name = recording.tensorName(after[i]!);
        if (name === undefined) return this.#fallBack(`variable '${v.name}' was assigned a tensor made outside the update`);
        assigned.push(v);
        outputs.push({ name, dtype: recording.metadata(after[i]!)!.dtype, shape: v.shape });
      }
      const metricsName = recording.tensorName(metricsId)!;
      outputs.push({ name: metricsName, dtype: recording.metadata(metricsId)!.dtype, shape: [5] });
      const rewritten = rewriteGraph(recording.nodes, outputs.map((o) => o.name), (t) => recording.metadataOf(t), this.#rewriteOptions);
      const counts: Record<string, number> = { ...rewritten.counts, uint8Observation: 0 };
      let nodes = rewritten.nodes;
      // uint8 pixels: the observation placeholder takes them as bytes
      const observationInput = recorded.find((_, i) => { const f = recordedFeeds[i]!; return f.kind === 'batch' && f.key === 'observation'; });
      if (inputs.observationBytes && observationInput && this.#rewriteOptions.uint8Observation !== false) {
        const asBytes = uint8Placeholder(nodes, observationInput.name);
        if (asBytes !== null) {
          nodes = asBytes;
          counts.uint8Observation = 1;
        }
      }
      const used = new Set(nodes.map((n) => n.name));
      const inputSpecs: SignatureTensor[] = [];
      const inputFeeds: Feed[] = [];
      recorded.forEach((r, i) => {
        if (!used.has(r.name)) return;
        const bytes = counts.uint8Observation === 1 && r === observationInput;
        inputSpecs.push({ name: r.name, dtype: bytes ? bindingConstant(backend.binding, 'TF_UINT8') : r.dtype, shape: r.shape });
        inputFeeds.push(bytes ? { kind: 'bytes' } : recordedFeeds[i]!);
      });
      let graph: CompiledGraph;
      try {
        graph = CompiledGraph.load(backend, { nodes, inputs: inputSpecs, outputs });
      } catch (e) {
        return this.#fallBack(`libtensorflow did not load the recorded graph: ${e instanceof Error ? e.message : String(e)}`);
      }
      const entry: Entry = { graph, feeds: inputFeeds, assigned };
      this.#graphs.set(key, entry);
      this.#eagerOps = recording.opCount;
      this.#graphNodes = nodes.length;
      this.#rewrites = counts;
      return entry;
    } finally {
      restore();
      tf.dispose(saved);
      lr.dispose();
    }
  }
}
