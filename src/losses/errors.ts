import { ArgumentError } from '../internal/errors.js';

/** Thrown by the loss functions on invalid input; names the function and the argument. */
export class LossArgumentError extends ArgumentError {}
