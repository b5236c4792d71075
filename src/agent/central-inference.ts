/**
 * {@link CentralInference}: one network that runs the policy for many actors (SEED RL, Espeholt et al. 2020):
 * each actor's step goes through a `DynamicBatcher`, and one batched `step` of the network serves them all.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DynamicBatcher } from '../batching/dynamic-batcher.js';
import type { AgentModel, ModelState, ModelStepInputs, ModelStepOutputs, ParameterSnapshot, ParameterSource } from './core.js';
import { AgentError } from './errors.js';
import { checkModelFingerprint } from './model-fingerprint.js';

/**
 * Options of {@link CentralInference}.
 * @category Agent
 */
export interface CentralInferenceOptions {
  /**
   * The network that runs the policy (its own copy: {@link CentralInference.setParameters} loads weights into it).
   * With a `runner`, it only describes the network (shapes, initial state, weight specs).
   */
  readonly model: AgentModel;
  /**
   * Runs the batches somewhere else (e.g. `startInferenceWorker`: a worker thread, so that inference and the
   * learner's updates overlap); absent: `model.step` in this thread.
   */
  readonly runner?: InferenceRunner;
  /**
   * A batch is run as soon as this many actor steps are waiting (each step holds all the envs of one actor).
   * @defaultValue 1
   */
  readonly minimumBatchSize?: number;
  /**
   * Most actor steps in one batch.
   * @defaultValue 1024
   */
  readonly maximumBatchSize?: number;
  /**
   * How long a batch waits for `minimumBatchSize` steps before it runs with fewer (so a slow actor never holds
   * the others longer than this).
   * @defaultValue 5
   */
  readonly timeoutMs?: number;
}

/**
 * Statistics of the batches {@link CentralInference} ran.
 * @category Agent
 */
export interface CentralInferenceStats {
  /** Batches run. */
  readonly batches: number;
  /** Actor steps served. */
  readonly steps: number;
  /** Environment rows served (the sum of the batches' rows). */
  readonly rows: number;
  /** `histogram[k]`: batches of k actor steps. */
  readonly histogram: Readonly<Record<number, number>>;
}

/**
 * One actor step waiting for a batch: its inputs and recurrent state (`[N, ...]`).
 * @category Agent
 */
export interface InferenceRequest {
  /** Observations, last actions, last rewards and dones of the actor's N envs. */
  readonly inputs: Required<ModelStepInputs>;
  /** The actor's recurrent state, or null for a feed-forward network. */
  readonly state: ModelState;
}

/**
 * Where {@link CentralInference} runs its batches when not in this thread.
 * @category Agent
 */
export interface InferenceRunner {
  /**
   * Runs one batch: one output per request, in new tensors of this thread (the caller owns them).
   *
   * @param requests - the batch's actor steps.
   * @param parameters - newer parameters to load before computing, or null.
   */
  run(requests: readonly InferenceRequest[], parameters: ParameterSnapshot | null): Promise<ModelStepOutputs[]>;
  /** Stops the runner. */
  close(): void | Promise<void>;
}

type Request = InferenceRequest;

/**
 * Runs the policy of many actors on one network: {@link CentralInference.step} has `model.step`'s signature, so an
 * `Actor` uses it through its `inference` option; concurrent steps are batched (`DynamicBatcher`: at least
 * `minimumBatchSize` steps, at most `maximumBatchSize`, or whatever arrived within `timeoutMs`), their rows
 * concatenated, run in one `model.step`, and split back. Rows do not interact in the network, so each actor gets
 * what its own `model.step` would give (up to the backend's summation order for other batch sizes).
 *
 * New parameters ({@link CentralInference.setParameters}) are loaded before the next batch, never inside one.
 *
 * @example
 * ```ts
 * const central = new CentralInference({ model: buildNetwork(config, env, seed), minimumBatchSize: 4, timeoutMs: 5 });
 * const actors = envGroups.map((envs, i) => new Actor({ envs, model: network, unrollLength: 20, seed: i, actorId: i, inference: central.step }));
 * const unrolls = await Promise.all(actors.map((a) => a.unroll())); // one batched network call per time step
 * central.close();
 * ```
 * @category Agent
 */
