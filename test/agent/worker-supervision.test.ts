/**
 * A hung worker (an env whose `step` never answers, or a synchronous endless loop) is found by the fleet's watch,
 * terminated and restarted with fresh environments; the restart is counted in the progress (and metrics), and
 * the run reaches its frame budget. Real worker threads.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { train } from '../../src/agent/train.js';
import { setupTestBackend } from '../helpers/tf.js';
import './fixtures/fault-envs.js';

await setupTestBackend();
const setupModule = fileURLToPath(new URL('./fixtures/fault-envs.ts', import.meta.url));

describe('WorkerActorFleet supervision', () => {
  for (const mode of ['async', 'sync'] as const) {
    test(`a worker hung in ${mode === 'async' ? 'a step that never answers' : 'a synchronous endless loop'} is terminated and restarted; the run completes`, async () => {
      const warnings: string[] = [];
      let restarts = 0;
      // 2 envs x T=5 per unroll, B=2: 10 frames per update; each env hangs after 30 steps (60 frames a life).
      const result = await train(
        {
          env: 'Hang-v0',
          envOptions: { hangAfter: 30, mode },
          totalFrames: 100,
          envsPerActor: 2,
          batchSize: 2,
          unrollLength: 5,
          mlpHiddenSizes: [8],
          actorMode: 'workers',
          actorBackend: 'cpu',
          workerSetupModule: setupModule,
          actorTimeoutSeconds: 1.5,
        },
        { onWarning: (m) => warnings.push(m), onProgress: (p) => { restarts = p.actorRestarts; } },
      );
      result.network.dispose();
      assert.equal(result.frames, 100);
      assert.ok(restarts >= 1, `restarts ${restarts}`);
      assert.ok(warnings.length >= 1);
      assert.match(warnings[0]!, /^WorkerActorFleet: actor 0 \(env Hang-v0\) sent nothing for \d+ s \(timeout 1\.5 s\): worker terminated and restarted with fresh environments \(restart 1\)$/);
    });
  }
});
