/**
 * Progress display of `impala-rl train`: a progress bar on a terminal, one line every few seconds otherwise.
 */
import { SingleBar } from 'cli-progress';
import type { TrainProgress } from '../agent/train.js';

/** Where progress goes: a writable stream that may be a terminal. */
export interface ProgressStream {
  /** Writes text. */
  write(text: string): unknown;
  /** True when the stream is a terminal (a progress bar is drawn then). */
  readonly isTTY?: boolean | undefined;
}

/** Receives the training progress after every update. */
export interface ProgressReporter {
  /** Shows one update's progress. */
  update(progress: TrainProgress): void;
  /** Prints a message without breaking the bar. */
  note(message: string): void;
  /** Removes the bar (call before printing the summary). */
  stop(): void;
}

/** Options of {@link createProgressReporter}. */
export interface ProgressReporterOptions {
  /** The stream (stderr). */
  readonly stream: ProgressStream;
  /** The frame budget. */
  readonly totalFrames: number;
  /** Nothing at all but notes. */
  readonly quiet: boolean;
  /** Seconds between lines when the stream is not a terminal. */
  readonly logIntervalSeconds: number;
  /**
   * Milliseconds since some origin.
   * @defaultValue `performance.now`
   */
  readonly clock?: () => number;
}

/**
 * Formats a duration for people: `42s`, `3m05s`, `2h07m`.
 *
 * @param seconds - the duration.
 * @returns the text, or `?` when not finite.
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * Formats a mean return: 1 decimal, `n/a` before the first episode.
 *
 * @param value - the value.
 * @returns the text.
 */
export function formatReturn(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : 'n/a';
}

/** Whether the run's actors are remote (the fleet reports per-actor statistics, or refused something). */
function remoteActors(p: TrainProgress): boolean {
  return Object.keys(p.actorFramesPerSecond).length > 0 || p.rejectedMessages > 0 || p.connectedActors === 0;
}

function etaSeconds(p: TrainProgress, totalFrames: number): number {
  return p.framesPerSecond > 0 ? (totalFrames - p.frames) / p.framesPerSecond : NaN;
}

/**
 * One progress line: frames, mean return over the last 100 episodes, episodes, frames/s, loss, ETA.
 *
 * @param p - the progress of one update.
 * @param totalFrames - the frame budget.
 * @returns the line, without a newline.
 */
export function formatProgressLine(p: TrainProgress, totalFrames: number): string {
  const pct = ((100 * p.frames) / totalFrames).toFixed(1);
  return (
    `frames ${p.frames}/${totalFrames} (${pct}%) | return(100) ${formatReturn(p.meanReturn100)} | episodes ${p.episodes}` +
    ` | ${Math.round(p.framesPerSecond)} frames/s | loss ${p.totalLoss.toPrecision(4)} | lag ${p.policyLag}` +
    (remoteActors(p) ? ` | actors ${p.connectedActors} (restarts ${p.actorRestarts}, queue ${p.queueSize}${p.rejectedMessages > 0 ? `, rejected ${p.rejectedMessages}` : ''})` : '') +
    ` | elapsed ${formatDuration(p.elapsedSeconds)} | ETA ${formatDuration(etaSeconds(p, totalFrames))}`
  );
}

/**
 * Creates the progress display of a training run: a `cli-progress` bar when the stream is a terminal, one
 * {@link formatProgressLine} every `logIntervalSeconds` (and after the first update) otherwise, nothing
 * when `quiet`.
 *
 * @param options - stream, budget, mode.
 * @returns the reporter.
 */
export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const { stream, totalFrames, quiet } = options;
  const clock = options.clock ?? (() => performance.now());
  if (quiet) {
    return { update: () => undefined, note: (m) => stream.write(`${m}\n`), stop: () => undefined };
  }
  if (stream.isTTY === true) {
    const bar = new SingleBar({
      stream: stream as NodeJS.WritableStream,
      format: ' {bar} {percentage}% | {value}/{total} frames | return(100) {ret} | {fps} frames/s | ETA {etaText}',
      barsize: 24,
      hideCursor: true,
      fps: 5,
    });
    let started = false;
    return {
      update(p) {
        const payload = { ret: formatReturn(p.meanReturn100), fps: Math.round(p.framesPerSecond), etaText: formatDuration(etaSeconds(p, totalFrames)) };
        if (!started) {
          bar.start(totalFrames, p.frames, payload);
          started = true;
        } else {
          bar.update(p.frames, payload);
        }
      },
      note(m) {
        if (started) bar.stop();
        stream.write(`${m}\n`);
        started = false;
      },
      stop() {
        if (started) bar.stop();
        started = false;
      },
    };
  }
  let last = -Infinity;
  const interval = options.logIntervalSeconds * 1000;
  return {
    update(p) {
      const now = clock();
      if (now - last < interval) return;
      last = now;
      stream.write(`${formatProgressLine(p, totalFrames)}\n`);
    },
    note: (m) => stream.write(`${m}\n`),
    stop: () => undefined,
  };
}
