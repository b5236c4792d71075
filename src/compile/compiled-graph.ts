/**
 * A recorded graph loaded into a libtensorflow session: written as a SavedModel (one MetaGraphDef, no
 * variables) to a temporary directory, loaded through tfjs-node's SavedModel binding, and run with one
 * `TF_SessionRun` per call. Inputs and outputs stay tensors of the tfjs engine (on CPU, feeding a tensor
 * handle and wrapping a session output copy no tensor data).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { parseRewritesOff, REWRITES_OFF_ENV, type RewriteOptions } from './graph-rewrite.js';
import { encodeSavedModel, type NodeSpec, type SignatureTensor } from './saved-model-proto.js';
import { bindingConstant, type TensorflowBackend } from './tensorflow-binding.js';

/**
 * Debugging/profiling hook: when this environment variable names an existing folder, every graph loaded
 * is kept there as `graph-XXXXXX/saved_model.pb`, with the inputs of its first run as `.npy` files and a
 * `manifest.json` naming the placeholders (in feed order, with the `.npy` file of each) and the fetched
 * outputs; bench/profile_compiled_graph.py profiles such a folder op by op in Python TensorFlow.
 * @category Compile
 */
export const DUMP_ENV = 'IMPALA_COMPILE_DUMP_DIR';

/**
 * The graph rewrites `IMPALA_COMPILE_REWRITES_OFF` leaves on (read when a compiler is made).
 *
 * @returns the options.
 * @category Compile
 */
export function rewriteOptionsFromEnv(): RewriteOptions {
  return parseRewritesOff(process.env[REWRITES_OFF_ENV]);
}

/** NumPy dtype descriptors by TensorFlow `DataType`. */
const NPY_DTYPES: Record<number, string> = { 1: '<f4', 3: '<i4', 4: '|u1', 10: '|b1' };

/** A NumPy `.npy` file (format 1.0) of raw little-endian values. */
function npy(values: ArrayBufferView, dtype: number, shape: readonly number[]): Uint8Array {
  const descr = NPY_DTYPES[dtype];
  if (descr === undefined) throw new Error(`npy: DataType ${dtype}`);
  const body = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(body, 10 + header.length);
  return out;
}

/** The values of a binding tensor (uint8 ones through a cast to int32: the binding reads no uint8). */
function bindingValues(backend: TensorflowBackend, id: number, dtype: number): ArrayBufferView {
  const b = backend.binding;
  if (dtype !== 4) return b.tensorDataSync(id);
  const type = bindingConstant(b, 'TF_ATTR_TYPE');
  const attrs = [{ name: 'SrcT', type, value: 4 }, { name: 'DstT', type, value: 3 }, { name: 'Truncate', type: bindingConstant(b, 'TF_ATTR_BOOL'), value: false }];
  const [wide] = b.executeOp('Cast', attrs, [id], 1);
  try {
    return Uint8Array.from(b.tensorDataSync(wide!.id) as Int32Array);
  } finally {
    b.deleteTensor(wide!.id);
  }
}

function dumpInputs(dir: string, spec: CompiledGraphSpec, backend: TensorflowBackend, inputs: readonly (tf.Tensor | number)[]): void {
  mkdirSync(join(dir, 'inputs'), { recursive: true });
  const feeds = spec.inputs.map((s, i) => {
    const file = `inputs/${s.name}.npy`;
    const input = inputs[i]!;
    // bools: one byte per value, as tfjs keeps them
    const values = typeof input === 'number' ? bindingValues(backend, input, s.dtype) : input.dtype === 'bool' ? Uint8Array.from(input.dataSync()) : input.dataSync();
    writeFileSync(join(dir, file), npy(values, s.dtype, s.shape));
    return { name: `${s.name}:0`, file, dtype: s.dtype, shape: s.shape };
  });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ inputs: feeds, outputs: spec.outputs.map((o) => o.name), nodes: spec.nodes.length }, null, 1));
}

/**
 * What {@link CompiledGraph.load} needs.
 * @category Compile
 */
