// The browser entry bundles for a web page: esbuild (platform browser, no Node polyfills) reaches no Node built-in
// and impala-rl's bundled modules use no Node global. The Node entry is the control: the same check finds its
// node: imports, so the check can fail. (test:browser repeats this on the built package through its exports map,
// with esbuild and with Vite, and runs the result in Chromium.)
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { bundleForBrowser, nodeGlobalReferences } from '../../scripts/browser-bundle-check.mjs';
import { browserSubstitutionsPlugin } from '../../scripts/browser-substitutions.mjs';

const root = join(import.meta.dirname, '..', '..');
const src = join(root, 'src');
const own = (p: string): boolean => p.startsWith(src);

function describeFindings(r: Awaited<ReturnType<typeof bundleForBrowser>>): string {
  return [
    ...r.nodeImports.map((i) => `import '${i.path}' from ${i.importer}`),
    ...r.nodeGlobals.map((g) => `${g.name} at ${g.file}:${g.line}`),
  ].join('\n');
}

describe('browser bundle', () => {
  for (const entry of ['src/browser.ts', 'src/testing/browser.ts']) {
    test(`${entry} reaches no Node built-in and no Node global`, async () => {
      const r = await bundleForBrowser({ entry: join(root, entry), plugins: [browserSubstitutionsPlugin()], external: ['@tensorflow/*'], ownFiles: own });
      assert.equal(describeFindings(r), '');
      assert.ok(r.inputs.filter(own).length > (entry === 'src/browser.ts' ? 60 : 3), 'the bundle holds the package modules');
    });
  }

  test('the browser build swaps ImpalaNetwork\'s directory IO for its stand-in', async () => {
    const r = await bundleForBrowser({ entry: join(root, 'src/browser.ts'), plugins: [browserSubstitutionsPlugin()], external: ['@tensorflow/*'], ownFiles: own });
    assert.ok(r.inputs.includes(join(src, 'networks/weights-file.browser.ts')));
    assert.ok(!r.inputs.includes(join(src, 'networks/weights-file.ts')));
  });

  test('control: the Node entry is caught (node: imports and Node globals)', async () => {
    const r = await bundleForBrowser({ entry: join(root, 'src/index.ts'), external: ['@tensorflow/*'], ownFiles: own });
    const paths = new Set(r.nodeImports.map((i) => i.path));
    for (const p of ['node:fs/promises', 'node:worker_threads', 'node:os']) assert.ok(paths.has(p), `finds ${p}`);
    assert.ok(r.nodeGlobals.some((g) => g.name === 'process'), 'finds process');
    assert.ok(r.nodeGlobals.some((g) => g.name === 'Buffer'), 'finds Buffer');
  });

  test('control: without the substitution, ImpalaNetwork reaches node:fs', async () => {
    const r = await bundleForBrowser({ entry: join(root, 'src/browser.ts'), external: ['@tensorflow/*'], ownFiles: own });
    assert.ok(r.nodeImports.some((i) => i.path === 'node:fs/promises' && i.importer.endsWith('weights-file.ts')));
  });

  test('nodeGlobalReferences: free references only', () => {
    const code = [
      'const a = process.env.X;',
      'if (typeof process !== "undefined") {}',
      'const o = { process: 1, Buffer: 2 }; o.process;',
      'const b = Buffer.from("x");',
      'function f(require) { return require("y"); }',
    ].join('\n');
    assert.deepEqual(nodeGlobalReferences(code, 'x.js'), [{ name: 'process', line: 1 }, { name: 'Buffer', line: 4 }]);
  });
});

describe('browser entry exports', () => {
  // What the Node entry has that a page cannot use; everything else must be exported by src/browser.ts too.
  const NODE_ONLY = new Set([
    'train', 'resolveActorMode', 'loadCheckpoint', 'saveCheckpoint', 'WorkerActorPool', 'GymnasiumEnv',
    'TensorBoardWriter', 'writeLearningCurve', 'renderLearningCurveSvg', 'renderLearningCurveHtml',
    'useBackend', 'describeBackend', 'defaultBackendLoader', 'BackendUnavailableError', 'BACKEND_PACKAGES',
    'BACKEND_REQUESTS', 'OFFLINE_TFJS_NODE_SCRIPT', 'backendInstallCommand', 'parseBackendName',
    'TENSORFLOW_TRAINING_KERNELS', 'registerTensorflowTrainingKernels', 'unregisterTensorflowTrainingKernels',
    // Worker-thread fleets, the actor endpoint (useBackend), disk checkpoints, metrics files, the Python bridge.
    'WorkerActorFleet', 'createBuiltInFleet', 'runActorEndpoint', 'ensureTfjsReady', 'MetricsWriter',
    'CheckpointError', 'NoCheckpointError', 'checkCheckpointFits', 'cleanCheckpointLeftovers', 'findCheckpoint',
    'CHECKPOINTS_DIR', 'DEFAULT_CHECKPOINTS_KEPT', 'LATEST_POINTER',
    'GymnasiumBatch', 'makeEnvs', 'makeEnvAsync', 'registerEnvNamespace', 'isAsyncEnvId', 'isBuiltinAsyncEnvId',
    'ATARI_DEFAULTS', 'ATARI_OPTION_NAMES', 'ATARI_PRESET',
    // The gRPC learner service (@grpc/grpc-js speaks HTTP/2 through Node's net and tls).
    'GrpcActorFleet', 'runRemoteActor', 'checkLearnerHealth', 'DEFAULT_MAX_MESSAGE_BYTES', 'GrpcTransportError',
    'GrpcProtocolError', 'GrpcConfigError', 'RemoteActorRefusedError', 'LearnerUnreachableError', 'startInferenceWorker',
  ]);

  test('every Node export is in the browser entry or on the Node-only list', async () => {
    const node = await import('../../src/index.js');
    const browser = await import('../../src/browser.js');
    const missing = Object.keys(node).filter((k) => !(k in browser) && !NODE_ONLY.has(k));
    assert.deepEqual(missing, [], 'export these from src/browser.ts, or list them as Node-only here (and in docs/browser.md)');
    for (const k of NODE_ONLY) assert.ok(!(k in browser), `${k} is Node-only`);
  });

  test('the names the issue asks for', async () => {
    const b = await import('../../src/browser.js');
    for (const k of ['vtrace', 'Learner', 'Actor', 'ImpalaNetwork', 'DynamicBatcher', 'BatchingQueue', 'makeEnv', 'PageTrainer', 'useBrowserBackend', 'saveBrowserCheckpoint', 'MetricsSeries']) {
      assert.ok(k in b, k);
    }
    assert.equal(b.version, (await import('../../src/index.js')).version);
  });
});
