/**
 * The demo's actor Web Worker (`?workers=N`): one actor of the page's `PageTrainer`, on tfjs's cpu backend.
 * Vite bundles it as a module worker from `new Worker(new URL('./actor-worker.ts', import.meta.url), { type: 'module' })`.
 */
import '@tensorflow/tfjs-backend-cpu';
import { serveActorInWebWorker } from 'impala-rl';

serveActorInWebWorker();
