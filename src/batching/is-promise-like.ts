/**
 * Whether `value` is a thenable (a promise or promise-like object). Internal to the batching module.
 *
 * @internal
 */
export function isPromiseLike<T>(value: unknown): value is PromiseLike<T> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
