// A stand-in for a Web Worker in Node tests: the page holds one end of a MessageChannel, and `serve` (e.g.
// serveActorInWebWorker or serveTrainerInWebWorker) gets the other as its worker scope, in this thread. So the
// page side and the worker side run the code a page runs, structured clone and transfer lists included.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { WebWorkerLike, WebWorkerScopeLike } from '../../src/browser.js';

/** Sets a port's onmessage (Node's MessagePort has it; @types/node declares listeners only). */
function listen(port: MessagePort, handler: ((e: { data: unknown }) => void) | null): void {
  (port as unknown as { onmessage: typeof handler }).onmessage = handler;
}

/**
 * A fake Web Worker whose "worker module" is `serve(scope)`.
 *
 * @param serve - called at once with the worker's scope.
 * @returns the page's handle; `terminated` says whether `terminate()` was called.
 */
export function messageChannelWorker(serve: (scope: WebWorkerScopeLike) => void): WebWorkerLike & { terminated: boolean } {
  const { port1, port2 } = new MessageChannel();
  const scope = {
    postMessage: (m: unknown, t: ArrayBuffer[]) => { port1.postMessage(m, t); },
    set onmessage(h: ((e: { data: unknown }) => void) | null) { listen(port1, h); },
    get onmessage() { return null; },
    close: () => { port1.close(); },
  } satisfies WebWorkerScopeLike;
  serve(scope);
  const worker = {
    terminated: false,
    onerror: null,
    onmessageerror: null,
    postMessage: (m: unknown, t: ArrayBuffer[]) => { port2.postMessage(m, t); },
    set onmessage(h: ((e: { data: unknown }) => void) | null) { listen(port2, h); },
    get onmessage() { return null; },
    terminate: () => {
      worker.terminated = true;
      port1.close();
      port2.close();
    },
  };
  return worker;
}