export interface CompiledGraphSpec {
  /** The graph's nodes (placeholders named as `inputs`). */
  readonly nodes: readonly NodeSpec[];
  /** Placeholder names, in the order `run` takes its tensors, with dtype and shape. */
  readonly inputs: readonly SignatureTensor[];
  /** Fetched tensors (`node:index`), in the order `run` returns them, with dtype and shape. */
  readonly outputs: readonly SignatureTensor[];
}

/**
 * A libtensorflow session running one recorded graph.
 * @category Compile
 */
export class CompiledGraph {
  readonly #backend: TensorflowBackend;
  readonly #session: number;
  readonly #inputNames: string;
  readonly #outputNames: string;
  /** Graph nodes (placeholders, constants and ops). */
  readonly nodeCount: number;
  /** Bytes of the `saved_model.pb` that was loaded. */
  readonly protoBytes: number;
  /** Where the first run's inputs go (see {@link DUMP_ENV}), or null. */
  #dumpDir: string | null = null;
  readonly #spec: CompiledGraphSpec;
  #disposed = false;

  private constructor(backend: TensorflowBackend, session: number, spec: CompiledGraphSpec, protoBytes: number) {
    this.#backend = backend;
    this.#session = session;
    this.#inputNames = spec.inputs.map((t) => `${t.name}:0`).join(',');
    this.#outputNames = spec.outputs.map((t) => t.name).join(',');
    this.nodeCount = spec.nodes.length;
    this.protoBytes = protoBytes;
    this.#spec = spec;
  }

  /**
   * Writes the graph as a SavedModel and loads it into a session.
   *
   * @param backend - tfjs-node's backend.
   * @param spec - nodes, inputs and outputs.
   * @returns the loaded graph.
   * @throws Error with libtensorflow's message when the graph does not load.
   */
  static load(backend: TensorflowBackend, spec: CompiledGraphSpec): CompiledGraph {
    const proto = encodeSavedModel({
      nodes: spec.nodes,
      tags: ['serve'],
      signatureName: 'serving_default',
      inputs: Object.fromEntries(spec.inputs.map((t) => [t.name, { ...t, name: `${t.name}:0` }])),
      outputs: Object.fromEntries(spec.outputs.map((t, i) => [`output_${i}`, t])),
    });
    const dumpRoot = process.env[DUMP_ENV];
    const dir = dumpRoot ? mkdtempSync(join(dumpRoot, 'graph-')) : mkdtempSync(join(tmpdir(), 'impala-rl-graph-'));
    try {
      writeFileSync(join(dir, 'saved_model.pb'), proto);
      const session = backend.binding.loadSavedModel(dir, 'serve');
      const graph = new CompiledGraph(backend, session, spec, proto.length);
      if (dumpRoot) graph.#dumpDir = dir;
      return graph;
    } finally {
      if (!dumpRoot) rmSync(dir, { recursive: true, force: true });
    }
  }

  /**
   * One session run.
   *
   * @param inputs - one tensor per input, in order: an engine tensor, or the binding id of a tensor the
   *   caller made in the binding (and deletes after the run).
   * @returns the outputs as new engine tensors (owned by the caller, tracked by the enclosing `tidy`).
   */
  run(inputs: readonly (tf.Tensor | number)[]): tf.Tensor[] {
    if (this.#disposed) throw new Error('CompiledGraph.run: the graph was disposed');
    if (this.#dumpDir !== null) {
      dumpInputs(this.#dumpDir, this.#spec, this.#backend, inputs);
      this.#dumpDir = null;
    }
    const tensors = inputs.filter((t): t is tf.Tensor => typeof t !== 'number');
    const tensorIds = this.#backend.getInputTensorIds(tensors);
    let k = 0;
    const ids = inputs.map((t) => (typeof t === 'number' ? t : tensorIds[k++]!));
    const out = this.#backend.binding.runSavedModel(this.#session, ids, this.#inputNames, this.#outputNames);
    return out.map((m) => this.#backend.createOutputTensor(m));
  }

  /** Closes the session. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#backend.binding.deleteSavedModel(this.#session);
  }
}
