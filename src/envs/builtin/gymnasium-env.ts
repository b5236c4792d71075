/**
 * A bridge to Python Gymnasium: any Gymnasium env, run in a Python subprocess, as an impala-rl `Env`.
 *
 * Protocol: one JSON object per line each way over the child's stdin/stdout. Requests are
 * `{"cmd": "reset", "seed", "options"}`, `{"cmd": "step", "action"}` and `{"cmd": "close"}`; replies are
 * `{"ok": true, ...}` or `{"ok": false, "error"}`. Box observations travel as base64 of their little-endian bytes
 * with their dtype, so a 72×96×3 frame costs 28 KB of text rather than a JSON array of 20,736 numbers.
 */
import type { ChildProcess } from 'node:child_process';
import { Box, Discrete, MultiDiscrete } from '../contract/spaces.js';
import type { BoxArray, BoxDtype, Space } from '../contract/spaces.js';
import type { Env, EnvSpec, Info, ResetArgs, ResetResult, StepResult } from '../contract/types.js';

/** The Python side: reads requests from stdin, answers on stdout. Passed to `python -c`. */
const SERVER = String.raw`
import sys, json, base64
import numpy as np
import gymnasium as gym

DTYPES = {np.dtype(np.float32): 'float32', np.dtype(np.float64): 'float64', np.dtype(np.int32): 'int32', np.dtype(np.uint8): 'uint8'}

def target_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype in DTYPES:
        return dtype
    if dtype.kind == 'f':
        return np.dtype(np.float32)
    if dtype == np.bool_:
        return np.dtype(np.uint8)
    return np.dtype(np.int32)

def b64(array, dtype):
    return base64.b64encode(np.ascontiguousarray(array, dtype=np.dtype(dtype).newbyteorder('<')).tobytes()).decode('ascii')

def describe(space):
    if isinstance(space, gym.spaces.Discrete):
        return {'kind': 'discrete', 'n': int(space.n), 'start': int(space.start)}
    if isinstance(space, gym.spaces.MultiDiscrete):
        if space.nvec.ndim != 1:
            raise TypeError('MultiDiscrete spaces must be 1-D, got shape %s' % (space.nvec.shape,))
        return {'kind': 'multi-discrete', 'nvec': [int(k) for k in space.nvec]}
    if isinstance(space, gym.spaces.Box):
        dtype = target_dtype(space.dtype)
        return {'kind': 'box', 'shape': list(space.shape), 'dtype': DTYPES[dtype],
                'low': b64(space.low, np.float64), 'high': b64(space.high, np.float64)}
    raise TypeError('unsupported space %r (Discrete, MultiDiscrete and Box are supported)' % (space,))

def encode_obs(space, obs):
    if isinstance(space, gym.spaces.Discrete):
        return int(obs)
    if isinstance(space, gym.spaces.MultiDiscrete):
        return {'dtype': 'int32', 'data': b64(obs, np.int32)}
    dtype = target_dtype(space.dtype)
    return {'dtype': DTYPES[dtype], 'data': b64(obs, dtype)}

def decode_action(space, action):
    if isinstance(space, gym.spaces.Discrete):
        return int(action)
    return np.asarray(action, dtype=space.dtype)

def plain(value, depth=0):
    if depth > 8:
        return repr(value)
    if isinstance(value, dict):
        return {str(k): plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist(), depth + 1)
    if isinstance(value, np.generic):
        return plain(value.item(), depth + 1)
    if isinstance(value, float) and not np.isfinite(value):
        return repr(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)

def send(message):
    sys.stdout.write(json.dumps(message, allow_nan=False) + '\n')
    sys.stdout.flush()

def main():
    env_id = sys.argv[1]
    kwargs = json.loads(sys.argv[2])
    try:
        env = gym.make(env_id, **kwargs)
        spec = {'id': env.spec.id if env.spec is not None else env_id}
        if env.spec is not None and env.spec.max_episode_steps is not None:
            spec['maxEpisodeSteps'] = int(env.spec.max_episode_steps)
        if env.spec is not None and env.spec.reward_threshold is not None:
            spec['rewardThreshold'] = float(env.spec.reward_threshold)
        send({'ok': True, 'observationSpace': describe(env.observation_space),
              'actionSpace': describe(env.action_space), 'spec': spec, 'gymnasium': gym.__version__})
    except Exception as e:
        send({'ok': False, 'error': '%s: %s' % (type(e).__name__, e)})
        return
    for line in sys.stdin:
        try:
            request = json.loads(line)
            cmd = request['cmd']
            if cmd == 'reset':
                obs, info = env.reset(seed=request.get('seed'), options=request.get('options'))
                send({'ok': True, 'observation': encode_obs(env.observation_space, obs), 'info': plain(info)})
            elif cmd == 'step':
                obs, reward, terminated, truncated, info = env.step(decode_action(env.action_space, request['action']))
                send({'ok': True, 'observation': encode_obs(env.observation_space, obs), 'reward': float(reward),
                      'terminated': bool(terminated), 'truncated': bool(truncated), 'info': plain(info)})
            elif cmd == 'close':
                env.close()
                send({'ok': True})
                return
            else:
                send({'ok': False, 'error': 'unknown command %r' % (cmd,)})
        except Exception as e:
            send({'ok': False, 'error': '%s: %s' % (type(e).__name__, e)})

main()
`;

