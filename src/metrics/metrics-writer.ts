/**
 * The files a training run writes its metrics to: {@link MetricsWriter}.
 */
import { appendFile, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrainProgress } from '../agent/train.js';
import { writeLearningCurve } from './plot.js';
import { TensorBoardWriter } from './tensorboard-writer.js';

/**
 * Appends per-update metrics to `metrics.jsonl` and `metrics.csv`, finished episodes to `episodes.csv`,
 * scalars to TensorBoard event files in `tensorboard/`, and draws `learning-curve.svg` from the whole
 * history (earlier sessions of a resumed run included) when closed.
 */
export class MetricsWriter {
  /** The columns of `metrics.csv` (and the keys of `metrics.jsonl`), in order. */
  static readonly COLUMNS = ['frames', 'updates', 'elapsedSeconds', 'meanReturn100', 'episodes', 'totalLoss', 'policyLoss', 'baselineLoss', 'entropyLoss', 'entropy', 'gradNorm', 'learningRate', 'policyLag', 'framesPerSecond', 'updatesPerSecond', 'queueSize'] as const;

  #csvHeaderWritten = false;
  #episodesHeaderWritten = false;

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
   * @returns the writer.
   */
  static async open(dir: string, title: string): Promise<MetricsWriter> {
    await mkdir(dir, { recursive: true });
    const w = new MetricsWriter(dir, title, await TensorBoardWriter.create(join(dir, 'tensorboard')));
    // A resumed run appends to the files of the first session: write the CSV headers only once.
    const hasContent = async (name: string) => (await stat(join(dir, name)).catch(() => null))?.size ?? 0;
    w.#csvHeaderWritten = (await hasContent('metrics.csv')) > 0;
    w.#episodesHeaderWritten = (await hasContent('episodes.csv')) > 0;
    return w;
  }

  /**
   * Appends one update's row to every output, and its finished episodes to `episodes.csv`.
   *
   * @param p - the update's progress, as `train` reports it.
   */
  async write(p: TrainProgress): Promise<void> {
    const row = MetricsWriter.COLUMNS.map((c) => p[c]);
    const jsonl = JSON.stringify(Object.fromEntries(MetricsWriter.COLUMNS.map((c) => [c, p[c]])));
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
    };
    if (Number.isFinite(p.meanReturn100)) scalars['episode/mean_return_100'] = p.meanReturn100;
    this.tensorboard.addScalars(scalars, p.frames);
    if (p.newEpisodes.length > 0) {
      for (const e of p.newEpisodes) {
        this.tensorboard.addScalar(e.task ? `episode/return/${e.task}` : 'episode/return', e.episodeReturn, p.frames);
      }
      const header = this.#episodesHeaderWritten ? '' : 'frames,actor,env,task,return,length,truncated\n';
      this.#episodesHeaderWritten = true;
      const lines = p.newEpisodes.map((e) => `${p.frames},${e.actorId},${e.envIndex},${e.task ?? ''},${e.episodeReturn},${e.episodeLength},${e.truncated}`);
      await appendFile(join(this.dir, 'episodes.csv'), `${header}${lines.join('\n')}\n`);
    }
  }

  /** Closes the TensorBoard file and draws `learning-curve.svg` from the whole history. */
  async close(): Promise<void> {
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
