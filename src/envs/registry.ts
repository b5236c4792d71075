/**
 * The env registry: ids such as `'CartPole-v1'` mapped to factories (Gymnasium's `make`/`register`).
 */
import { TimeLimit } from './wrappers/time-limit.js';
import type { Env } from './contract/types.js';
import { AcrobotEnv } from './builtin/acrobot.js';
import type { AcrobotOptions } from './builtin/acrobot.js';
import { CartPoleEnv } from './builtin/cartpole.js';
import type { CartPoleOptions } from './builtin/cartpole.js';
import { MazeEnv, MAZE_VARIANTS } from './builtin/maze-env.js';
import type { MazeOptions, MazeVariantId } from './builtin/maze-env.js';
import { MountainCarEnv } from './builtin/mountain-car.js';
import type { MountainCarOptions } from './builtin/mountain-car.js';
import { EnvError } from './errors.js';
import { didYouMean } from '../internal/did-you-mean.js';

/**
 * Options every `make` call accepts, whatever the env.
 * @category Environments
 */
export interface MakeEnvOptions {
  /**
   * Overrides the registered time limit: the episode length after which `step` reports `truncated`
   * (`Infinity` for none).
   *
   * @defaultValue the registration's `maxEpisodeSteps`
   */
  maxEpisodeSteps?: number;
  /** Any env-specific option, passed to the factory. */
  [option: string]: unknown;
}

/**
 * Builds an env from the options given to `make` (without `maxEpisodeSteps`, which the registry applies).
 *
 * @typeParam E - the env type built.
 * @category Environments
 */
export type EnvFactory<E extends Env = Env> = (options: Record<string, unknown>) => E;

/**
 * Options of {@link EnvRegistry.register}.
 * @category Environments
 */
export interface RegisterEnvOptions {
  /**
   * The default time limit: `make` wraps the env in a {@link TimeLimit} of this length.
   *
   * @defaultValue no time limit
   */
  maxEpisodeSteps?: number;
  /**
   * Replace an existing registration of the same id instead of throwing.
   *
   * @defaultValue false
   */
  override?: boolean;
}

/**
 * One registry entry.
 * @category Environments
 */
export interface EnvRegistration {
  /** The id, e.g. `'CartPole-v1'`. */
  readonly id: string;
  /** Builds the env. */
  readonly factory: EnvFactory;
  /** The default time limit, if any. */
  readonly maxEpisodeSteps?: number;
  /**
   * True for the package's own envs, whose classes apply the time limit themselves (so `make` returns the
   * class instance itself, with its `state` property, rather than a wrapper).
   */
  readonly builtin: boolean;
}

/**
 * What `makeEnv` returns for a built-in id and the options it accepts.
 *
 * @typeParam E - the env class.
 * @typeParam O - the options type.
 * @category Environments
 */
export interface BuiltinEnvEntry<E extends Env, O> {
  /** The env class `makeEnv` returns. */
  env: E;
  /** The options `makeEnv` accepts. */
  options: O;
}

/**
 * The built-in ids and, for each, the env class `makeEnv` returns and the options it accepts.
 * @category Environments
 */
export interface BuiltinEnvs {
  /** Gymnasium's CartPole-v1 (500 steps). */
  'CartPole-v1': BuiltinEnvEntry<CartPoleEnv, CartPoleOptions>;
  /** CartPole-v1 observing only `[x, θ]` (velocities hidden; 500 steps). */
  'CartPoleStateless-v1': BuiltinEnvEntry<CartPoleEnv, Omit<CartPoleOptions, 'maskVelocity'>>;
  /** Gymnasium's Acrobot-v1 (500 steps). */
  'Acrobot-v1': BuiltinEnvEntry<AcrobotEnv, AcrobotOptions>;
  /** Gymnasium's MountainCar-v0 (200 steps). */
  'MountainCar-v0': BuiltinEnvEntry<MountainCarEnv, MountainCarOptions>;
  /** Small maze, whole-maze view, visual cues. */
  'Maze-v0': BuiltinEnvEntry<MazeEnv, MazeOptions>;
  /** Small maze, whole-maze view, no visual cues. */
  'MazeNoCues-v0': BuiltinEnvEntry<MazeEnv, MazeOptions>;
  /** Large maze, whole-maze view, visual cues. */
  'MazeLarge-v0': BuiltinEnvEntry<MazeEnv, MazeOptions>;
  /** Large maze, whole-maze view, no visual cues. */
  'MazeLargeNoCues-v0': BuiltinEnvEntry<MazeEnv, MazeOptions>;
  /** Medium maze, agent-centred local view, visual cues. */
  'MazeLocal-v0': BuiltinEnvEntry<MazeEnv, MazeOptions>;
  /** Medium maze, agent-centred local view, no visual cues. */
  'MazeLocalNoCues-v0': BuiltinEnvEntry<MazeEnv, MazeOptions>;
}

