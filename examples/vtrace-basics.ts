/**
 * V-trace from logits on a hand-sized batch (T = 3, B = 2, two actions): behaviour and target policies, the
 * clipped importance weights, and the targets `vs` and policy-gradient advantages it prints. (The README's
 * "V-trace in 10 lines" uses `fromImportanceWeights`; this is its `fromLogits` counterpart.) Instant.
 *
 *   npx tsx examples/vtrace-basics.ts
 */
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { vtrace } from 'impala-rl';

/** Runs the example; returns the printed targets so a test can check them. */
export async function main(): Promise<{ vs: number[][]; pgAdvantages: number[][] }> {
  await tf.setBackend('cpu');
  // T = 3 steps, B = 2 actors, A = 2 actions; the episode of actor 1 ends at step 1 (discount 0).
  const r = vtrace.fromLogits({
    behaviourPolicyLogits: tf.tensor3d([[[0, 0], [1, 0]], [[0, 1], [0, 0]], [[2, 0], [0, 0]]]),
    targetPolicyLogits: tf.tensor3d([[[1, 0], [1, 0]], [[0, 2], [0, 0]], [[1, 0], [0, 1]]]),
    actions: tf.tensor2d([[0, 1], [1, 0], [0, 1]], undefined, 'int32'),
    discounts: tf.tensor2d([[0.99, 0.99], [0.99, 0], [0.99, 0.99]]),
    rewards: tf.tensor2d([[0, 1], [0, 0], [1, 0]]),
    values: tf.tensor2d([[0.5, 0.2], [0.6, 0.1], [0.7, 0.3]]),
    bootstrapValue: tf.tensor1d([0.8, 0.4]),
  });
  const out = { vs: (await r.vs.array()) as number[][], pgAdvantages: (await r.pgAdvantages.array()) as number[][] };
  console.log('vs', out.vs, '\npgAdvantages', out.pgAdvantages);
  tf.dispose(Object.values(r));
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
