/**
 * Clean stop on Ctrl-C: the first SIGINT/SIGTERM asks the run to stop (it writes a final checkpoint); a later
 * one terminates the process at once.
 */

/** Options of {@link installStopSignals}. */
export interface StopSignalsOptions {
  /** Called once, on the first signal. */
  readonly onStop: (signal: NodeJS.Signals) => void;
  /**
   * Signals within this many milliseconds of the first are taken as the same key press: in a terminal every
   * process of the foreground group gets SIGINT, and launchers (npm) forward it as well.
   * @defaultValue 500
   */
  readonly echoMs?: number;
  /**
   * The signals handled.
   * @defaultValue `['SIGINT', 'SIGTERM']`
   */
  readonly signals?: readonly NodeJS.Signals[];
}

/**
 * Installs the stop handlers. After the first signal, and `echoMs` later, the listeners are removed, which
 * gives the signals back their default action: the next one terminates the process immediately, even in the
 * middle of a long synchronous tfjs computation (a JavaScript handler would have to wait for it to end).
 * A checkpoint being written then is not damaged: checkpoints are written to a temporary folder and renamed.
 *
 * @param options - the stop callback, the echo window, the signals.
 * @returns a function that removes the handlers (call it when the run is over).
 */
export function installStopSignals(options: StopSignalsOptions): () => void {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const echoMs = options.echoMs ?? 500;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const uninstall = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    for (const s of signals) process.off(s, onSignal);
  };
  function onSignal(signal: NodeJS.Signals): void {
    if (stopped) return; // an echo of the first signal
    stopped = true;
    options.onStop(signal);
    timer = setTimeout(uninstall, echoMs);
    timer.unref();
  }
  for (const s of signals) process.on(s, onSignal);
  return uninstall;
}
