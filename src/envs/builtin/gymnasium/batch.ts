/**
 * The Gymnasium bridge: one Python process (`python/impala_rl_gym_bridge.py`) holds a batch of Gymnasium envs;
 * each appears here as a {@link GymnasiumEnv}. Calls made in the same tick (an actor stepping all its envs
 * with `Promise.all`) travel as one binary message and come back as one, so N envs cost one round trip (one
 * write and one wake-up each way). Large observations (Atari frames) come through a shared-memory file.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Space } from '../../contract/spaces.js';
import type { Env, EnvSpec, ResetArgs, ResetResult, StepResult } from '../../contract/types.js';
import type { AtariOptions } from './atari-options.js';
import {
  FrameReader,
  PROTOCOL_VERSION,
  REPLY_BATCH,
  REPLY_ERROR,
  REPLY_HELLO,
  buildSpace,
  decodeBatch,
  encodeClose,
  encodeReset,
  encodeStep,
  observationReader,
  type BatchReply,
  type ErrorReply,
  type Hello,
  type SharedReader,
} from './protocol.js';
import { bridgeModulePath, defaultPython, pipInstallLine } from './python.js';

/**
 * Options of {@link GymnasiumBatch.make} and {@link GymnasiumEnv.make}.
 * @category Environments
 */
export interface GymnasiumEnvOptions {
  /**
   * The Python executable (it must be able to `import gymnasium`, and `ale_py` for Atari).
   *
   * @defaultValue `process.env.IMPALA_RL_PYTHON`, else `'python3'`
   */
  python?: string;
  /**
   * Keyword arguments for `gymnasium.make(id, **kwargs)` (JSON-serialisable), e.g. `{ max_episode_steps: 100 }`.
   *
   * @defaultValue `{}`
   */
  kwargs?: Record<string, unknown>;
  /**
   * The Atari preprocessing of the IMPALA paper (ALE ids only): no-op starts, frame skip with max-pooling,
   * resize, grayscale, frame stack, episodic life, sticky actions, episode frame limit. `null` or omitted: the
   * raw ALE env. See {@link AtariOptions} (an empty object gives the paper's settings).
   *
   * @defaultValue null
   */
  atari?: AtariOptions | null;
  /**
   * Whether `step` returns Gymnasium's info (JSON-encoded by Python: it costs time on every step). Without it
   * `step` returns an empty info; `reset` always returns the info.
   *
   * @defaultValue false
   */
  info?: boolean;
  /**
   * Whether observations travel through a shared-memory file (in `/dev/shm` where it exists, else the temporary
   * directory; unlinked as soon as both processes have it open) instead of the pipe: Python writes each env's
   * observation into the file (Atari frames are assembled there directly) and Node reads the observations of a
   * reply with one `read`, instead of a pipe carrying them in 64 KiB pieces that Node copies together. `'auto'`:
   * for observations of 4 KiB or more (Atari frames, not CartPole's 16 bytes), except on Windows.
   *
   * @defaultValue 'auto'
   */
  sharedMemory?: boolean | 'auto';
  /**
   * Replies per step request of many envs: a step of k ≥ 2 × `replyParts` envs is answered in `replyParts`
   * replies, each for the next consecutive run of the envs, so that Node takes in the first envs' results while
   * Python steps the others (one more write and process wake-up per request). 1: one reply per request.
   *
   * @defaultValue 2
   */
  replyParts?: number;
  /**
   * How long to wait for the subprocess to start and describe its spaces.
   *
   * @defaultValue 60000
   */
  startTimeoutMs?: number;
}

/**
 * Options of {@link GymnasiumBatch.make}.
 * @category Environments
 */
export interface GymnasiumBatchOptions extends GymnasiumEnvOptions {
  /**
   * Envs in the process.
   *
   * @defaultValue 1
   */
  numEnvs?: number;
}

interface StepOp {
  readonly kind: 'step';
  readonly index: number;
  readonly action: unknown;
  readonly resolve: (r: StepResult<unknown>) => void;
  readonly reject: (e: Error) => void;
}

