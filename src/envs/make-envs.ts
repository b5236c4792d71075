/**
 * Envs made asynchronously, by id: besides the synchronous registry (`makeEnv`), id namespaces whose envs take
 * time to start, such as the Gymnasium bridge's. Built in: `ALE/<game>-v5` (any ALE id, with the Atari
 * preprocessing) and `gym:<any Gymnasium id>`. `makeEnvs(id, n)` makes n envs at once, so a namespace can
 * put them in one process (the bridge does: one Python process steps the whole batch).
 */
import type { Env } from './contract/types.js';
import { GymnasiumBatch } from './builtin/gymnasium/batch.js';
import { ATARI_DEFAULTS, ATARI_OPTION_NAMES, type AtariOptions } from './builtin/gymnasium/atari-options.js';
import { makeEnv, type MakeEnvOptions } from './registry.js';

/**
 * Makes `count` envs of an id in a namespace.
 *
 * @param id - the full id, prefix included (e.g. `'ALE/Pong-v5'`).
 * @param count - how many envs (≥ 1).
 * @param options - the options given to `makeEnvs`.
 * @returns `count` envs.
 * @category Environments
 */
export type EnvNamespaceFactory = (id: string, count: number, options: Readonly<Record<string, unknown>>) => Promise<Env[]>;

interface Namespace {
  readonly prefix: string;
  readonly factory: EnvNamespaceFactory;
}

/** Options of the Gymnasium bridge accepted by `gym:` ids (and by `ALE/` ids). */
const BRIDGE_OPTIONS = ['python', 'kwargs', 'info', 'sharedMemory', 'replyParts', 'startTimeoutMs'] as const;

function pick(options: Readonly<Record<string, unknown>>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([k, v]) => keys.includes(k) && v !== undefined));
}

