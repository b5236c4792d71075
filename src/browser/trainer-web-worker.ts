/**
 * The worker side of a {@link WebWorkerTrainer}: a whole `PageTrainer` (actors, queue, learner) inside a Web
 * Worker, driven by messages, so that a slow learner update never holds the page's thread.
 */
import type { ActorEnv } from '../agent/actor.js';
import type { StepResult } from '../envs/contract/types.js';
import { ensureGradients } from '../backends/gradients.js';
import { useBrowserBackend } from './backend.js';
import { PageTrainer } from './page-trainer.js';
import { workerScopeChannel, type WebWorkerScopeLike } from './web-worker-channel.js';
import { serialiseError, type FromTrainerWorker, type ToTrainerWorker, type WatchedStep } from './web-worker-trainer-protocol.js';

/**
 * Options of {@link serveTrainerInWebWorker}.
 * @category Browser
 */
export interface ServeTrainerInWebWorkerOptions {
  /**
   * The worker's global scope.
   * @defaultValue `globalThis` (`self` in a Web Worker)
   */
  readonly scope?: WebWorkerScopeLike;
  /**
   * Runs in the worker after the backend is selected and before the environments are made: e.g. register the
   * app's own env ids with `registerEnv` (registrations made in the page do not exist in the worker).
   * @defaultValue none
   */
  readonly setup?: () => void | Promise<void>;
}

/** Copies an observation for posting (typed arrays and arrays by value; the env may reuse its own). */
function copyObservation(observation: unknown): unknown {
  if (ArrayBuffer.isView(observation)) return (observation as unknown as { slice(): unknown }).slice();
  if (Array.isArray(observation)) return [...(observation as unknown[])];
  return observation;
}

/**
 * Wraps the watched environment: counts its steps and returns, and posts its latest step at most every
 * `intervalMs` (so the page can draw it without a message per step).
 */
