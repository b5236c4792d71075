// Spaces: membership, explanations, sampling and validation. Expected values follow Gymnasium's definitions of
// Discrete(n, start), MultiDiscrete(nvec) and Box(low, high, shape, dtype) (bounds cast to the dtype).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Box, Discrete, MultiDiscrete, Rng } from '../../src/index.js';

describe('Discrete', () => {
  test('contains the integers start..start+n-1 only', () => {
    const s = new Discrete(3);
    assert.deepEqual([-1, 0, 1, 2, 3].map((x) => s.contains(x)), [false, true, true, true, false]);
    assert.equal(s.contains(1.5), false);
    assert.equal(s.contains('1'), false);
    assert.equal(s.contains(NaN), false);
    const shifted = new Discrete(2, -1);
    assert.deepEqual([-2, -1, 0, 1].map((x) => shifted.contains(x)), [false, true, true, false]);
    assert.equal(s.toString(), 'Discrete(3)');
    assert.equal(shifted.toString(), 'Discrete(2, start=-1)');
    assert.deepEqual([s.kind, s.shape, s.dtype], ['discrete', [], 'int32']);
  });

  test('explains rejections in plain words', () => {
    const s = new Discrete(3);
    assert.equal(s.explain(2), undefined);
    assert.equal(s.explain(3), '3 is outside 0..2');
    assert.equal(s.explain(0.5), 'expected an integer, got 0.5');
    assert.equal(s.explain('1'), 'expected an integer number, got the string "1"');
  });

  test('samples every element, deterministically under a seed', () => {
    const s = new Discrete(4, 10);
    const a = Array.from({ length: 200 }, ((rng) => () => s.sample(rng))(new Rng(0)));
    const b = Array.from({ length: 200 }, ((rng) => () => s.sample(rng))(new Rng(0)));
    assert.deepEqual(a, b);
    assert.deepEqual([...new Set(a)].sort(), [10, 11, 12, 13]);
  });

  test('rejects bad parameters', () => {
    assert.throws(() => new Discrete(0), /Discrete: n must be a positive integer, got 0/);
    assert.throws(() => new Discrete(2.5), /Discrete: n must be a positive integer/);
  });
});

describe('MultiDiscrete', () => {
  test('contains Int32Arrays within nvec', () => {
    const s = new MultiDiscrete([2, 3]);
    assert.equal(s.contains(Int32Array.of(1, 2)), true);
    assert.equal(s.contains(Int32Array.of(2, 0)), false);
    assert.equal(s.contains(Int32Array.of(1)), false);
    assert.equal(s.contains([1, 2]), false);
    assert.equal(s.explain(Int32Array.of(0, 3)), 'component 1 is 3, outside 0..2');
    assert.equal(s.explain([1, 2]), 'expected an Int32Array, got an Array of length 2');
    assert.deepEqual(s.shape, [2]);
    assert.equal(s.toString(), 'MultiDiscrete([2, 3])');
  });

  test('samples inside the space', () => {
    const s = new MultiDiscrete([2, 3, 5]);
    const rng = new Rng(1);
    for (let i = 0; i < 100; i++) assert.ok(s.contains(s.sample(rng)));
  });

  test('rejects bad parameters', () => {
    assert.throws(() => new MultiDiscrete([]), /at least one component/);
    assert.throws(() => new MultiDiscrete([2, 0]), /nvec\[1\] must be a positive integer, got 0/);
  });
});

