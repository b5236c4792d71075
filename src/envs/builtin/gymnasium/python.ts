/**
 * Where the bridge's Python side lives and which Python runs it.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The file name of the shipped Python module (in the package's `python/` folder).
 * @category Environments
 */
export const BRIDGE_MODULE = 'impala_rl_gym_bridge.py';

/**
 * The Python packages the bridge needs, as one `pip install` argument list.
 * @category Environments
 */
export const BRIDGE_PACKAGES = 'gymnasium ale-py numpy';

/**
 * The Python executable the bridge runs when none is given.
 *
 * @returns `process.env.IMPALA_RL_PYTHON`, else `'python3'`.
 * @category Environments
 */
export function defaultPython(): string {
  const fromEnv = process.env.IMPALA_RL_PYTHON;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : 'python3';
}

/**
 * The command that installs the bridge's packages into a Python.
 *
 * @param python - the Python executable.
 * @returns e.g. `python3 -m pip install gymnasium ale-py numpy`.
 * @category Environments
 */
export function pipInstallLine(python: string): string {
  return `${python} -m pip install ${BRIDGE_PACKAGES}`;
}

let located: string | undefined;

/**
 * The path of the shipped Python module: `python/impala_rl_gym_bridge.py` at the package root, found by
 * walking up from this module (it sits in `dist/` when built, in `src/envs/builtin/gymnasium/` in the sources).
 *
 * @returns an absolute path.
 * @throws when the file cannot be found (a broken installation).
 * @category Environments
 */
export function bridgeModulePath(): string {
  if (located !== undefined) return located;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'python', BRIDGE_MODULE);
    if (existsSync(candidate)) {
      located = candidate;
      return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`impala-rl: python/${BRIDGE_MODULE} not found above ${fileURLToPath(import.meta.url)} (is the package installed completely?)`);
}
