import { ImpalaRlError } from '../internal/errors.js';

/**
 * Base class of the errors of the agent module (`Actor`, `Learner`, `train`, actor fleets, checkpoints); messages start with the function at fault.
 * @category Agent
 */
export class AgentError extends ImpalaRlError {}

/**
 * A trajectory that fails validation (`validateTrajectory`): the message names where it was checked, the actor
 * that sent it and the field, e.g. `Learner.step: trajectory from actor 3: 'rewards'[4] = NaN is not finite`.
 * @category Agent
 */
export class TrajectoryError extends AgentError {
  /** The actor that produced the trajectory (as the trajectory says; -1 when unreadable). */
  readonly actorId: number;
  /** The field at fault, e.g. `'rewards'`. */
  readonly field: string;

  /**
   * @param where - the function that checked it, e.g. `'Learner.step'`.
   * @param actorId - the trajectory's actor id.
   * @param field - the field at fault.
   * @param detail - what is wrong.
   */
  constructor(where: string, actorId: number, field: string, detail: string) {
    super(`${where}: trajectory from actor ${actorId}: '${field}'${detail}`, { functionName: where, argumentName: field });
    this.actorId = actorId;
    this.field = field;
  }
}

/**
 * An Error for a worker's failure, carrying the worker's own stack.
 * @category Agent
 */
export function remoteError(caller: string, who: string, name: string, message: string, stack: string): Error {
  const cause = new Error(message);
  cause.name = name;
  cause.stack = stack;
  const error = new AgentError(`${caller}: ${who} failed: ${message}`, { cause });
  error.stack = `${error.name}: ${error.message}\n    --- ${who} stack ---\n${stack}`;
  return error;
}
