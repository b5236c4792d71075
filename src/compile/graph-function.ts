/**
 * A pure tensor function (no variable assignment) run as one libtensorflow graph per input signature:
 * the first call with a given set of input shapes runs eagerly while its ops are recorded; later calls
 * are one session run. Every variable the function reads is a graph input, fed at each call, so weight
 * updates (e.g. an actor receiving new parameters) need no recompilation. Used for the actors' batched
 * network step (`ImpalaNetworkOptions.compile`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { CompiledGraph, rewriteOptionsFromEnv } from './compiled-graph.js';
import { rewriteGraph, type RewriteOptions } from './graph-rewrite.js';
import { recordOps, type RecordedInput } from './op-recorder.js';
import type { CompileMode } from './learner-compiler.js';
import type { SignatureTensor } from './saved-model-proto.js';
import { bindingConstant, tensorflowBackend, type TensorflowBackend } from './tensorflow-binding.js';

type Feed = { kind: 'input'; index: number } | { kind: 'variable'; variable: tf.Variable };

interface Entry {
  readonly graph: CompiledGraph;
  readonly feeds: readonly Feed[];
  /** Which outputs of the function are present (undefined ones are not graph outputs). */
  readonly present: readonly boolean[];
}

const DTYPES: Record<string, `TF_${string}`> = { float32: 'TF_FLOAT', int32: 'TF_INT32', bool: 'TF_BOOL' };

/**
 * A function of tensors compiled per input signature; see the module comment.
 * @category Compile
 */
export class GraphFunction {
  readonly #name: string;
  readonly #mode: CompileMode;
  readonly #fn: (inputs: readonly tf.Tensor[], tag: string) => readonly (tf.Tensor | undefined)[];
  readonly #log: (message: string) => void;
  readonly #graphs = new Map<string, Entry>();
  #reason: string | null = null;
  readonly #rewriteOptions: RewriteOptions = rewriteOptionsFromEnv();
  /** Kernel launches of the last recorded eager call. */
  eagerOps: number | null = null;
  /** Calls run as one session run. */
  compiledCalls = 0;

  /**
   * @param name - used in messages (e.g. `ImpalaNetwork.step`).
   * @param mode - see {@link CompileMode}; `false` makes {@link GraphFunction.call} always return null.
   * @param fn - the function; it must not assign variables, and must return the same structure each call.
   * @param log - receives the one line saying why `'auto'` runs eagerly.
   */
  constructor(name: string, mode: CompileMode, fn: (inputs: readonly tf.Tensor[], tag: string) => readonly (tf.Tensor | undefined)[], log: (message: string) => void) {
    this.#name = name;
    this.#mode = mode;
    this.#fn = fn;
    this.#log = log;
    if (mode === false) this.#reason = 'compile is off';
  }

  /** Why calls run eagerly (null while compiling). */
  get reason(): string | null {
    return this.#reason;
  }

  /**
   * Runs the function, compiled when possible.
   *
   * @param inputs - the tensors (not disposed).
   * @param tag - tells apart calls whose inputs mean different things (e.g. which optional inputs are given).
   * @returns the outputs (new tensors owned by the caller), or null when the caller must run it eagerly.
   * @throws Error naming the reason when the mode is `true` and no graph can be built.
   */
  call(inputs: readonly tf.Tensor[], tag = ''): (tf.Tensor | undefined)[] | null {
    if (this.#reason !== null) return null;
    const backend = tensorflowBackend();
    if (typeof backend === 'string') return this.#fallBack(backend);
    const key = `${tag}|${inputs.map((t) => `${t.dtype}[${t.shape.join(',')}]`).join(' ')}`;
    const entry = this.#graphs.get(key);
    if (entry === undefined) return this.#record(backend, key, inputs, tag);
    const outs = entry.graph.run(entry.feeds.map((f) => (f.kind === 'input' ? inputs[f.index]! : f.variable)));
    this.compiledCalls++;
    let k = 0;
    return entry.present.map((p) => (p ? outs[k++]! : undefined));
  }

  /** Closes the sessions. */
  dispose(): void {
    for (const e of this.#graphs.values()) e.graph.dispose();
    this.#graphs.clear();
  }

  #fallBack(reason: string): null {
    this.dispose();
    this.#reason = reason;
    if (this.#mode === true) throw new Error(`${this.#name}: compile is true but it cannot run as one graph: ${reason}`);
    this.#log(`${this.#name}: compile 'auto' runs eagerly: ${reason}`);
    return null;
  }

  /** One eager call under the recorder (its outputs are returned); builds and loads the graph. */
  #record(backend: TensorflowBackend, key: string, inputs: readonly tf.Tensor[], tag: string): (tf.Tensor | undefined)[] | null {
    const variables = Object.values(tf.engine().registeredVariables);
    const tensors = [...inputs, ...variables];
    const feeds: Feed[] = [...inputs.map((_, index): Feed => ({ kind: 'input', index })), ...variables.map((variable): Feed => ({ kind: 'variable', variable }))];
    const ids = backend.getInputTensorIds(tensors);
    const seen = new Set<number>();
    const recorded: RecordedInput[] = [];
    const recordedFeeds: Feed[] = [];
    tensors.forEach((t, i) => {
      const dtype = DTYPES[t.dtype];
      if (seen.has(ids[i]!) || dtype === undefined) return;
      seen.add(ids[i]!);
      recorded.push({ name: `input_${i}`, id: ids[i]!, dtype: bindingConstant(backend.binding, dtype), shape: t.shape });
      recordedFeeds.push(feeds[i]!);
    });
    const before = variables.map((v) => backend.getInputTensorIds([v])[0]!);
    const { result, graph: recording, error } = recordOps(backend, recorded, () => tf.tidy(() => this.#fn(inputs, tag).map((t) => (t === undefined ? undefined : tf.keep(t)))));
    if (error !== null) {
      this.#fallBack(error);
      return result;
    }
    if (variables.some((v, i) => !v.isDisposed && backend.getInputTensorIds([v])[0] !== before[i])) {
      this.#fallBack('the function assigns variables');
      return result;
    }
    const outputs: SignatureTensor[] = [];
    for (const t of result) {
      if (t === undefined) continue;
      const id = backend.getInputTensorIds([t])[0]!;
      const name = recording.tensorName(id);
      if (name === undefined) {
        this.#fallBack('an output is not computed by the function (e.g. an input returned as is)');
        return result;
      }
      outputs.push({ name, dtype: recording.metadata(id)!.dtype, shape: t.shape });
    }
    const { nodes } = rewriteGraph(recording.nodes, outputs.map((o) => o.name), (t) => recording.metadataOf(t), this.#rewriteOptions);
    const used = new Set(nodes.map((n) => n.name));
    const inputSpecs: SignatureTensor[] = [];
    const inputFeeds: Feed[] = [];
    recorded.forEach((r, i) => {
      if (!used.has(r.name)) return;
      inputSpecs.push({ name: r.name, dtype: r.dtype, shape: r.shape });
      inputFeeds.push(recordedFeeds[i]!);
    });
    try {
      const graph = CompiledGraph.load(backend, { nodes, inputs: inputSpecs, outputs });
      this.#graphs.set(key, { graph, feeds: inputFeeds, present: result.map((t) => t !== undefined) });
      this.eagerOps = recording.opCount;
    } catch (e) {
      this.#fallBack(`libtensorflow did not load the recorded graph: ${e instanceof Error ? e.message : String(e)}`);
    }
    return result;
  }
}
