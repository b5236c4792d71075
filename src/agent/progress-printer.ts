/**
 * A ready-made `onProgress` hook for {@link train}: {@link progressPrinter}.
 */
import type { TrainProgress } from './train.js';

/**
 * Options of {@link progressPrinter}.
 * @category Agent
 */
export interface ProgressPrinterOptions {
  /**
   * Seconds between lines (the last update always prints).
   * @defaultValue 5
   */
  readonly seconds?: number;
  /**
   * Where a line goes.
   * @defaultValue `console.log`
   */
  readonly write?: (line: string) => void;
}

/**
 * A progress line every few seconds and at the end: frames, the mean return of the last 100 episodes once an
 * episode has finished (never `NaN`), episodes, frames per second and the time left.
 *
 * @param totalFrames - the run's `totalFrames`, for the ETA.
 * @param options - see {@link ProgressPrinterOptions}.
 * @returns a function to pass as `train`'s `onProgress` hook.
 *
 * @example
 * ```ts
 * const config = { ...presetFor('CartPole-v1'), env: 'CartPole-v1' };
 * await train(config, { onProgress: progressPrinter(config.totalFrames) });
 * // 40000/300000 frames, mean return (last 100) 61.3, 1210 episodes, 2650 frames/s, ETA 98 s
 * ```
 * @category Agent
 */
export function progressPrinter(totalFrames: number, options: ProgressPrinterOptions = {}): (progress: TrainProgress) => void {
  const seconds = options.seconds ?? 5;
  const write = options.write ?? ((line: string) => {
    console.log(line);
  });
  let last = -Infinity;
  return (p) => {
    if (p.elapsedSeconds - last < seconds && p.frames < totalFrames) return;
    last = p.elapsedSeconds;
    const mean = Number.isFinite(p.meanReturn100) ? p.meanReturn100.toFixed(1) : '(no episode finished yet)';
    const eta = p.framesPerSecond > 0 ? Math.max(0, Math.round((totalFrames - p.frames) / p.framesPerSecond)) : 0;
    write(`${p.frames}/${totalFrames} frames, mean return (last 100) ${mean}, ${p.episodes} episodes, ${Math.round(p.framesPerSecond)} frames/s, ETA ${eta} s`);
  };
}
