/**
 * The Node-only part of the environments: envs made asynchronously (`makeEnvs`, `makeEnvAsync`, namespaces such
 * as `ALE/…` and `gym:…`) and the Gymnasium bridge, which runs a Python process.
 *
 * @packageDocumentation
 */
export { isAsyncEnvId, isBuiltinAsyncEnvId, makeEnvAsync, makeEnvs, registerEnvNamespace } from './make-envs.js';
export type { EnvNamespaceFactory } from './make-envs.js';
export { ATARI_DEFAULTS, ATARI_OPTION_NAMES, GymnasiumBatch, GymnasiumEnv } from './builtin/gymnasium-env.js';
export type { AtariOptions, GymnasiumBatchOptions, GymnasiumEnvOptions } from './builtin/gymnasium-env.js';
