// Parameter counts and the golden parameter inventory (name and shape of every variable), haiku style:
// when the fixture is missing, the test prints the JSON it expects and fails; IMPALA_UPDATE_GOLDEN=1 writes it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { setupTestBackend, tf } from '../helpers/tf.js';
import { ImpalaNetwork, type ImpalaNetworkOptions } from '../../src/index.js';

await setupTestBackend();

const FIXTURE = new URL('./fixtures/parameter-inventory.json', import.meta.url);

// The configurations of the inventory: the paper's two DMLab agents, an Atari-sized pair, and the small variants.
const CONFIGS: Record<string, ImpalaNetworkOptions> = {
  'deep-dmlab-language': { torso: 'deep', observationShape: [72, 96, 3], numActions: 9, lstmSize: 256, useInstruction: true },
  'shallow-dmlab-language': { torso: 'shallow', observationShape: [72, 96, 3], numActions: 9, lstmSize: 256, useInstruction: true },
  'deep-atari-feedforward': { torso: 'deep', observationShape: [84, 84, 4], numActions: 18, lstmSize: 0 },
  'shallow-atari-lstm': { torso: 'shallow', observationShape: [84, 84, 4], numActions: 18 },
  'mlp-cartpole': { torso: 'mlp', observationShape: [4], numActions: 2, lstmSize: null },
  'mlp-multidiscrete-lstm32': { torso: 'mlp', observationShape: [6], numActions: [3, 2], lstmSize: 32 },
};

interface Inventory {
  numParameters: number;
  variables: { name: string; shape: number[] }[];
}

function inventoryOf(options: ImpalaNetworkOptions): Inventory {
  const net = new ImpalaNetwork(options);
  try {
    return { numParameters: net.numParameters, variables: net.weightSpecs.map((s) => ({ name: s.name, shape: [...s.shape] })) };
  } finally {
    net.dispose();
  }
}

/** One variable per line, so diffs of the fixture read well. */
function formatInventory(all: Record<string, Inventory>): string {
  const blocks = Object.entries(all).map(([key, inv]) => {
    const lines = inv.variables.map((v) => `      ${JSON.stringify(v).replace(/,/g, ', ')}`);
    return `  ${JSON.stringify(key)}: {\n    "numParameters": ${inv.numParameters},\n    "variables": [\n${lines.join(',\n')}\n    ]\n  }`;
  });
  return `{\n${blocks.join(',\n')}\n}\n`;
}

describe('parameter counts', () => {
  // Expected counts: impala-reference.md §2.1 (1,628,010 = conv 97,600 + FC 884,992 + LSTM 601,088 + heads 2,570
  // + language 41,760, from scalable_agent's experiment.py) and §2.2 (1,230,426 for the A3C torso, the paper's "1.2 M").
  test('deep torso + LSTM 256 + heads + instruction encoder on 72×96×3 with 9 actions = 1,628,010', () => {
    assert.equal(inventoryOf(CONFIGS['deep-dmlab-language']!).numParameters, 1_628_010);
  });
  test('shallow (A3C) torso + same core and heads = 1,230,426', () => {
    assert.equal(inventoryOf(CONFIGS['shallow-dmlab-language']!).numParameters, 1_230_426);
  });
  test('per-part counts of the deep DMLab network match the reference breakdown', () => {
    // Breakdown from impala-reference.md §2.1.
    const inv = inventoryOf(CONFIGS['deep-dmlab-language']!);
    const sum = (prefix: string): number =>
      inv.variables.filter((v) => v.name.startsWith(prefix)).reduce((a, v) => a + v.shape.reduce((x, y) => x * y, 1), 0);
    assert.equal(sum('torso/section_'), 97_600);
    assert.equal(sum('torso/linear/'), 884_992);
    assert.equal(sum('core/lstm/'), 601_088);
    assert.equal(sum('policy/') + sum('baseline/'), 2_570);
    assert.equal(sum('instruction/'), 41_760);
  });
});

describe('golden parameter inventory', () => {
  test('names and shapes of every variable equal test/networks/fixtures/parameter-inventory.json', () => {
    const actual = Object.fromEntries(Object.entries(CONFIGS).map(([k, o]) => [k, inventoryOf(o)]));
    const json = formatInventory(actual);
    if (process.env.IMPALA_UPDATE_GOLDEN === '1') writeFileSync(FIXTURE, json);
    if (!existsSync(FIXTURE)) {
      process.stdout.write(`\n# expected inventory (save as ${FIXTURE.pathname}):\n${json}`);
      assert.fail('parameter-inventory.json is missing; its expected content was printed above');
    }
    assert.deepEqual(actual, JSON.parse(readFileSync(FIXTURE, 'utf8')));
  });

  test('names, order and initial values are deterministic; the seed changes values only', () => {
    const options = CONFIGS['mlp-multidiscrete-lstm32']!;
    const a = new ImpalaNetwork({ ...options, seed: 3 });
    const b = new ImpalaNetwork({ ...options, seed: 3 }); // second live network: engine names get a suffix
    const c = new ImpalaNetwork({ ...options, seed: 4 });
    try {
      assert.deepEqual(a.weightSpecs, b.weightSpecs);
      assert.deepEqual(a.getFlatWeights(), b.getFlatWeights());
      assert.notDeepEqual(a.getFlatWeights(), c.getFlatWeights());
      const engineNames = [...a.trainableVariables, ...b.trainableVariables].map((v) => v.name);
      assert.equal(new Set(engineNames).size, engineNames.length, 'engine variable names are unique across networks');
    } finally {
      a.dispose();
      b.dispose();
      c.dispose();
    }
    assert.equal(Object.keys(tf.engine().registeredVariables).length, 0, 'dispose() unregisters every variable');
  });
});
