/**
 * Optimizers with checkpointable state (RMSProp with TensorFlow 1's semantics, Adam), the linear
 * learning-rate decay and global-norm gradient clipping of the original IMPALA.
 *
 * @module
 */
export { Adam, type AdamOptions } from './adam.js';
export type { NamedGradients, Optimizer, OptimizerState, SlotValue } from './optimizer.js';
export { RMSProp, type RMSPropOptions } from './rmsprop.js';
export { clipByGlobalNorm, linearDecay, type ClippedGradients } from './schedules.js';
export { OptimizerError } from './errors.js';
