// useBackend's selection logic with an injected loader that simulates installed, missing and broken
// packages: tfjs-node and tfjs-node-gpu are faked by a cpu-backed 'tensorflow' backend that reports
// a libtensorflow version and whether it runs on a GPU; cpu and wasm are the real packages.
import { describe, test, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { setupTestBackend, tf } from '../helpers/tf.js';
import {
  BACKEND_REQUESTS,
  BackendUnavailableError,
  backendInstallCommand,
  defaultBackendLoader,
  parseBackendName,
  useBackend,
  type BackendLoader,
  type BackendModule,
  type BackendPackageName,
} from '../../src/backends/index.js';
import { isMissingPackageError } from '../../src/backends/backend-loader.js';

const CPU = '@tensorflow/tfjs-backend-cpu';
const WASM = '@tensorflow/tfjs-backend-wasm';
const NODE = '@tensorflow/tfjs-node';
const GPU = '@tensorflow/tfjs-node-gpu';

/** A stand-in for tfjs-node's NodeJSKernelBackend: the fields useBackend reads. */
class FakeNodeBackend extends MathBackendCPU {
  readonly binding = { TF_Version: '2.21.0' };
  constructor(readonly isUsingGpuDevice: boolean, readonly isGPUPackage: boolean) {
    super();
  }
}

type Fake = 'ok' | 'broken' | 'no-register' | { readonly gpu: boolean };

/** A loader where each package is installed (`ok`, or for node packages `{gpu}`), broken, or absent. */
function fakeLoader(installed: Partial<Record<BackendPackageName, Fake>>): BackendLoader & { readonly calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async load(name): Promise<BackendModule | undefined> {
      calls.push(name);
      const how = installed[name];
      if (how === undefined) return undefined;
      if (how === 'broken') throw new Error('The Node.js native addon module (tfjs_binding.node) can not be found at path: /x');
      if (how === 'no-register') return { version: { 'tfjs-node': '4.21.0' } };
      if (name === CPU || name === WASM) return (await import(name)) as BackendModule;
      const gpuPackage = name === GPU;
      const onGpu = typeof how === 'object' && how.gpu;
      if ((tf.findBackendFactory('tensorflow') as unknown) == null) {
        tf.registerBackend('tensorflow', () => new FakeNodeBackend(onGpu, gpuPackage), 3);
      }
      return { version: { 'tfjs-node': '4.22.0' } };
    },
  };
}

// Selection is tested from the cpu backend whatever IMPALA_TEST_BACKEND says: a real tfjs-node
// loaded by the helper would stand in the way of the fakes, so its backend is removed.
before(async () => {
  await setupTestBackend();
  if ((tf.findBackendFactory('tensorflow') as unknown) != null) tf.removeBackend('tensorflow');
  await tf.setBackend('cpu');
});

afterEach(async () => {
  if ((tf.findBackendFactory('tensorflow') as unknown) != null) tf.removeBackend('tensorflow');
  await tf.setBackend('cpu');
});

