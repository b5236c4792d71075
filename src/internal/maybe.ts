/**
 * Helpers for values that may or may not be promises (`MaybePromise<T>`).
 *
 * Envs may answer synchronously (built-in envs) or asynchronously (an env in another process). Wrappers and the
 * vectorised env keep a synchronous env synchronous: they only go through a promise when the env gave them one, so
 * stepping a built-in env never pays for a microtask.
 */
/**
 * A value or a promise of it. Every `Env` method may answer either way; `await` works on both.
 * @category Errors
 */
export type MaybePromise<T> = T | Promise<T>;

/**
 * True when `value` is a promise-like: an object or function with a callable `then` (the one such test of the
 * package: env results, batch functions and user callbacks all go through it).
 * @category Errors
 */
export function isPromiseLike<T>(value: MaybePromise<T>): value is Promise<T>;
export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T>;
export function isPromiseLike(value: unknown): boolean {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Applies `fn` to `value` now if it is a plain value, or after it settles if it is a promise.
 * @category Errors
 */
export function mapMaybe<T, U>(value: MaybePromise<T>, fn: (resolved: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromiseLike(value) ? value.then(fn) : fn(value);
}

/**
 * Like `Promise.all`, but returns a plain array when no element is a promise.
 * @category Errors
 */
export function allMaybe<T>(values: readonly MaybePromise<T>[]): MaybePromise<T[]> {
  return values.some((v) => isPromiseLike(v)) ? Promise.all(values) : (values as T[]);
}

/**
 * Runs `fn(0) … fn(n-1)` one after the other, each waiting for the previous when it returned a promise.
 * Returns a plain value when every call was synchronous.
 * @category Errors
 */
export function sequenceMaybe<T>(n: number, fn: (i: number) => MaybePromise<T>): MaybePromise<T[]> {
  const out: T[] = [];
  const run = (i: number): MaybePromise<T[]> => {
    for (; i < n; i++) {
      const r = fn(i);
      if (isPromiseLike(r)) {
        const next = i + 1;
        return r.then((v) => {
          out.push(v);
          return run(next);
        });
      }
      out.push(r);
    }
    return out;
  };
  return run(0);
}
