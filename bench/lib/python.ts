/** Finds a Python interpreter that can import the given modules (for side-by-side benchmarks). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Returns the first of `$IMPALA_BENCH_PYTHON`, `bench/.venv/bin/python`, `python3` that imports every
 * module in `modules`, or null (with the reason) when none does.
 */
export function findPython(modules: readonly string[], benchDir: string): { python: string | null; reason: string } {
  const candidates = [process.env.IMPALA_BENCH_PYTHON, join(benchDir, '.venv', 'bin', 'python'), 'python3'].filter(
    (p): p is string => p !== undefined && p !== '' && (p === 'python3' || existsSync(p)),
  );
  let reason = 'no python3 found';
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
    if (r.status === 0) return { python, reason: '' };
    const message = r.stderr !== '' ? r.stderr : (r.error?.message ?? 'failed');
    reason = `${python}: ${message.trim().split('\n').pop() ?? ''}`;
  }
  return { python: null, reason };
}
