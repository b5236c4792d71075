/**
 * The fleets `train` builds by itself, chosen by `actorMode`: {@link resolveActorMode} and
 * {@link createBuiltInFleet}.
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendRequest } from '../backends/backend-names.js';
import { createEnvRegistry } from '../envs/registry.js';
import { isBuiltinAsyncEnvId } from '../envs/make-envs.js';
import { makeActorEnvs } from './make-actor-envs.js';
import { Actor, type ActorEnv } from './actor.js';
import type { ActorFleet, ActorFleetContext } from './actor-fleet.js';
import { actorEnvId, actorSeed } from './actor-seed.js';
import { buildNetwork } from './build-network.js';
import { CentralInference } from './central-inference.js';
import { resolveActorConfig } from './train-config.js';
import { startInferenceWorker } from './worker-inference.js';
import { AgentError } from './errors.js';
import { InlineActorFleet } from './inline-actor-fleet.js';
import type { TrainConfig } from './train-config.js';
import { WorkerActorFleet } from './worker-actor-fleet.js';

/**
 * The actor mode `train` uses for a configuration. `'auto'` picks `'workers'` when there are several actors,
 * more than 2 CPUs (`os.availableParallelism()`), and every env id can be made in a worker (built in, or a
 * `workerSetupModule` is given); otherwise `'inline'`. On 2 CPUs inline measured faster (docs/agent.md,
 * "Actors in worker threads").
 *
 * @param config - the training configuration.
 * @param cpus - CPUs available to the process.
 * @returns `'inline'` or `'workers'`.
 *
 * @example
 * ```ts
 * resolveActorMode({ env: 'CartPole-v1', numActors: 4 }, 8); // 'workers'
 * ```
 * @category Agent
 */
export function resolveActorMode(config: Pick<TrainConfig, 'actorMode' | 'numActors' | 'env' | 'workerSetupModule' | 'inference'>, cpus: number = availableParallelism()): 'inline' | 'workers' {
  const mode = config.actorMode ?? 'auto';
  if (!['auto', 'inline', 'workers'].includes(mode)) {
    throw new AgentError(`train: 'actorMode' must be 'auto', 'inline' or 'workers', got ${JSON.stringify(mode)}`);
  }
  if (mode !== 'auto') return mode;
  if ((config as Pick<TrainConfig, 'inference'>).inference === 'central') return 'inline';
  const builtins = createEnvRegistry();
  const portable = config.workerSetupModule !== undefined || (typeof config.env === 'string' ? [config.env] : config.env).every((id) => builtins.get(id)?.builtin === true || isBuiltinAsyncEnvId(id));
  return (config.numActors ?? 1) > 1 && cpus > 2 && portable ? 'workers' : 'inline';
}

/** The backend request matching this thread's tfjs backend. */
export function currentBackend(): BackendRequest {
  const name = tf.getBackend();
  return name === 'cpu' || name === 'wasm' || name === 'tensorflow' ? name : 'auto';
}

/**
 * Builds the fleet of `config.actorMode` (see {@link resolveActorMode}): `numActors` actors, each with
 * `envsPerActor` environments (`makeEnv`, ids dealt round-robin over all environments of all actors), its own
 * network copy (`buildNetwork`) and seed `actorSeed(seed, i)`, started from `context.parameters` and, when
 * resuming, from `context.actorStates`.
 *
 * @param context - what `train` gives a fleet factory.
 * @returns an {@link InlineActorFleet} or a started {@link WorkerActorFleet}.
 * @category Agent
 */
export async function createBuiltInFleet(context: ActorFleetContext): Promise<ActorFleet> {
  const { config, parameters, actorStates } = context;
  if (resolveActorMode(config) === 'workers') {
    return WorkerActorFleet.start({
      numWorkers: config.numActors,
      config,
      backend: config.actorBackend ?? currentBackend(),
      parameters,
      actorTimeoutMs: config.actorTimeoutSeconds * 1000,
      ...(context.onWarning ? { onWarning: context.onWarning } : {}),
      ...(actorStates ? { actorStates: actorStates.slice(0, config.numActors) } : {}),
      ...(config.workerSetupModule !== undefined ? { setupModule: config.workerSetupModule } : {}),
    });
  }
  const ids = typeof config.env === 'string' ? [config.env] : config.env;
  const envs: ActorEnv[][] = [];
  const networks: ReturnType<typeof buildNetwork>[] = [];
  let dropped: readonly number[] = [];
  const central = config.inference === 'central';
  let shared: { network: ReturnType<typeof buildNetwork>; inference: CentralInference } | null = null;
  const cleanUp = async (): Promise<void> => {
    // A dropped (hung) actor's network and envs may still be in use by the call that hangs: leave them.
    networks.forEach((n, i) => {
      if (!dropped.includes(i)) n.dispose();
    });
    if (shared) {
      await shared.inference.close();
      shared.network.dispose();
    }
    await Promise.all(envs.filter((_, i) => !dropped.includes(i)).flat().map(async (e) => e.close?.()));
  };
  try {
    for (let i = 0; i < config.numActors; i++) {
      envs.push(await makeActorEnvs(ids, config.envsPerActor, i, config.envOptions));
      // Central inference: one network for all actors (below), none of their own.
      if (!central) networks.push(buildNetwork(config, envs[i]![0]!, config.seed));
    }
    if (central) {
      const network = buildNetwork(config, envs[0]![0]!, config.seed);
      // In a worker, the network here only describes the shapes; the worker computes with its own copy.
      const runner = (config.inferenceThread ?? 'worker') === 'worker' ? await startInferenceWorker({ config: resolveActorConfig(config), envId: ids[0]!, backend: config.actorBackend ?? currentBackend(), parameters }) : undefined;
      shared = { network, inference: new CentralInference({ model: network, ...config.inferenceBatching, ...(runner ? { runner } : {}) }) };
    }
  } catch (error) {
    await cleanUp();
    throw error;
  }
  const fleet = new InlineActorFleet({
    actors: (source) =>
      envs.map((actorEnvs, i) => {
        const options = { envs: actorEnvs, unrollLength: config.unrollLength, seed: actorSeed(config.seed, i), actorId: i, envIds: actorEnvs.map((_, j) => actorEnvId(ids, config.envsPerActor, i, j)) };
        return shared
          ? new Actor({ ...options, model: shared.inference.actorModel, inference: shared.inference.step, parameterSource: shared.inference.parameterSource(source) })
          : new Actor({ ...options, model: networks[i]!, parameterSource: source });
      }),
    onClose: async () => {
      dropped = fleet.droppedActors;
      await cleanUp();
    },
    actorTimeoutMs: config.actorTimeoutSeconds * 1000,
    envIds: envs.map((_, i) => Array.from({ length: config.envsPerActor }, (_, j) => actorEnvId(ids, config.envsPerActor, i, j))),
    ...(context.onWarning ? { onWarning: context.onWarning } : {}),
  });
  fleet.actors.forEach((actor, i) => {
    const state = actorStates?.[i];
    if (state) actor.setState(state);
  });
  fleet.publish(parameters);
  return fleet;
}