/**
 * An id of a built-in env.
 * @category Environments
 */
export type BuiltinEnvId = keyof BuiltinEnvs;

function builtin(id: string, maxEpisodeSteps: number, factory: EnvFactory): EnvRegistration {
  return Object.freeze({ id, maxEpisodeSteps, factory, builtin: true });
}

function mazeEntry(id: MazeVariantId): EnvRegistration {
  const variant = MAZE_VARIANTS[id];
  return builtin(id, variant.maxEpisodeSteps, (o) => new MazeEnv({ ...variant, ...o, id }));
}

/** The package's own envs. Frozen: nothing can change what a built-in id means. */
const BUILTIN_ENVS: ReadonlyMap<string, EnvRegistration> = new Map(
  [
    builtin('CartPole-v1', 500, (o) => new CartPoleEnv(o)),
    builtin('CartPoleStateless-v1', 500, (o) => new CartPoleEnv({ ...o, maskVelocity: true })),
    builtin('Acrobot-v1', 500, (o) => new AcrobotEnv(o)),
    builtin('MountainCar-v0', 200, (o) => new MountainCarEnv(o)),
    ...(Object.keys(MAZE_VARIANTS) as MazeVariantId[]).map(mazeEntry),
  ].map((e) => [e.id, e] as const),
);

function checkId(id: unknown, where: string): asserts id is string {
  if (typeof id !== 'string' || id.length === 0 || /\s/.test(id)) {
    throw new EnvError(`${where}: id must be a non-empty string without spaces, got ${JSON.stringify(id)}`);
  }
}

function build(entry: EnvRegistration, options: MakeEnvOptions | undefined): Env {
  const { maxEpisodeSteps, ...rest } = options ?? {};
  const limit = maxEpisodeSteps ?? entry.maxEpisodeSteps;
  if (entry.builtin) {
    return entry.factory(limit === undefined ? rest : { ...rest, maxEpisodeSteps: limit });
  }
  const env = entry.factory(rest);
  return limit === undefined || limit === Infinity ? env : new TimeLimit(env, limit);
}

/**
 * A set of env ids and their factories. `createEnvRegistry()` gives one holding the built-in envs; each registry
 * is independent, so a library can register its ids without touching anyone else's.
 *
 * @example
 * ```ts
 * const registry = createEnvRegistry();
 * registry.register('Corridor-v0', () => new CorridorEnv(), { maxEpisodeSteps: 100 });
 * const env = registry.make('Corridor-v0');
 * ```
 * @category Environments
 */
export class EnvRegistry {
  private readonly entries = new Map<string, EnvRegistration>();

  /**
   * @param options - whether to start with the built-in envs.
   * @defaultValue `builtins`: true
   */
  constructor(options: { builtins?: boolean } = {}) {
    if (options.builtins ?? true) for (const [id, e] of BUILTIN_ENVS) this.entries.set(id, e);
  }

  /**
   * Adds an id.
   *
   * @param id - the id, e.g. `'MyEnv-v0'` (a non-empty string without spaces).
   * @param factory - builds a new env from the options given to `make`.
   * @param options - a default time limit; `override` to replace an existing id.
   * @returns this registry.
   */
  register(id: string, factory: EnvFactory, options: RegisterEnvOptions = {}): this {
    checkId(id, 'EnvRegistry.register');
    if (typeof factory !== 'function') throw new EnvError(`EnvRegistry.register: factory for '${id}' is not a function`);
    if (this.entries.has(id) && options.override !== true) {
      throw new EnvError(`EnvRegistry.register: id '${id}' is already registered (pass { override: true } to replace it)`);
    }
    const { maxEpisodeSteps } = options;
    if (maxEpisodeSteps !== undefined && !(maxEpisodeSteps >= 1)) {
      throw new EnvError(`EnvRegistry.register: maxEpisodeSteps for '${id}' must be >= 1, got ${maxEpisodeSteps}`);
    }
    this.entries.set(id, { id, factory, builtin: false, ...(maxEpisodeSteps !== undefined ? { maxEpisodeSteps } : {}) });
    return this;
  }

  /**
   * Tests whether an id is registered.
   *
   * @param id - the id.
   * @returns true when `make(id)` would find it.
   */
  has(id: string): boolean {
    return this.entries.has(id);
  }

  /**
   * Lists the registered ids.
   *
   * @returns the ids, sorted.
   */
  ids(): string[] {
    return [...this.entries.keys()].sort();
  }

  /**
   * The registration of an id.
   *
   * @param id - the id.
   * @returns the entry, or `undefined` when the id is unknown.
   */
  get(id: string): EnvRegistration | undefined {
    return this.entries.get(id);
  }

