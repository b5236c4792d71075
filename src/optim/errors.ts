import { ImpalaRlError } from '../internal/errors.js';

/**
 * Base class of the errors of the optimizers module; messages start with the function at fault.
 * @category Optimizers
 */
export class OptimizerError extends ImpalaRlError {}
