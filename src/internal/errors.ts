/**
 * The one error base class of the package and its argument-error form. Every module throws a subclass of its
 * own (`VTraceArgumentError`, `NetworkError`, `EnvError`, `AgentError`, ...), so callers can catch
 * everything impala-rl throws with `instanceof ImpalaRlError` and tell modules apart by class. Messages start
 * with the public function (or class) at fault, e.g. `Learner.step: ...`.
 */

/**
 * Options of {@link ImpalaRlError}.
 * @category Errors
 */
export interface ImpalaRlErrorOptions {
  /** The public function or method that failed, e.g. `'Learner.step'`; read from the message's prefix when omitted. */
  readonly functionName?: string;
  /** The argument (or field) at fault, when there is one, e.g. `'batchSize'`. */
  readonly argumentName?: string;
  /** The underlying error. */
  readonly cause?: unknown;
}

/** The prefix `Name.method: ` (or `Name: `) that every message of the package starts with. */
const PREFIX = /^([A-Za-z_$][\w$.]*(?:\(\))?):\s/;

/**
 * Base class of every error impala-rl throws on purpose (programming errors of the caller, bad data, a
 * failed run): `err instanceof ImpalaRlError` tells them from errors of tfjs, Node or the caller's own code.
 * @category Errors
 */
export class ImpalaRlError extends Error {
  /** The public function or method that failed, e.g. `'Learner.step'` (undefined when the message names none). */
  readonly functionName: string | undefined;
  /** The argument or field at fault, when there is one. */
  readonly argumentName: string | undefined;

  /**
   * @param message - starts with the failing function, e.g. `'Learner.step: the batch is empty'`.
   * @param options - see {@link ImpalaRlErrorOptions}.
   */
  constructor(message: string, options: ImpalaRlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.functionName = options.functionName ?? PREFIX.exec(message)?.[1];
    this.argumentName = options.argumentName;
  }
}

/**
 * An argument that a function rejects: the message is `fn: 'argument' detail`, and both names are fields.
 * @category Errors
 */
export class ArgumentError extends ImpalaRlError {
  /** The public function that rejected its input, e.g. `'vtrace.fromLogits'`. */
  declare readonly functionName: string;
  /** The argument at fault, e.g. `'actions'`. */
  declare readonly argumentName: string;

  /**
   * @param functionName - the public function, e.g. `'vtrace.fromLogits'`.
   * @param argumentName - the argument, e.g. `'actions'`.
   * @param detail - what is wrong, e.g. `'has shape [3] but must have shape [2]'`.
   */
  constructor(functionName: string, argumentName: string, detail: string) {
    super(`${functionName}: '${argumentName}' ${detail}`, { functionName, argumentName });
  }
}
