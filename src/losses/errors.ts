import { ArgumentError } from '../internal/errors.js';

/**
 * Thrown by the loss functions on invalid input; names the function and the argument.
 * @category Losses
 */
export class LossArgumentError extends ArgumentError {}
