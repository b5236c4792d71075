/** A command-line mistake: a bad flag value or a missing or conflicting flag. The message names the flag. */
export class CliUsageError extends Error {
  /** @param message - what is wrong, starting with the flag, e.g. `--total-frames: expected an integer >= 1, got 'abc'`. */
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}
