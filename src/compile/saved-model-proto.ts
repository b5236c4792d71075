/**
 * Encodes a TensorFlow SavedModel (`saved_model.pb`) holding one MetaGraphDef with a plain GraphDef: no
 * variables, no functions, just the nodes of a recorded step. The schema below is the subset of
 * TensorFlow's `saved_model.proto`, `meta_graph.proto`, `graph.proto`, `node_def.proto`,
 * `attr_value.proto`, `tensor.proto`, `tensor_shape.proto` and `versions.proto` that such a graph needs,
 * with TensorFlow's field numbers; protobufjs does the wire encoding.
 */
import protobuf from 'protobufjs';

/**
 * TensorFlow `DataType` enum values (the same numbers as the C API's `TF_DataType`).
 * @category Compile
 */
export const DataType = { float32: 1, int32: 3, uint8: 4, string: 7, complex64: 8, int64: 9, bool: 10 } as const;

/**
 * One attribute value of a node, in the shape of TensorFlow's `AttrValue` (one field set).
 * @category Compile
 */
export interface AttrValueSpec {
  /** A string (bytes). */
  readonly s?: Uint8Array;
  /** An int64. */
  readonly i?: number;
  /** A float. */
  readonly f?: number;
  /** A bool. */
  readonly b?: boolean;
  /** A `DataType`. */
  readonly type?: number;
  /** A shape (`-1` for an unknown dimension). */
  readonly shape?: readonly number[];
  /** A constant tensor. */
  readonly tensor?: TensorSpec;
  /** A list of one kind of value. */
  readonly list?: {
    readonly s?: readonly Uint8Array[];
    readonly i?: readonly number[];
    readonly f?: readonly number[];
    readonly b?: readonly boolean[];
    readonly type?: readonly number[];
    readonly shape?: readonly (readonly number[])[];
  };
}

/**
 * A constant tensor (`TensorProto` with its bytes in `tensor_content`, little-endian).
 * @category Compile
 */
export interface TensorSpec {
  /** Its `DataType`. */
  readonly dtype: number;
  /** Its shape. */
  readonly shape: readonly number[];
  /** Its raw little-endian bytes. */
  readonly content: Uint8Array;
}

/**
 * One node of the graph.
 * @category Compile
 */
export interface NodeSpec {
  /** Unique node name. */
  readonly name: string;
  /** TensorFlow op type, e.g. `Conv2D`. */
  readonly op: string;
  /** Inputs as `node` or `node:index`. */
  readonly inputs: readonly string[];
  /** Attributes by name. */
  readonly attrs: Readonly<Record<string, AttrValueSpec>>;
}

/**
 * A signature entry: the tensor `name` (`node:index`) with its dtype and shape.
 * @category Compile
 */
export interface SignatureTensor {
  /** Tensor name, `node:index`. */
  readonly name: string;
  /** `DataType`. */
  readonly dtype: number;
  /** Shape. */
  readonly shape: readonly number[];
}

/**
 * What {@link encodeSavedModel} writes.
 * @category Compile
 */
export interface SavedModelSpec {
  /** The graph's nodes, in any order. */
  readonly nodes: readonly NodeSpec[];
  /** MetaGraph tags (e.g. `['serve']`). */
  readonly tags: readonly string[];
  /** The signature's name. */
  readonly signatureName: string;
  /** Signature inputs by key. */
  readonly inputs: Readonly<Record<string, SignatureTensor>>;
  /** Signature outputs by key. */
  readonly outputs: Readonly<Record<string, SignatureTensor>>;
  /** GraphDef producer version (the libtensorflow version's graph producer). */
  readonly producer?: number;
}

const shapeFields = { dim: { rule: 'repeated', type: 'Dim', id: 2 }, unknownRank: { type: 'bool', id: 3 } };

