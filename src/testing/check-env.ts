/**
 * `checkEnv`: a conformance check of the `Env` contract, in the spirit of Gymnasium's `utils.env_checker` and
 * dm_env's `EnvironmentTestMixin`. It runs an env through resets and steps and lists every problem it finds in
 * plain words, instead of stopping at the first.
 */
import { isPromiseLike } from '../internal/maybe.js';
import { Rng } from '../envs/contract/rng.js';
import type { Space } from '../envs/contract/spaces.js';
import type { Env, MaybePromise } from '../envs/contract/types.js';

/**
 * Options of {@link checkEnv}.
 * @category Testing
 */
export interface CheckEnvOptions {
  /**
   * The seed used for the determinism checks and to sample actions.
   *
   * @defaultValue 123
   */
  seed?: number;
  /**
   * How many random steps the final rollout takes (resetting at each episode end), checking every result.
   *
   * @defaultValue 200
   */
  rolloutSteps?: number;
  /**
   * Whether to call `close()` (twice) at the end. Only applies when `checkEnv` was given a factory, since it then
   * owns the envs it made.
   *
   * @defaultValue true
   */
  close?: boolean;
}

/**
 * What {@link checkEnv} found.
 * @category Testing
 */
export interface CheckEnvReport {
  /** True when no problem was found (warnings do not count). */
  readonly ok: boolean;
  /** Every breach of the contract, in plain words, in the order found. */
  readonly problems: string[];
  /** Things that are allowed but often mistakes (for example accepting an action outside the action space). */
  readonly warnings: string[];
}

/**
 * Thrown by {@link assertEnv}; `problems` lists everything {@link checkEnv} found.
 * @category Testing
 */
export class EnvCheckError extends Error {
  /** Every problem found. */
  readonly problems: readonly string[];
  /** The warnings, for information. */
  readonly warnings: readonly string[];

  /**
   * @param name - the env's name.
   * @param report - the failed report.
   */
  constructor(name: string, report: CheckEnvReport) {
    const n = report.problems.length;
    super(
      `checkEnv: ${name} has ${n} problem${n === 1 ? '' : 's'}:\n` +
        report.problems.map((p, i) => `  ${i + 1}. ${p}`).join('\n'),
    );
    this.name = 'EnvCheckError';
    this.problems = report.problems;
    this.warnings = report.warnings;
  }
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };
type Check<T> = Generator<unknown, T, unknown>;