/** Options of {@link GymnasiumEnv.make}. */
export interface GymnasiumEnvOptions {
  /**
   * The Python executable (it must be able to `import gymnasium`).
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
   * How long to wait for the subprocess to start and describe its spaces.
   *
   * @defaultValue 60000
   */
  startTimeoutMs?: number;
}

interface EncodedArray {
  dtype: BoxDtype;
  data: string;
}

type SpaceDescription =
  | { kind: 'discrete'; n: number; start: number }
  | { kind: 'multi-discrete'; nvec: number[] }
  | { kind: 'box'; shape: number[]; dtype: BoxDtype; low: string; high: string };

type Reply = { ok: true } & Record<string, unknown>;

function decodeBytes(base64: string): Uint8Array {
  return Uint8Array.from(Buffer.from(base64, 'base64'));
}

/** Decodes little-endian bytes into a typed array of `dtype` (this assumes a little-endian host, as x86 and ARM are). */
function decodeArray(encoded: EncodedArray): BoxArray {
  const bytes = decodeBytes(encoded.data);
  switch (encoded.dtype) {
    case 'float32':
      return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    case 'float64':
      return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
    case 'int32':
      return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    case 'uint8':
      return bytes;
  }
}

function buildSpace(d: SpaceDescription): Space<unknown> {
  switch (d.kind) {
    case 'discrete':
      return new Discrete(d.n, d.start);
    case 'multi-discrete':
      return new MultiDiscrete(d.nvec);
    case 'box': {
      const low = decodeArray({ dtype: 'float64', data: d.low });
      const high = decodeArray({ dtype: 'float64', data: d.high });
      return new Box({ low, high, shape: d.shape, dtype: d.dtype });
    }
  }
}

/**
 * A Gymnasium env running in a Python subprocess, spoken to over stdio. Every method answers with a promise;
 * requests are answered in order. Supports `Discrete`, `MultiDiscrete` (1-D) and `Box` spaces; Box dtypes other
 * than float32/float64/int32/uint8 are converted (other floats to float32, bool to uint8, other ints to int32).
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
 */
export class GymnasiumEnv implements Env {
  /** The observation space, translated from Gymnasium's. */
  readonly observationSpace: Space<unknown>;
  /** The action space, translated from Gymnasium's. */
  readonly actionSpace: Space<unknown>;
  /** Id, time limit and reward threshold from the Gymnasium spec. */
  readonly spec: EnvSpec;
  /** The Gymnasium version the subprocess runs. */
  readonly gymnasiumVersion: string;
  private readonly child: ChildProcess;
  private readonly pending: { resolve: (reply: Reply) => void; reject: (error: Error) => void }[] = [];
  private stderr = '';
  private exited: Error | undefined;
  private closing: Promise<void> | undefined;

  private constructor(child: ChildProcess, hello: Reply, stderrSoFar: string) {
    this.child = child;
    this.stderr = stderrSoFar;
    this.observationSpace = buildSpace(hello.observationSpace as SpaceDescription);
    this.actionSpace = buildSpace(hello.actionSpace as SpaceDescription);
    this.spec = hello.spec as EnvSpec;
    this.gymnasiumVersion = String(hello.gymnasium);
  }

