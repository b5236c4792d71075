/**
 * The actor side of a {@link WebWorkerActorFleet}, run inside a Web Worker: waits for the fleet's init message, then
 * runs the same actor loop as Node's worker threads (`runActorLoop`) with `useBrowserBackend` and `makeEnv`.
 */
import { actorEnvId } from '../agent/actor-seed.js';
import type { ActorEnv } from '../agent/actor.js';
import { runActorLoop } from '../agent/actor-loop.js';
import type { FromActorWorker, ToActorWorker } from '../agent/actor-worker-protocol.js';
import { makeEnv } from '../envs/registry.js';
import { nextMacrotask } from '../internal/macrotask.js';
import { useBrowserBackend } from './backend.js';
import type { WebWorkerActorInit } from './web-worker-actor-protocol.js';
import { workerScopeChannel, type WebWorkerScopeLike } from './web-worker-channel.js';

/**
 * Options of {@link serveActorInWebWorker}.
 * @category Browser
 */
export interface ServeActorInWebWorkerOptions {
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

/** The actor's environments, made with `makeEnv` (ids dealt as `actorEnvId` deals them). */
function makeBrowserEnvs(ids: readonly string[], envsPerActor: number, index: number, envOptions: Readonly<Record<string, unknown>>): Promise<ActorEnv[]> {
  return Promise.resolve(Array.from({ length: envsPerActor }, (_, j) => makeEnv(actorEnvId(ids, envsPerActor, index, j), { ...envOptions }) as unknown as ActorEnv));
}

/**
 * Makes this Web Worker an actor of a {@link WebWorkerActorFleet} (and so of a `PageTrainer` with `actorWorker`).
 * Call it from a worker module of the app that also imports the tfjs backend the actors use:
 *
 * @example
 * ```ts
 * // actor.worker.ts (bundled by Vite or esbuild as a module worker)
 * import '@tensorflow/tfjs-backend-cpu';
 * import { serveActorInWebWorker } from 'impala-rl';
 * serveActorInWebWorker();
 *
 * // the page
 * const trainer = new PageTrainer(config, {
 *   actorWorker: () => new Worker(new URL('./actor.worker.ts', import.meta.url), { type: 'module' }),
 * });
 * ```
 * @param options - the scope and an optional setup step.
 * @category Browser
 */
export function serveActorInWebWorker(options: ServeActorInWebWorkerOptions = {}): void {
  const scope = options.scope ?? (globalThis as unknown as WebWorkerScopeLike);
  scope.onmessage = (event) => {
    const first = event.data as Partial<WebWorkerActorInit> | null;
    if (first?.type !== 'init' || first.init === undefined) return;
    const { init, browserBackend = 'cpu' } = first;
    const channel = workerScopeChannel<FromActorWorker, ToActorWorker>(scope);
    // runActorLoop sets the message handler at once, so no later message is missed.
    void runActorLoop(channel, init, {
      selectBackend: async () => {
        await useBrowserBackend(browserBackend);
        await options.setup?.();
      },
      yieldToEventLoop: nextMacrotask,
      makeEnvs: makeBrowserEnvs,
    });
  };
}