interface ResetOp {
  readonly kind: 'reset';
  readonly index: number;
  readonly seed: number | null;
  readonly options: string;
  readonly resolve: (r: ResetResult<unknown>) => void;
  readonly reject: (e: Error) => void;
}

type Op = StepOp | ResetOp;

/** Bytes from which `sharedMemory: 'auto'` uses the shared-memory file. */
const SHARED_MIN_BYTES = 4096;

interface Waiter {
  /** Takes a reply; true when the request is fully answered (a request may be answered in several replies). */
  readonly onPayload: (payload: Buffer) => boolean;
  readonly onError: (error: Error) => void;
}

/**
 * N Gymnasium envs in one Python subprocess, spoken to over a binary pipe protocol. Use {@link GymnasiumBatch.envs}
 * as ordinary (asynchronous) envs: steps and resets issued in the same tick are sent together, as one request
 * answered by one reply.
 *
 * @example
 * ```ts
 * const batch = await GymnasiumBatch.make('ALE/Pong-v5', { numEnvs: 8, atari: {} });
 * const results = await Promise.all(batch.envs.map((env, i) => env.reset({ seed: i })));
 * await batch.close();
 * ```
 * @category Environments
 */
export class GymnasiumBatch {
  /** The envs, each an `Env` of its own. */
  readonly envs: readonly GymnasiumEnv[];
  /** The observation space of one env. */
  readonly observationSpace: Space<unknown>;
  /** The action space of one env. */
  readonly actionSpace: Space<unknown>;
  /** Id, time limit and reward threshold. */
  readonly spec: EnvSpec;
  /** Versions of Python, Gymnasium, NumPy and (when loaded) ale-py in the subprocess. */
  readonly versions: Readonly<Record<string, string>>;
  /** The Python executable. */
  readonly python: string;
  /** Whether observations come through the shared-memory file (see {@link GymnasiumEnvOptions.sharedMemory}). */
  readonly sharedMemory: boolean;
  readonly #child: ChildProcess;
  readonly #hello: Hello;
  readonly #read: (buf: Buffer, offset: number) => unknown;
  readonly #wantInfo: boolean;
  readonly #waiters: Waiter[] = [];
  #queued: Op[] = [];
  #scheduled = false;
  #stderr: string;
  #exited: Error | undefined;
  #closing: Promise<void> | undefined;
  readonly #open: Set<number>;
  #sharedFd: number | undefined;
  #sharedLeft: string | undefined;
  readonly #shared: SharedReader | undefined;