function checkKeys(id: string, options: Readonly<Record<string, unknown>>, known: readonly string[]): void {
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new Error(`makeEnvs('${id}'): unknown option(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
}

/**
 * `ALE/<game>-v5`: the Atari game through the Gymnasium bridge, with the paper's preprocessing unless
 * `preprocess` is false (then ALE v5's own env: 210×160×3 RGB frames, frame skip 4, sticky actions).
 */
const makeAtari: EnvNamespaceFactory = async (id, count, options) => {
  checkKeys(id, options, [...BRIDGE_OPTIONS, 'preprocess', 'maxEpisodeSteps', ...ATARI_OPTION_NAMES]);
  const preprocess = options.preprocess !== false;
  const atari = pick(options, ATARI_OPTION_NAMES) as AtariOptions;
  if (!preprocess && Object.keys(atari).length > 0) {
    throw new Error(`makeEnvs('${id}'): ${Object.keys(atari).join(', ')} need preprocess: true`);
  }
  const kwargs = { ...(options.kwargs as Record<string, unknown> | undefined) };
  if (options.maxEpisodeSteps !== undefined) kwargs.max_episode_steps = options.maxEpisodeSteps;
  const batch = await GymnasiumBatch.make(id, {
    ...pick(options, BRIDGE_OPTIONS),
    kwargs,
    numEnvs: count,
    atari: preprocess ? { ...ATARI_DEFAULTS, ...atari } : null,
  });
  return [...batch.envs];
};

/** `gym:<id>`: any Gymnasium env through the bridge (`gymnasium.make(id, **kwargs)`). */
const makeGym: EnvNamespaceFactory = async (id, count, options) => {
  checkKeys(id, options, [...BRIDGE_OPTIONS, 'maxEpisodeSteps']);
  const kwargs = { ...(options.kwargs as Record<string, unknown> | undefined) };
  if (options.maxEpisodeSteps !== undefined) kwargs.max_episode_steps = options.maxEpisodeSteps;
  const batch = await GymnasiumBatch.make(id.slice('gym:'.length), { ...pick(options, BRIDGE_OPTIONS), kwargs, numEnvs: count });
  return [...batch.envs];
};

/** The built-in namespaces; they exist in every thread (worker actors included). */
const BUILTIN_NAMESPACES: readonly Namespace[] = Object.freeze([
  { prefix: 'ALE/', factory: makeAtari },
  { prefix: 'gym:', factory: makeGym },
]);

const USER_NAMESPACES = Symbol.for('impala-rl.userEnvNamespaces');

function userNamespaces(): Namespace[] {
  const holder = globalThis as unknown as Record<symbol, Namespace[] | undefined>;
  return (holder[USER_NAMESPACES] ??= []);
}

/**
 * Adds an id namespace to the process-wide table {@link makeEnvs} reads (in this thread: worker actors need it
 * registered in their `workerSetupModule`). The built-in prefixes `ALE/` and `gym:` cannot be replaced.
 *
 * @param prefix - ids starting with it are made by `factory`, e.g. `'myenvs:'`.
 * @param factory - makes `count` envs of an id.
 * @category Environments
 */
export function registerEnvNamespace(prefix: string, factory: EnvNamespaceFactory): void {
  if (typeof prefix !== 'string' || prefix === '' || /\s/.test(prefix)) throw new TypeError(`registerEnvNamespace: prefix must be a non-empty string without spaces, got ${JSON.stringify(prefix)}`);
  if (BUILTIN_NAMESPACES.some((n) => n.prefix === prefix)) throw new Error(`registerEnvNamespace: '${prefix}' is a built-in namespace`);
  const table = userNamespaces();
  const i = table.findIndex((n) => n.prefix === prefix);
  if (i >= 0) table.splice(i, 1);
  table.push({ prefix, factory });
}

function namespaceOf(id: string): Namespace | undefined {
  return BUILTIN_NAMESPACES.find((n) => id.startsWith(n.prefix)) ?? userNamespaces().find((n) => id.startsWith(n.prefix));
}

/**
 * Whether an id is made asynchronously (it is in a namespace such as `ALE/` or `gym:`).
 *
 * @param id - an env id.
 * @returns true for namespace ids, which `makeEnv` cannot make (use {@link makeEnvs} or {@link makeEnvAsync}).
 * @category Environments
 */
export function isAsyncEnvId(id: string): boolean {
  return namespaceOf(id) !== undefined;
}

/**
 * Whether an id is in a built-in namespace (`ALE/`, `gym:`): such ids can be made in any thread, worker actors
 * included, without a setup module.
 *
 * @param id - an env id.
 * @returns true for `ALE/…` and `gym:…` ids.
 * @category Environments
 */
export function isBuiltinAsyncEnvId(id: string): boolean {
  return BUILTIN_NAMESPACES.some((n) => id.startsWith(n.prefix));
}

/**
 * Makes `count` envs of one id: registered ids (built-in or `registerEnv`) through `makeEnv`, namespace ids
 * (`ALE/Pong-v5`, `gym:LunarLander-v3`, registered namespaces) through their factory, which may share one
 * process between them (the Gymnasium bridge steps the whole batch in one Python process).
 *
 * @example
 * ```ts
 * const envs = await makeEnvs('ALE/Pong-v5', 8, { frameStack: 4 });
 * ```
 * @param id - an env id.
 * @param count - how many envs.
 * @param options - env options (for `ALE/` ids: {@link AtariOptions} fields, `preprocess`, `python`, `kwargs`, `info`).
 * @returns `count` new envs.
 * @throws when the id is unknown, or (bridge ids) Python or a package is missing: the message names the `pip install` line.
 * @category Environments
 */
export async function makeEnvs(id: string, count: number, options: Readonly<MakeEnvOptions> = {}): Promise<Env[]> {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`makeEnvs('${id}'): count must be an integer >= 1, got ${count}`);
  const ns = typeof id === 'string' ? namespaceOf(id) : undefined;
  if (ns === undefined) return Array.from({ length: count }, () => makeEnv(id, { ...options }));
  const envs = await ns.factory(id, count, options);
  if (envs.length !== count) throw new Error(`makeEnvs('${id}'): the '${ns.prefix}' namespace made ${envs.length} envs, ${count} asked`);
  return envs;
}

/**
 * Makes one env of any id, waiting for it when it starts asynchronously (`ALE/…`, `gym:…`).
 *
 * @param id - an env id.
 * @param options - env options.
 * @returns a new env.
 * @category Environments
 */
export async function makeEnvAsync(id: string, options: Readonly<MakeEnvOptions> = {}): Promise<Env> {
  return (await makeEnvs(id, 1, options))[0]!;
}
