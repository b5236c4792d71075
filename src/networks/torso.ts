import type * as tf from '@tensorflow/tfjs-core';
import type { WeightInitializer } from './weight-initializers.js';

/**
 * Creates the trainable weights of one network part under a name scope.
 *
 * Names are relative to the scope (for a torso the scope is `torso/`), so a torso that calls
 * `addWeight('linear/kernel', ...)` owns the variable `torso/linear/kernel`. Names must be unique within
 * the network, may contain letters, digits, `_`, `-`, `.` and `/`, and must be the same on every build:
 * they key `getWeights`/`setWeights`, the files written by `save`, and the parameter inventory.
 * @category Networks
 */
export interface WeightFactory {
  /**
   * Creates (and registers with the network) one float32 trainable variable.
   *
   * @param name - Name relative to the scope, e.g. `conv_0/kernel`.
   * @param shape - Shape of the variable; every dimension a positive integer.
   * @param initializer - Initial value, called with a seed derived from the network seed and the full name.
   * @returns The variable, owned by the network (disposed by `ImpalaNetwork.dispose`).
   */
  addWeight(name: string, shape: readonly number[], initializer: WeightInitializer): tf.Variable;
}

/**
 * What a torso definition gets when the network is built.
 * @category Networks
 */
export interface TorsoBuildContext {
  /** Shape of one observation, without the leading batch (or time and batch) dimensions. */
  readonly observationShape: readonly number[];
  /** Creates the torso's weights under the `torso/` scope. */
  readonly weights: WeightFactory;
}

/**
 * A built torso: the part of the network that turns one observation into a feature vector.
 *
 * `apply` receives observations of shape `[N, ...observationShape]` where `N` is the batch size (acting)
 * or `T·B` (learning; the network merges time and batch, as the original's `snt.BatchApply` does).
 * It is called inside `tf.tidy`, so it may create intermediate tensors freely; it must only use tfjs ops
 * (so gradients flow) and must not read tensor data.
 * @category Networks
 */
export interface Torso {
  /** Size F of the feature vector that `apply` returns. */
  readonly outputSize: number;
  /**
   * Observation dtypes the torso accepts; the network rejects others with a clear error before `apply`.
   *
   * @defaultValue `['float32', 'int32']`
   */
  readonly observationDtypes?: readonly tf.DataType[];
  /**
   * Computes features.
   *
   * @param observations - `[N, ...observationShape]` observations.
   * @returns `[N, F]` float32 features (the network checks the shape).
   */
  apply(observations: tf.Tensor): tf.Tensor;
}

/**
 * A torso description that the network builds once. This is the plug-in interface for custom torsos:
 * pass an object with a `build` method as `ImpalaNetworkOptions.torso`. The built-in `deepTorso`,
 * `shallowTorso` and `mlpTorso` are defined the same way.
 *
 * @example
 * ```ts
 * const linearTorso: TorsoDefinition = {
 *   kind: 'linear-128',
 *   build: ({ observationShape, weights }) => {
 *     const inputSize = observationShape.reduce((a, b) => a * b, 1);
 *     const kernel = weights.addWeight('kernel', [inputSize, 128], fanInTruncatedNormalInitializer(inputSize));
 *     return {
 *       outputSize: 128,
 *       apply: (obs) => tf.relu(tf.matMul(tf.reshape(tf.cast(obs, 'float32'), [obs.shape[0] ?? 0, inputSize]), kernel)),
 *     };
 *   },
 * };
 * ```
 * @category Networks
 */
export interface TorsoDefinition {
  /**
   * A short identifier, stored in saved files and shown in errors (e.g. `deep`, `shallow`, `mlp`).
   */
  readonly kind: string;
  /**
   * JSON-serialisable settings, stored in saved files so that `ImpalaNetwork.fromDirectory` can rebuild a
   * built-in torso; custom torsos may leave it out (they are passed again when loading).
   */
  readonly config?: Readonly<Record<string, unknown>>;
  /**
   * Creates the torso's weights and returns the built torso.
   *
   * @param context - Observation shape and weight factory.
   * @returns The built torso.
   */
  build(context: TorsoBuildContext): Torso;
}