  private constructor(child: ChildProcess, hello: Hello, python: string, options: GymnasiumBatchOptions, stderr: string, sharedFd: number | undefined) {
    this.#child = child;
    this.#sharedFd = sharedFd;
    this.sharedMemory = sharedFd !== undefined;
    if (sharedFd !== undefined) {
      this.#shared = (dst, offset, length, position) => {
        const fd = this.#sharedFd;
        if (fd === undefined) throw new Error('the shared-memory file is closed');
        const n = readSync(fd, dst, offset, length, position);
        if (n !== length) throw new Error(`short read of the shared-memory file (${n} of ${length} bytes at ${position})`);
      };
    }
    this.#hello = hello;
    this.#stderr = stderr;
    this.python = python;
    this.observationSpace = buildSpace(hello.observationSpace);
    this.actionSpace = buildSpace(hello.actionSpace);
    this.spec = { ...hello.spec };
    this.versions = hello.versions;
    this.#read = observationReader(hello.observationSpace);
    this.#wantInfo = options.info === true;
    this.envs = Array.from({ length: hello.numEnvs }, (_, i) => new GymnasiumEnv(this, i));
    this.#open = new Set(this.envs.map((_, i) => i));
  }

  /** The Python process's id (undefined if it failed to start). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Envs in the process. */
  get numEnvs(): number {
    return this.envs.length;
  }

  /**
   * Starts a Python subprocess holding `numEnvs` envs made by `gymnasium.make(id, **kwargs)` (with the Atari
   * preprocessing when `atari` is given).
   *
   * @param id - a Gymnasium id, e.g. `'CartPole-v1'` or `'ALE/Pong-v5'` (ALE ids need `ale-py`).
   * @param options - Python executable, number of envs, `gymnasium.make` keyword arguments, Atari options.
   * @returns the batch, once the subprocess has described its spaces.
   * @throws an error naming the exact `pip install` line when Python lacks a package, or cannot be started.
   */
  static async make(id: string, options: GymnasiumBatchOptions = {}): Promise<GymnasiumBatch> {
    const numEnvs = options.numEnvs ?? 1;
    if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new RangeError(`GymnasiumBatch.make('${id}'): numEnvs must be an integer >= 1, got ${numEnvs}`);
    const { spawn } = await import('node:child_process');
    const python = options.python ?? defaultPython();
    const sharedOption = options.sharedMemory ?? 'auto';
    const sharedPath =
      sharedOption === false || (sharedOption === 'auto' && process.platform === 'win32')
        ? null
        : join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), `impala-rl-gym-${process.pid}-${randomBytes(8).toString('hex')}`);
    const shm = sharedPath === null ? null : { path: sharedPath, minBytes: sharedOption === true ? 0 : SHARED_MIN_BYTES };
    const replyParts = options.replyParts ?? 2;
    if (!Number.isInteger(replyParts) || replyParts < 1) throw new RangeError(`GymnasiumBatch.make('${id}'): replyParts must be an integer >= 1, got ${replyParts}`);
    const config = { id, numEnvs, kwargs: options.kwargs ?? {}, atari: options.atari ?? null, shm, replyParts };
    const removeShared = (): void => {
      if (sharedPath !== null) rmSync(sharedPath, { force: true });
    };
    const child = spawn(python, [bridgeModulePath(), JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    const onStderr = (chunk: Buffer): void => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    };
    child.stderr.on('data', onStderr);
    const reader = new FrameReader();
    const timeoutMs = options.startTimeoutMs ?? 60000;
    const where = `GymnasiumEnv.make('${id}')`;
    const hello = await new Promise<Hello>((resolve, reject) => {
      const fail = (why: string, withStderr = true): void => {
        clearTimeout(timer);
        removeShared();
        child.stdout.removeAllListeners('data');
        child.kill();
        reject(new Error(`${where}: ${why}${!withStderr || stderr.trim() === '' ? '' : `\n${stderr.trim()}`}`));
      };
      const timer = setTimeout(() => {
        fail(`no answer from ${python} within ${timeoutMs} ms`);
      }, timeoutMs);
      child.once('error', (error) => {
        fail(`could not start ${python}: ${error.message}. The Gymnasium bridge needs Python 3 with its packages: ${pipInstallLine(python)} (or set IMPALA_RL_PYTHON to a Python that has them)`);
      });
      child.once('exit', (code) => {
        // Let a last error message on stdout land first.
        setImmediate(() => {
          fail(`${python} exited with code ${String(code)} before describing the env`);
        });
      });
      child.stdout.on('data', (chunk: Buffer) => {
        reader.push(chunk, (payload) => {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          child.removeAllListeners('error');
          child.stdout.removeAllListeners('data');
          const kind = payload[0];
          const text = payload.toString('utf8', 1);
          if (kind === REPLY_ERROR) {
            const e = JSON.parse(text) as ErrorReply;
            fail(e.error, e.missing === null);
          } else if (kind !== REPLY_HELLO) {
            fail(`unexpected first message of kind ${String(kind)}`);
          } else {
            const h = JSON.parse(text) as Hello;
            if (h.protocol !== PROTOCOL_VERSION) fail(`protocol ${h.protocol} from Python, ${PROTOCOL_VERSION} expected`);
            else resolve(h);
          }
        });
      });
    });
    let sharedFd: number | undefined;
    let sharedLeft: string | undefined;
    if (hello.sharedMemory) {
      try {
        sharedFd = openSync(sharedPath!, 'r');
      } catch (error) {
        child.kill();
        removeShared();
        throw new Error(`${where}: could not open the shared-memory file ${String(sharedPath)}: ${(error as Error).message}`);
      }
      // Both sides hold it now: unlinked, it disappears with them, whatever way they end (where an open file
      // cannot be unlinked, as on Windows, it is removed at close).
      try {
        unlinkSync(sharedPath!);
      } catch {
        sharedLeft = sharedPath!;
      }
    } else {
      removeShared();
    }
    const batch = new GymnasiumBatch(child, hello, python, options, stderr, sharedFd);
    batch.#sharedLeft = sharedLeft;
    child.stderr.off('data', onStderr);
    child.stderr.on('data', (chunk: Buffer) => {
      batch.#stderr = (batch.#stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.stdout.on('data', (chunk: Buffer) => {
      reader.push(chunk, (payload) => {
        batch.#onPayload(payload);
      });
    });
    child.on('exit', (code, signal) => {
      batch.#onExit(code, signal);
    });
    child.on('error', (error) => {
      batch.#onExit(null, error.message);
    });
    return batch;
  }

  #onPayload(payload: Buffer): void {
    const waiter = this.#waiters.shift();
    if (waiter === undefined) return;
    if (payload[0] === REPLY_ERROR) {
      const e = JSON.parse(payload.toString('utf8', 1)) as ErrorReply;
      waiter.onError(new Error(`GymnasiumEnv (${this.spec.id}): ${e.error}`));
    } else if (!waiter.onPayload(payload)) {
      this.#waiters.unshift(waiter);
    }
  }

  #closeShared(): void {
    if (this.#sharedFd !== undefined) closeSync(this.#sharedFd);
    this.#sharedFd = undefined;
    if (this.#sharedLeft !== undefined) {
      try {
        rmSync(this.#sharedLeft, { force: true });
      } catch {
        // still mapped by a Python that has not exited yet: nothing more to do from here
      }
      this.#sharedLeft = undefined;
    }
  }

  #onExit(code: number | null, signal: string | null): void {
    this.#closeShared();
    this.#exited ??= new Error(
      `GymnasiumEnv (${this.spec.id}): the Python process exited (code ${String(code)}, signal ${String(signal)})` +
        (this.#stderr.trim() === '' ? '' : `\n${this.#stderr.trim()}`),
    );
    for (const w of this.#waiters.splice(0)) w.onError(this.#exited);
    for (const op of this.#queued.splice(0)) op.reject(this.#exited);
  }

  /** Queues an operation; everything queued in one tick is sent at the end of it. */
  #enqueue(op: Op): void {
    if (this.#exited !== undefined) {
      op.reject(this.#exited);
      return;
    }
    this.#queued.push(op);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#flush();
      });
    }
  }

  #flush(): void {
    this.#scheduled = false;
    const ops = this.#queued;
    this.#queued = [];
    let start = 0;
    while (start < ops.length) {
      const first = ops[start]!;
      const seen = new Set<number>([first.index]);
      let end = start + 1;
      while (end < ops.length) {
        const op = ops[end]!;
        if (op.kind !== first.kind || seen.has(op.index)) break;
        if (op.kind === 'reset' && op.options !== (first as ResetOp).options) break;
        seen.add(op.index);
        end++;
      }
      const group = ops.slice(start, end);
      if (first.kind === 'step') this.#sendSteps(group as StepOp[]);
      else this.#sendResets(group as ResetOp[]);
      start = end;
    }
  }

  /**
   * Writes a request naming `ops.length` envs; its replies (one, or several covering consecutive runs of the envs)
   * settle them in order.
   */
  #send<O extends Op>(message: Buffer, ops: readonly O[], settle: (op: O, reply: BatchReply, j: number) => void): void {
    let settled = 0;
    const rejectRest = (error: Error): void => {
      for (let j = settled; j < ops.length; j++) ops[j]!.reject(error);
      settled = ops.length;
    };
    this.#waiters.push({
      onPayload: (payload) => {
        const where = `GymnasiumEnv (${this.spec.id})`;
        if (payload[0] !== REPLY_BATCH) {
          rejectRest(new Error(`${where}: unexpected reply of kind ${String(payload[0])}`));
          return true;
        }
        let reply: BatchReply;
        try {
          reply = decodeBatch(payload, this.#hello.obsStride, this.#read, this.#shared);
        } catch (error) {
          rejectRest(new Error(`${where}: ${(error as Error).message}`));
          return true;
        }
        const k = reply.indices.length;
        if (k === 0 || settled + k > ops.length) {
          rejectRest(new Error(`${where}: a reply for ${k} envs where ${ops.length - settled} were expected`));
          return true;
        }
        for (let j = 0; j < k; j++) {
          const op = ops[settled + j]!;
          if (reply.indices[j] !== op.index) op.reject(new Error(`${where}: reply ${j} is for env ${String(reply.indices[j])}, not ${op.index}`));
          else if ((reply.flags[j]! & 4) !== 0) op.reject(new Error(`${where}: ${reply.errors?.[j] ?? 'failed'}`));
          else settle(op, reply, j);
        }
        settled += k;
        return settled === ops.length;
      },
      onError: rejectRest,
    });
    this.#child.stdin?.write(message);
  }

  #sendSteps(ops: readonly StepOp[]): void {
    let message: Buffer;
    try {
      message = encodeStep(
        ops.map((o) => o.index),
        ops.map((o) => o.action),
        this.#hello.actionSize,
        this.#wantInfo,
      );
    } catch (error) {
      for (const op of ops) op.reject(new Error(`GymnasiumEnv (${this.spec.id}): ${(error as Error).message}`));
      return;
    }
    this.#send(message, ops, (op, reply, j) => {
      const flags = reply.flags[j]!;
      op.resolve({
        observation: reply.observation(j),
        reward: reply.rewards[j]!,
        terminated: (flags & 1) !== 0,
        truncated: (flags & 2) !== 0,
        info: reply.infos?.[j] ?? {},
      });
    });
  }

  #sendResets(ops: readonly ResetOp[]): void {
    const seeds = ops.some((o) => o.seed !== null) ? ops.map((o) => o.seed) : null;
    const options = JSON.parse(ops[0]!.options) as Record<string, unknown> | null;
    this.#send(encodeReset(ops.map((o) => o.index), seeds, options), ops, (op, reply, j) => {
      op.resolve({ observation: reply.observation(j), info: reply.infos?.[j] ?? {} });
    });
  }

  /** @internal Steps env `index` (batched with the other calls of this tick). */
  stepOne(index: number, action: unknown): Promise<StepResult<unknown>> {
    return new Promise((resolve, reject) => {
      this.#enqueue({ kind: 'step', index, action, resolve, reject });
    });
  }

  /** @internal Resets env `index` (batched with the other resets of this tick). */
  resetOne(index: number, args: ResetArgs): Promise<ResetResult<unknown>> {
    return new Promise((resolve, reject) => {
      this.#enqueue({ kind: 'reset', index, seed: args.seed ?? null, options: JSON.stringify(args.options ?? null), resolve, reject });
    });
  }

  /** @internal Closes env `index`: the process ends when every env of the batch is closed. */
  closeOne(index: number): Promise<void> {
    this.#open.delete(index);
    return this.#open.size === 0 ? this.close() : Promise.resolve();
  }

  /**
   * Closes every env and ends the subprocess. Calling it again returns the same promise.
   *
   * @returns a promise that settles when the subprocess has exited.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#open.clear();
      if (this.#exited !== undefined) {
        this.#closeShared();
        return;
      }
      const child = this.#child;
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('exit', () => {
          resolve();
        });
      });
      // Anything queued goes first; then the close request, answered in order.
      this.#flush();
      const closed = new Promise<void>((resolve) => {
        this.#waiters.push({ onPayload: () => { resolve(); return true; }, onError: () => { resolve(); } });
      });
      child.stdin?.write(encodeClose());
      const timer = setTimeout(() => child.kill(), 2000);
      await closed;
      child.stdin?.end();
      await exited;
      clearTimeout(timer);
      this.#closeShared();
    })();
    return this.#closing;
  }
}

/**
 * A Gymnasium env running in a Python subprocess (alone, or one of a {@link GymnasiumBatch}). Every method
 * answers with a promise. Supports `Discrete`, `MultiDiscrete` (1-D) and `Box` spaces; Box dtypes other than
 * float32/float64/int32/uint8 are converted (other floats to float32, bool to uint8, other ints to int32).
 *
 * Observations of a `Box` space arrive as typed arrays, `Discrete` ones as numbers, `MultiDiscrete` ones as
 * `Int32Array`s. Actions go the other way (`Box` actions as typed arrays or number arrays). The env's time limit
 * is Gymnasium's own (`gymnasium.make` adds its `TimeLimit`), reported in `spec`.
 *
 * @example
 * ```ts
 * const env = await GymnasiumEnv.make('CartPole-v1');
 * const { observation } = await env.reset({ seed: 0 });
 * const step = await env.step(1);
 * await env.close();
 * ```
 * @category Environments
 */
