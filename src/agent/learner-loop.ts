/**
 * The learner's loop over a fleet: {@link runLearnerLoop}.
 */
import { BatchingQueue } from '../batching/batching-queue.js';
import { BatcherClosedError } from '../batching/errors.js';
import type { ActorFleet } from './actor-fleet.js';
import type { Learner, LearnerStepMetrics } from './learner.js';
import { validateTrajectory, type Trajectory } from './trajectory.js';

/**
 * Options of {@link runLearnerLoop}.
 * @category Agent
 */
export interface LearnerLoopOptions {
  /** The learner to update. */
  readonly learner: Learner;
  /** Where the trajectories come from and the parameters go. */
  readonly fleet: ActorFleet;
  /** Trajectories per update (B). */
  readonly batchSize: number;
  /** T of every trajectory (others are rejected). */
  readonly unrollLength: number;
  /** Stop once the learner has consumed this many frames. */
  readonly totalFrames: number;
  /** Stops the loop after the current update, or at once while it waits for trajectories. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Called after every update, before the next batch is taken (write metrics, checkpoints here).
   *
   * @param metrics - the update's metrics.
   * @param queueSize - trajectories waiting for the next batches.
   */
  readonly onUpdate?: (metrics: LearnerStepMetrics, queueSize: number) => void | Promise<void>;
}

/**
 * What {@link runLearnerLoop} returns.
 * @category Agent
 */
export interface LearnerLoopResult {
  /** Whether the signal stopped the loop before `totalFrames`. */
  readonly stopped: boolean;
  /**
   * Settles once the loop that moves trajectories from the fleet into the learner's queue has ended, which it does
   * when the fleet is closed: await it after `fleet.close()`.
   */
  readonly forwarding: Promise<void>;
}

/**
 * Runs the learner until `totalFrames`: the fleet's trajectories are validated (`validateTrajectory`: shapes,
 * dtypes, finite values, action ranges, T, version; a bad one fails the run with an error that names the actor and
 * the field) and queued in a `BatchingQueue` (at most `2·batchSize` waiting); each batch of `batchSize` goes
 * through `learner.step`, and the new parameters are published to the fleet. An actor failure ends the loop with
 * the fleet's error at once. The fleet stays open: the caller writes its final checkpoint, then closes it.
 *
 * @param options - see {@link LearnerLoopOptions}.
 * @returns whether the signal stopped it, and the forwarding loop to await after closing the fleet.
 *
 * @example
 * ```ts
 * const { forwarding } = await runLearnerLoop({ learner, fleet, batchSize: 8, unrollLength: 20, totalFrames: 100_000 });
 * await fleet.close();
 * await forwarding;
 * ```
 * @category Agent
 */
export async function runLearnerLoop(options: LearnerLoopOptions): Promise<LearnerLoopResult> {
  const { learner, fleet, batchSize, signal } = options;
  const model = learner.model;
  const queue = new BatchingQueue<Trajectory>({ batchSize, maximumQueueSize: batchSize * 2 });
  const failure: { error: Error | null } = { error: null };
  const forwarding = (async () => {
    try {
      for await (const unroll of fleet) {
        for (const t of unroll) {
          validateTrajectory(t, {
            observationShape: model.observationShape,
            actionSizes: model.actionSizes,
            lstmSize: model.lstmSize,
            unrollLength: options.unrollLength,
            maxPolicyVersion: learner.updates,
          }, 'train');
          await queue.put(t);
        }
      }
    } catch (error) {
      if (error instanceof BatcherClosedError && failure.error === null) return;
      failure.error ??= error instanceof Error ? error : new Error(String(error));
      // Surface the failure at once instead of waiting on an empty queue.
      queue.close(failure.error);
    }
  })();
  let stopped = false;
  try {
    while (learner.frames < options.totalFrames) {
      if (signal?.aborted) {
        stopped = true;
        break;
      }
      let batch: Trajectory[] | null;
      try {
        batch = await nextBatch(queue, signal);
      } catch (error) {
        throw failure.error ?? error;
      }
      if (batch === null) {
        stopped = true;
        break;
      }
      const metrics = learner.step(batch);
      fleet.publish(learner.latest());
      await options.onUpdate?.(metrics, queue.size);
    }
  } finally {
    queue.close();
  }
  return { stopped, forwarding };
}

/**
 * The queue's next batch, or null when `signal` aborts first (a stop never waits on actors that deliver nothing).
 * Each wait adds its own abort listener and removes it when the batch comes: racing every `get` against one
 * promise that lives for the whole run would attach a reaction to it per update, each holding its batch, and keep
 * every trajectory of the run alive (measured: the observations of every frame, about 1.6 GB a minute on Atari).
 */
function nextBatch(queue: BatchingQueue<Trajectory>, signal: AbortSignal | undefined): Promise<Trajectory[] | null> {
  if (signal === undefined) return queue.get();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      resolve(null);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    queue.get().then(
      (batch) => {
        signal.removeEventListener('abort', onAbort);
        resolve(batch);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
