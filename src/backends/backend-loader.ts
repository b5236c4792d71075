/** How `useBackend` imports the optional backend packages (injectable, for tests). */
import type { BackendPackageName } from './backend-names.js';

/**
 * The exports of an imported backend package, as a plain object.
 * @category Backends
 */
export type BackendModule = Readonly<Record<string, unknown>>;

/**
 * Imports backend packages for `useBackend`. Replace it in tests to simulate installed, missing or
 * broken packages without installing them.
 * @category Backends
 */
export interface BackendLoader {
  /**
   * Imports a backend package (which registers its backend with `@tensorflow/tfjs-core`).
   * @param packageName - the npm package.
   * @returns its exports, or `undefined` when the package is not installed.
   * @throws when the package is installed but fails to load (e.g. a native addon that is not built).
   */
  load(packageName: BackendPackageName): Promise<BackendModule | undefined>;
}

/**
 * True when `error` says that `packageName` itself (not something it imports) cannot be found.
 * @category Backends
 */
export function isMissingPackageError(error: unknown, packageName: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  // Node: "Cannot find package '<name>' imported from …" (ESM) or "Cannot find module '<name>'" (CJS).
  return error.message.includes(`'${packageName}'`);
}

/** The exports of an imported module: CommonJS packages (all tfjs backends) come as `default`. */
function exportsOf(namespace: unknown): BackendModule {
  const ns = namespace as Record<string, unknown>;
  const def = ns.default;
  return typeof def === 'object' && def !== null ? { ...ns, ...(def as Record<string, unknown>) } : ns;
}

/**
 * The default {@link BackendLoader}: a dynamic `import()` of the package.
 * @category Backends
 */
export const defaultBackendLoader: BackendLoader = Object.freeze({
  async load(packageName: BackendPackageName): Promise<BackendModule | undefined> {
    try {
      const namespace: unknown = await import(packageName);
      return exportsOf(namespace);
    } catch (error) {
      if (isMissingPackageError(error, packageName)) return undefined;
      throw error;
    }
  },
});