/** Calls `fn` and waits for its result if it is a promise; a throw or a rejection becomes `{ ok: false }`. */
function* attempt<T>(fn: () => MaybePromise<T>): Check<Outcome<T>> {
  try {
    const value = (yield fn()) as T;
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Runs a check generator: synchronously while every yielded value is plain, through promises once one is not. */
function drive<T>(gen: Check<T>): MaybePromise<T> {
  const resume = (input: Outcome<unknown>): MaybePromise<T> => {
    for (;;) {
      const r = input.ok ? gen.next(input.value) : gen.throw(input.error);
      if (r.done === true) return r.value;
      const y = r.value;
      if (isPromiseLike(y)) {
        return Promise.resolve(y).then(
          (value) => resume({ ok: true, value }),
          (error: unknown) => resume({ ok: false, error }),
        );
      }
      input = { ok: true, value: y };
    }
  };
  return resume({ ok: true, value: undefined });
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

function show(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (value === undefined || value === null) return String(value);
  if (Array.isArray(value)) return `an Array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function showAction(action: unknown): string {
  if (ArrayBuffer.isView(action) && 'length' in action) {
    const a = Array.from(action as unknown as ArrayLike<number>).slice(0, 6);
    return `[${a.join(', ')}${(action as unknown as ArrayLike<number>).length > 6 ? ', …' : ''}]`;
  }
  return typeof action === 'number' ? String(action) : show(action);
}

/** Structural equality for observations and rewards: typed arrays element by element, NaN equal to NaN. */
function same(a: unknown, b: unknown): boolean {
  if (a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b))) return true;
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    if (a.constructor !== b.constructor) return false;
    const x = a as unknown as ArrayLike<number>;
    const y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!same(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => same(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && same(a[k], b[k]));
  }
  return false;
}

/** A deep copy of an observation, to detect later mutation. */
function snapshot(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return (value as unknown as Uint8Array).slice();
  if (typeof value === 'object' && value !== null) {
    try {
      return structuredClone(value);
    } catch {
      return value;
    }
  }
  return value;
}

function spaceProblems(space: unknown, name: string, rng: Rng): string[] {
  if (!isPlainObject(space) && (typeof space !== 'object' || space === null)) {
    return [`${name} is missing or is not a space (got ${show(space)})`];
  }
  const s = space as Partial<Space<unknown>> & Record<string, unknown>;
  const problems: string[] = [];
  for (const method of ['contains', 'sample'] as const) {
    if (typeof s[method] !== 'function') problems.push(`${name}.${method} is not a function`);
  }
  if (problems.length > 0) return problems;
  const kind = s.kind;
  if (kind === 'discrete') {
    const n = s.n;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) problems.push(`${name}: Discrete n must be a positive integer, got ${show(n)}`);
  } else if (kind === 'multi-discrete') {
    const nvec = s.nvec;
    if (!(nvec instanceof Int32Array) || nvec.length === 0 || nvec.some((k) => k < 1)) {
      problems.push(`${name}: MultiDiscrete nvec must be a non-empty Int32Array of positive integers`);
    }
  } else if (kind === 'box') {
    const shape = s.shape;
    const low = s.low;
    const high = s.high;
    if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 1)) {
      problems.push(`${name}: Box shape must be an array of positive integers, got ${show(shape)}`);
    } else {
      const size = (shape as number[]).reduce((a, b) => a * b, 1);
      if (!ArrayBuffer.isView(low) || !ArrayBuffer.isView(high)) {
        problems.push(`${name}: Box low and high must be typed arrays`);
      } else {
        const lo = low as unknown as ArrayLike<number>;
        const hi = high as unknown as ArrayLike<number>;
        if (lo.length !== size || hi.length !== size) {
          problems.push(`${name}: Box low/high have ${lo.length}/${hi.length} elements, shape [${shape.join(', ')}] needs ${size}`);
        } else {
          for (let i = 0; i < size; i++) {
            if (!(lo[i]! <= hi[i]!)) {
              problems.push(`${name}: Box low[${i}] = ${lo[i]} is above high[${i}] = ${hi[i]}`);
              break;
            }
          }
        }
      }
    }
    if (!['float32', 'float64', 'int32', 'uint8'].includes(String(s.dtype))) {
      problems.push(`${name}: Box dtype must be float32, float64, int32 or uint8, got ${show(s.dtype)}`);
    }
  } else {
    problems.push(`${name}.kind must be 'discrete', 'multi-discrete' or 'box', got ${show(kind)}`);
  }
  if (problems.length > 0) return problems;
  try {
    const sample = s.sample!(rng);
    if (!s.contains!(sample)) {
      problems.push(`${name}.sample() returned a value that ${name}.contains() rejects${explainSuffix(s, sample)}`);
    }
  } catch (error) {
    problems.push(`${name}.sample() threw ${errorText(error)}`);
  }
  return problems;
}

function explainSuffix(space: Partial<Space<unknown>>, value: unknown): string {
  if (typeof space.explain !== 'function') return '';
  try {
    const why = space.explain(value);
    return why === undefined ? '' : `: ${why}`;
  } catch {
    return '';
  }
}

function envName(env: unknown): string {
  if (typeof env !== 'object' || env === null) return 'the env';
  const id = (env as { spec?: { id?: unknown } }).spec?.id;
  if (typeof id === 'string') return id;
  const ctor = (env as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof ctor === 'string' && ctor !== 'Object' ? ctor : 'the env';
}

class Collector {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];
  private readonly seen = new Set<string>();

  problem(text: string): void {
    if (!this.seen.has(text)) {
      this.seen.add(text);
      this.problems.push(text);
    }
  }

  warn(text: string): void {
    if (!this.seen.has(text)) {
      this.seen.add(text);
      this.warnings.push(text);
    }
  }
}

/** Checks a reset result; returns the observation when the result had one. */
function checkResetResult(
  out: Collector,
  call: string,
  result: unknown,
  space: Space<unknown>,
): { observation: unknown } | undefined {
  if (!isPlainObject(result)) {
    out.problem(`${call} must return { observation, info }, got ${show(result)}`);
    return undefined;
  }
  if (!('observation' in result)) out.problem(`${call} returned no observation`);
  else if (!space.contains(result.observation)) {
    out.problem(`${call}.observation is not in observationSpace ${String(space)}${explainSuffix(space, result.observation)}`);
  }
  if (!isPlainObject(result.info)) out.problem(`${call}.info must be a plain object, got ${show(result.info)}`);
  return { observation: result.observation };
}

interface StepCheck {
  observation: unknown;
  reward: unknown;
  terminated: unknown;
  truncated: unknown;
  done: boolean;
}

/** Checks a step result; returns its fields when it was an object. */
function checkStepResult(out: Collector, call: string, result: unknown, space: Space<unknown>): StepCheck | undefined {
  if (!isPlainObject(result)) {
    out.problem(`${call} must return { observation, reward, terminated, truncated, info }, got ${show(result)}`);
    return undefined;
  }
  if (!('observation' in result)) out.problem(`${call} returned no observation`);
  else if (!space.contains(result.observation)) {
    out.problem(`${call}.observation is not in observationSpace ${String(space)}${explainSuffix(space, result.observation)}`);
  }
  const { reward, terminated, truncated } = result;
  if (typeof reward !== 'number') out.problem(`${call}.reward must be a number, got ${show(reward)}`);
  else if (!Number.isFinite(reward)) out.problem(`${call}.reward must be finite, got ${reward}`);
  if (typeof terminated !== 'boolean') {
    out.problem(`${call}.terminated must be a boolean (true or false), got ${show(terminated)}`);
  }
  if (typeof truncated !== 'boolean') {
    out.problem(`${call}.truncated must be a boolean (true or false), got ${show(truncated)}`);
  }
  if (!isPlainObject(result.info)) out.problem(`${call}.info must be a plain object, got ${show(result.info)}`);
  if ('done' in result) {
    out.warn(`${call} returned a 'done' field; the contract has 'terminated' and 'truncated' instead`);
  }
  return {
    observation: result.observation,
    reward,
    terminated,
    truncated,
    done: terminated === true || truncated === true,
  };
}

/** An action that is not in `space`, to see whether the env refuses it; `undefined` when none is easy to build. */
function invalidAction(space: Space<unknown>): unknown {
  const s = space as Partial<{ kind: string; n: number; start: number; nvec: Int32Array }>;
  if (s.kind === 'discrete' && typeof s.n === 'number') return (s.start ?? 0) + s.n;
  if (s.kind === 'multi-discrete' && s.nvec instanceof Int32Array) return Int32Array.from(s.nvec);
  return undefined;
}

function* checkAll(
  subject: Env | (() => MaybePromise<Env>),
  options: CheckEnvOptions,
  out: Collector,
): Check<string> {
  const seed = options.seed ?? 123;
  const rolloutSteps = options.rolloutSteps ?? 200;
  const isFactory = typeof subject === 'function';
  const make = function* (): Check<Env | undefined> {
    if (!isFactory) return subject;
    const made = yield* attempt(subject);
    if (!made.ok) {
      out.problem(`the env factory threw ${errorText(made.error)}`);
      return undefined;
    }
    return made.value;
  };

  // A fresh env first, to check that step() refuses to run before reset().
  let env: Env | undefined;
  if (isFactory) {
    env = yield* make();
    if (env === undefined) return 'the env';
  } else {
    env = subject;
  }
  const name = envName(env);
  if (typeof env !== 'object' || typeof (env as Partial<Env>).reset !== 'function' || typeof (env as Partial<Env>).step !== 'function') {
    out.problem(`${name} must be an object with reset() and step() methods`);
    return name;
  }

  // Spaces.
  const rng = new Rng(seed);
  const obsSpaceProblems = spaceProblems(env.observationSpace, 'observationSpace', rng);
  const actSpaceProblems = spaceProblems(env.actionSpace, 'actionSpace', rng);
  obsSpaceProblems.forEach((p) => {
    out.problem(p);
  });
  actSpaceProblems.forEach((p) => {
    out.problem(p);
  });
  if (obsSpaceProblems.length > 0 || actSpaceProblems.length > 0) return name;
  const obsSpace = env.observationSpace;
  const actSpace = env.actionSpace;
  const sampleAction = (): unknown => actSpace.sample(rng);
  const spec = env.spec;
  if (spec?.maxEpisodeSteps !== undefined && !(Number.isInteger(spec.maxEpisodeSteps) && spec.maxEpisodeSteps >= 1)) {
    out.problem(`spec.maxEpisodeSteps must be a positive integer, got ${show(spec.maxEpisodeSteps)}`);
  }

  // Order: step() before the first reset() must be refused.
  if (isFactory) {
    const early = yield* attempt(() => env!.step(sampleAction()));
    if (early.ok) {
      out.problem('step() before the first reset() returned a result; it must throw (call reset() first)');
    }
    // Start again from a fresh env so the early step cannot leak into the remaining checks.
    yield* attempt(() => env!.close?.());
    env = yield* make();
    if (env === undefined) return name;
  } else {
    out.warn('step() before reset() was not checked: pass a factory (() => env) to check it');
  }
  const e = env;

  // Reset: result shape, membership, determinism under a seed.
  const r1 = yield* attempt(() => e.reset({ seed }));
  if (!r1.ok) {
    out.problem(`reset({ seed: ${seed} }) threw ${errorText(r1.error)}`);
    return name;
  }
  const first = checkResetResult(out, `reset({ seed: ${seed} })`, r1.value, obsSpace);
  if (first === undefined) return name;
  const firstCopy = snapshot(first.observation);
  const r2 = yield* attempt(() => e.reset({ seed }));
  if (!r2.ok) {
    out.problem(`a second reset({ seed: ${seed} }) threw ${errorText(r2.error)}`);
    return name;
  }
  const second = checkResetResult(out, `reset({ seed: ${seed} })`, r2.value, obsSpace);
  if (second !== undefined && !same(firstCopy, second.observation)) {
    out.problem(`reset({ seed: ${seed} }) is not deterministic: two resets with the same seed gave different observations`);
  }
  if (second !== undefined && second.observation === first.observation && typeof first.observation === 'object') {
    out.problem('reset() returned the same observation object twice; every observation must be a new object');
  }
  const r3 = yield* attempt(() => e.reset());
  if (!r3.ok) out.problem(`reset() without a seed threw ${errorText(r3.error)}`);
  else checkResetResult(out, 'reset() without a seed', r3.value, obsSpace);
  const r4 = yield* attempt(() => e.reset({ seed, options: {} }));
  if (!r4.ok) out.problem(`reset({ seed: ${seed}, options: {} }) threw ${errorText(r4.error)}; reset must accept options`);
  else checkResetResult(out, `reset({ seed: ${seed}, options: {} })`, r4.value, obsSpace);

  if (isFactory) {
    const other = yield* make();
    if (other !== undefined) {
      const r5 = yield* attempt(() => other.reset({ seed }));
      if (r5.ok && isPlainObject(r5.value) && !same(firstCopy, r5.value.observation)) {
        out.problem(
          `two envs from the factory, both reset with seed ${seed}, gave different observations (shared or unseeded random state?)`,
        );
      }
      yield* attempt(() => other.close?.());
    }
  }

  // Step: result shape and types, determinism, no aliasing of earlier observations.
  const action = sampleAction();
  const actionCopy = snapshot(action);
  const call = `step(${showAction(action)})`;
  const s0 = yield* attempt(() => e.reset({ seed }));
  if (!s0.ok) return name;
  const resetObs = isPlainObject(s0.value) ? s0.value.observation : undefined;
  const resetObsCopy = snapshot(resetObs);
  const a1 = yield* attempt(() => e.step(action));
  if (!a1.ok) {
    out.problem(`${call} after reset({ seed: ${seed} }) threw ${errorText(a1.error)}`);
    return name;
  }
  const step1 = checkStepResult(out, call, a1.value, obsSpace);
  if (step1 === undefined) return name;
  if (!same(actionCopy, action)) out.problem(`${call} modified the action array it was given`);
  if (typeof resetObs === 'object' && resetObs !== null) {
    if (step1.observation === resetObs) {
      out.problem(`${call} returned the same observation object as reset(); every observation must be a new object`);
    } else if (!same(resetObsCopy, resetObs)) {
      out.problem(`${call} modified the observation that reset() had returned; returned observations must not change`);
    }
  }
  const step1Copy = {
    observation: snapshot(step1.observation),
    reward: step1.reward,
    terminated: step1.terminated,
    truncated: step1.truncated,
  };
  if (!step1.done) {
    const a2 = yield* attempt(() => e.step(sampleAction()));
    if (a2.ok && isPlainObject(a2.value)) {
      if (a2.value.observation === step1.observation && typeof step1.observation === 'object') {
        out.problem('step() returned the same observation object twice; every observation must be a new object');
      } else if (!same(step1Copy.observation, step1.observation)) {
        out.problem('step() modified an observation it had returned before; returned observations must not change');
      }
    }
  }
  const b0 = yield* attempt(() => e.reset({ seed }));
  const b1 = b0.ok ? yield* attempt(() => e.step(snapshot(actionCopy))) : b0;
  if (b1.ok && isPlainObject(b1.value)) {
    const v = b1.value;
    const diffs: string[] = [];
    if (!same(step1Copy.observation, v.observation)) diffs.push('observation');
    if (!same(step1Copy.reward, v.reward)) diffs.push(`reward (${show(step1Copy.reward)} then ${show(v.reward)})`);
    if (!same(step1Copy.terminated, v.terminated)) diffs.push('terminated');
    if (!same(step1Copy.truncated, v.truncated)) diffs.push('truncated');
    if (diffs.length > 0) {
      out.problem(
        `${call} is not deterministic: after reset({ seed: ${seed} }) the same action gave a different ${diffs.join(', ')}`,
      );
    }
  }

  // An action outside the action space should be refused (a warning: Gymnasium only asserts it in its envs).
  const bad = invalidAction(actSpace);
  if (bad !== undefined) {
    const c0 = yield* attempt(() => e.reset({ seed }));
    if (c0.ok) {
      const c1 = yield* attempt(() => e.step(bad));
      if (c1.ok) out.warn(`step(${showAction(bad)}) accepted an action outside actionSpace ${String(actSpace)}`);
    }
  }

  // Rollout: random actions, every result checked, reset at each episode end.
  const d0 = yield* attempt(() => e.reset({ seed: seed + 1 }));
  if (!d0.ok) return name;
  for (let t = 0; t < rolloutSteps; t++) {
    const a = sampleAction();
    const r = yield* attempt(() => e.step(a));
    if (!r.ok) {
      out.problem(`step(${showAction(a)}) threw ${errorText(r.error)} during a rollout (step ${t + 1} after reset)`);
      break;
    }
    const checked = checkStepResult(out, 'step()', r.value, obsSpace);
    if (checked === undefined) break;
    if (checked.done) {
      const rr = yield* attempt(() => e.reset());
      if (!rr.ok) {
        out.problem(`reset() after the end of an episode threw ${errorText(rr.error)}`);
        break;
      }
      checkResetResult(out, 'reset() after the end of an episode', rr.value, obsSpace);
    }
  }

  // close(): only for envs this check made.
  if (isFactory && (options.close ?? true) && typeof e.close === 'function') {
    const c1 = yield* attempt(() => e.close!());
    if (!c1.ok) out.problem(`close() threw ${errorText(c1.error)}`);
    else {
      const c2 = yield* attempt(() => e.close!());
      if (!c2.ok) out.warn(`calling close() a second time threw ${errorText(c2.error)}; closing twice should be allowed`);
    }
  }
  return name;
}

/**
 * Checks that an env follows the `Env` contract, the way Gymnasium's env checker does, and reports every problem.
 *
 * What it checks: the spaces (known kinds, valid parameters, `sample()` inside `contains()`); that `step()` before
 * the first `reset()` throws (with a factory); that `reset` and `step` return objects with the right fields, an
 * observation inside `observationSpace` (right typed-array class for the dtype, length, bounds), a finite number
 * `reward`, boolean `terminated`/`truncated` and a plain-object `info`; that a seed makes `reset` and the first
 * `step` deterministic (also across two envs from the factory); that observations are new objects that are never
 * modified afterwards; that `reset` accepts `options`; that resetting after an episode end works (over a random
 * rollout); and that `close()` may be called twice. Out-of-space actions that are accepted are warnings.
 *
 * Sync envs are checked synchronously: the report is returned directly. When the env returns promises, the report
 * comes as a promise; `await checkEnv(...)` works in both cases.
 *
 * @param env - an env, or a factory that makes a new env on each call (preferred: it allows the order checks).
 * @param options - seed, rollout length, whether to close.
 * @returns the report: `ok`, `problems` and `warnings`.
 *
 * @example
 * ```ts
 * import { checkEnv } from 'impala-rl/testing';
 * const report = await checkEnv(() => new MyEnv());
 * if (!report.ok) console.log(report.problems.join('\n'));
 * ```
 * @category Testing
 */
export function checkEnv(env: Env | (() => MaybePromise<Env>), options: CheckEnvOptions = {}): MaybePromise<CheckEnvReport> {
  const out = new Collector();
  const finish = (): CheckEnvReport => ({ ok: out.problems.length === 0, problems: out.problems, warnings: out.warnings });
  const result = drive(checkAll(env, options, out));
  return isPromiseLike(result) ? result.then(finish) : finish();
}

/**
 * Like {@link checkEnv}, but throws an {@link EnvCheckError} listing every problem when there is any.
 *
 * @param env - an env, or a factory that makes a new env on each call.
 * @param options - as for {@link checkEnv}.
 * @returns the report when there is no problem (synchronously for sync envs, else as a promise).
 * @category Testing
 */
export function assertEnv(env: Env | (() => MaybePromise<Env>), options: CheckEnvOptions = {}): MaybePromise<CheckEnvReport> {
  const out = new Collector();
  const finish = (name: string): CheckEnvReport => {
    const report = { ok: out.problems.length === 0, problems: out.problems, warnings: out.warnings };
    if (!report.ok) throw new EnvCheckError(name, report);
    return report;
  };
  const result = drive(checkAll(env, options, out));
  return isPromiseLike(result) ? result.then(finish) : finish(result);
}
