import { ImpalaRlError } from '../internal/errors.js';

/**
 * Base class of the errors of the environments module (spaces, wrappers, built-in envs, the registry); messages start with the function at fault.
 * @category Environments
 */
export class EnvError extends ImpalaRlError {}
