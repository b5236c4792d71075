import { ArgumentError } from '../internal/errors.js';

/**
 * Thrown by every `vtrace` function on invalid input. The message names the function, the argument
 * and the offending shapes or values, e.g.
 * `vtrace.fromImportanceWeights: 'rewards' has shape [5,3] but 'logRhos' has shape [5,4]`.
 * @category V-trace
 */
export class VTraceArgumentError extends ArgumentError {}
