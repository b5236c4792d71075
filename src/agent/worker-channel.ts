/**
 * {@link Channel}s over `worker_threads`: the one file of the agent that knows `Worker`, `MessagePort`,
 * `workerData` and how to start a worker from the built package or from TypeScript sources.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { Channel } from './channel.js';
import { AgentError, remoteError } from './errors.js';

export { remoteError };

/**
 * Where a worker entry lives and how to start it, relative to the module `moduleUrl`: in the published package
 * that is a file in `dist/` (ESM `.js` or CommonJS `.cjs`, where tsup shims `import.meta.url`), next to which
 * tsup emits `<name>.js`/`.cjs`; in the sources it is `src/agent/<module>.ts`, next to `<name>.ts`. A `.ts` entry
 * is started through a small bootstrap that registers tsx's ESM loader in the worker first: on Node 20,
 * `execArgv: ['--import', 'tsx']` does not apply tsx's hooks to a worker's entry ("Unknown file extension .ts").
 *
 * @param moduleUrl - `import.meta.url` of the module next to which the entry lives.
 * @param name - the entry's base name, e.g. `'actor-worker'`.
 * @param caller - who asks, for error messages.
 * @returns the entry URL, and the bootstrap code when it must be started through tsx.
 * @category Agent
 */
export function resolveWorkerEntry(moduleUrl: string, name: string, caller: string): { url: URL; bootstrap?: string } {
  const ext = /\.(c?js|mjs|m?ts)$/.exec(new URL(moduleUrl).pathname)?.[1];
  if (ext !== 'ts' && ext !== 'mts') return { url: new URL(ext === 'cjs' ? `./${name}.cjs` : `./${name}.js`, moduleUrl) };
  const url = new URL(`./${name}.ts`, moduleUrl);
  let api: string;
  try {
    const packageJson = createRequire(moduleUrl).resolve('tsx/package.json');
    const exportsMap = (JSON.parse(readFileSync(packageJson, 'utf8')) as { exports?: Record<string, { import?: { default?: string } }> }).exports;
    api = new URL(exportsMap?.['./esm/api']?.import?.default ?? './dist/esm/api/index.mjs', pathToFileURL(packageJson)).href;
  } catch (error) {
    throw new AgentError(`${caller}: running from TypeScript sources (${moduleUrl}) needs tsx to load the worker, and tsx was not found`, { cause: error });
  }
  const bootstrap = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
  return { url, bootstrap };
}

/**
 * The Node options a worker inherits: the process's, without `--input-type`, which is only valid for code given
 * with `--eval` and makes a worker started from a file fail (ERR_INPUT_TYPE_NOT_ALLOWED).
 */
function workerExecArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--input-type') i++;
    else if (!arg.startsWith('--input-type=')) out.push(arg);
  }
  return out;
}

/**
 * Options of {@link openWorkerChannel}.
 * @category Agent
 */
export interface WorkerChannelOptions {
  /** The entry (see {@link resolveWorkerEntry}). */
  readonly entry: { readonly url: URL; readonly bootstrap?: string };
  /** The worker's `workerData`. */
  readonly data: unknown;
  /** Who starts it, for error messages (e.g. `'WorkerActorFleet'`). */
  readonly caller: string;
  /** Names the worker in error messages (e.g. `'worker 2'`). */
  readonly who: string;
}

/**
 * Starts a worker thread and returns the parent's end of a channel to it. A worker 'error' event, a message
 * that cannot be deserialised, or an exit before {@link Channel.close} closes the channel with an Error that
 * says so (with the worker's stack).
 *
 * @param options - see {@link WorkerChannelOptions}.
 * @returns the channel; `close()` terminates the worker.
 * @category Agent
 */
export function openWorkerChannel<Out, In>(options: WorkerChannelOptions): Channel<Out, In> {
  const { entry, caller, who } = options;
  if (entry.url.protocol === 'file:' && !existsSync(fileURLToPath(entry.url))) {
    throw new AgentError(`${caller}: the worker entry ${entry.url.href} does not exist (was impala-rl bundled? pass 'workerUrl')`);
  }
  const execArgv = workerExecArgv(process.execArgv);
  const worker = entry.bootstrap === undefined
    ? new Worker(entry.url, { workerData: options.data, execArgv })
    : new Worker(entry.bootstrap, { eval: true, workerData: options.data, execArgv });
  let closing = false;
  let exited = false;
  let closeHandler: ((error: Error | null) => void) | null = null;
  let reported = false;
  const report = (error: Error | null): void => {
    if (reported) return;
    reported = true;
    closeHandler?.(error);
  };
  worker.on('error', (error: Error) => {
    report(remoteError(caller, who, error.name, error.message, error.stack ?? String(error)));
  });
  worker.on('messageerror', (error: Error) => {
    report(remoteError(caller, who, error.name, `a message could not be deserialised: ${error.message}`, error.stack ?? ''));
  });
  worker.on('exit', (code) => {
    exited = true;
    report(closing ? null : new AgentError(`${caller}: ${who} exited unexpectedly with code ${code}`));
  });
  let terminated: Promise<void> | null = null;
  return endpointChannel<Out, In>(
    worker,
    () => !exited && !closing,
    (handler) => {
      closeHandler = handler;
    },
    () => {
      closing = true;
      terminated ??= exited ? Promise.resolve() : worker.terminate().then(() => undefined);
      return terminated.then(() => {
        report(null);
      });
    },
  );
}

/** What a `Worker` and a `MessagePort` have in common. */
interface MessageEndpoint {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  removeAllListeners(event: 'message'): unknown;
  addListener(event: 'message', handler: (message: unknown) => void): unknown;
}

/** A {@link Channel} over a worker or a port; `canSend` says whether the other end may still get messages. */
function endpointChannel<Out, In>(
  endpoint: MessageEndpoint,
  canSend: () => boolean,
  onClose: (handler: (error: Error | null) => void) => void,
  close: () => Promise<void>,
): Channel<Out, In> {
  return {
    send(message, transfer = []) {
      if (canSend()) endpoint.postMessage(message, [...transfer]);
    },
    onMessage(handler) {
      endpoint.removeAllListeners('message');
      endpoint.addListener('message', handler as (message: unknown) => void);
    },
    onClose,
    close,
  };
}

/**
 * Inside a worker thread: the worker's end of the channel to its parent, and the `workerData` it was started
 * with.
 *
 * @param caller - the entry, for the error thrown when this module is not running in a worker.
 * @returns the channel and the data.
 * @category Agent
 */
export function parentChannel<Out, In>(caller: string): { channel: Channel<Out, In>; data: unknown } {
  const port = parentPort;
  if (port === null) throw new AgentError(`${caller}: this module is the entry of a worker thread; it cannot be imported`);
  let closeHandler: ((error: Error | null) => void) | null = null;
  let open = true;
  port.on('close', () => {
    open = false;
    closeHandler?.(null);
  });
  const channel = endpointChannel<Out, In>(
    port,
    () => open,
    (handler) => {
      closeHandler = handler;
    },
    () => {
      port.close();
      return Promise.resolve();
    },
  );
  return { data: workerData as unknown, channel };
}

/**
 * A module given as a path or URL, as a URL string a worker can `import()`.
 *
 * @param module - a path (relative to the working directory or absolute) or a URL.
 * @returns the URL string.
 * @category Agent
 */
export function moduleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  return /^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module) ? module : pathToFileURL(module).href;
}
