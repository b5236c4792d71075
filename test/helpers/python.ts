// Finds a Python for the bridge tests: $IMPALA_RL_PYTHON, bench/.venv/bin/python, then python3; the first that
// imports the modules asked for. Tests that need it skip with the returned reason when there is none.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The Python found, or why none was. */
export interface FoundPython {
  readonly python: string | undefined;
  /** False when found, else a skip message. */
  readonly skip: string | false;
}

/** The first candidate Python that imports every module in `modules`. */
export function findPython(modules: readonly string[]): FoundPython {
  const venv = fileURLToPath(new URL('../../bench/.venv/bin/python', import.meta.url));
  const candidates = [process.env.IMPALA_RL_PYTHON, existsSync(venv) ? venv : undefined, 'python3'].filter((p): p is string => p !== undefined && p !== '');
  for (const p of candidates) {
    if (spawnSync(p, ['-c', `import ${['sys', ...modules].join(', ')}`], { stdio: 'ignore' }).status === 0) return { python: p, skip: false };
  }
  return {
    python: undefined,
    skip: `no Python with ${modules.join(', ')} found (set IMPALA_RL_PYTHON, or \`python3 -m venv bench/.venv && bench/.venv/bin/pip install gymnasium ale-py numpy\`)`,
  };
}
