/**
 * Test episodes of a trained agent: rebuilds the network from a checkpoint's configuration and weights and
 * runs it on fresh environments (what `impala-rl eval` does).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ActorEnv } from '../agent/actor.js';
import { loadCheckpoint } from '../agent/checkpoint.js';
import { buildNetwork, type TrainConfig } from '../agent/train.js';
import type { Env } from '../envs/contract/types.js';
import { makeActorEnvs } from '../agent/make-actor-envs.js';
import { createActionRng, sampleActions } from '../networks/action-sampling.js';
import type { ModelState } from '../agent/core.js';

const FN = 'evaluateCheckpoint';

/** Options of {@link evaluateCheckpoint}. */
export interface EvaluateOptions {
  /** A run directory or a checkpoint folder. */
  readonly checkpoint: string;
  /**
   * Episodes to run.
   * @defaultValue 100
   */
  readonly episodes?: number;
  /**
   * Seeds the environments' first resets (environment i gets `seed·1000 + i`) and action sampling.
   * @defaultValue 0
   */
  readonly seed?: number;
  /**
   * Take the most likely action (argmax of the logits) instead of sampling from the policy.
   * @defaultValue false
   */
  readonly greedy?: boolean;
  /**
   * Environments run side by side (one batched inference per step). Episode i runs on environment
   * `i mod numEnvs`, and each environment runs its fixed share to the end, so short episodes are not
   * over-represented.
   * @defaultValue min(episodes, 16)
   */
  readonly numEnvs?: number;
}

/** Return statistics of a set of episodes. */
export interface ReturnStats {
  /** Number of episodes. */
  readonly episodes: number;
  /** Mean return. */
  readonly mean: number;
  /** Population standard deviation of the returns (divides by n). */
  readonly std: number;
  /** Smallest return. */
  readonly min: number;
  /** Largest return. */
  readonly max: number;
}

/** What {@link evaluateCheckpoint} returns. */
export interface EvaluateResult extends ReturnStats {
  /** Every episode's return, in the order the episodes finished. */
  readonly returns: readonly number[];
  /** Every episode's length in agent steps, same order. */
  readonly lengths: readonly number[];
  /** Every episode's environment id, same order. */
  readonly tasks: readonly string[];
  /** Statistics per environment id (one entry unless the run was multi-task). */
  readonly perTask: Readonly<Record<string, ReturnStats>>;
  /** The configuration saved with the checkpoint. */
  readonly config: TrainConfig;
  /** Frames the checkpoint was trained for. */
  readonly frames: number;
}

/**
 * Mean, population standard deviation, min and max of some returns.
 *
 * @param returns - at least one value.
 * @returns the statistics.
 */
export function returnStats(returns: readonly number[]): ReturnStats {
  const n = returns.length;
  const mean = returns.reduce((s, x) => s + x, 0) / n;
  const variance = returns.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
  return { episodes: n, mean, std: Math.sqrt(variance), min: Math.min(...returns), max: Math.max(...returns) };
}

