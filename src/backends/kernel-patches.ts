/**
 * Replacing kernels in tfjs's registry and putting the stock ones back: the mechanism behind
 * `registerWasmTrainingKernels` and `registerCpuMatMulKernels`. Each replacement config carries a tag
 * (a `Symbol.for` key, so that two copies of impala-rl agree) holding the stock config it replaced.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';

/**
 * The kernel registered for `name` on `backend`, or undefined.
 * @category Backends
 */
export function registeredKernel(name: string, backend: string): KernelConfig | undefined {
  // tfjs types getKernel as non-null but returns undefined for unregistered kernels.
  const config: KernelConfig | undefined = tf.getKernel(name, backend);
  return config;
}

/** What a patch's tag holds: the kernel it replaced, if there was one. */
interface PatchRecord {
  readonly stock: KernelConfig | undefined;
}

function patchRecord(config: KernelConfig | undefined, tag: symbol): PatchRecord | undefined {
  return config === undefined ? undefined : (config as unknown as Record<symbol, PatchRecord | undefined>)[tag];
}

/**
 * Registers `makeConfig(name, stock)` for each of `names` on `backend` in place of the current kernel
 * (or as a new one where there is none), tagged with `tag`. Kernels already carrying the tag are left
 * alone.
 * @returns the names replaced or added by this call.
 * @category Backends
 */
export function patchKernels<Name extends string>(
  backend: string,
  tag: symbol,
  names: readonly Name[],
  makeConfig: (name: Name, stock: KernelConfig | undefined) => KernelConfig,
): Name[] {
  const added: Name[] = [];
  for (const name of names) {
    const current = registeredKernel(name, backend);
    if (patchRecord(current, tag) !== undefined) continue;
    const record: PatchRecord = { stock: current };
    const config = Object.assign(makeConfig(name, current), { [tag]: record });
    if (current !== undefined) tf.unregisterKernel(name, backend);
    tf.registerKernel(config);
    added.push(name);
  }
  return added;
}

/**
 * Undoes {@link patchKernels}: for each of `names` whose kernel carries `tag`, removes it and
 * registers the stock kernel it replaced (if any).
 * @returns the names restored or removed.
 * @category Backends
 */
export function restoreKernels<Name extends string>(backend: string, tag: symbol, names: readonly Name[]): Name[] {
  const removed: Name[] = [];
  for (const name of names) {
    const record = patchRecord(registeredKernel(name, backend), tag);
    if (record === undefined) continue;
    tf.unregisterKernel(name, backend);
    if (record.stock !== undefined) tf.registerKernel(record.stock);
    removed.push(name);
  }
  return removed;
}