export class CentralInference {
  readonly #model: AgentModel;
  readonly #runner: InferenceRunner | null;
  readonly #batcher: DynamicBatcher<Request, ModelStepOutputs>;
  readonly #histogram: Record<number, number> = {};
  #pending: ParameterSnapshot | null = null;
  #version = -1;
  #batches = 0;
  #steps = 0;
  #rows = 0;

  /** @param options - see {@link CentralInferenceOptions}. */
  constructor(options: CentralInferenceOptions) {
    this.#model = options.model;
    this.#runner = options.runner ?? null;
    const min = options.minimumBatchSize ?? 1;
    const max = options.maximumBatchSize ?? 1024;
    const timeoutMs = options.timeoutMs ?? 5;
    if (!Number.isInteger(min) || min < 1) throw new AgentError(`CentralInference: 'minimumBatchSize' must be an integer >= 1, got ${min}`);
    if (!Number.isInteger(max) || max < min) throw new AgentError(`CentralInference: 'maximumBatchSize' must be an integer >= minimumBatchSize (${min}), got ${max}`);
    if (!(timeoutMs >= 0)) throw new AgentError(`CentralInference: 'timeoutMs' must be >= 0, got ${timeoutMs}`);
    this.#batcher = new DynamicBatcher<Request, ModelStepOutputs>((requests) => this.#run(requests), {
      minimumBatchSize: min,
      maximumBatchSize: max,
      timeoutMs,
      maximumConcurrentBatches: 1,
      closeOnError: false,
      discardOutput: (out) => {
        tf.dispose([out.policyLogits, out.baseline, ...(out.state ? [out.state.c, out.state.h] : [])]);
      },
    });
  }

  /**
   * One actor's step, batched with the steps of others (the signature of `AgentModel.step`, bound: pass it as
   * an `Actor`'s `inference`).
   *
   * @param inputs - `[N, ...]` observations, last actions, rewards and dones of the actor's N envs.
   * @param state - the actor's recurrent state (`[N, lstmSize]`), or null.
   * @returns the policy logits `[N, ΣA]`, baselines `[N]` and the next state, in new tensors the caller owns.
   */
  readonly step = (inputs: Required<ModelStepInputs>, state: ModelState): Promise<ModelStepOutputs> => this.#batcher.compute({ inputs, state });

  /**
   * The model to give the `Actor`s that use {@link CentralInference.step}: the shared network's shapes, initial
   * state and weight specs; its `setWeights` does nothing (the shared network is loaded by
   * {@link CentralInference.setParameters}, once per version, not once per actor), and it cannot `step` or
   * `unroll` by itself.
   */
  get actorModel(): AgentModel {
    const model = this.#model;
    const refuse = (): never => {
      throw new AgentError('CentralInference.actorModel: this model only describes the shared network; an Actor steps it through `inference: central.step`');
    };
    return {
      observationShape: model.observationShape,
      actionSizes: model.actionSizes,
      lstmSize: model.lstmSize,
      initialState: (batchSize) => model.initialState(batchSize),
      step: refuse,
      unroll: refuse,
      splitPolicyLogits: (logits) => model.splitPolicyLogits(logits),
      trainableVariables: [],
      weightSpecs: model.weightSpecs,
      getFlatWeights: () => model.getFlatWeights(),
      setWeights: () => undefined,
    };
  }

  /**
   * A parameter source for the `Actor`s that use {@link CentralInference.step}: it hands them `inner`'s snapshots
   * (so each unroll records the version it started with) and passes newer ones to
   * {@link CentralInference.setParameters}.
   *
   * @param inner - where the parameters come from (e.g. an actor fleet's source).
   */
  parameterSource(inner: ParameterSource): ParameterSource {
    return {
      latest: async () => {
        const snapshot = await inner.latest();
        this.setParameters(snapshot);
        return snapshot;
      },
    };
  }

  /** The version of the parameters in use (−1 before the first). */
  get version(): number {
    return this.#pending?.version ?? this.#version;
  }

  /**
   * Loads new parameters before the next batch (a snapshot not newer than the current one is ignored).
   *
   * @param snapshot - the learner's parameters; keep its array unchanged until the next call.
   */
  setParameters(snapshot: ParameterSnapshot): void {
    if (snapshot.version <= this.version) return;
    if (snapshot.fingerprint !== undefined) checkModelFingerprint('CentralInference', snapshot.fingerprint, this.#model);
    this.#pending = snapshot;
  }

  /** Statistics of the batches so far. */
  stats(): CentralInferenceStats {
    return { batches: this.#batches, steps: this.#steps, rows: this.#rows, histogram: { ...this.#histogram } };
  }

  /** Rejects every waiting step and stops (and the runner); safe to call more than once. The model belongs to the caller. */
  async close(): Promise<void> {
    this.#batcher.close();
    await this.#runner?.close();
  }

  #run(requests: Request[]): ModelStepOutputs[] | Promise<ModelStepOutputs[]> {
    const pending = this.#pending;
    if (pending) {
      if (!this.#runner) this.#model.setWeights(pending.weights);
      this.#version = pending.version;
      this.#pending = null;
    }
    if (this.#runner) {
      this.#count(requests);
      return this.#runner.run(requests, pending);
    }
    this.#count(requests);
    if (requests.length === 1) {
      const r = requests[0]!;
      return [this.#model.step(r.inputs, r.state)];
    }
    return this.#runHere(requests);
  }

  #count(requests: readonly Request[]): void {
    this.#batches++;
    this.#steps += requests.length;
    this.#histogram[requests.length] = (this.#histogram[requests.length] ?? 0) + 1;
    const sizes = requests.map((r) => r.inputs.observation.shape[0]);
    this.#rows += sizes.reduce((a, b) => a + b, 0);
  }

  #runHere(requests: readonly Request[]): ModelStepOutputs[] {
    const sizes = requests.map((r) => r.inputs.observation.shape[0]);
    const n = requests.length;
    let hasState = false;
    // tidy keeps only the returned tensors: the per-request outputs, flat (logits, baselines, then c and h).
    const flat = tf.tidy(() => {
      const cat = (key: keyof ModelStepInputs): tf.Tensor => tf.concat(requests.map((r) => r.inputs[key]));
      const inputs: Required<ModelStepInputs> = { observation: cat('observation'), lastAction: cat('lastAction'), lastReward: cat('lastReward'), done: cat('done') };
      const states = requests.map((r) => r.state);
      const withState = states.filter((s) => s !== null);
      if (withState.length !== 0 && withState.length !== states.length) throw new AgentError('CentralInference.step: some steps carry a recurrent state and others none');
      const state: ModelState = withState.length === 0 ? null : { c: tf.concat(withState.map((s) => s.c)), h: tf.concat(withState.map((s) => s.h)) };
      const out = this.#model.step(inputs, state);
      hasState = out.state !== null;
      return [
        ...tf.split(out.policyLogits, sizes),
        ...tf.split(out.baseline, sizes),
        ...(out.state ? [...tf.split(out.state.c, sizes), ...tf.split(out.state.h, sizes)] : []),
      ];
    });
    return requests.map((_, i) => ({
      policyLogits: flat[i] as tf.Tensor2D,
      baseline: flat[n + i] as tf.Tensor1D,
      state: hasState ? { c: flat[2 * n + i] as tf.Tensor2D, h: flat[3 * n + i] as tf.Tensor2D } : null,
    }));
  }
}
