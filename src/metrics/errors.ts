import { ImpalaRlError } from '../internal/errors.js';

/**
 * Base class of the errors of the metrics module (TensorBoard files, learning-curve plots); messages start with the function at fault.
 * @category Metrics
 */
export class MetricsError extends ImpalaRlError {}