export class GymnasiumEnv implements Env {
  /** The batch this env belongs to. */
  readonly batch: GymnasiumBatch;
  /** The env's index in its batch. */
  readonly index: number;
  #started = false;
  #closing: Promise<void> | undefined;

  /** @internal Made by {@link GymnasiumBatch}. */
  constructor(batch: GymnasiumBatch, index: number) {
    this.batch = batch;
    this.index = index;
  }

  /**
   * Starts a Python subprocess running `gymnasium.make(id, **kwargs)` (one env; use {@link GymnasiumBatch.make}
   * for several in one process).
   *
   * @param id - a Gymnasium env id, e.g. `'CartPole-v1'`, `'LunarLander-v3'` or `'ALE/Pong-v5'`.
   * @param options - the Python executable, `gymnasium.make` keyword arguments, Atari options, start timeout.
   * @returns the env, once the subprocess has described its spaces.
   */
  static async make(id: string, options: GymnasiumEnvOptions = {}): Promise<GymnasiumEnv> {
    const batch = await GymnasiumBatch.make(id, { ...options, numEnvs: 1 });
    return batch.envs[0]!;
  }

  /** The observation space, translated from Gymnasium's. */
  get observationSpace(): Space<unknown> {
    return this.batch.observationSpace;
  }

  /** The action space, translated from Gymnasium's. */
  get actionSpace(): Space<unknown> {
    return this.batch.actionSpace;
  }

