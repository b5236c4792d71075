/**
 * `networks`: the IMPALA agent networks (Espeholt et al. 2018, arXiv:1802.01561) on tfjs-core ops.
 *
 * Shapes use time-major notation: `T` unroll length, `B` batch (environments), `A` actions, `L` instruction
 * tokens. `step` works on `[B, ...]` tensors (acting), `unroll` on `[T, B, ...]` tensors (learning).
 *
 * @packageDocumentation
 */
export { ImpalaNetwork } from './impala-network.js';
export type { NetworkStepInputs, NetworkUnrollInputs, SavedNetworkMetadata } from './impala-network.js';
// eslint-disable-next-line @typescript-eslint/no-deprecated -- the earlier names of ModelState, ModelStepOutputs, ModelUnrollOutputs
export type { CoreState, NetworkStepOutputs, NetworkUnrollOutputs } from './impala-network.js';
export type { BuiltInTorso, ImpalaNetworkOptions } from './network-options.js';
export type { WeightSpec } from './parameter-store.js';
export type { LstmState } from './lstm.js';
export type { Torso, TorsoBuildContext, TorsoDefinition, WeightFactory } from './torso.js';
export { deepTorso } from './deep-torso.js';
export type { DeepTorsoOptions } from './deep-torso.js';
export { shallowTorso } from './shallow-torso.js';
export type { ShallowConvolution, ShallowTorsoOptions } from './shallow-torso.js';
export { mlpTorso } from './mlp-torso.js';
export type { MlpTorsoOptions } from './mlp-torso.js';
export {
  fanInTruncatedNormalInitializer,
  glorotUniformInitializer,
  truncatedNormalInitializer,
  zerosInitializer,
} from './weight-initializers.js';
export type { WeightInitializer } from './weight-initializers.js';
export { encodeInstructions, instructionWordBuckets, INSTRUCTION_HASH_BUCKETS } from './instruction-tokenizer.js';
export type { EncodeInstructionsOptions, InstructionInput } from './instruction-tokenizer.js';
export { INSTRUCTION_EMBEDDING_SIZE, INSTRUCTION_LSTM_SIZE } from './instruction-encoder.js';
export { createActionRng, sampleActions } from './action-sampling.js';
export type { RandomSource } from './action-sampling.js';
export { NetworkError } from './errors.js';
