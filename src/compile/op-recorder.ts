/**
 * Records the TensorFlow ops that tfjs-node runs eagerly and turns them into graph nodes.
 *
 * Every tfjs-node kernel ends in the binding's `executeOp(opName, attrs, inputIds, numOutputs)` with a
 * TensorFlow op name and TensorFlow attributes; the backward pass is kernels too. While recording, the
 * backend's `binding` is replaced by a forwarding object that also notes each op with the binding ids of
 * its inputs and outputs, each tensor created from host values (a constant of the step, e.g. a shape or
 * a scalar factor), and each read of tensor values back to the host (which a graph cannot contain).
 * Tensors consumed but created before the recording must be declared inputs (placeholders); any other
 * one (e.g. a tensor a model caches across calls) stops the capture with a reason.
 */
import type { AttrValueSpec, NodeSpec, TensorSpec } from './saved-model-proto.js';
import { bindingConstant, type BindingOpAttr, type BindingTensorMetadata, type TensorflowBackend, type TensorflowBinding } from './tensorflow-binding.js';

/**
 * A graph input: the binding id of the tensor fed for it during the recording, with its name.
 * @category Compile
 */
export interface RecordedInput {
  /** Placeholder node name. */
  readonly name: string;
  /** Binding id of the tensor that played this input while recording. */
  readonly id: number;
  /** `TF_DataType`. */
  readonly dtype: number;
  /** Shape. */
  readonly shape: readonly number[];
}

/**
 * The recorded step as graph nodes.
 * @category Compile
 */
export interface RecordedGraph {
  /** Placeholders, constants and ops. */
  readonly nodes: NodeSpec[];
  /** Number of recorded ops (kernel launches of the eager step). */
  readonly opCount: number;
  /** Graph tensor name (`node:index`) of a binding id seen during the recording. */
  tensorName(id: number): string | undefined;
  /** Metadata of a tensor seen during the recording. */
  metadata(id: number): { dtype: number; shape: readonly number[] } | undefined;
  /** Metadata of a graph tensor by name (`node:index`). */
  metadataOf(tensor: string): { dtype: number; shape: readonly number[] } | undefined;
}

/**
 * Thrown (and caught by the compiler) when the step cannot become one graph.
 * @category Compile
 */
export class GraphCaptureError extends Error {
  /** @param message - why. */
  constructor(message: string) {
    super(message);
    this.name = 'GraphCaptureError';
  }
}

/**
 * Type attributes that tfjs-node leaves for eager execution to infer from the inputs (a graph node must
 * state them): op → attribute → index of the input whose dtype it is.
 */
const INFERRED_TYPE_ATTRS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  ExpandDims: { T: 0, Tdim: 1 },
};

function bytesOf(values: unknown, what: string): Uint8Array {
  if (ArrayBuffer.isView(values)) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
  throw new GraphCaptureError(`${what} has non-numeric (string) values`);
}

/**
 * Runs `fn` with the backend's binding recording, and returns `fn`'s result with the recorded graph.
 *
 * @param backend - tfjs-node's backend.
 * @param inputs - tensors (already materialised, by binding id) that become placeholders.
 * @param fn - the eager step; it runs for real.
 * @returns the result, the graph, and `error`: why the graph is incomplete (the step read tensor values
 *   on the host, used string tensors, an attribute type the writer does not know, or a tensor made
 *   before the step that is not an input), or null. `fn` always runs to the end.
 * @category Compile
 */
