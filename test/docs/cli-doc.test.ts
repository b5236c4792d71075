// docs/cli.md matches the code: the flag tables list exactly the flags of `train` and `eval`, every
// TrainConfig field has a flag, and the run directory holds exactly the files it documents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import '../helpers/tf.js';
import { TRAIN_DEFAULTS, type TrainConfig } from '../../src/agent/train-config.js';
import { addEvalOptions } from '../../src/cli/eval-command.js';
import { runCli } from '../../src/cli/program.js';
import { addTrainOptions } from '../../src/cli/train-args.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const doc = readFileSync(join(root, 'docs/cli.md'), 'utf8');

/** The first-column flags of the first table after `heading`. */
function documentedFlags(heading: string): string[] {
  const section = doc.slice(doc.indexOf(heading));
  const table = section.slice(section.indexOf('\n|')).split('\n\n')[0]!;
  return table.split('\n').map((row) => /^\| `(--[\w-]+)/.exec(row)?.[1]).filter((f): f is string => f !== undefined).sort();
}

const realFlags = (command: Command): string[] => command.options.map((o) => o.long!).filter((f) => f !== '--help').sort();

test('docs/cli.md lists exactly the flags of impala-rl train', () => {
  assert.deepEqual(documentedFlags('### Flags'), realFlags(addTrainOptions(new Command('train'))));
});

test('docs/cli.md lists exactly the flags of impala-rl eval', () => {
  assert.deepEqual(documentedFlags('## `impala-rl eval`'), realFlags(addEvalOptions(new Command('eval'))));
});

// Every TrainConfig field, checked by the compiler: adding a field to TrainConfig fails to compile here.
const TRAIN_CONFIG_FIELDS = {
  env: true, envOptions: true, totalFrames: true, seed: true, numActors: true, envsPerActor: true, unrollLength: true,
  batchSize: true, torso: true, lstmSize: true, mlpHiddenSizes: true, discount: true, baselineCost: true, entropyCost: true,
  rewardClipping: true, rewardScale: true, learningRate: true, optimizer: true, rmspropEpsilon: true, rmspropDecay: true,
  maxGradNorm: true, actionRepeats: true, runDir: true, logIntervalSeconds: true, checkpointIntervalSeconds: true,
  resume: true, actorMode: true, actorBackend: true, workerSetupModule: true, compile: true,
  checkpointsKept: true, actorTimeoutSeconds: true, inference: true, inferenceBatching: true, inferenceThread: true,
} as const satisfies Record<keyof TrainConfig, true>;

test('every TrainConfig field has a row (and a flag) in the train flag table', () => {
  const section = doc.slice(doc.indexOf('### Flags'));
  for (const field of [...Object.keys(TRAIN_CONFIG_FIELDS), ...Object.keys(TRAIN_DEFAULTS)]) {
    assert.match(section, new RegExp(`\\| \`--[\\w-]+[^\`]*\` \\| \`${field}\` \\|`), field);
  }
});

test('a run directory holds exactly the files docs/cli.md documents', async () => {
  const bullet = doc.slice(doc.indexOf('- the run directory:')).split('\n\n')[0]!.split('`test/docs')[0]!;
  const documented = [...bullet.matchAll(/`([\w.-]+\/?)`/g)].map((m) => m[1]!).filter((n) => /\.|\/$/.test(n)).sort();
  const dir = mkdtempSync(join(tmpdir(), 'impala-cli-doc-'));
  try {
    const sink = { write: () => true };
    const code = await runCli(['train', '--env', 'CartPole-v1', '--total-frames', '200', '--backend', 'cpu', '--quiet', '--run-dir', dir], { stdout: sink, stderr: sink }, { handleSignals: false });
    assert.equal(code, 0);
    const actual = readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? `${e.name}/` : e.name)).sort();
    assert.deepEqual(actual, documented);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
