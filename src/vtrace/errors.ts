/**
 * Thrown by every `vtrace` function on invalid input. The message names the function, the argument
 * and the offending shapes or values, e.g.
 * `vtrace.fromImportanceWeights: 'rewards' has shape [5,3] but 'logRhos' has shape [5,4]`.
 */
export class VTraceArgumentError extends Error {
  /** The public function that rejected its input, e.g. `'vtrace.fromLogits'`. */
  readonly functionName: string;
  /** The argument at fault, e.g. `'actions'`. */
  readonly argumentName: string;

  /**
   * @param functionName - the public function that rejected its input.
   * @param argumentName - the argument at fault.
   * @param detail - what is wrong with it.
   */
  constructor(functionName: string, argumentName: string, detail: string) {
    super(`${functionName}: '${argumentName}' ${detail}`);
    this.name = 'VTraceArgumentError';
    this.functionName = functionName;
    this.argumentName = argumentName;
  }
}
