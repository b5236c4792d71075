/**
 * The demo page: trains IMPALA on CartPole-v1 (or the deep agent on a small pixel maze) in this tab with
 * impala-rl's browser entry, draws the environment as the agent acts and the learning curve as it learns.
 */
// tfjs-core registers no gradients by itself; the learner needs them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import {
  PageTrainer,
  WebWorkerTrainer,
  Wrapper,
  loadBrowserCheckpoint,
  presetFor,
  registeredBrowserBackends,
  resolvePreset,
  saveBrowserCheckpoint,
  useBrowserBackend,
  type BrowserBackendName,
  type BrowserBackendRequest,
  type PageTrainerConfig,
  type ResetResult,
  type StepResult,
} from 'impala-rl';
import { runConformance, type ConformanceRun } from './conformance.js';
import { drawCartPole, drawCurve, drawFrame } from './draw.js';

setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded });

type Mode = 'cartpole' | 'maze';

/** What each mode trains, and how its page looks. */
const MODES: Record<Mode, { title: string; config: PageTrainerConfig; target: number | undefined; yMin: number; yMax: number; checkpoint: string; autoOrder: readonly BrowserBackendName[] }> = {
  cartpole: {
    title: 'CartPole-v1',
    // The CLI's preset for CartPole-v1 (`npm run train -- --env CartPole-v1`): 8 envs, T 5, B 8, RMSProp lr 0.002.
    config: { env: 'CartPole-v1', ...presetFor('CartPole-v1') },
    target: 475,
    yMin: 0,
    yMax: 500,
    checkpoint: 'indexeddb://impala-rl-demo-cartpole',
    // A 64-unit MLP on batches of 8: per-op overhead dominates, and wasm beats the GPU backends by far.
    autoOrder: ['wasm', 'webgpu', 'webgl', 'cpu'],
  },
  maze: {
    title: 'Pixel maze (2×3 cells, 24×32 RGB)',
    // The CLI's `maze-small` preset (deep ResNet torso + 256-unit LSTM) with 8 envs and B 8, so updates stay
    // small enough for a page.
    config: { env: 'Maze-v0', ...resolvePreset('maze-small'), totalFrames: resolvePreset('maze-small')?.totalFrames ?? 300_000, envsPerActor: 8, batchSize: 8 },
    target: undefined,
    yMin: 0,
    yMax: 10,
    checkpoint: 'indexeddb://impala-rl-demo-maze',
    // Convolutions on 24×32 frames: a GPU backend when there is one (webgl first: tfjs's most mature GPU backend).
    autoOrder: ['webgl', 'webgpu', 'wasm', 'cpu'],
  },
};

const $ = (id: string): HTMLElement => document.getElementById(id)!;
const params = new URLSearchParams(location.search);
const ui = {
  backend: $('backend') as HTMLSelectElement,
  backendActive: $('backend-active'),
  world: $('world') as HTMLCanvasElement,
  worldTitle: $('world-title'),
  worldNote: $('world-note'),
  targetLegend: $('target-legend'),
  curve: $('curve') as HTMLCanvasElement,
  start: $('start') as HTMLButtonElement,
  pause: $('pause') as HTMLButtonElement,
  reset: $('reset') as HTMLButtonElement,
  save: $('save') as HTMLButtonElement,
  restore: $('restore') as HTMLButtonElement,
  download: $('download') as HTMLButtonElement,
  status: $('status'),
  conformance: $('conformance') as HTMLButtonElement,
  conformanceResult: $('conformance-result'),
};

/** Watches one environment: its latest observation and the return of the episode in progress. */
class Watch extends Wrapper<ArrayLike<number>, number> {
  observation: ArrayLike<number> | null = null;
  episodeReturn = 0;
  steps = 0;
  lastReturn: number | null = null;
  totalSteps = 0;

  override reset(args?: Parameters<Wrapper<ArrayLike<number>, number>['reset']>[0]) {
    const r = super.reset(args) as ResetResult<ArrayLike<number>>;
    this.observation = r.observation;
    this.episodeReturn = 0;
    this.steps = 0;
    return r;
  }

  override step(action: number) {
    const r = super.step(action) as StepResult<ArrayLike<number>>;
    this.observation = r.observation;
    this.episodeReturn += r.reward;
    this.steps++;
    this.totalSteps++;
    if (r.terminated || r.truncated) this.lastReturn = this.episodeReturn;
    return r;
  }
}

