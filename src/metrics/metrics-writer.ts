/**
 * The files a training run writes its metrics to: {@link MetricsWriter}.
 */
import { appendFile, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrainProgress } from '../agent/train.js';
import type { EpisodeStats } from '../agent/trajectory.js';
import { writeLearningCurve } from './plot.js';
import { MetricsError } from './errors.js';
import { TensorBoardWriter } from './tensorboard-writer.js';

/**
 * Options of {@link MetricsWriter.open}.
 * @category Metrics
 */
export interface MetricsWriterOptions {
  /**
   * Seconds between the rows written to `metrics.jsonl`, `metrics.csv` and TensorBoard: updates in between are
   * not written (their finished episodes are, with the next row), and the last update is always written by
   * `close`. 0 writes every update.
   * @defaultValue 0
   */
  readonly intervalSeconds?: number;
  /**
   * Rows after these counters are cut from `metrics.jsonl`, `metrics.csv` (rows whose `updates` is larger) and
   * `episodes.csv` (rows whose `frames` is larger), as is a partial last line (a crash or a full disk): give the
   * counters of the checkpoint a run resumes from, or zeros for a fresh start. Without it nothing is cut.
   */
  readonly keepUpTo?: {
    /** Frames of the checkpoint: `episodes.csv` rows with more are cut. */
    readonly frames: number;
    /** Updates of the checkpoint: `metrics.csv`/`metrics.jsonl` rows with more are cut. */
    readonly updates: number;
  };
  /**
   * The run restarts from a checkpoint: TensorBoard gets a `SessionLog START` marker at `keepUpTo.frames + 1`,
   * which makes it discard the steps the previous session wrote after the checkpoint.
   * @defaultValue false
   */
  readonly restart?: boolean;
  /**
   * The clock, in milliseconds (tests replace it).
   * @defaultValue `performance.now`
   */
  readonly clock?: () => number;
}

/**
 * Cuts rows of a text file: keeps the first `header` lines, then the rows `keep` accepts, and drops a last line
 * without its newline. Rewrites the file (through a temporary file and a rename) only when something is cut.
 *
 * @returns the number of lines cut.
 */
async function cutRows(path: string, header: number, keep: (line: string) => boolean): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return 0;
  }
  const lines = text.split('\n');
  const complete = lines.slice(0, -1); // the part after the last newline is empty or a partial line
  const kept = complete.filter((line, i) => i < header || (line !== '' && keep(line)));
  const cut = lines.length - 1 - kept.length + (lines.at(-1) === '' ? 0 : 1);
  if (cut === 0) return 0;
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, kept.map((l) => `${l}\n`).join(''));
  await rename(tmp, path);
  return cut;
}

/** One finished episode with the frame counter of the update that reported it. */
interface PendingEpisode {
  readonly frames: number;
  readonly episode: EpisodeStats;
}

/**
 * Appends per-update metrics to `metrics.jsonl` and `metrics.csv`, finished episodes to `episodes.csv`,
 * scalars to TensorBoard event files in `tensorboard/`, and draws `learning-curve.svg` from the whole
 * history (earlier sessions of a resumed run included) when closed.
 * @category Metrics
 */
export class MetricsWriter {
  /** The columns of `metrics.csv` (and the keys of `metrics.jsonl`), in order. */
  static readonly COLUMNS = ['frames', 'updates', 'elapsedSeconds', 'meanReturn100', 'episodes', 'totalLoss', 'policyLoss', 'baselineLoss', 'entropyLoss', 'entropy', 'gradNorm', 'learningRate', 'policyLag', 'framesPerSecond', 'updatesPerSecond', 'queueSize', 'actorRestarts', 'connectedActors', 'rejectedMessages'] as const;

  #csvHeaderWritten = false;
  #episodesHeaderWritten = false;
  #intervalMs = 0;
  #clock: () => number = () => performance.now();
  #lastWrittenAt = -Infinity;
  /** The newest update not yet written (written by the next due `write`, or by `close`). */
  #pending: TrainProgress | null = null;
  #pendingEpisodes: PendingEpisode[] = [];

  private constructor(
    private readonly dir: string,
    private readonly title: string,
    private readonly tensorboard: TensorBoardWriter,
  ) {}

  /**
   * Opens (or, for a resumed run, reopens) the metrics files of a run directory.
   *
   * @param dir - the run directory (created when missing).
   * @param title - the learning curve's title (e.g. the env ids).
   * @param options - how often rows are written.
   * @returns the writer.
   */
  static async open(dir: string, title: string, options: MetricsWriterOptions = {}): Promise<MetricsWriter> {
    const intervalSeconds = options.intervalSeconds ?? 0;
    if (!(intervalSeconds >= 0 && Number.isFinite(intervalSeconds))) throw new MetricsError(`MetricsWriter.open: 'intervalSeconds' must be a finite number >= 0, got ${intervalSeconds}`);
    await mkdir(dir, { recursive: true });
    const limit = options.keepUpTo;
    if (limit) {
      const csvUpdates = MetricsWriter.COLUMNS.indexOf('updates');
      const n = MetricsWriter.COLUMNS.length;
      await cutRows(join(dir, 'metrics.jsonl'), 0, (line) => {
        try {
          const row = JSON.parse(line) as { updates?: unknown };
          return typeof row.updates === 'number' && row.updates <= limit.updates;
        } catch {
          return false;
        }
      });
      await cutRows(join(dir, 'metrics.csv'), 1, (line) => {
        const cells = line.split(',');
        return cells.length === n && Number(cells[csvUpdates]) <= limit.updates;
      });
      await cutRows(join(dir, 'episodes.csv'), 1, (line) => {
        const cells = line.split(',');
        return cells.length === 7 && Number(cells[0]) <= limit.frames;
      });
    }
    const w = new MetricsWriter(dir, title, await TensorBoardWriter.create(join(dir, 'tensorboard')));
    w.#intervalMs = intervalSeconds * 1000;
    if (options.clock) w.#clock = options.clock;
    // A resumed run appends to the files of the first session: write the CSV headers only once.
    const hasContent = async (name: string) => (await stat(join(dir, name)).catch(() => null))?.size ?? 0;
    w.#csvHeaderWritten = (await hasContent('metrics.csv')) > 0;
    w.#episodesHeaderWritten = (await hasContent('episodes.csv')) > 0;
    if (options.restart === true && limit) w.tensorboard.addSessionStart(limit.frames + 1, `resumed at ${limit.frames} frames, ${limit.updates} updates`);
    return w;
  }