describe('Box', () => {
  test('contains typed arrays of its dtype, size and bounds', () => {
    const s = new Box({ low: [-1, 0], high: [1, Infinity], shape: [2] });
    assert.equal(s.dtype, 'float32');
    assert.equal(s.contains(Float32Array.of(0.5, 100)), true);
    assert.equal(s.contains(Float32Array.of(1.5, 0)), false);
    assert.equal(s.contains(Float32Array.of(0, -1)), false);
    assert.equal(s.contains(Float32Array.of(NaN, 0)), false);
    assert.equal(s.contains(Float64Array.of(0, 0)), false, 'wrong dtype');
    assert.equal(s.contains(Float32Array.of(0)), false, 'wrong size');
    assert.equal(s.contains([0, 0]), false, 'plain arrays are not elements');
    assert.equal(s.explain(Float64Array.of(0, 0)), 'expected a Float32Array (Box dtype float32), got a Float64Array of length 2');
    assert.equal(s.explain(Float32Array.of(0)), 'expected 2 elements (shape [2]), got 1');
    assert.equal(s.explain(Float32Array.of(2, 0)), 'element 0 is 2, outside [-1, 1]');
    assert.equal(s.explain(Float32Array.of(NaN, 0)), 'element 0 is NaN');
  });

  test('rounds float32 bounds to float32 like NumPy does', () => {
    const s = new Box({ low: -0.1, high: 0.1, shape: [1] });
    assert.equal(s.high[0], Math.fround(0.1));
    assert.equal(s.contains(Float32Array.of(0.1)), true);
  });

  test('uint8 images', () => {
    const s = new Box({ low: 0, high: 255, shape: [4, 5, 3], dtype: 'uint8' });
    assert.equal(s.size, 60);
    assert.equal(s.contains(new Uint8Array(60).fill(255)), true);
    assert.equal(s.contains(new Uint8ClampedArray(60)), false);
    const x = s.sample(new Rng(0));
    assert.ok(x instanceof Uint8Array && x.length === 60 && s.contains(x));
  });

  test('samples like Gymnasium: uniform, normal, exponential tails, integers', () => {
    const rng = new Rng(5);
    const s = new Box({ low: [-2, -Infinity, 1, -Infinity], high: [2, Infinity, Infinity, -3], shape: [4], dtype: 'float64' });
    let unboundedSum = 0;
    for (let i = 0; i < 2000; i++) {
      const x = s.sample(rng);
      assert.ok(s.contains(x));
      assert.ok(x[0]! >= -2 && x[0]! < 2);
      assert.ok(x[2]! >= 1);
      assert.ok(x[3]! <= -3);
      unboundedSum += x[1]!;
    }
    assert.ok(Math.abs(unboundedSum / 2000) < 0.15, 'the unbounded coordinate is drawn around 0');
    const ints = new Box({ low: -1, high: 1, shape: [3], dtype: 'int32' });
    const seen = new Set<number>();
    for (let i = 0; i < 300; i++) for (const v of ints.sample(rng)) seen.add(v);
    assert.deepEqual([...seen].sort(), [-1, 0, 1]);
    assert.ok(new Box({ low: 0, high: 1, shape: [1] }).isBounded);
    assert.equal(s.isBounded, false);
  });

  test("accepts Gymnasium's positional form Box(low, high, shape, dtype)", () => {
    const a = new Box(-1, 1, [2, 3]);
    assert.deepEqual([a.shape, a.dtype, a.size], [[2, 3], 'float32', 6]);
    const b = new Box([0, -1], [1, 1]);
    assert.deepEqual(b.shape, [2]);
    assert.deepEqual(Array.from(b.low), [0, -1]);
    const c = new Box(0, 255, [4], 'uint8');
    assert.equal(c.dtype, 'uint8');
    assert.equal(c.toString(), new Box({ low: 0, high: 255, shape: [4], dtype: 'uint8' }).toString());
    assert.throws(() => new Box(0, 1), /shape is needed when low and high are both numbers/);
  });

  test('rejects bad parameters', () => {
    assert.throws(() => new Box({ low: 0, high: 1, shape: [0] }), /shape must hold positive integers/);
    assert.throws(() => new Box({ low: [0, 0], high: 1, shape: [3] }), /low has 2 values, shape \[3\] needs 3/);
    assert.throws(() => new Box({ low: 1, high: 0, shape: [1] }), /low\[0\] = 1 > high\[0\] = 0/);
    assert.throws(() => new Box({ low: 0, high: 1, shape: [1], dtype: 'int8' as 'int32' }), /unknown dtype int8/);
  });
});