/** Per row and head, the index of the largest logit (the first one on ties). */
function argmaxActions(logits: ArrayLike<number>, actionSizes: readonly number[]): Int32Array {
  const width = actionSizes.reduce((a, b) => a + b, 0);
  const rows = logits.length / width;
  const out = new Int32Array(rows * actionSizes.length);
  for (let r = 0; r < rows; r++) {
    let offset = r * width;
    actionSizes.forEach((size, h) => {
      let best = 0;
      for (let a = 1; a < size; a++) if (logits[offset + a]! > logits[offset + best]!) best = a;
      out[r * actionSizes.length + h] = best;
      offset += size;
    });
  }
  return out;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${FN}: '${name}' must be an integer >= 1, got ${value}`);
  return value;
}

interface Slot {
  readonly env: ActorEnv;
  readonly task: string;
  quota: number;
  observation: ArrayLike<number>;
  lastAction: Int32Array;
  lastReward: number;
  done: boolean;
  episodeReturn: number;
  episodeLength: number;
}

/**
 * Runs test episodes with the network saved in a checkpoint: the network is rebuilt from the checkpoint's
 * configuration (`buildNetwork`) and loaded with its weights, and acts on new environments made from the same
 * ids and options, sampling from the policy or (with `greedy`) taking the argmax. Uses the active tfjs backend.
 *
 * @param options - checkpoint, number of episodes, seed, greedy.
 * @returns the returns, their statistics overall and per environment id.
 * @throws when the checkpoint is missing or its weights do not fit the network its configuration describes.
 */
export async function evaluateCheckpoint(options: EvaluateOptions): Promise<EvaluateResult> {
  const episodes = positiveInteger(options.episodes ?? 100, 'episodes');
  const numEnvs = Math.min(episodes, positiveInteger(options.numEnvs ?? 16, 'numEnvs'));
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`${FN}: 'seed' must be a non-negative integer, got ${seed}`);
  const checkpoint = await loadCheckpoint(options.checkpoint);
  const config = checkpoint.config as unknown as TrainConfig;
  const ids = typeof config.env === 'string' ? [config.env] : [...config.env];
  if (ids.length === 0) throw new Error(`${FN}: the checkpoint's config names no env`);

  const evalEnvs = await makeActorEnvs(ids, numEnvs, 0, config.envOptions);
  const slots: Slot[] = Array.from({ length: numEnvs }, (_, i) => {
    const task = ids[i % ids.length]!;
    return {
      env: evalEnvs[i]!,
      task,
      quota: Math.floor(episodes / numEnvs) + (i < episodes % numEnvs ? 1 : 0),
      observation: new Float32Array(0),
      lastAction: new Int32Array(0),
      lastReward: 0,
      done: true,
      episodeReturn: 0,
      episodeLength: 0,
    };
  });
  const network = buildNetwork(config, slots[0]!.env, config.seed ?? 1);
  let state: ModelState = null;
  try {
    const specs = network.weightSpecs;
    const saved = checkpoint.weightSpecs;
    const mismatch = specs.length !== saved.length || specs.some((s, i) => s.name !== saved[i]!.name || s.shape.join() !== saved[i]!.shape.join());
    if (mismatch) {
      throw new Error(
        `${FN}: the weights in '${options.checkpoint}' (${saved.length} variables) do not fit the network built from its config (${specs.length} variables: ` +
          `${specs.map((s) => `${s.name}[${s.shape.join(',')}]`).join(', ')})`,
      );
    }
    network.setWeights(checkpoint.weights);
    const H = network.actionSizes.length;
    const obsSize = network.observationShape.reduce((a, b) => a * b, 1);
    const rng = createActionRng(seed);
    await Promise.all(
      slots.map(async (slot, i) => {
        slot.observation = (await slot.env.reset({ seed: seed * 1000 + i })).observation;
        slot.lastAction = new Int32Array(H);
      }),
    );
    state = network.initialState(numEnvs);
    const returns: number[] = [];
    const lengths: number[] = [];
    const tasks: string[] = [];
    while (slots.some((s) => s.quota > 0)) {
      const n = slots.length;
      const obs = new Float32Array(n * obsSize); // float32 whatever the env's dtype, as the actors pass them
      const lastAction = new Int32Array(n * H);
      const lastReward = new Float32Array(n);
      const done = new Uint8Array(n);
      slots.forEach((s, i) => {
        if (s.observation.length !== obsSize) throw new Error(`${FN}: an observation of '${s.task}' has ${s.observation.length} values, the network expects ${obsSize}`);
        obs.set(s.observation, i * obsSize);
        lastAction.set(s.done ? new Int32Array(H) : s.lastAction, i * H);
        lastReward[i] = s.done ? 0 : s.lastReward;
        done[i] = s.done ? 1 : 0;
      });
      const inputs = {
        observation: tf.tensor(obs, [n, ...network.observationShape], 'float32'),
        lastAction: H === 1 ? tf.tensor1d(lastAction, 'int32') : tf.tensor2d(lastAction, [n, H], 'int32'),
        lastReward: tf.tensor1d(lastReward, 'float32'),
        done: tf.tensor1d(done, 'bool'),
      };
      const out = network.step(inputs, state);
      const actions = options.greedy === true ? argmaxActions(out.policyLogits.dataSync(), network.actionSizes) : sampleActions(out.policyLogits, rng, network.actionSizes);
      tf.dispose([...Object.values(inputs), out.policyLogits, out.baseline, ...(state ? [state.c, state.h] : [])]);
      state = out.state;
      await Promise.all(
        slots.map(async (s, i) => {
          if (s.quota === 0) return;
          const a = actions.subarray(i * H, (i + 1) * H);
          const r = await (H === 1 ? (s.env as Env<ArrayLike<number>, number>).step(a[0]!) : (s.env as Env<ArrayLike<number>, Int32Array>).step(Int32Array.from(a)));
          s.episodeReturn += r.reward;
          s.episodeLength += 1;
          if (r.terminated || r.truncated) {
            returns.push(s.episodeReturn);
            lengths.push(s.episodeLength);
            tasks.push(s.task);
            s.episodeReturn = 0;
            s.episodeLength = 0;
            s.quota -= 1;
            if (s.quota > 0) s.observation = (await s.env.reset()).observation;
            s.done = true;
          } else {
            s.observation = r.observation;
            s.lastAction = Int32Array.from(a);
            s.lastReward = r.reward;
            s.done = false;
          }
        }),
      );
    }
    const perTask: Record<string, ReturnStats> = {};
    for (const id of ids) {
      const mine = returns.filter((_, i) => tasks[i] === id);
      if (mine.length > 0) perTask[id] = returnStats(mine);
    }
    return { ...returnStats(returns), returns, lengths, tasks, perTask, config, frames: checkpoint.learner.frames };
  } finally {
    if (state) tf.dispose([state.c, state.h]);
    network.dispose();
    await Promise.all(slots.map(async (s) => s.env.close?.()));
  }
}