export function recordOps<T>(backend: TensorflowBackend, inputs: readonly RecordedInput[], fn: () => T): { result: T; graph: RecordedGraph; error: string | null } {
  const real: TensorflowBinding = backend.binding;
  const A = {
    string: bindingConstant(real, 'TF_ATTR_STRING'),
    int: bindingConstant(real, 'TF_ATTR_INT'),
    float: bindingConstant(real, 'TF_ATTR_FLOAT'),
    bool: bindingConstant(real, 'TF_ATTR_BOOL'),
    type: bindingConstant(real, 'TF_ATTR_TYPE'),
    shape: bindingConstant(real, 'TF_ATTR_SHAPE'),
  };
  const nodes: NodeSpec[] = [];
  const names = new Map<number, string>();
  const meta = new Map<number, { dtype: number; shape: readonly number[] }>();
  const metaByName = new Map<string, { dtype: number; shape: readonly number[] }>();
  let opCount = 0;
  const seen: { hostRead: string | null } = { hostRead: null };
  let failure: string | null = null;
  const utf8 = new TextEncoder();

  for (const input of inputs) {
    nodes.push({ name: input.name, op: 'Placeholder', inputs: [], attrs: { dtype: { type: input.dtype }, shape: { shape: input.shape } } });
    names.set(input.id, `${input.name}:0`);
    meta.set(input.id, { dtype: input.dtype, shape: input.shape });
    metaByName.set(`${input.name}:0`, { dtype: input.dtype, shape: input.shape });
  }
  const constant = (id: number, dtype: number, shape: readonly number[], content: Uint8Array): void => {
    const name = `const_${nodes.length}`;
    const tensor: TensorSpec = { dtype, shape, content };
    nodes.push({ name, op: 'Const', inputs: [], attrs: { dtype: { type: dtype }, value: { tensor } } });
    names.set(id, `${name}:0`);
    meta.set(id, { dtype, shape });
    metaByName.set(`${name}:0`, { dtype, shape });
  };
  const attr = (a: BindingOpAttr, op: string): AttrValueSpec => {
    const v = a.value;
    const list = Array.isArray(v);
    switch (a.type) {
      case A.string:
        if (list) return { list: { s: (v as string[]).map((x) => utf8.encode(x)) } };
        return { s: typeof v === 'string' ? utf8.encode(v) : bytesOf(v, `attribute ${a.name} of ${op}`) };
      case A.int:
        return list ? { list: { i: v as number[] } } : { i: Number(v) };
      case A.float:
        return list ? { list: { f: v as number[] } } : { f: Number(v) };
      case A.bool:
        return list ? { list: { b: v as boolean[] } } : { b: Boolean(v) };
      case A.type:
        return list ? { list: { type: v as number[] } } : { type: Number(v) };
      case A.shape:
        return { shape: v as number[] };
      default:
        throw new GraphCaptureError(`op ${op} has attribute ${a.name} of binding type ${a.type}, which the graph writer does not handle`);
    }
  };

  const overrides: Partial<TensorflowBinding> = {
    executeOp(name: string, attrs: BindingOpAttr[], inputIds: number[], numOutputs: number): BindingTensorMetadata[] {
      const inputNames = inputIds.map((id) => {
        let n = names.get(id);
        if (n === undefined) {
          failure ??= `op ${name} reads a tensor made before the step that is not one of the graph's inputs (binding id ${id})`;
          n = 'missing:0';
        }
        return n;
      });
      const out = real.executeOp(name, attrs, inputIds, numOutputs);
      if (failure !== null) return out;
      try {
        const node = `op_${nodes.length}_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
        const nodeAttrs: Record<string, AttrValueSpec> = {};
        for (const a of attrs) nodeAttrs[a.name] = attr(a, name);
        for (const [attrName, input] of Object.entries(INFERRED_TYPE_ATTRS[name] ?? {})) {
          const dtype = meta.get(inputIds[input]!)?.dtype;
          if (nodeAttrs[attrName] === undefined && dtype !== undefined) nodeAttrs[attrName] = { type: dtype };
        }
        nodes.push({ name: node, op: name, inputs: inputNames, attrs: nodeAttrs });
        opCount++;
        out.forEach((m, i) => {
          names.set(m.id, `${node}:${i}`);
          meta.set(m.id, { dtype: m.dtype, shape: [...m.shape] });
          metaByName.set(`${node}:${i}`, { dtype: m.dtype, shape: [...m.shape] });
        });
      } catch (e) {
        failure = e instanceof Error ? e.message : String(e);
      }
      return out;
    },
    createTensor(shape: number[], dtype: number, values: unknown): number {
      const id = real.createTensor(shape, dtype, values);
      try {
        constant(id, dtype, [...shape], bytesOf(values, `a tensor of shape [${shape.join(',')}] created from host values`));
      } catch (e) {
        failure ??= e instanceof Error ? e.message : String(e);
      }
      return id;
    },
    tensorDataSync(id: number): ArrayBufferView {
      seen.hostRead ??= `the step reads a tensor's values on the host (tensor ${names.get(id) ?? id}) before it ends`;
      return real.tensorDataSync(id);
    },
  };
  // The native binding's properties are read-only: the stand-in is a plain object with its members.
  const recording = {} as Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(real)) {
    const v: unknown = (real as unknown as Record<string, unknown>)[key];
    recording[key] = typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(real) : v;
  }
  Object.assign(recording, overrides);

  backend.binding = recording as unknown as TensorflowBinding;
  let result: T;
  try {
    result = fn();
  } finally {
    backend.binding = real;
  }
  return {
    result,
    error: seen.hostRead ?? failure,
    graph: {
      nodes,
      opCount,
      tensorName: (id) => names.get(id),
      metadata: (id) => meta.get(id),
      metadataOf: (tensor) => metaByName.get(tensor),
    },
  };
}
