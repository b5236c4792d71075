import { ImpalaRlError } from '../internal/errors.js';

/** Base class of the errors of the optimizers module; messages start with the function at fault. */
export class OptimizerError extends ImpalaRlError {}
