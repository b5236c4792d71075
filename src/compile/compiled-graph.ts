/**
 * A recorded graph loaded into a libtensorflow session: written as a SavedModel (one MetaGraphDef, no
 * variables) to a temporary directory, loaded through tfjs-node's SavedModel binding, and run with one
 * `TF_SessionRun` per call. Inputs and outputs stay tensors of the tfjs engine (on CPU, feeding a tensor
 * handle and wrapping a session output copy no tensor data).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { encodeSavedModel, type NodeSpec, type SignatureTensor } from './saved-model-proto.js';
import type { TensorflowBackend } from './tensorflow-binding.js';

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
  #disposed = false;

  private constructor(backend: TensorflowBackend, session: number, spec: CompiledGraphSpec, protoBytes: number) {
    this.#backend = backend;
    this.#session = session;
    this.#inputNames = spec.inputs.map((t) => `${t.name}:0`).join(',');
    this.#outputNames = spec.outputs.map((t) => t.name).join(',');
    this.nodeCount = spec.nodes.length;
    this.protoBytes = protoBytes;
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
    const dir = mkdtempSync(join(tmpdir(), 'impala-rl-graph-'));
    try {
      writeFileSync(join(dir, 'saved_model.pb'), proto);
      const session = backend.binding.loadSavedModel(dir, 'serve');
      return new CompiledGraph(backend, session, spec, proto.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /**
   * One session run.
   *
   * @param inputs - one tensor per input, in order.
   * @returns the outputs as new engine tensors (owned by the caller, tracked by the enclosing `tidy`).
   */
  run(inputs: readonly tf.Tensor[]): tf.Tensor[] {
    if (this.#disposed) throw new Error('CompiledGraph.run: the graph was disposed');
    const ids = this.#backend.getInputTensorIds(inputs);
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