  /** Id, time limit and reward threshold from the Gymnasium spec. */
  get spec(): EnvSpec {
    return this.batch.spec;
  }

  /** The Gymnasium version the subprocess runs. */
  get gymnasiumVersion(): string {
    return this.batch.versions.gymnasium ?? 'unknown';
  }

  /**
   * Resets the Python env.
   *
   * @param args - `seed` (Gymnasium's own generator is seeded with it) and `options`.
   * @returns the first observation and the info (made JSON-safe).
   */
  async reset(args: ResetArgs = {}): Promise<ResetResult<unknown>> {
    const r = await this.batch.resetOne(this.index, args);
    this.#started = true;
    return { observation: r.observation, info: r.info };
  }

  /**
   * Steps the Python env.
   *
   * @param action - an element of `actionSpace` (a number for `Discrete`, an array or typed array otherwise).
   * @returns observation, reward, `terminated`, `truncated`, info (empty unless the batch was made with `info: true`).
   */
  step(action: unknown): Promise<StepResult<unknown>> {
    if (!this.#started) return Promise.reject(new Error(`GymnasiumEnv (${this.spec.id}): call reset() before step()`));
    return this.batch.stepOne(this.index, action);
  }

  /**
   * Closes this env; the subprocess ends when every env of its batch is closed. Calling it again returns the
   * same promise.
   *
   * @returns a promise that settles when the env is closed.
   */
  close(): Promise<void> {
    this.#closing ??= this.batch.closeOne(this.index);
    return this.#closing;
  }
}
