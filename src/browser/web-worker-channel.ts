/**
 * {@link Channel}s over browser Web Workers: the page's end (over a `Worker`) and the worker's end (over its
 * `DedicatedWorkerGlobalScope`), both with `postMessage` and transfer lists. The DOM types are described
 * structurally, so the module needs no DOM typings.
 */
import type { Channel } from '../agent/channel.js';
import { remoteError } from '../agent/errors.js';

/**
 * What {@link openWebWorkerChannel} uses of a browser `Worker` (the page's handle on a Web Worker).
 * @category Browser
 */
export interface WebWorkerLike {
  /** Sends a message; the buffers in `transfer` are moved. */
  postMessage(message: unknown, transfer: Transferable[]): void;
  /** Receives the worker's messages. */
  onmessage: WebWorkerHandler<{ readonly data: unknown }> | null;
  /** Receives a message that could not be deserialised. */
  onmessageerror: WebWorkerHandler<unknown> | null;
  /** Receives an uncaught error of the worker (an `ErrorEvent`). */
  onerror: WebWorkerHandler<WebWorkerErrorEvent> | null;
  /** Ends the worker at once. */
  terminate(): void;
}

/**
 * An event handler property of a worker (`onmessage`, `onerror`), typed so that the DOM's own handler types (which
 * take the full `MessageEvent` or `ErrorEvent`) fit: a method's parameter is compared both ways.
 * @typeParam E - the fields of the event that are read.
 * @category Browser
 */
export type WebWorkerHandler<E> = {
  /**
   * Handles one event.
   * @param event - the event.
   */
  handle(event: E): void;
}['handle'];

/**
 * The fields of a worker's `ErrorEvent` that are read.
 * @category Browser
 */
export interface WebWorkerErrorEvent {
  /** The error message (may be empty, e.g. when the worker's script failed to load). */
  readonly message?: string;
  /** Where it was thrown. */
  readonly filename?: string;
  /** Its line. */
  readonly lineno?: number;
  /** Stops the browser from also logging the error as uncaught. */
  preventDefault?(): void;
}

/**
 * What a buffer in a transfer list can be (an `ArrayBuffer` here).
 * @category Browser
 */
export type Transferable = ArrayBuffer;

/**
 * Options of {@link openWebWorkerChannel}.
 * @category Browser
 */
export interface WebWorkerChannelOptions {
  /** Who opens it, for error messages (e.g. `'WebWorkerActorFleet'`). */
  readonly caller: string;
  /** Names the worker in error messages (e.g. `'worker 2'`). */
  readonly who: string;
}

/**
 * The page's end of a channel to a Web Worker. An uncaught error in the worker, or a message that cannot be
 * deserialised, closes the channel with an Error that says so; `close()` terminates the worker (browsers give no
 * event when a worker ends by itself).
 *
 * @param worker - a `Worker` the app created (`new Worker(new URL('./actor.worker.ts', import.meta.url), { type: 'module' })`).
 * @param options - names for error messages.
 * @returns the channel.
 * @category Browser
 */
export function openWebWorkerChannel<Out, In>(worker: WebWorkerLike, options: WebWorkerChannelOptions): Channel<Out, In> {
  const { caller, who } = options;
  let closing = false;
  let closeHandler: ((error: Error | null) => void) | null = null;
  let reported = false;
  const report = (error: Error | null): void => {
    if (reported) return;
    reported = true;
    closeHandler?.(error);
  };
  worker.onerror = (event) => {
    event.preventDefault?.();
    const where = event.filename !== undefined && event.filename !== '' ? ` (${event.filename}:${event.lineno ?? 0})` : '';
    const message = event.message !== undefined && event.message !== '' ? event.message : 'the worker failed (its script may not have loaded)';
    report(remoteError(caller, who, 'Error', `${message}${where}`, `Error: ${message}${where}`));
  };
  worker.onmessageerror = () => {
    report(remoteError(caller, who, 'DataCloneError', 'a message could not be deserialised', ''));
  };
  return {
    send(message, transfer = []) {
      if (!closing && !reported) worker.postMessage(message, [...transfer]);
    },
    onMessage(handler) {
      worker.onmessage = (event) => {
        handler(event.data as In);
      };
    },
    onClose(handler) {
      closeHandler = handler;
    },
    close() {
      if (!closing) {
        closing = true;
        worker.terminate();
      }
      report(null);
      return Promise.resolve();
    },
  };
}

/**
 * What {@link workerScopeChannel} uses of a `DedicatedWorkerGlobalScope` (`self` inside a Web Worker).
 * @category Browser
 */
export interface WebWorkerScopeLike {
  /** Sends a message to the page; the buffers in `transfer` are moved. */
  postMessage(message: unknown, transfer: Transferable[]): void;
  /** Receives the page's messages. */
  onmessage: WebWorkerHandler<{ readonly data: unknown }> | null;
  /** Ends the worker. */
  close(): void;
}

/**
 * Inside a Web Worker: the worker's end of the channel to the page. `close()` ends the worker; the page ends it
 * with `terminate()`, which runs nothing here, so `onClose` is only called after `close()`.
 *
 * @param scope - the worker's global scope (`self`).
 * @returns the channel.
 * @category Browser
 */
export function workerScopeChannel<Out, In>(scope: WebWorkerScopeLike): Channel<Out, In> {
  let open = true;
  let closeHandler: ((error: Error | null) => void) | null = null;
  return {
    send(message, transfer = []) {
      if (open) scope.postMessage(message, [...transfer]);
    },
    onMessage(handler) {
      scope.onmessage = (event) => {
        handler(event.data as In);
      };
    },
    onClose(handler) {
      closeHandler = handler;
    },
    close() {
      if (open) {
        open = false;
        closeHandler?.(null);
        scope.close();
      }
      return Promise.resolve();
    },
  };
}