  /**
   * Starts a Python subprocess running `gymnasium.make(id, **kwargs)`.
   *
   * @param id - a Gymnasium env id, e.g. `'CartPole-v1'` or `'LunarLander-v3'`.
   * @param options - the Python executable, `gymnasium.make` keyword arguments, start timeout.
   * @returns the env, once the subprocess has described its spaces.
   */
  static async make(id: string, options: GymnasiumEnvOptions = {}): Promise<GymnasiumEnv> {
    const { spawn } = await import('node:child_process');
    const { createInterface } = await import('node:readline');
    const python = options.python ?? process.env.IMPALA_RL_PYTHON ?? 'python3';
    const child = spawn(python, ['-u', '-c', SERVER, id, JSON.stringify(options.kwargs ?? {})], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    const onStderr = (chunk: Buffer): void => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    };
    child.stderr.on('data', onStderr);
    const lines = createInterface({ input: child.stdout });
    const timeoutMs = options.startTimeoutMs ?? 60000;
    const hello = await new Promise<Reply>((resolve, reject) => {
      const fail = (why: string): void => {
        clearTimeout(timer);
        child.kill();
        reject(new Error(`GymnasiumEnv.make('${id}'): ${why}${stderr === '' ? '' : `\n${stderr.trim()}`}`));
      };
      const timer = setTimeout(() => {
        fail(`no answer from ${python} within ${timeoutMs} ms`);
      }, timeoutMs);
      child.once('error', (error) => {
        fail(`could not start ${python}: ${error.message}`);
      });
      child.once('exit', (code) => {
        fail(`${python} exited with code ${String(code)} before describing the env`);
      });
      lines.once('line', (line) => {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.removeAllListeners('error');
        let reply: { ok: boolean; error?: string } & Record<string, unknown>;
        try {
          reply = JSON.parse(line) as typeof reply;
        } catch {
          fail(`unexpected output: ${line.slice(0, 200)}`);
          return;
        }
        if (!reply.ok) {
          fail(String(reply.error));
          return;
        }
        resolve(reply as Reply);
      });
    });
    const created = new GymnasiumEnv(child, hello, stderr);
    // From now on the env keeps the tail of stderr itself, for its error messages.
    child.stderr.off('data', onStderr);
    child.stderr.on('data', (chunk: Buffer) => {
      created.stderr = (created.stderr + chunk.toString('utf8')).slice(-4000);
    });
    lines.on('line', (line) => {
      created.onLine(line);
    });
    child.on('exit', (code, signal) => {
      created.onExit(code, signal);
    });
    child.on('error', (error) => {
      created.onExit(null, error.message);
    });
    return created;
  }

  private onLine(line: string): void {
    const waiter = this.pending.shift();
    if (waiter === undefined) return;
    let reply: { ok: boolean; error?: string } & Record<string, unknown>;
    try {
      reply = JSON.parse(line) as typeof reply;
    } catch {
      waiter.reject(new Error(`GymnasiumEnv: unexpected output from Python: ${line.slice(0, 200)}`));
      return;
    }
    if (reply.ok) waiter.resolve(reply as Reply);
    else waiter.reject(new Error(`GymnasiumEnv (${this.spec.id}): ${String(reply.error)}`));
  }

  private onExit(code: number | null, signal: string | null): void {
    this.exited = new Error(
      `GymnasiumEnv (${this.spec.id}): the Python process exited (code ${String(code)}, signal ${String(signal)})` +
        (this.stderr === '' ? '' : `\n${this.stderr.trim()}`),
    );
    for (const waiter of this.pending.splice(0)) waiter.reject(this.exited);
  }

  private request(message: Record<string, unknown>): Promise<Reply> {
    if (this.exited !== undefined) return Promise.reject(this.exited);
    return new Promise<Reply>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin?.write(`${JSON.stringify(message)}\n`);
    });
  }

  private decodeObservation(encoded: unknown): unknown {
    if (typeof encoded === 'number') return encoded;
    return decodeArray(encoded as EncodedArray);
  }

  /**
   * Resets the Python env.
   *
   * @param args - `seed` (Gymnasium's own generator is seeded with it) and `options`.
   * @returns the first observation and the info (made JSON-safe).
   */
  async reset(args: ResetArgs = {}): Promise<ResetResult<unknown>> {
    const reply = await this.request({ cmd: 'reset', seed: args.seed ?? null, options: args.options ?? null });
    return { observation: this.decodeObservation(reply.observation), info: reply.info as Info };
  }

  /**
   * Steps the Python env.
   *
   * @param action - an element of `actionSpace` (a number for `Discrete`, an array or typed array otherwise).
   * @returns observation, reward, `terminated`, `truncated`, info.
   */
  async step(action: unknown): Promise<StepResult<unknown>> {
    const wire = ArrayBuffer.isView(action) ? Array.from(action as unknown as ArrayLike<number>) : action;
    const reply = await this.request({ cmd: 'step', action: wire });
    return {
      observation: this.decodeObservation(reply.observation),
      reward: reply.reward as number,
      terminated: reply.terminated as boolean,
      truncated: reply.truncated as boolean,
      info: reply.info as Info,
    };
  }

  /**
   * Closes the Python env and ends the subprocess. Calling it again returns the same promise.
   *
   * @returns a promise that settles when the subprocess has exited.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.exited === undefined) {
        const exited = new Promise<void>((resolve) => {
          this.child.once('exit', () => {
            resolve();
          });
        });
        try {
          await this.request({ cmd: 'close' });
        } catch {
          // The process may already be gone; ending it below is what matters.
        }
        this.child.stdin?.end();
        const timer = setTimeout(() => this.child.kill(), 2000);
        await exited;
        clearTimeout(timer);
      }
    })();
    return this.closing;
  }
}
