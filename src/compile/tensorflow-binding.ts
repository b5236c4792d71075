/**
 * The members of `@tensorflow/tfjs-node`'s `NodeJSKernelBackend` and its native binding that the graph
 * compiler uses, typed structurally so that nothing here imports the optional tfjs-node package.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * One attribute of a TensorFlow eager op as the binding takes it (`type` is a `TF_ATTR_*` constant).
 * @category Compile
 */
export interface BindingOpAttr {
  readonly name: string;
  readonly type: number;
  readonly value: unknown;
}

/**
 * What the binding returns for each output of an op or session run.
 * @category Compile
 */
export interface BindingTensorMetadata {
  /** The binding's tensor id. */
  readonly id: number;
  /** Shape. */
  readonly shape: number[];
  /** `TF_DataType`. */
  readonly dtype: number;
}

/**
 * The native binding of tfjs-node (the calls the compiler wraps or makes).
 * @category Compile
 */
export interface TensorflowBinding {
  executeOp(name: string, attrs: BindingOpAttr[], inputIds: number[], numOutputs: number): BindingTensorMetadata[];
  createTensor(shape: number[], dtype: number, values: unknown): number;
  deleteTensor(id: number): void;
  tensorDataSync(id: number): ArrayBufferView;
  loadSavedModel(path: string, tags: string): number;
  deleteSavedModel(id: number): void;
  runSavedModel(id: number, inputIds: number[], inputNames: string, outputNames: string): BindingTensorMetadata[];
  isUsingGpuDevice(): boolean;
  readonly TF_Version: string;
  readonly [constant: `TF_${string}`]: unknown;
}

/**
 * tfjs-node's backend object (`tf.backend()` when the `tensorflow` backend is active).
 * @category Compile
 */
export interface TensorflowBackend {
  /** The native binding (replaced for the duration of a recording). */
  binding: TensorflowBinding;
  /** Materialises tensors in the binding and returns their ids. */
  getInputTensorIds(tensors: readonly tf.Tensor[]): number[];
  /** Wraps a binding output as an engine tensor. */
  createOutputTensor(metadata: BindingTensorMetadata): tf.Tensor;
}

/**
 * The active backend as tfjs-node's, or a sentence saying why it is not one.
 *
 * @returns the backend or the reason.
 * @category Compile
 */
export function tensorflowBackend(): TensorflowBackend | string {
  const name = tf.getBackend();
  if (name !== 'tensorflow') return `the active tfjs backend is '${name}', not libtensorflow (tfjs-node)`;
  const b = tf.backend() as unknown as Partial<TensorflowBackend>;
  const binding = b.binding as Partial<TensorflowBinding> | undefined;
  const needed = ['executeOp', 'createTensor', 'tensorDataSync', 'loadSavedModel', 'runSavedModel', 'deleteSavedModel'] as const;
  if (binding === undefined || needed.some((k) => typeof binding[k] !== 'function')) {
    return 'the tensorflow backend has no tfjs-node SavedModel binding';
  }
  if (typeof b.getInputTensorIds !== 'function' || typeof b.createOutputTensor !== 'function') {
    return 'the tensorflow backend lacks getInputTensorIds/createOutputTensor (unsupported tfjs-node version)';
  }
  return b as TensorflowBackend;
}

/**
 * A `TF_*` numeric constant of the binding.
 * @category Compile
 */
export function bindingConstant(binding: TensorflowBinding, name: `TF_${string}`): number {
  const v = binding[name];
  if (typeof v !== 'number') throw new Error(`tfjs-node binding has no constant ${name}`);
  return v;
}
