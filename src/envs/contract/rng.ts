/**
 * A small seedable random generator for envs and spaces: xoshiro128** (Blackman and Vigna, "Scrambled linear
 * pseudorandom number generators", ACM TOMS 2021), seeded through SplitMix64 as its authors recommend.
 *
 * Each `Rng` owns its 128-bit state; there is no shared or module-level generator.
 */
import { EnvError } from '../errors.js';

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;
const MASK_64 = (1n << 64n) - 1n;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** One SplitMix64 step: advances `state` by the golden gamma and returns the mixed 64-bit output. */
function splitMix64(state: bigint): { state: bigint; output: bigint } {
  const next = (state + 0x9e3779b97f4a7c15n) & MASK_64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
  return { state: next, output: z ^ (z >> 31n) };
}

/**
 * Throws unless `seed` is a non-negative safe integer (Gymnasium's rule for seeds).
 *
 * @param seed - the value to check.
 * @param where - the function name used in the error message.
 * @category Environments
 */
export function assertSeed(seed: unknown, where: string): asserts seed is number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new EnvError(`${where}: seed must be a non-negative safe integer, got ${String(seed)}`);
  }
}

/**
 * A seedable pseudorandom generator (xoshiro128**, period 2^128 − 1).
 *
 * `new Rng(seed)` is deterministic: the same seed gives the same stream on every platform. `new Rng()` seeds
 * itself from the system's entropy (`crypto.getRandomValues`).
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * rng.random();      // a float in [0, 1)
 * rng.integer(6);    // an integer in [0, 6)
 * rng.uniform(-1, 1);
 * ```
 * @category Environments
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /**
   * @param seed - a non-negative safe integer; omit it to seed from the system's entropy.
   */
  constructor(seed?: number) {
    if (seed === undefined) {
      const words = new Uint32Array(4);
      globalThis.crypto.getRandomValues(words);
      this.setState(words[0]! | 1, words[1]!, words[2]!, words[3]!);
      return;
    }
    assertSeed(seed, 'Rng');
    let sm = BigInt(seed);
    const a = splitMix64(sm);
    sm = a.state;
    const b = splitMix64(sm);
    // The 128-bit state is the two SplitMix64 outputs, low 32-bit word first.
    this.setState(
      Number(a.output & 0xffffffffn),
      Number(a.output >> 32n),
      Number(b.output & 0xffffffffn),
      Number(b.output >> 32n),
    );
  }

  /**
   * Builds a generator from an explicit 128-bit state (four 32-bit words), e.g. one saved with {@link Rng.getState}.
   *
   * @param state - four unsigned 32-bit words, not all zero.
   * @returns a generator that continues from `state`.
   */
  static fromState(state: ArrayLike<number>): Rng {
    if (state.length !== 4) throw new EnvError(`Rng.fromState: state must have 4 words, got ${state.length}`);
    const rng = new Rng(0);
    rng.setState(state[0]!, state[1]!, state[2]!, state[3]!);
    return rng;
  }

  private setState(a: number, b: number, c: number, d: number): void {
    if ((a | b | c | d) === 0) throw new EnvError('Rng: the all-zero state is not allowed');
    this.s0 = a >>> 0;
    this.s1 = b >>> 0;
    this.s2 = c >>> 0;
    this.s3 = d >>> 0;
  }

  /**
   * The generator's current state, to save and later restore with {@link Rng.fromState}.
   *
   * @returns a copy of the four 32-bit state words.
   */
  getState(): Uint32Array {
    return Uint32Array.of(this.s0, this.s1, this.s2, this.s3);
  }

  /**
   * A copy of this generator: both produce the same stream from here on.
   *
   * @returns a new, independent `Rng` with the same state.
   */
  clone(): Rng {
    return Rng.fromState(this.getState());
  }

  /**
   * The next raw output.
   *
   * @returns an unsigned 32-bit integer.
   */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2;
    const s3 = this.s3;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s1 = (s1 ^ n2) >>> 0;
    this.s0 = (s0 ^ n3) >>> 0;
    this.s2 = (n2 ^ t) >>> 0;
    this.s3 = rotl(n3, 11) >>> 0;
    return result;
  }

  /**
   * A float in [0, 1) with 53 random bits (two raw outputs).
   *
   * @returns a number `x` with `0 <= x < 1`.
   */
  random(): number {
    const a = this.nextUint32() >>> 5; // 27 bits
    const b = this.nextUint32() >>> 6; // 26 bits
    return (a * 67108864 + b) / TWO_POW_53;
  }

  /**
   * A float drawn uniformly from [low, high).
   *
   * @param low - inclusive lower bound.
   * @param high - exclusive upper bound, `high >= low`.
   * @returns `low + (high - low) * random()`.
   */
  uniform(low: number, high: number): number {
    if (!(high >= low)) throw new EnvError(`Rng.uniform: high ${high} < low ${low}`);
    return low + (high - low) * this.random();
  }

  /**
   * An integer drawn uniformly from [0, n), without modulo bias (rejection sampling on 32-bit outputs).
   *
   * @param n - an integer in [1, 2^32].
   * @returns an integer `k` with `0 <= k < n`.
   */
  integer(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new EnvError(`Rng.integer: n must be an integer in [1, 2^32], got ${n}`);
    }
    // Accept only outputs below the largest multiple of n that fits in 32 bits.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /**
   * A standard normal sample (Box–Muller; one pair of uniforms per sample, nothing cached between calls).
   *
   * @returns a draw from N(0, 1).
   */
  normal(): number {
    const u1 = 1 - this.random(); // in (0, 1], so the log is finite
    const u2 = this.random();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /**
   * An exponential sample with rate 1.
   *
   * @returns a draw from Exp(1), in [0, ∞).
   */
  exponential(): number {
    return -Math.log(1 - this.random());
  }

  /**
   * A new generator seeded from this one's stream: an independent sub-stream (e.g. one per copy of a vectorised env).
   *
   * @returns a new `Rng`.
   */
  fork(): Rng {
    let a = this.nextUint32();
    const b = this.nextUint32();
    const c = this.nextUint32();
    const d = this.nextUint32();
    if ((a | b | c | d) === 0) a = 1;
    return Rng.fromState([a, b, c, d]);
  }

  /**
   * Shuffles `array` in place (Fisher–Yates).
   *
   * @param array - the array to shuffle.
   * @returns the same array.
   */
  shuffle<T>(array: T[]): T[] {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.integer(i + 1);
      const tmp = array[i]!;
      array[i] = array[j]!;
      array[j] = tmp;
    }
    return array;
  }
}