const schema = {
  nested: {
    tensorflow: {
      nested: {
        TensorShapeProto: {
          fields: shapeFields,
          nested: { Dim: { fields: { size: { type: 'int64', id: 1 }, name: { type: 'string', id: 2 } } } },
        },
        TensorProto: {
          fields: {
            dtype: { type: 'int32', id: 1 },
            tensorShape: { type: 'TensorShapeProto', id: 2 },
            versionNumber: { type: 'int32', id: 3 },
            tensorContent: { type: 'bytes', id: 4 },
          },
        },
        AttrValue: {
          oneofs: { value: { oneof: ['list', 's', 'i', 'f', 'b', 'type', 'shape', 'tensor'] } },
          fields: {
            list: { type: 'ListValue', id: 1 },
            s: { type: 'bytes', id: 2 },
            i: { type: 'int64', id: 3 },
            f: { type: 'float', id: 4 },
            b: { type: 'bool', id: 5 },
            type: { type: 'int32', id: 6 },
            shape: { type: 'TensorShapeProto', id: 7 },
            tensor: { type: 'TensorProto', id: 8 },
          },
          nested: {
            ListValue: {
              fields: {
                s: { rule: 'repeated', type: 'bytes', id: 2 },
                i: { rule: 'repeated', type: 'int64', id: 3, options: { packed: true } },
                f: { rule: 'repeated', type: 'float', id: 4, options: { packed: true } },
                b: { rule: 'repeated', type: 'bool', id: 5, options: { packed: true } },
                type: { rule: 'repeated', type: 'int32', id: 6, options: { packed: true } },
                shape: { rule: 'repeated', type: 'TensorShapeProto', id: 7 },
              },
            },
          },
        },
        NodeDef: {
          fields: {
            name: { type: 'string', id: 1 },
            op: { type: 'string', id: 2 },
            input: { rule: 'repeated', type: 'string', id: 3 },
            device: { type: 'string', id: 4 },
            attr: { keyType: 'string', type: 'AttrValue', id: 5 },
          },
        },
        VersionDef: { fields: { producer: { type: 'int32', id: 1 }, minConsumer: { type: 'int32', id: 2 } } },
        GraphDef: { fields: { node: { rule: 'repeated', type: 'NodeDef', id: 1 }, versions: { type: 'VersionDef', id: 4 } } },
        TensorInfo: {
          fields: { name: { type: 'string', id: 1 }, dtype: { type: 'int32', id: 2 }, tensorShape: { type: 'TensorShapeProto', id: 3 } },
        },
        SignatureDef: {
          fields: {
            inputs: { keyType: 'string', type: 'TensorInfo', id: 1 },
            outputs: { keyType: 'string', type: 'TensorInfo', id: 2 },
            methodName: { type: 'string', id: 3 },
          },
        },
        MetaGraphDef: {
          fields: {
            metaInfoDef: { type: 'MetaInfoDef', id: 1 },
            graphDef: { type: 'GraphDef', id: 2 },
            signatureDef: { keyType: 'string', type: 'SignatureDef', id: 5 },
          },
          nested: {
            MetaInfoDef: {
              fields: { metaGraphVersion: { type: 'string', id: 1 }, tags: { rule: 'repeated', type: 'string', id: 4 } },
            },
          },
        },
        SavedModel: {
          fields: {
            savedModelSchemaVersion: { type: 'int64', id: 1 },
            metaGraphs: { rule: 'repeated', type: 'MetaGraphDef', id: 2 },
          },
        },
      },
    },
  },
};

let savedModelType: protobuf.Type | undefined;

function shapeMessage(shape: readonly number[]): { dim: { size: number }[] } {
  return { dim: shape.map((size) => ({ size })) };
}

function tensorMessage(t: TensorSpec): Record<string, unknown> {
  return { dtype: t.dtype, tensorShape: shapeMessage(t.shape), tensorContent: t.content };
}

function attrMessage(a: AttrValueSpec): Record<string, unknown> {
  if (a.s !== undefined) return { s: a.s };
  if (a.i !== undefined) return { i: a.i };
  if (a.f !== undefined) return { f: a.f };
  if (a.b !== undefined) return { b: a.b };
  if (a.type !== undefined) return { type: a.type };
  if (a.shape !== undefined) return { shape: shapeMessage(a.shape) };
  if (a.tensor !== undefined) return { tensor: tensorMessage(a.tensor) };
  const l = a.list ?? {};
  return {
    list: {
      s: l.s ?? [],
      i: l.i ?? [],
      f: l.f ?? [],
      b: l.b ?? [],
      type: l.type ?? [],
      shape: (l.shape ?? []).map(shapeMessage),
    },
  };
}

function signatureTensor(t: SignatureTensor): Record<string, unknown> {
  return { name: t.name, dtype: t.dtype, tensorShape: shapeMessage(t.shape) };
}

/**
 * Encodes `saved_model.pb` for a graph without variables.
 *
 * @param spec - nodes, tags and signature.
 * @returns the serialized `SavedModel` message.
 * @category Compile
 */
export function encodeSavedModel(spec: SavedModelSpec): Uint8Array {
  savedModelType ??= protobuf.Root.fromJSON(schema).lookupType('tensorflow.SavedModel');
  const mapValues = <T, U>(o: Readonly<Record<string, T>>, f: (v: T) => U): Record<string, U> =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
  const message = {
    savedModelSchemaVersion: 1,
    metaGraphs: [
      {
        metaInfoDef: { metaGraphVersion: 'impala-rl', tags: [...spec.tags] },
        graphDef: {
          node: spec.nodes.map((n) => ({ name: n.name, op: n.op, input: [...n.inputs], attr: mapValues(n.attrs, attrMessage) })),
          versions: { producer: spec.producer ?? 1205, minConsumer: 0 },
        },
        signatureDef: {
          [spec.signatureName]: {
            inputs: mapValues(spec.inputs, signatureTensor),
            outputs: mapValues(spec.outputs, signatureTensor),
            methodName: 'tensorflow/serving/predict',
          },
        },
      },
    ],
  };
  const err = savedModelType.verify(message);
  if (err !== null) throw new Error(`encodeSavedModel: ${err}`);
  return savedModelType.encode(savedModelType.fromObject(message)).finish();
}
