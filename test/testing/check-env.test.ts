// checkEnv over every built-in env (no problem expected) and over deliberately broken envs, each of which must be
// reported with a plain-words message naming what is wrong.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Box, Discrete, createEnvRegistry, makeEnv } from '../../src/index.js';
import type { Env, ResetArgs, ResetResult, StepResult } from '../../src/index.js';
import { EnvCheckError, assertEnv, checkEnv } from '../../src/testing/index.js';
import type { CheckEnvReport } from '../../src/testing/index.js';
import { CountingEnv } from '../helpers/envs.js';

/** Which contract breach a `BrokenEnv` commits. */
type Fault =
  | 'float64-observation'
  | 'out-of-bounds'
  | 'numeric-terminated'
  | 'missing-truncated'
  | 'nan-reward'
  | 'string-reward'
  | 'no-info'
  | 'unseeded-reset'
  | 'steps-before-reset'
  | 'tuple-reset'
  | 'reused-buffer'
  | 'rejects-options'
  | 'accepts-bad-action'
  | 'close-twice-throws'
  | 'shared-counter'
  | 'ignores-action-seed'
  | 'reset-throws';

let sharedCounter = 0; // deliberately shared across instances, for the 'shared-counter' fault

/**
 * A correct little env (observation [t, seed-derived value] in [-10, 10]^2 float32, 3 actions, terminating after
 * 4 steps) unless one of `faults` is set.
 */
class BrokenEnv implements Env<Float32Array, number> {
  readonly observationSpace = new Box({ low: -10, high: 10, shape: [2] });
  readonly actionSpace = new Discrete(3);
  private readonly faults: Set<Fault>;
  private t = -1;
  private value = 0;
  private closed = false;
  private readonly buffer = new Float32Array(2);

  constructor(...faults: Fault[]) {
    this.faults = new Set(faults);
  }

  private obs(): Float32Array {
    if (this.faults.has('float64-observation')) return Float64Array.of(this.t, this.value) as unknown as Float32Array;
    if (this.faults.has('out-of-bounds')) return Float32Array.of(this.t + 11, this.value);
    if (this.faults.has('reused-buffer')) {
      this.buffer[0] = this.t;
      this.buffer[1] = this.value;
      return this.buffer;
    }
    return Float32Array.of(this.t, this.value);
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    if (this.faults.has('reset-throws')) throw new Error('cannot reset');
    if (this.faults.has('rejects-options') && args.options !== undefined) throw new TypeError('unexpected options');
    this.t = 0;
    if (this.faults.has('unseeded-reset')) this.value = Math.random();
    else if (this.faults.has('shared-counter')) this.value = (sharedCounter++ % 7) / 10;
    else this.value = ((args.seed ?? 0) % 10) / 10;
    const result = { observation: this.obs(), info: {} };
    if (this.faults.has('tuple-reset')) return [result.observation, {}] as unknown as ResetResult<Float32Array>;
    return result;
  }

  step(action: number): StepResult<Float32Array> {
    if (this.t < 0 && !this.faults.has('steps-before-reset')) throw new Error('BrokenEnv.step: reset first');
    if (!this.actionSpace.contains(action) && !this.faults.has('accepts-bad-action')) throw new RangeError('bad action');
    this.t++;
    if (this.faults.has('ignores-action-seed')) this.value = Math.random();
    else this.value = action / 10;
    const terminated = this.t >= 4;
    const result: Record<string, unknown> = {
      observation: this.obs(),
      reward: this.faults.has('nan-reward') ? NaN : this.faults.has('string-reward') ? '1' : 1,
      terminated: this.faults.has('numeric-terminated') ? (terminated ? 1 : 0) : terminated,
      truncated: false,
      info: {},
    };
    if (this.faults.has('missing-truncated')) delete result.truncated;
    if (this.faults.has('no-info')) delete result.info;
    return result as unknown as StepResult<Float32Array>;
  }

  close(): void {
    if (this.closed && this.faults.has('close-twice-throws')) throw new Error('already closed');
    this.closed = true;
  }
}

function expectProblem(report: CheckEnvReport, pattern: RegExp): void {
  assert.equal(report.ok, false, 'the report is not ok');
  assert.ok(
    report.problems.some((p) => pattern.test(p)),
    `expected a problem matching ${String(pattern)}, got:\n${report.problems.join('\n')}`,
  );
}