function watchEnv(env: ActorEnv, intervalMs: number, post: (step: WatchedStep) => void): ActorEnv {
  let episodeReturn = 0;
  let steps = 0;
  let totalSteps = 0;
  let lastReturn: number | null = null;
  let lastPost = -Infinity;
  const report = (observation: unknown): void => {
    const now = performance.now();
    if (now - lastPost < intervalMs) return;
    lastPost = now;
    post({ observation: copyObservation(observation), episodeReturn, steps, totalSteps, lastReturn });
  };
  const record = (r: StepResult<unknown>): StepResult<unknown> => {
    episodeReturn += r.reward;
    steps++;
    totalSteps++;
    if (r.terminated || r.truncated) lastReturn = episodeReturn;
    report(r.observation);
    return r;
  };
  return new Proxy(env, {
    get(target, key, receiver) {
      if (key === 'step') {
        return (action: unknown) => {
          const r = (target.step as (a: unknown) => StepResult<unknown> | Promise<StepResult<unknown>>)(action);
          return r instanceof Promise ? r.then(record) : record(r);
        };
      }
      if (key === 'reset') {
        return (...args: unknown[]) => {
          episodeReturn = 0;
          steps = 0;
          const r = (target.reset as (...a: unknown[]) => unknown)(...args);
          return r;
        };
      }
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Makes this Web Worker the trainer of a {@link WebWorkerTrainer}: on the page's init message it selects the
 * backend (`useBrowserBackend`), builds a `PageTrainer` from the page's configuration and runs it when told,
 * reporting every update's metrics and new episodes, status changes, errors (with their stack) and, when asked,
 * the watched environment's latest step. Call it from a worker module of the app that also imports the tfjs
 * backend(s) to use:
 *
 * @example
 * ```ts
 * // trainer.worker.ts (bundled by Vite or esbuild as a module worker)
 * import '@tensorflow/tfjs-core/dist/register_all_gradients'; // the learner's gradients
 * import '@tensorflow/tfjs-backend-wasm';
 * import { serveTrainerInWebWorker } from 'impala-rl';
 * serveTrainerInWebWorker();
 *
 * // the page
 * const trainer = new WebWorkerTrainer(config, {
 *   worker: new Worker(new URL('./trainer.worker.ts', import.meta.url), { type: 'module' }),
 * });
 * trainer.start();
 * ```
 * @param options - the scope and an optional setup step.
 * @category Browser
 */
export function serveTrainerInWebWorker(options: ServeTrainerInWebWorkerOptions = {}): void {
  const scope = options.scope ?? (globalThis as unknown as WebWorkerScopeLike);
  const channel = workerScopeChannel<FromTrainerWorker, ToTrainerWorker>(scope);
  const post = (message: FromTrainerWorker): void => {
    channel.send(message);
  };
  let trainer: PageTrainer | null = null;
  let ready: Promise<PageTrainer> | null = null;
  let reportedEpisodes = 0;
  let lastStatus: string | null = null;
  let statusTimer: ReturnType<typeof setInterval> | null = null;

  const reportStatus = (): void => {
    if (trainer === null || trainer.status === lastStatus) return;
    lastStatus = trainer.status;
    const error = trainer.error;
    post({ type: 'status', status: trainer.status, ...(error !== null ? { error: serialiseError(error) } : {}) });
    if ((trainer.status === 'finished' || trainer.status === 'stopped' || trainer.status === 'failed') && statusTimer !== null) {
      clearInterval(statusTimer);
      statusTimer = null;
    }
  };

  const init = async (message: Extract<ToTrainerWorker, { type: 'init' }>): Promise<PageTrainer> => {
    const info = await useBrowserBackend(message.backend);
    // The learner needs tfjs's gradients: registered by the worker module's imports (register_all_gradients, or
    // @tensorflow/tfjs-layers), else loaded here, else an error saying what to install.
    await ensureGradients('serveTrainerInWebWorker');
    await options.setup?.();
    const built = new PageTrainer(message.config, {
      ...(message.sliceMs !== undefined ? { sliceMs: message.sliceMs } : {}),
      ...(message.targetMeanReturn !== undefined ? { targetMeanReturn: message.targetMeanReturn } : {}),
      wrapEnv: (env, slot) =>
        message.observe && slot.actorId === 0 && slot.envIndex === 0
          ? watchEnv(env, message.observeIntervalMs, (step) => { post({ type: 'observation', step }); })
          : env,
      onUpdate: (point, t) => {
        const count = t.metrics.episodeCount;
        const fresh = count - reportedEpisodes;
        reportedEpisodes = count;
        const episodes = fresh > 0 ? t.metrics.episodes.slice(-fresh) : [];
        post({ type: 'update', point, episodes, frames: t.frames, updates: t.updates, elapsedSeconds: t.elapsedSeconds });
        reportStatus();
      },
    });
    trainer = built;
    post({ type: 'ready', backend: info.name });
    return built;
  };

  const handle = async (message: ToTrainerWorker): Promise<void> => {
    if (message.type === 'init') {
      ready = init(message);
      try {
        await ready;
      } catch (error) {
        post({ type: 'failed', error: serialiseError(error) });
      }
      return;
    }
    if (ready === null) return;
    let t: PageTrainer;
    try {
      t = await ready;
    } catch {
      return; // already reported
    }
    switch (message.type) {
      case 'start':
      case 'resume':
        t.start();
        // The status is also polled: the end of a run (finished, failed) happens between updates.
        statusTimer ??= setInterval(reportStatus, 50);
        break;
      case 'pause':
        t.pause();
        break;
      case 'stop':
        await t.stop();
        break;
      case 'checkpoint':
        try {
          post({ type: 'checkpoint', id: message.id, checkpoint: t.checkpoint() });
        } catch (error) {
          post({ type: 'checkpoint', id: message.id, error: serialiseError(error) });
        }
        break;
      case 'restore':
        try {
          t.restore(message.checkpoint);
          reportedEpisodes = t.metrics.episodeCount;
          post({ type: 'restored', id: message.id, recentReturns: t.metrics.recentReturns, elapsedSeconds: t.elapsedSeconds });
        } catch (error) {
          post({ type: 'restored', id: message.id, error: serialiseError(error) });
        }
        break;
    }
    reportStatus();
  };

  // Messages are handled in order: each waits for the one before (init first).
  let queue: Promise<void> = Promise.resolve();
  channel.onMessage((message) => {
    queue = queue.then(() => handle(message)).catch((error: unknown) => {
      post({ type: 'failed', error: serialiseError(error) });
    });
  });
}
