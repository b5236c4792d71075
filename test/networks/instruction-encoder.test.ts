// Instruction input: tokenisation into tensors and the "last valid output" rule. Expected values: the
// network's own outputs for equivalent inputs (tokens past a row's length must not matter; an empty
// instruction yields one padded step whose output is ignored, i.e. a zero embedding as in the original).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setupTestBackend, tf } from '../helpers/tf.js';
import { ImpalaNetwork, encodeInstructions, instructionWordBuckets } from '../../src/index.js';

await setupTestBackend();

describe('encodeInstructions', () => {
  test('shapes, padding, truncation and leading shape', () => {
    tf.tidy(() => {
      const a = encodeInstructions(['Go to the red hat', '', 'apple']);
      assert.deepEqual(a.tokens.shape, [3, 5]);
      assert.deepEqual(a.lengths.arraySync(), [5, 0, 1]);
      assert.deepEqual((a.tokens.arraySync() as number[][])[0], instructionWordBuckets('go to the red hat'));
      assert.deepEqual((a.tokens.arraySync() as number[][])[1], [0, 0, 0, 0, 0]);
      const empty = encodeInstructions(['', '  ']);
      assert.deepEqual(empty.tokens.shape, [2, 1], 'an all-empty batch still has one token step');
      assert.deepEqual(empty.lengths.arraySync(), [0, 0]);
      const cut = encodeInstructions(['a b c', 'd'], { maxLength: 2 });
      assert.deepEqual(cut.lengths.arraySync(), [2, 1]);
      const tb = encodeInstructions(['a', 'b', 'c', 'd', 'e', 'f'], { leadingShape: [3, 2] });
      assert.deepEqual(tb.tokens.shape, [3, 2, 1]);
      assert.deepEqual(tb.lengths.shape, [3, 2]);
      assert.equal(a.tokens.dtype, 'int32');
    });
    assert.throws(() => encodeInstructions(['a'], { leadingShape: [2, 2] }), /leadingShape \[2, 2\] holds 4 rows but 1 texts were given/);
    assert.throws(() => encodeInstructions(['a'], { maxLength: 0 }), /maxLength must be an integer >= 1/);
  });
});

describe('instruction encoder in the network', () => {
  const net = new ImpalaNetwork({ torso: 'mlp', observationShape: [2], numActions: 3, lstmSize: 0, useInstruction: true, seed: 2 });
  const run = (tokens: number[][], lengths: number[]): number[][] =>
    tf.tidy(() => {
      const out = net.step(
        {
          observation: tf.tensor2d([[0.5, -1], [0.5, -1]]),
          lastAction: tf.tensor1d([1, 1], 'int32'),
          lastReward: tf.tensor1d([0.3, 0.3]),
          instruction: { tokens: tf.tensor2d(tokens, undefined, 'int32'), lengths: tf.tensor1d(lengths, 'int32') },
        },
        null,
      );
      return out.policyLogits.arraySync();
    });

  test('tokens after a row\'s length do not change its output (last valid output is used)', () => {
    const a = run([[5, 9, 0, 0], [5, 9, 0, 0]], [2, 2]);
    const b = run([[5, 9, 17, 999], [5, 9, 3, 3]], [2, 2]);
    assert.deepEqual(b, a);
    const c = run([[5, 9, 17, 999], [5, 9, 3, 3]], [3, 3]);
    assert.notDeepEqual(c[0], a[0], 'a longer valid length does change the output');
  });

  test('an empty instruction gives the same output whatever its padding (zero embedding)', () => {
    const a = run([[0], [0]], [0, 0]);
    const b = run([[123], [7]], [0, 0]);
    assert.deepEqual(b, a);
    assert.deepEqual(a[0], a[1]);
    assert.notDeepEqual(run([[123], [7]], [1, 1])[0], a[0]);
    net.dispose();
  });
});