let mode: Mode = params.get('mode') === 'maze' ? 'maze' : 'cartpole';
/** `?workers=N`: N actors, each in a Web Worker (actor-worker.ts), instead of the page's own actors. */
const actorWorkers = Math.max(0, Math.floor(Number(params.get('workers') ?? 0)) || 0);
/** `?trainer=worker`: the whole trainer in a Web Worker (trainer-worker.ts); the page only draws. */
const trainerInWorker = params.get('trainer') === 'worker';
let backend: BrowserBackendName = 'cpu';
let trainer: PageTrainer | WebWorkerTrainer | null = null;
/** The watched environment's latest step (actor 0, env 0): a Watch in the page, or the worker's reports. */
let watch: Pick<Watch, 'observation' | 'episodeReturn' | 'steps' | 'lastReturn' | 'totalSteps'> | null = null;
let reachedTarget: { frames: number; seconds: number } | null = null;
let conformance: ConformanceRun | null = null;
let fatal: string | null = null;
let watchRate = { steps: 0, at: performance.now(), perSecond: 0 };

function setStatus(text: string, kind: '' | 'error' | 'done' = ''): void {
  ui.status.textContent = text;
  ui.status.className = `status ${kind}`;
}

function fail(error: unknown): void {
  fatal = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  setStatus(fatal, 'error');
  console.error(error);
}

function newTrainer(): void {
  trainer?.dispose();
  watch = null;
  reachedTarget = null;
  const m = MODES[mode];
  const config: PageTrainerConfig = actorWorkers > 0 ? { ...m.config, numActors: actorWorkers } : m.config;
  const onUpdate = (p: { frames: number; meanReturn100: number; elapsedSeconds: number }, t: { metrics: { episodeCount: number } }): void => {
    if (m.target !== undefined && reachedTarget === null && t.metrics.episodeCount >= 100 && p.meanReturn100 >= m.target) {
      reachedTarget = { frames: p.frames, seconds: p.elapsedSeconds };
    }
  };
  if (trainerInWorker) {
    trainer = new WebWorkerTrainer(config, {
      worker: new Worker(new URL('./trainer-worker.ts', import.meta.url), { type: 'module' }),
      // The backend the page selected (and so the mode's order for 'auto'), by name.
      backend,
      onObservation: (step) => {
        watch = { ...step, observation: step.observation as ArrayLike<number> };
      },
      onUpdate,
    });
  } else {
    trainer = new PageTrainer(config, {
      ...(actorWorkers > 0 ? { actorWorker: () => new Worker(new URL('./actor-worker.ts', import.meta.url), { type: 'module' }) } : {}),
      wrapEnv: (env, slot) => {
        if (slot.actorId !== 0 || slot.envIndex !== 0) return env;
        const w = new Watch(env as never);
        watch = w;
        return w;
      },
      onUpdate,
    });
  }
  ui.worldTitle.textContent = m.title;
  ui.targetLegend.hidden = m.target === undefined;
  const where = trainerInWorker ? ', trainer in a Web Worker' : actorWorkers > 0 ? `, actors in ${actorWorkers} Web Workers` : '';
  setStatus(`Ready: ${describeConfig(config)}${where}.`);
}

function describeConfig(c: PageTrainerConfig): string {
  return `${c.envsPerActor ?? 8} envs, unroll ${c.unrollLength ?? 20}, batch ${c.batchSize ?? 8}, ${c.torso ?? 'mlp'} torso${c.lstmSize ? ` + LSTM ${c.lstmSize}` : ''}, ${c.optimizer ?? 'rmsprop'} lr ${c.learningRate ?? 0.00048}, ${(c.totalFrames / 1000).toFixed(0)}k frames`;
}

function updateButtons(): void {
  const s = trainer?.status ?? 'idle';
  ui.start.disabled = s === 'running' || s === 'finished' || s === 'stopped' || s === 'failed';
  ui.start.textContent = s === 'paused' ? 'Resume' : 'Start';
  ui.pause.disabled = s !== 'running';
  ui.save.disabled = !(s === 'paused' || s === 'finished');
  ui.download.disabled = ui.save.disabled;
  ui.restore.disabled = s !== 'idle';
}

const fmt = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const clock = (s: number): string => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

