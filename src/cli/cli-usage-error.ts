import { ImpalaRlError } from '../internal/errors.js';

/**
 * A command-line mistake: a bad flag value or a missing or conflicting flag. The message names the flag, e.g.
 * `--total-frames: expected an integer >= 1, got 'abc'`.
 */
export class CliUsageError extends ImpalaRlError {}
