/**
 * `impala-rl` as a subprocess for the CLI tests (`node --import tsx src/cli/main.ts ...`), its output collected as
 * it comes, and a bounded wait on what it printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root = fileURLToPath(new URL('../..', import.meta.url));

/** A running CLI process. */
export interface Run {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `impala-rl <args>` from the sources.
 *
 * @param args - the command line after `impala-rl`.
 * @param env - extra environment variables.
 * @param imports - modules to `--import` first (e.g. fixtures that register envs).
 * @param wrapper - a command that runs node, e.g. `['ip', 'netns', 'exec', ns]` (it must exec node in place, so
 *   that signals sent to the child reach node).
 */
export function cli(args: readonly string[], env: Record<string, string> = {}, imports: readonly string[] = [], wrapper: readonly string[] = []): Run {
  const node = [process.execPath, '--import', 'tsx', ...imports.flatMap((m) => ['--import', m]), join(root, 'src/cli/main.ts'), ...args];
  const command = [...wrapper, ...node];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: root,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = {
    child,
    stdout: '',
    stderr: '',
    done: new Promise((resolve) => child.on('exit', (code, signal) => { resolve({ code, signal }); })),
  };
  child.stdout.setEncoding('utf8').on('data', (s: string) => { run.stdout += s; });
  child.stderr.setEncoding('utf8').on('data', (s: string) => { run.stderr += s; });
  return run;
}

/** Resolves once `predicate` holds (polled every `pollMs`); fails after `timeoutMs` or when the process exits first. */
export async function waitFor(what: string, predicate: () => boolean, run: Run, timeoutMs = 60_000, pollMs = 50): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (run.child.exitCode !== null) throw new Error(`${what}: the process exited first (${run.child.exitCode}):\n${run.stderr}`);
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not seen within ${timeoutMs} ms:\n${run.stderr}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Every file under `dir` with its size and modification time: what "nothing changed on disk" compares. */
export function snapshotFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else out.push(`${p} ${s.size} ${s.mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}