  /**
   * Records one update: its row goes to every output when `intervalSeconds` have passed since the last row
   * written (always for the first), otherwise it is held and replaced by the next; its finished episodes go to
   * `episodes.csv` and TensorBoard with the next row written.
   *
   * @param p - the update's progress, as `train` reports it.
   */
  async write(p: TrainProgress): Promise<void> {
    for (const episode of p.newEpisodes) this.#pendingEpisodes.push({ frames: p.frames, episode });
    const now = this.#clock();
    if (now - this.#lastWrittenAt < this.#intervalMs) {
      this.#pending = p;
      return;
    }
    this.#lastWrittenAt = now;
    await this.#writeRow(p);
  }

  /** Writes the held update, if any (`close` does it too). */
  async flush(): Promise<void> {
    const p = this.#pending;
    if (p !== null) await this.#writeRow(p);
  }

  async #writeRow(p: TrainProgress): Promise<void> {
    this.#pending = null;
    const episodes = this.#pendingEpisodes;
    this.#pendingEpisodes = [];
    const row = MetricsWriter.COLUMNS.map((c) => p[c]);
    const perActor = p.actorFramesPerSecond;
    const jsonl = JSON.stringify({ ...Object.fromEntries(MetricsWriter.COLUMNS.map((c) => [c, p[c]])), ...(Object.keys(perActor).length > 0 ? { actorFramesPerSecond: perActor } : {}) });
    const csv = `${this.#csvHeaderWritten ? '' : `${MetricsWriter.COLUMNS.join(',')}\n`}${row.join(',')}\n`;
    this.#csvHeaderWritten = true;
    await appendFile(join(this.dir, 'metrics.jsonl'), `${jsonl}\n`);
    await appendFile(join(this.dir, 'metrics.csv'), csv);
    const scalars: Record<string, number> = {
      'loss/total': p.totalLoss,
      'loss/policy': p.policyLoss,
      'loss/baseline': p.baselineLoss,
      'loss/entropy': p.entropyLoss,
      'policy/entropy': p.entropy,
      'optim/grad_norm': p.gradNorm,
      'optim/learning_rate': p.learningRate,
      'system/policy_lag': p.policyLag,
      'system/frames_per_second': p.framesPerSecond,
      'system/updates_per_second': p.updatesPerSecond,
      'system/queue_size': p.queueSize,
      'system/actor_restarts': p.actorRestarts,
      'system/connected_actors': p.connectedActors,
      'system/rejected_messages': p.rejectedMessages,
    };
    for (const [id, fps] of Object.entries(perActor)) scalars[`actors/${id}/frames_per_second`] = fps;
    if (Number.isFinite(p.meanReturn100)) scalars['episode/mean_return_100'] = p.meanReturn100;
    this.tensorboard.addScalars(scalars, p.frames);
    if (episodes.length > 0) {
      for (const { frames, episode: e } of episodes) {
        this.tensorboard.addScalar(e.task ? `episode/return/${e.task}` : 'episode/return', e.episodeReturn, frames);
      }
      const header = this.#episodesHeaderWritten ? '' : 'frames,actor,env,task,return,length,truncated\n';
      this.#episodesHeaderWritten = true;
      const lines = episodes.map(({ frames, episode: e }) => `${frames},${e.actorId},${e.envIndex},${e.task ?? ''},${e.episodeReturn},${e.episodeLength},${e.truncated}`);
      await appendFile(join(this.dir, 'episodes.csv'), `${header}${lines.join('\n')}\n`);
    }
  }

  /** Writes the held last update, closes the TensorBoard file and draws `learning-curve.svg` from the whole history. */
  async close(): Promise<void> {
    await this.flush();
    await this.tensorboard.close();
    const points = (await readFile(join(this.dir, 'metrics.jsonl'), 'utf8').catch(() => ''))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { frames: number; meanReturn100: number | null })
      .map((m) => ({ x: m.frames, y: m.meanReturn100 ?? NaN }));
    const raw = (await readFile(join(this.dir, 'episodes.csv'), 'utf8').catch(() => ''))
      .split('\n')
      .slice(1)
      .filter((l) => l !== '')
      .map((l) => l.split(','))
      .map((cells) => ({ x: Number(cells[0]), y: Number(cells[4]) }));
    await writeLearningCurve(join(this.dir, 'learning-curve.svg'), [{ name: 'mean return (last 100 episodes)', points, raw }], {
      title: this.title,
      xLabel: 'environment frames',
      yLabel: 'episode return',
    });
  }
}
