/**
 * impala-rl: IMPALA (Espeholt et al. 2018, arXiv:1802.01561) for TensorFlow.js.
 *
 * @packageDocumentation
 */

/** The package version, kept equal to `package.json`'s by a test. */
export const version = '0.1.0';

export * from './backends/index.js';
