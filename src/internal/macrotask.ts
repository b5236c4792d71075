/**
 * A portable `setImmediate`: the next macrotask, in Node (where it is `setImmediate`, unchanged) and in browsers
 * (which have no `setImmediate`; a message on a fresh `MessageChannel`, which unlike `setTimeout(0)` is not
 * clamped to 4 ms).
 */

/**
 * A scheduled macrotask.
 * @category Errors
 */
export interface MacrotaskHandle {
  /** Cancels it, if it has not run. */
  cancel(): void;
}

interface ImmediateGlobals {
  readonly setImmediate?: (callback: () => void) => unknown;
  readonly clearImmediate?: (handle: unknown) => void;
}

/**
 * Runs `callback` in a later macrotask (after pending I/O callbacks in Node; after rendering and input in a page).
 *
 * @param callback - what to run.
 * @returns a handle that cancels it.
 * @category Errors
 */
export function scheduleMacrotask(callback: () => void): MacrotaskHandle {
  const g = globalThis as ImmediateGlobals;
  if (typeof g.setImmediate === 'function' && typeof g.clearImmediate === 'function') {
    const handle = g.setImmediate(callback);
    const clear = g.clearImmediate;
    return { cancel: () => { clear(handle); } };
  }
  let cancelled = false;
  const channel = new MessageChannel();
  // Typed through a cast: @types/node's MessagePort declares listeners only; browsers (and Node) have onmessage.
  (channel.port1 as unknown as { onmessage: (() => void) | null }).onmessage = () => {
    channel.port1.close();
    if (!cancelled) callback();
  };
  channel.port2.postMessage(null);
  return { cancel: () => { cancelled = true; } };
}

/**
 * Resolves in a later macrotask ({@link scheduleMacrotask}): gives the event loop a turn, so that messages,
 * timers, rendering and input (in a page) run before the caller goes on.
 *
 * @returns a promise that resolves then.
 * @category Errors
 */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => {
    scheduleMacrotask(resolve);
  });
}