describe("useBackend('auto'): order of preference cuda > tensorflow > wasm > cpu", () => {
  test('tfjs-node-gpu with a GPU wins', async () => {
    const loader = fakeLoader({ [GPU]: { gpu: true }, [NODE]: 'ok', [WASM]: 'ok', [CPU]: 'ok' });
    const info = await useBackend('auto', { loader });
    assert.equal(info.name, 'cuda');
    assert.equal(info.gpu, true);
    assert.equal(info.packageName, GPU);
    assert.equal(info.tfjsBackend, 'tensorflow');
    assert.equal(tf.getBackend(), 'tensorflow');
    assert.equal(info.libtensorflowVersion, '2.21.0');
    assert.equal(info.version, '4.22.0');
    assert.ok(info.threads >= 1);
    assert.deepEqual(info.skipped, []);
    assert.deepEqual(loader.calls, [GPU]);
  });

  test('tfjs-node-gpu without a GPU is used as the tensorflow backend (tfjs-node is not loaded beside it)', async () => {
    const loader = fakeLoader({ [GPU]: { gpu: false }, [NODE]: 'ok', [WASM]: 'ok', [CPU]: 'ok' });
    const info = await useBackend('auto', { loader });
    assert.equal(info.name, 'tensorflow');
    assert.equal(info.gpu, false);
    assert.equal(info.packageName, GPU);
    assert.deepEqual(loader.calls, [GPU]);
  });

  test('tfjs-node next', async () => {
    const loader = fakeLoader({ [NODE]: 'ok', [WASM]: 'ok', [CPU]: 'ok' });
    const info = await useBackend('auto', { loader });
    assert.equal(info.name, 'tensorflow');
    assert.equal(info.packageName, NODE);
    assert.deepEqual(info.skipped, [{ name: 'cuda', reason: `${GPU} not installed` }]);
  });

  test('a broken tfjs-node is skipped with the reason, and wasm is used', async () => {
    const loader = fakeLoader({ [NODE]: 'broken', [WASM]: 'ok', [CPU]: 'ok' });
    const lines: string[] = [];
    const info = await useBackend('auto', { loader, log: (m) => lines.push(m) });
    assert.equal(info.name, 'wasm');
    assert.equal(info.skipped.length, 2);
    assert.match(info.skipped[1]!.reason, /failed to load: The Node.js native addon/);
    assert.match(info.skipped[1]!.reason, /setup-tfjs-node-offline\.sh/);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /skipped cuda: .*; tensorflow: /);
  });

  test('wasm next: SIMD on, 1 thread in Node, training kernels registered', async () => {
    const loader = fakeLoader({ [WASM]: 'ok', [CPU]: 'ok' });
    const info = await useBackend('auto', { loader });
    assert.equal(info.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(info.simd, true);
    assert.equal(info.threads, 1);
    assert.equal(info.version, '4.22.0');
    assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
    assert.deepEqual(info.skipped.map((s) => s.name), ['cuda', 'tensorflow']);
  });

  test('cpu last', async () => {
    const info = await useBackend('auto', { loader: fakeLoader({ [CPU]: 'ok' }) });
    assert.equal(info.name, 'cpu');
    assert.equal(info.threads, 1);
    assert.deepEqual(info.skipped.map((s) => s.name), ['cuda', 'tensorflow', 'wasm']);
  });

  test('nothing installed: the error lists every reason and how to install wasm', async () => {
    await assert.rejects(useBackend('auto', { loader: fakeLoader({}) }), (e: unknown) => {
      assert.ok(e instanceof BackendUnavailableError);
      assert.equal(e.reason, 'missing');
      assert.match(e.message, /cuda: .*tensorflow: .*wasm: .*cpu: /);
      assert.match(e.message, new RegExp(`npm install ${WASM}@`));
      return true;
    });
  });
});

describe('named backends that cannot be used fail with the fix in the message', () => {
  const version = tf.version_core;

  test("'tensorflow' missing: install command and the offline build script", async () => {
    await assert.rejects(useBackend('tensorflow', { loader: fakeLoader({ [WASM]: 'ok', [CPU]: 'ok' }) }), (e: unknown) => {
      assert.ok(e instanceof BackendUnavailableError);
      assert.equal(e.reason, 'missing');
      assert.equal(e.backend, 'tensorflow');
      assert.equal(e.installCommand, `npm install ${NODE}@${version}`);
      assert.ok(e.message.includes(`npm install ${NODE}@${version}`), e.message);
      assert.ok(e.message.includes('node_modules/impala-rl/scripts/setup-tfjs-node-offline.sh'), e.message);
      return true;
    });
  });

  test("'tensorflow' falls back to tfjs-node-gpu's libtensorflow when only that is installed", async () => {
    const info = await useBackend('tensorflow', { loader: fakeLoader({ [GPU]: { gpu: false } }) });
    assert.equal(info.name, 'tensorflow');
    assert.equal(info.packageName, GPU);
  });

  test("'tensorflow' installed but broken: the load error and the offline build script", async () => {
    await assert.rejects(useBackend('tensorflow', { loader: fakeLoader({ [NODE]: 'broken' }) }), (e: unknown) => {
      assert.ok(e instanceof BackendUnavailableError);
      assert.equal(e.reason, 'failed');
      assert.match(e.message, /tfjs-node is installed but failed to load: The Node\.js native addon/);
      assert.match(e.message, /setup-tfjs-node-offline\.sh/);
      assert.ok(e.cause instanceof Error);
      return true;
    });
  });

  test("'tensorflow' from a package built for another tfjs-core: two copies", async () => {
    await assert.rejects(useBackend('tensorflow', { loader: fakeLoader({ [NODE]: 'no-register' }) }),
      /no 'tensorflow' backend is registered with this @tensorflow\/tfjs-core .*two copies/);
  });

  test("'cuda' missing: install command and the CUDA/cuDNN versions", async () => {
    await assert.rejects(useBackend('cuda', { loader: fakeLoader({ [NODE]: 'ok', [CPU]: 'ok' }) }), (e: unknown) => {
      assert.ok(e instanceof BackendUnavailableError);
      assert.equal(e.reason, 'missing');
      assert.ok(e.message.includes(`npm install ${GPU}@${version}`), e.message);
      assert.match(e.message, /CUDA 11\.2 and cuDNN 8\.1/);
      return true;
    });
  });

  test("'cuda' without a GPU: no-gpu, and the previous backend is restored", async () => {
    assert.equal(tf.getBackend(), 'cpu');
    await assert.rejects(useBackend('cuda', { loader: fakeLoader({ [GPU]: { gpu: false } }) }), (e: unknown) => {
      assert.ok(e instanceof BackendUnavailableError);
      assert.equal(e.reason, 'no-gpu');
      assert.match(e.message, /sees no GPU device/);
      return true;
    });
    assert.equal(tf.getBackend(), 'cpu');
  });

  test("'cuda' when tfjs-node already registered the tensorflow backend: conflict", async () => {
    await useBackend('tensorflow', { loader: fakeLoader({ [NODE]: 'ok' }) });
    await tf.setBackend('cpu');
    await assert.rejects(useBackend('cuda', { loader: fakeLoader({ [GPU]: { gpu: true } }) }), (e: unknown) => {
      assert.ok(e instanceof BackendUnavailableError);
      assert.equal(e.reason, 'conflict');
      return true;
    });
    assert.equal(tf.getBackend(), 'cpu');
  });

  test("'wasm' and 'cpu' missing: install commands", async () => {
    await assert.rejects(useBackend('wasm', { loader: fakeLoader({ [CPU]: 'ok' }) }),
      new RegExp(`not installed; install it with: npm install ${WASM}@${version.replace(/\./g, '\\.')}$`));
    await assert.rejects(useBackend('cpu', { loader: fakeLoader({}) }), new RegExp(`npm install ${CPU}@`));
  });
});