function render(): void {
  const t = trainer;
  const m = MODES[mode];
  const last = t?.metrics.last;
  const now = performance.now();
  if (watch && now - watchRate.at > 1000) {
    watchRate = { steps: watch.totalSteps, at: now, perSecond: (watch.totalSteps - watchRate.steps) / ((now - watchRate.at) / 1000) };
  }
  // CartPole steps 0.02 s of simulated time; the maze has no clock, so its rate is in steps per second.
  const speed = watchRate.perSecond <= 0 ? '' : mode === 'cartpole' ? ` · ${fmt(watchRate.perSecond / 50, 0)}× real time` : ` · ${fmt(watchRate.perSecond, 0)} steps/s`;
  const caption = {
    left: watch ? `episode return ${fmt(watch.episodeReturn, 0)} · step ${watch.steps}` : 'waiting for the first step',
    right: watch?.lastReturn != null ? `last episode ${fmt(watch.lastReturn, 0)}` : '',
  };
  if (mode === 'cartpole') drawCartPole(ui.world, watch?.observation ?? null, caption);
  else {
    const opts = m.config.envOptions as { height: number; width: number };
    drawFrame(ui.world, (watch?.observation as Uint8Array | null) ?? null, opts.height, opts.width, caption);
  }
  ui.worldNote.textContent = t?.status === 'running' ? `actor 0, env 0${speed}` : '';
  if (t) drawCurve(ui.curve, t.metrics.points, t.metrics.episodes, { ...(m.target !== undefined ? { target: m.target } : {}), yMin: m.yMin, yMax: m.yMax });
  $('s-mean').textContent = fmt(t?.metrics.meanReturn ?? NaN);
  $('s-best').textContent = fmt(t?.metrics.bestMeanReturn ?? NaN);
  $('s-fps').textContent = last ? Math.round(last.framesPerSecond).toLocaleString('en') : '–';
  $('s-frames').textContent = (t?.frames ?? 0).toLocaleString('en');
  $('s-updates').textContent = (t?.updates ?? 0).toLocaleString('en');
  $('s-episodes').textContent = (t?.metrics.episodeCount ?? 0).toLocaleString('en');
  $('s-time').textContent = clock(t?.elapsedSeconds ?? 0);
  $('s-entropy').textContent = last ? fmt(last.entropy, 3) : '–';
  if (t?.status === 'running' && fatal === null) {
    const target = reachedTarget ? ` · reached ${m.target} after ${reachedTarget.frames.toLocaleString('en')} frames (${clock(reachedTarget.seconds)})` : '';
    setStatus(`Training on ${backend}${target}`);
  } else if (t?.status === 'finished' && fatal === null) {
    setStatus(`Finished ${t.frames.toLocaleString('en')} frames: mean return ${fmt(t.metrics.meanReturn)} over the last 100 episodes.`, 'done');
  } else if (t?.status === 'failed' && fatal === null) {
    fail(t.error);
  }
  updateButtons();
  requestAnimationFrame(render);
}

async function selectBackend(request: BrowserBackendRequest): Promise<void> {
  const wasRunning = trainer?.status === 'running' || trainer?.status === 'paused';
  await trainer?.stop();
  trainer?.dispose();
  trainer = null;
  const info = await useBrowserBackend(request, { order: MODES[mode].autoOrder });
  backend = info.name;
  ui.backendActive.textContent = info.name;
  ui.backendActive.className = info.name === 'cpu' ? 'pill warn' : 'pill';
  ui.backendActive.title = info.skipped.length ? `Skipped: ${info.skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}` : `Using ${info.name}`;
  if (info.skipped.length > 0) console.info(`impala-rl demo: backend ${info.name}; ${ui.backendActive.title}`);
  if (info.name === 'wasm') {
    const threads = getThreadsCount();
    ui.backendActive.textContent = `wasm · ${threads} thread${threads === 1 ? '' : 's'}`;
  }
  newTrainer();
  if (wasRunning) setStatus(`Switched to ${info.name}: press Start to train again.`);
}

function setMode(next: Mode): void {
  mode = next;
  for (const b of document.querySelectorAll<HTMLButtonElement>('.modes button')) b.setAttribute('aria-selected', String(b.dataset.mode === mode));
  const url = new URL(location.href);
  url.searchParams.set('mode', mode);
  history.replaceState(null, '', url);
  // 'auto' picks per mode (wasm for the MLP, a GPU backend for the convolutions).
  const request = ui.backend.value as BrowserBackendRequest;
  void (trainer?.stop() ?? Promise.resolve())
    .then(async () => {
      if (request === 'auto') await selectBackend('auto');
      else newTrainer();
    })
    .catch(fail);
}

