/**
 * `impala-rl/testing`: helpers for checking your own implementations against impala-rl's references.
 *
 * @packageDocumentation
 */

export { checkEnv, assertEnv, EnvCheckError } from './check-env.js';
export type { CheckEnvOptions, CheckEnvReport } from './check-env.js';
