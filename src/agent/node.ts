/**
 * The Node-only part of the agent: `train` (run directories, worker threads), disk checkpoints, the built-in
 * fleets, the actor endpoint (it selects a backend with `useBackend`) and the Atari preset's name.
 *
 * @packageDocumentation
 */
export { checkCheckpointFits, CheckpointError, cleanCheckpointLeftovers, findCheckpoint, loadCheckpoint, NoCheckpointError, saveCheckpoint, CHECKPOINTS_DIR, DEFAULT_CHECKPOINTS_KEPT, LATEST_POINTER } from './checkpoint.js';
export { train } from './train.js';
export { createBuiltInFleet, resolveActorMode } from './built-in-fleets.js';
export { runActorEndpoint } from './actor-endpoint.js';
export { startInferenceWorker } from './worker-inference.js';
export type { InferenceWorkerOptions } from './worker-inference.js';
export { ATARI_PRESET } from './presets.js';
