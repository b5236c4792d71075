import { ImpalaRlError } from '../internal/errors.js';

/**
 * Base class of the errors of the networks module (`ImpalaNetwork`, torsos, weights files); messages start with the function at fault.
 * @category Networks
 */
export class NetworkError extends ImpalaRlError {}
