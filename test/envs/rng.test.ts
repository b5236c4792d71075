// The seedable generator: xoshiro128** seeded through SplitMix64.
// Expected raw outputs come from a C build of the published algorithms (Blackman & Vigna's xoshiro128** and
// SplitMix64, compiled with gcc): state [1, 2, 3, 4] gives 11520, 0, 5927040, 70819200, 2031721883, 1637235492
// (the same vector the rand_xoshiro crate tests against); SplitMix64 from 0 gives 0xe220a8397b1dcdaf first.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/index.js';

describe('Rng (xoshiro128**)', () => {
  test('raw outputs from state [1, 2, 3, 4] match the reference implementation', () => {
    const rng = Rng.fromState([1, 2, 3, 4]);
    assert.deepEqual(
      Array.from({ length: 6 }, () => rng.nextUint32()),
      [11520, 0, 5927040, 70819200, 2031721883, 1637235492],
    );
  });

  test('seeding through SplitMix64 matches the reference implementation', () => {
    // State words = the two SplitMix64 outputs, low 32-bit word first.
    assert.deepEqual(Array.from(new Rng(0).getState()), [0x7b1dcdaf, 0xe220a839, 0xa1b965f4, 0x6e789e6a]);
    const cases: [number, number[]][] = [
      [0, [3737715805, 2584255861, 2876756834, 3286328325, 1553311962]],
      [42, [1776835114, 4165204688, 17111135, 2317295270, 2792088233]],
      [123456789, [1346704765, 2882174560, 1840973710, 4030037534, 3644170367]],
    ];
    for (const [seed, expected] of cases) {
      const rng = new Rng(seed);
      assert.deepEqual(Array.from({ length: 5 }, () => rng.nextUint32()), expected, `seed ${seed}`);
    }
  });

  test('same seed, same stream; different seeds, different streams', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const xs = Array.from({ length: 20 }, () => a.random());
    assert.deepEqual(Array.from({ length: 20 }, () => b.random()), xs);
    assert.notDeepEqual(Array.from({ length: 20 }, () => c.random()), xs);
  });

  test('unseeded generators draw their seed from entropy', () => {
    assert.notDeepEqual(Array.from(new Rng().getState()), Array.from(new Rng().getState()));
  });

  test('rejects seeds that are not non-negative safe integers', () => {
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53]) {
      assert.throws(() => new Rng(bad), /Rng: seed must be a non-negative safe integer/);
    }
    assert.throws(() => Rng.fromState([0, 0, 0, 0]), /all-zero state/);
    assert.throws(() => Rng.fromState([1, 2, 3]), /4 words/);
  });

  test('random() is in [0, 1) with mean near 1/2; uniform() respects its bounds', () => {
    const rng = new Rng(1);
    let sum = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const x = rng.random();
      assert.ok(x >= 0 && x < 1);
      sum += x;
      const u = rng.uniform(-0.05, 0.05);
      assert.ok(u >= -0.05 && u < 0.05);
    }
    // Standard error of the mean of U(0,1) over 20000 draws is 0.002; allow 5 of them.
    assert.ok(Math.abs(sum / n - 0.5) < 0.01, `mean ${sum / n}`);
    assert.throws(() => rng.uniform(1, 0), /high 0 < low 1/);
  });

  test('integer(n) covers [0, n) evenly', () => {
    const rng = new Rng(2);
    const counts = new Array<number>(6).fill(0);
    const n = 60000;
    for (let i = 0; i < n; i++) counts[rng.integer(6)]!++;
    // Each count is Binomial(60000, 1/6): sd ≈ 91; allow 5 sd.
    for (const c of counts) assert.ok(Math.abs(c - n / 6) < 460, `counts ${counts.join(',')}`);
    assert.equal(rng.integer(1), 0);
    assert.ok(rng.integer(2 ** 32) < 2 ** 32);
    assert.throws(() => rng.integer(0), /integer in \[1, 2\^32\]/);
    assert.throws(() => rng.integer(2.5), /integer in \[1, 2\^32\]/);
  });

  test('normal() has mean 0 and variance 1; exponential() mean 1', () => {
    const rng = new Rng(3);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    let e = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      s += z;
      s2 += z * z;
      e += rng.exponential();
    }
    assert.ok(Math.abs(s / n) < 0.04, `mean ${s / n}`);
    assert.ok(Math.abs(s2 / n - 1) < 0.06, `variance ${s2 / n}`);
    assert.ok(Math.abs(e / n - 1) < 0.04, `exponential mean ${e / n}`);
  });

  test('getState/fromState and clone continue the same stream; fork gives a different one', () => {
    const rng = new Rng(9);
    rng.nextUint32();
    const copy = Rng.fromState(rng.getState());
    const clone = rng.clone();
    const next = Array.from({ length: 5 }, () => rng.nextUint32());
    assert.deepEqual(Array.from({ length: 5 }, () => copy.nextUint32()), next);
    assert.deepEqual(Array.from({ length: 5 }, () => clone.nextUint32()), next);
    const fork = rng.fork();
    assert.notDeepEqual(Array.from({ length: 5 }, () => fork.nextUint32()), Array.from({ length: 5 }, () => rng.nextUint32()));
  });

  test('shuffle is a seeded permutation', () => {
    const a = new Rng(4).shuffle([0, 1, 2, 3, 4, 5, 6, 7]);
    const b = new Rng(4).shuffle([0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(a, b);
    assert.deepEqual([...a].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