/** The same env answering with promises (settled on a later macrotask, like an env in another process). */
function asAsync(inner: BrokenEnv): Env<Float32Array, number> {
  const later = <T>(fn: () => T): Promise<T> =>
    new Promise((resolve, reject) =>
      setTimeout(() => {
        try {
          resolve(fn());
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      }, 0),
    );
  return {
    observationSpace: inner.observationSpace,
    actionSpace: inner.actionSpace,
    reset: (args) => later(() => inner.reset(args)),
    step: (a) => later(() => inner.step(a)),
    close: () => later(() => { inner.close(); }),
  };
}

async function check(...faults: Fault[]): Promise<CheckEnvReport> {
  return checkEnv(() => new BrokenEnv(...faults));
}

describe('checkEnv on the built-in envs', () => {
  for (const id of createEnvRegistry().ids()) {
    test(`${id} passes (given a factory)`, () => {
      const report = checkEnv(() => makeEnv(id)) as CheckEnvReport;
      assert.ok(!(report instanceof Promise), 'sync envs are checked synchronously');
      assert.deepEqual(report.problems, []);
      assert.equal(report.ok, true);
      assert.deepEqual(report.warnings, []);
    });
  }

  test('an env instance passes too, with a note that step-before-reset was not checked', async () => {
    const report = await checkEnv(makeEnv('CartPole-v1'));
    assert.equal(report.ok, true);
    assert.deepEqual(report.warnings, ['step() before reset() was not checked: pass a factory (() => env) to check it']);
  });

  test('the correct reference env of these tests passes', async () => {
    const report = await check();
    assert.deepEqual(report.problems, []);
  });
});

describe('checkEnv finds broken envs', () => {
  test('wrong observation dtype', async () => {
    expectProblem(
      await check('float64-observation'),
      /reset\(\{ seed: 123 \}\)\.observation is not in observationSpace Box\(float32, \[2\].*expected a Float32Array \(Box dtype float32\), got a Float64Array/,
    );
  });

  test('observation out of bounds', async () => {
    expectProblem(await check('out-of-bounds'), /observation is not in observationSpace .*element 0 is 11, outside \[-10, 10\]/);
  });

  test('terminated that is not a boolean', async () => {
    expectProblem(await check('numeric-terminated'), /\.terminated must be a boolean \(true or false\), got number 0/);
  });

  test('missing truncated', async () => {
    expectProblem(await check('missing-truncated'), /\.truncated must be a boolean \(true or false\), got undefined/);
  });

  test('NaN or non-number rewards', async () => {
    expectProblem(await check('nan-reward'), /\.reward must be finite, got NaN/);
    expectProblem(await check('string-reward'), /\.reward must be a number, got string "1"/);
  });

  test('missing info', async () => {
    expectProblem(await check('no-info'), /\.info must be a plain object, got undefined/);
  });

  test('reset that ignores the seed', async () => {
    expectProblem(await check('unseeded-reset'), /reset\(\{ seed: 123 \}\) is not deterministic/);
  });

  test('step that is not deterministic under a seed', async () => {
    expectProblem(await check('ignores-action-seed'), /step\(\d\) is not deterministic: after reset\(\{ seed: 123 \}\) the same action gave a different observation/);
  });

  test('random state shared between instances', async () => {
    expectProblem(await check('shared-counter'), /two envs from the factory, both reset with seed 123, gave different observations/);
  });

  test('step before reset that does not throw', async () => {
    expectProblem(await check('steps-before-reset'), /step\(\) before the first reset\(\) returned a result; it must throw/);
  });

  test('reset returning a tuple instead of { observation, info }', async () => {
    expectProblem(await check('tuple-reset'), /reset\(\{ seed: 123 \}\) must return \{ observation, info \}, got an Array of length 2/);
  });

  test('observation buffers reused between steps', async () => {
    expectProblem(await check('reused-buffer'), /returned the same observation object as reset\(\); every observation must be a new object/);
  });

  test('reset that refuses options', async () => {
    expectProblem(await check('rejects-options'), /reset\(\{ seed: 123, options: \{\} \}\) threw TypeError: unexpected options; reset must accept options/);
  });

  test('reset that throws stops the check with that error', async () => {
    const report = await check('reset-throws');
    assert.deepEqual(report.problems, ['reset({ seed: 123 }) threw Error: cannot reset']);
  });

  test('accepting out-of-space actions and failing a second close() are warnings', async () => {
    const report = await check('accepts-bad-action', 'close-twice-throws');
    assert.equal(report.ok, true);
    assert.deepEqual(report.warnings, [
      'step(3) accepted an action outside actionSpace Discrete(3)',
      'calling close() a second time threw Error: already closed; closing twice should be allowed',
    ]);
  });

  test('every problem is reported, not just the first', async () => {
    const report = await check('float64-observation', 'numeric-terminated', 'nan-reward', 'no-info', 'steps-before-reset');
    assert.ok(report.problems.length >= 5, report.problems.join('\n'));
    for (const pattern of [/Float64Array/, /terminated must be a boolean/, /reward must be finite/, /info must be a plain object/, /before the first reset/]) {
      expectProblem(report, pattern);
    }
  });

  test('missing or invalid spaces', async () => {
    const noSpaces = { reset: () => ({ observation: 0, info: {} }), step: () => ({}) } as unknown as Env;
    const report = await checkEnv(noSpaces);
    expectProblem(report, /observationSpace is missing or is not a space \(got undefined\)/);
    expectProblem(report, /actionSpace is missing or is not a space \(got undefined\)/);
    const lying = new CountingEnv();
    Object.defineProperty(lying, 'actionSpace', {
      value: { kind: 'discrete', n: 2, shape: [], dtype: 'int32', contains: () => false, sample: () => 0, toString: () => 'Lying' },
    });
    expectProblem(await checkEnv(lying), /actionSpace\.sample\(\) returned a value that actionSpace\.contains\(\) rejects/);
    expectProblem(await checkEnv({} as Env), /must be an object with reset\(\) and step\(\) methods/);
  });

  test('a factory that throws', async () => {
    const report = await checkEnv(() => {
      throw new Error('no such env');
    });
    assert.deepEqual(report.problems, ['the env factory threw Error: no such env']);
  });
});

describe('checkEnv on async envs', () => {
  test('a correct async env passes, and the report comes as a promise', async () => {
    const pending = checkEnv(() => asAsync(new BrokenEnv()), { rolloutSteps: 12 });
    assert.ok(pending instanceof Promise);
    assert.deepEqual((await pending).problems, []);
  });

  test('an env whose reset depends on how many episodes it ran is caught', async () => {
    // CountingEnv's observation holds its episode counter, so two resets with one seed differ.
    const report = await checkEnv(() => new CountingEnv({ async: true }), { rolloutSteps: 5 });
    expectProblem(report, /reset\(\{ seed: 123 \}\) is not deterministic/);
  });

  test('problems of an async env are found too', async () => {
    expectProblem(await checkEnv(() => asAsync(new BrokenEnv('numeric-terminated'))), /terminated must be a boolean/);
  });

  test('rejected promises are reported as throws', async () => {
    const rejecting = (): Env => ({
      observationSpace: new Box({ low: 0, high: 1, shape: [1] }),
      actionSpace: new Discrete(2),
      reset: () => Promise.reject(new Error('subprocess died')),
      step: () => Promise.reject(new Error('no')),
    });
    const report = await checkEnv(rejecting);
    assert.deepEqual(report.problems, ['reset({ seed: 123 }) threw Error: subprocess died']);
  });
});

describe('assertEnv', () => {
  test('throws an EnvCheckError listing every problem', () => {
    assert.throws(
      () => assertEnv(() => new BrokenEnv('nan-reward', 'no-info')),
      (error: unknown) => {
        assert.ok(error instanceof EnvCheckError);
        assert.match(error.message, /^checkEnv: BrokenEnv has \d+ problems:\n {2}1\. /);
        assert.match(error.message, /reward must be finite, got NaN/);
        assert.match(error.message, /info must be a plain object, got undefined/);
        assert.ok(error.problems.length >= 2);
        return true;
      },
    );
  });

  test('returns the report for a correct env and rejects for a broken async one', async () => {
    const report = assertEnv(() => makeEnv('Acrobot-v1')) as CheckEnvReport;
    assert.equal(report.ok, true);
    await assert.rejects(
      async () =>
        assertEnv(() => ({
          observationSpace: new Box({ low: 0, high: 1, shape: [1] }),
          actionSpace: new Discrete(2),
          reset: () => Promise.resolve({ observation: Float32Array.of(2), info: {} }),
          step: () => Promise.resolve({ observation: Float32Array.of(0), reward: 0, terminated: false, truncated: false, info: {} }),
        })),
      EnvCheckError,
    );
  });
});