  /**
   * Makes a new env.
   *
   * @param id - a registered id.
   * @param options - env-specific options, and `maxEpisodeSteps` to override the time limit.
   * @returns a ready env (call `reset` before `step`).
   */
  make(id: string, options?: MakeEnvOptions): Env {
    checkId(id, 'EnvRegistry.make');
    const entry = this.entries.get(id);
    if (entry === undefined) {
      throw new EnvError(`EnvRegistry.make: unknown env id '${id}'; registered ids: ${this.ids().join(', ')}`);
    }
    return build(entry, options);
  }
}

/**
 * A new, independent registry.
 *
 * @param options - `builtins: false` for an empty registry.
 * @returns a registry holding the built-in envs (unless `builtins` is false).
 * @category Environments
 */
export function createEnvRegistry(options: { builtins?: boolean } = {}): EnvRegistry {
  return new EnvRegistry(options);
}

// `registerEnv`/`makeEnv` are Gymnasium's process-wide `register`/`make`, the API RL users know. The user
// table is kept on `globalThis` under a registered symbol, not in a module variable: the ESM and CJS builds
// (and two installed copies) then share one table, so an id registered through `import` is found through
// `require` (no dual-package hazard). It cannot change what a built-in id means (built-ins live in the frozen
// table above and are looked up first; `registerEnv` refuses their ids); code that wants isolation uses
// `createEnvRegistry()` instead.
const USER_ENVS = Symbol.for('impala-rl.userEnvRegistry');

function userRegistry(): EnvRegistry {
  const holder = globalThis as unknown as Record<symbol, EnvRegistry | undefined>;
  const existing = holder[USER_ENVS];
  if (existing) return existing;
  const created = new EnvRegistry({ builtins: false });
  holder[USER_ENVS] = created;
  return created;
}

/**
 * Adds an id to the process-wide registry that {@link makeEnv} reads (like Gymnasium's `register`). Built-in ids
 * cannot be replaced. Use {@link createEnvRegistry} for a private registry instead.
 *
 * @param id - a new id, e.g. `'MyEnv-v0'`.
 * @param factory - builds a new env from the options given to `makeEnv`.
 * @param options - a default time limit; `override` to replace an id you registered before.
 * @category Environments
 */
export function registerEnv(id: string, factory: EnvFactory, options: RegisterEnvOptions = {}): void {
  checkId(id, 'registerEnv');
  if (BUILTIN_ENVS.has(id)) throw new EnvError(`registerEnv: '${id}' is a built-in env id and cannot be replaced`);
  userRegistry().register(id, factory, options);
}

/**
 * Makes a built-in env (typed as its class, e.g. `CartPoleEnv` with its `state` property).
 *
 * @param id - a built-in id.
 * @param options - env-specific options, and `maxEpisodeSteps` to override the time limit.
 * @returns a new env, ready for `reset`.
 *
 * @example
 * ```ts
 * import { makeEnv } from 'impala-rl';
 * const env = makeEnv('CartPole-v1');
 * const { observation } = await env.reset({ seed: 0 }); // Float32Array(4)
 * const { reward, terminated, truncated } = await env.step(1);
 * ```
 * @category Environments
 */
export function makeEnv<Id extends BuiltinEnvId>(
  id: Id,
  options?: BuiltinEnvs[Id]['options'] & MakeEnvOptions,
): BuiltinEnvs[Id]['env'];
/**
 * Makes an env registered with {@link registerEnv} (or a built-in one).
 *
 * @param id - a registered id.
 * @param options - env-specific options, and `maxEpisodeSteps` to override the time limit.
 * @returns a new env, ready for `reset`.
 * @category Environments
 */
export function makeEnv(id: string, options?: MakeEnvOptions): Env;
export function makeEnv(id: string, options?: MakeEnvOptions): Env {
  checkId(id, 'makeEnv');
  const entry = BUILTIN_ENVS.get(id) ?? userRegistry().get(id);
  if (entry === undefined) {
    // `ALE/…` and `gym:…` ids (make-envs.ts) start a Python process: they are made asynchronously.
    if (/^(ALE\/|gym:)/.test(id)) throw new EnvError(`makeEnv: '${id}' is made asynchronously (a Python process): use \`await makeEnvAsync('${id}')\` or \`makeEnvs\``);
    const known = envIds();
    throw new EnvError(`makeEnv: unknown env id '${id}'${didYouMean(id, known)}; known ids: ${known.join(', ')} (and ALE/<game>-v5, gym:<Gymnasium id>, made with makeEnvAsync)`);
  }
  return build(entry, options);
}

/**
 * The ids `makeEnv` accepts in this thread: the built-in ones and those added with `registerEnv`.
 *
 * @returns the ids, sorted.
 *
 * @example
 * ```ts
 * import { envIds } from 'impala-rl';
 * console.log(envIds().includes('CartPole-v1')); // true
 * ```
 * @category Environments
 */
export function envIds(): string[] {
  return [...BUILTIN_ENVS.keys(), ...userRegistry().ids()].sort();
}
