// Shared builders of small, seeded network inputs for the networks tests (not a test file itself).
import { tf } from '../helpers/tf.js';
import { encodeInstructions, type ImpalaNetwork, type InstructionInput, type NetworkUnrollInputs } from '../../src/index.js';

/** Deterministic pseudo-random integers in [0, n) (a small LCG, so the tests need no Math.random). */
export function seededInts(count: number, n: number, seed: number): Int32Array {
  const out = new Int32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = Math.floor((s / 4294967296) * n);
  }
  return out;
}

/** Deterministic pseudo-random floats in [lo, hi). */
export function seededFloats(count: number, lo: number, hi: number, seed: number): Float32Array {
  const ints = seededInts(count, 1 << 30, seed);
  return Float32Array.from(ints, (v) => lo + ((hi - lo) * v) / (1 << 30));
}

const WORDS = ['go', 'to', 'the', 'red', 'blue', 'balloon', 'hat', 'key', 'pick', 'apple'];

/** Unroll inputs `[T, B, ...]` for `net` (pixel frames as int32 0–255, or floats for vector observations). */
export function makeUnrollInputs(net: ImpalaNetwork, time: number, batch: number, seed: number): NetworkUnrollInputs {
  const obsSize = net.observationShape.reduce((a, b) => a * b, 1) * time * batch;
  const pixels = net.torsoKind === 'deep' || net.torsoKind === 'shallow';
  const observation = pixels
    ? tf.tensor(seededInts(obsSize, 256, seed), [time, batch, ...net.observationShape], 'int32')
    : tf.tensor(seededFloats(obsSize, -2, 2, seed), [time, batch, ...net.observationShape], 'float32');
  const heads = net.actionSizes.length;
  const actions = new Int32Array(time * batch * heads);
  for (let k = 0; k < actions.length; k++) actions[k] = seededInts(1, net.actionSizes[k % heads]!, seed + 7 * k + 1)[0]!;
  const lastAction = tf.tensor(actions, net.multiDiscrete ? [time, batch, heads] : [time, batch], 'int32');
  const lastReward = tf.tensor(seededFloats(time * batch, -3, 3, seed + 1), [time, batch], 'float32');
  let instruction: InstructionInput | undefined;
  if (net.useInstruction) {
    const lengths = seededInts(time * batch, 5, seed + 2); // 0..4 words, so empty instructions occur
    const texts = Array.from(lengths, (n, r) => Array.from(seededInts(n, WORDS.length, seed + 100 + r), (w) => WORDS[w]).join(' '));
    instruction = encodeInstructions(texts, { leadingShape: [time, batch], maxLength: 4 });
  }
  return instruction === undefined ? { observation, lastAction, lastReward } : { observation, lastAction, lastReward, instruction };
}

/** Disposes every tensor of unroll inputs. */
export function disposeInputs(inputs: NetworkUnrollInputs): void {
  tf.dispose([inputs.observation, inputs.lastAction, inputs.lastReward]);
  if (inputs.instruction !== undefined) tf.dispose([inputs.instruction.tokens, inputs.instruction.lengths]);
}

/** Slice `t` of unroll inputs, as step inputs `[B, ...]` (new tensors). */
export function stepSlice(inputs: NetworkUnrollInputs, t: number): NetworkUnrollInputs {
  const at = (x: tf.Tensor): tf.Tensor => tf.tidy(() => tf.squeeze(tf.slice(x, [t], [1]), [0]));
  const base = { observation: at(inputs.observation), lastAction: at(inputs.lastAction), lastReward: at(inputs.lastReward) };
  return inputs.instruction === undefined
    ? base
    : { ...base, instruction: { tokens: at(inputs.instruction.tokens), lengths: at(inputs.instruction.lengths) } };
}

/** Max |a - b| over two tensors of equal shape. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}