describe('logging', () => {
  test('silent by default; verbose prints one console.info line; log receives the line', async (t) => {
    const info = t.mock.method(console, 'info', () => undefined);
    const loader = fakeLoader({ [CPU]: 'ok' });
    await useBackend('cpu', { loader });
    assert.equal(info.mock.callCount(), 0);
    await useBackend('cpu', { loader, verbose: true });
    assert.equal(info.mock.callCount(), 1);
    assert.equal(info.mock.calls[0]!.arguments[0], `impala-rl: backend 'cpu' (${CPU} ${tf.version_core}, 1 thread)`);
    const lines: string[] = [];
    await useBackend('wasm', { loader: fakeLoader({ [WASM]: 'ok' }), log: (m) => lines.push(m), verbose: true });
    assert.equal(info.mock.callCount(), 1);
    assert.match(lines[0]!, new RegExp(`^impala-rl: backend 'wasm' \\(${WASM} 4\\.22\\.0, 1 thread, SIMD on`));
  });
});

describe('helpers', () => {
  test('parseBackendName accepts the names and rejects others', () => {
    for (const name of BACKEND_REQUESTS) assert.equal(parseBackendName(name), name);
    assert.throws(() => parseBackendName('gpu'), /parseBackendName: unknown backend 'gpu'; expected one of auto, cuda, tensorflow, wasm, cpu/);
  });

  test('backendInstallCommand pins the tfjs-core version', () => {
    assert.equal(backendInstallCommand('wasm'), `npm install ${WASM}@${tf.version_core}`);
  });

  test('isMissingPackageError tells a missing package from a missing file inside it', () => {
    const esm = Object.assign(new Error(`Cannot find package '${NODE}' imported from /x/y.js`), { code: 'ERR_MODULE_NOT_FOUND' });
    const cjs = Object.assign(new Error(`Cannot find module '${NODE}'\nRequire stack:\n- /x.js`), { code: 'MODULE_NOT_FOUND' });
    const inner = Object.assign(new Error(`Cannot find module '/p/node_modules/${NODE}/lib/napi-v8/tfjs_binding.node'`), { code: 'MODULE_NOT_FOUND' });
    assert.equal(isMissingPackageError(esm, NODE), true);
    assert.equal(isMissingPackageError(cjs, NODE), true);
    assert.equal(isMissingPackageError(inner, NODE), false);
    assert.equal(isMissingPackageError(new Error(`'${NODE}'`), NODE), false);
  });

  test('defaultBackendLoader imports an installed package and returns undefined for a missing one', async () => {
    const cpu = await defaultBackendLoader.load(CPU);
    assert.equal(typeof cpu?.version_cpu, 'string');
    // tfjs-node-gpu is never a dev dependency (it needs CUDA and downloads libtensorflow).
    assert.equal(await defaultBackendLoader.load(GPU), undefined);
  });
});