ui.start.addEventListener('click', () => {
  if (!trainer) return;
  fatal = null;
  trainer.start();
});
ui.pause.addEventListener('click', () => {
  trainer?.pause();
  setStatus('Paused.');
});
ui.reset.addEventListener('click', () => {
  fatal = null;
  void (trainer?.stop() ?? Promise.resolve()).then(newTrainer);
});
ui.save.addEventListener('click', () => {
  if (!trainer) return;
  const result = Promise.resolve(trainer.checkpoint()).then((c) => saveBrowserCheckpoint(MODES[mode].checkpoint, c));
  result.then(() => { setStatus(`Saved the checkpoint to IndexedDB (${MODES[mode].checkpoint}).`, 'done'); }, fail);
});
ui.download.addEventListener('click', () => {
  if (!trainer) return;
  Promise.resolve(trainer.checkpoint()).then((c) => saveBrowserCheckpoint(`downloads://impala-rl-${mode}`, c)).catch(fail);
});
ui.restore.addEventListener('click', () => {
  if (!trainer) return;
  loadBrowserCheckpoint(MODES[mode].checkpoint).then(async (c) => {
    await trainer?.restore(c);
    setStatus(`Restored the checkpoint from IndexedDB: ${c.learner.frames.toLocaleString('en')} frames, ${c.learner.updates} updates. Press Start to continue.`, 'done');
  }).catch((e: unknown) => { setStatus(`No checkpoint restored: ${e instanceof Error ? e.message : String(e)}`, 'error'); });
});
ui.backend.addEventListener('change', () => {
  void selectBackend(ui.backend.value as BrowserBackendRequest).catch(fail);
});
for (const b of document.querySelectorAll<HTMLButtonElement>('.modes button')) {
  b.addEventListener('click', () => { setMode(b.dataset.mode as Mode); });
}
ui.conformance.addEventListener('click', () => {
  ui.conformance.disabled = true;
  ui.conformanceResult.textContent = 'running…';
  ui.conformanceResult.className = 'muted';
  runConformance().then((r) => {
    conformance = r;
    const ok = r.tensors.ok && r.arrays.ok && r.leakedTensors === 0;
    ui.conformanceResult.className = ok ? 'ok' : 'fail';
    ui.conformanceResult.textContent =
      `tensors on ${r.backend}: ${r.tensors.passed}/${r.tensors.results.length} passed (tolerance 1e-5) · ` +
      `arrays (float64): ${r.arrays.passed}/${r.arrays.results.length} passed (tolerance 1e-9)` +
      (r.leakedTensors ? ` · ${r.leakedTensors} tensors leaked` : '');
    if (!ok) console.warn(`${r.tensors.summary}\n${r.arrays.summary}`);
  }, (e: unknown) => {
    ui.conformanceResult.className = 'fail';
    ui.conformanceResult.textContent = e instanceof Error ? e.message : String(e);
  }).finally(() => { ui.conformance.disabled = false; });
});

/** What the browser tests read (and drive) through `window.impalaDemo`. */
interface DemoHandle {
  state(): {
    mode: Mode; backend: string; status: string; frames: number; updates: number; episodes: number; meanReturn100: number;
    bestMeanReturn: number; framesPerSecond: number; elapsedSeconds: number; reachedTarget: { frames: number; seconds: number } | null; error: string | null;
  };
  conformance(): ConformanceRun | null;
}
const handle: DemoHandle = {
  state: () => ({
    mode,
    backend,
    status: trainer?.status ?? 'idle',
    frames: trainer?.frames ?? 0,
    updates: trainer?.updates ?? 0,
    episodes: trainer?.metrics.episodeCount ?? 0,
    meanReturn100: trainer?.metrics.meanReturn ?? NaN,
    bestMeanReturn: trainer?.metrics.bestMeanReturn ?? NaN,
    framesPerSecond: trainer?.metrics.last?.framesPerSecond ?? NaN,
    elapsedSeconds: trainer?.elapsedSeconds ?? 0,
    reachedTarget,
    error: fatal,
  }),
  conformance: () => conformance,
};
(window as unknown as { impalaDemo: DemoHandle }).impalaDemo = handle;

async function main(): Promise<void> {
  const registered = registeredBrowserBackends();
  ui.backend.replaceChildren(
    new Option('auto', 'auto'),
    ...registered.map((name) => new Option(name, name)),
  );
  const requested = (params.get('backend') ?? 'auto') as BrowserBackendRequest;
  ui.backend.value = requested;
  for (const b of document.querySelectorAll<HTMLButtonElement>('.modes button')) b.setAttribute('aria-selected', String(b.dataset.mode === mode));
  await selectBackend(requested);
  requestAnimationFrame(render);
  if (params.get('autostart') === '1') ui.start.click();
}

// Ready (for people and for the browser tests) once set up, or once setting up failed and says why.
main()
  .catch(fail)
  .finally(() => { document.body.dataset.ready = 'true'; });
