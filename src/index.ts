/**
 * impala-rl: IMPALA (Espeholt et al. 2018, arXiv:1802.01561) for TensorFlow.js.
 *
 * @packageDocumentation
 */

/** The package version, kept equal to `package.json`'s by a test. */
export const version = '0.1.0';

export * as vtrace from './vtrace/index.js';
export * from './losses/index.js';
export * from './optim/index.js';
// Environments (issue 5): the Env contract, spaces, wrappers, the vectorised env, built-in envs and the registry.
export * from './env/index.js';
export * from './envs/index.js';
// Metrics outputs (issue 7): TensorBoard event files and learning-curve plots.
export * from './metrics/index.js';
