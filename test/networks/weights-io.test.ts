// getWeights/setWeights and save/load (tfjs weights-manifest format). Expected values: the network's own
// outputs before the round trip, compared bit for bit (deepEqual on Float32Array).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupTestBackend, tf } from '../helpers/tf.js';
import { ImpalaNetwork, mlpTorso, type ImpalaNetworkOptions, type TorsoDefinition } from '../../src/index.js';
import { disposeInputs, makeUnrollInputs } from './network-inputs.js';

await setupTestBackend();

const OPTIONS: ImpalaNetworkOptions = { torso: 'deep', observationShape: [12, 12, 3], numActions: 5, lstmSize: 16, useInstruction: true };

function outputsOf(net: ImpalaNetwork): Float32Array[] {
  const inputs = makeUnrollInputs(net, 3, 2, 8);
  const out = tf.tidy(() => {
    const dones = tf.tensor([[1, 0], [0, 1], [0, 0]], [3, 2], 'bool');
    const r = net.unroll(inputs, dones, net.initialState(2));
    return [r.policyLogits, r.baseline, r.finalState!.c, r.finalState!.h];
  });
  const values = out.map((t) => t.dataSync() as Float32Array);
  tf.dispose(out);
  disposeInputs(inputs);
  return values;
}

function withTempDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'impala-networks-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

describe('getWeights / setWeights', () => {
  test('copy weights between differently seeded networks, per variable and flat', () => {
    const a = new ImpalaNetwork({ ...OPTIONS, seed: 1 });
    const b = new ImpalaNetwork({ ...OPTIONS, seed: 2 });
    const c = new ImpalaNetwork({ ...OPTIONS, seed: 3 });
    const expected = outputsOf(a);
    assert.notDeepEqual(outputsOf(b), expected);
    const weights = a.getWeights();
    assert.deepEqual(weights.map((w) => w.length), a.weightSpecs.map((s) => s.size));
    b.setWeights(weights);
    assert.deepEqual(outputsOf(b), expected);
    const flat = a.getFlatWeights();
    assert.equal(flat.length, a.numParameters);
    c.setWeights(flat);
    assert.deepEqual(outputsOf(c), expected);
    // setWeights copies: mutating the source afterwards changes nothing.
    flat.fill(0);
    assert.deepEqual(outputsOf(c), expected);
    [a, b, c].forEach((n) => { n.dispose(); });
  });

  test('size mismatches name the variable and assign nothing', () => {
    const net = new ImpalaNetwork({ ...OPTIONS, seed: 1 });
    const weights = net.getWeights();
    const before = net.getFlatWeights();
    const bad = weights.map((w, i) => (net.weightSpecs[i]!.name === 'core/lstm/bias' ? new Float32Array(w.length + 1) : new Float32Array(w.length).fill(1)));
    assert.throws(() => { net.setWeights(bad); }, /weights\[\d+\] for 'core\/lstm\/bias' \(shape \[64\]\) must have 64 values, got 65/);
    assert.deepEqual(net.getFlatWeights(), before, 'nothing was assigned');
    assert.throws(() => { net.setWeights(weights.slice(1)); }, /expected \d+ arrays/);
    assert.throws(() => { net.setWeights(new Float32Array(3)); }, /flat weights have 3 values, the network has \d+ parameters/);
    net.dispose();
  });
});

describe('save / load', () => {
  test(
    'save → load reproduces outputs bit for bit (into another network and via fromDirectory)',
    withTempDir(async (dir) => {
      const a = new ImpalaNetwork({ ...OPTIONS, seed: 1 });
      const expected = outputsOf(a);
      await a.save(dir);
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
        format: string;
        weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
        userDefinedMetadata: { impalaNetwork: { numParameters: number; torso: string } };
      };
      assert.equal(json.format, 'impala-rl-network');
      assert.deepEqual(json.weightsManifest[0]!.paths, ['group1-shard1of1.bin']);
      assert.deepEqual(
        json.weightsManifest[0]!.weights.map((w) => [w.name, w.shape, w.dtype]),
        a.weightSpecs.map((s) => [s.name, s.shape, 'float32']),
      );
      assert.equal(json.userDefinedMetadata.impalaNetwork.numParameters, a.numParameters);
      assert.equal(readFileSync(join(dir, 'group1-shard1of1.bin')).byteLength, 4 * a.numParameters);

      const b = new ImpalaNetwork({ ...OPTIONS, seed: 2 });
      await b.load(dir);
      assert.deepEqual(outputsOf(b), expected);
      assert.deepEqual(b.getFlatWeights(), a.getFlatWeights());

      const c = await ImpalaNetwork.fromDirectory(dir);
      assert.equal(c.torsoKind, 'deep');
      assert.deepEqual(outputsOf(c), expected);
      [a, b, c].forEach((n) => { n.dispose(); });
    }),
  );

  test(
    'loading a file with wrong shapes fails with an error naming the variable, and changes nothing',
    withTempDir(async (dir) => {
      // 7 actions: the core input grows by 2 (one-hot), so core/lstm/kernel is [344, 64] instead of [342, 64].
      const other = new ImpalaNetwork({ ...OPTIONS, numActions: 7 });
      await other.save(dir);
      other.dispose();
      const net = new ImpalaNetwork(OPTIONS);
      const before = net.getFlatWeights();
      await assert.rejects(net.load(dir), /ImpalaNetwork\.load: variable 'core\/lstm\/kernel' has shape \[344, 64\] in .*model\.json but the network expects \[342, 64\]/);
      assert.deepEqual(net.getFlatWeights(), before);
      net.dispose();
    }),
  );

  test(
    'missing, extra and truncated weights are reported clearly',
    withTempDir(async (dir) => {
      const net = new ImpalaNetwork({ torso: 'mlp', observationShape: [3], numActions: 2, lstmSize: 4 });
      await net.save(dir);
      const path = join(dir, 'model.json');
      const json = JSON.parse(readFileSync(path, 'utf8')) as { weightsManifest: { weights: { name: string }[] }[] };
      const original = JSON.stringify(json);

      json.weightsManifest[0]!.weights[0]!.name = 'torso/renamed';
      writeFileSync(path, JSON.stringify(json));
      await assert.rejects(net.load(dir), /variable 'torso\/linear_0\/kernel' \(shape \[3, 64\]\) is missing/);

      writeFileSync(path, original);
      writeFileSync(join(dir, 'group1-shard1of1.bin'), new Uint8Array(8));
      await assert.rejects(net.load(dir), /ends at byte \d+ but the shards of its group hold 8 bytes/);

      await assert.rejects(net.load(join(dir, 'nowhere')), /ImpalaNetwork\.load: cannot read .*model\.json/);
      net.dispose();
    }),
  );

  test(
    'a custom torso is saved by kind; fromDirectory needs it passed back',
    withTempDir(async (dir) => {
      const custom: TorsoDefinition = { kind: 'my-torso', build: (ctx) => mlpTorso({ hiddenSizes: [8] }).build(ctx) };
      const a = new ImpalaNetwork({ torso: custom, observationShape: [3], numActions: 2, lstmSize: 4, seed: 5 });
      await a.save(dir);
      await assert.rejects(ImpalaNetwork.fromDirectory(dir), /saved torso 'my-torso' is custom; pass it as overrides\.torso/);
      const b = await ImpalaNetwork.fromDirectory(dir, { torso: custom });
      assert.deepEqual(b.getFlatWeights(), a.getFlatWeights());
      a.dispose();
      b.dispose();
    }),
  );
});
