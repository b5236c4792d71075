import { ImpalaRlError } from '../internal/errors.js';

/** Base class of the errors of the agent module (`Actor`, `Learner`, `train`, actor fleets, checkpoints); messages start with the function at fault. */
export class AgentError extends ImpalaRlError {}
