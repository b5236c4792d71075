/**
 * The network `train` builds for a configuration and an environment's spaces. A module of its own so that actor
 * workers can build their network copy without loading the training loop.
 */
import type { Space } from '../envs/contract/spaces.js';
import { ImpalaNetwork } from '../networks/impala-network.js';
import { mlpTorso } from '../networks/mlp-torso.js';
import type { ActorEnv } from './actor.js';
import type { TrainConfig } from './train-config.js';
import { AgentError } from './errors.js';

/**
 * What {@link describeSpaces} reads from an environment's spaces.
 * @category Agent
 */
export interface SpaceDescription {
  /** Shape of one observation (a Box's shape). */
  readonly observationShape: number[];
  /** A Discrete space's n, or a MultiDiscrete space's sizes. */
  readonly numActions: number | number[];
  /** Whether observations are uint8 images. */
  readonly pixels: boolean;
}

/**
 * Observation shape and action sizes of an environment's spaces.
 *
 * @param observationSpace - must be a Box.
 * @param actionSpace - must be Discrete or MultiDiscrete.
 * @returns the shapes the network needs.
 * @category Agent
 */
export function describeSpaces(observationSpace: Space<unknown>, actionSpace: Space<unknown>): SpaceDescription {
  const obs = observationSpace as unknown as { kind?: string; shape?: readonly number[]; dtype?: string };
  const act = actionSpace as unknown as { kind?: string; n?: number; nvec?: Int32Array };
  if (obs.kind !== 'box' || !obs.shape) throw new AgentError(`train: the observation space must be a Box, got ${observationSpace.toString()}`);
  let numActions: number | number[];
  if (act.kind === 'discrete' && act.n !== undefined) numActions = act.n;
  else if (act.kind === 'multi-discrete' && act.nvec) numActions = Array.from(act.nvec);
  else throw new AgentError(`train: the action space must be Discrete or MultiDiscrete, got ${actionSpace.toString()}`);
  return { observationShape: [...obs.shape], numActions, pixels: obs.dtype === 'uint8' };
}

/**
 * Builds the network that `train` (and each actor worker) uses for a configuration.
 *
 * @param config - torso, LSTM size, MLP sizes and `compile` are read from it (`compile: false` makes the
 *   network's `step` run eagerly; otherwise it compiles where the backend allows: see `ImpalaNetworkOptions.compile`).
 * @param env - an environment whose spaces give the observation shape and action sizes.
 * @param seed - weight initialisation seed.
 * @returns a new network (the caller disposes it).
 *
 * @example
 * ```ts
 * import { buildNetwork, makeEnv, useBackend, type ActorEnv } from 'impala-rl';
 * await useBackend('auto');
 * const network = buildNetwork({ lstmSize: 64 }, makeEnv('CartPole-v1') as ActorEnv, 1); // MLP torso + LSTM 64
 * console.log(network.observationShape, network.actionSizes, network.numParameters);
 * network.dispose();
 * ```
 * @category Agent
 */
export function buildNetwork(config: Pick<TrainConfig, 'torso' | 'lstmSize' | 'mlpHiddenSizes' | 'compile'>, env: ActorEnv, seed: number): ImpalaNetwork {
  const { observationShape, numActions, pixels } = describeSpaces(env.observationSpace, env.actionSpace);
  const torso = config.torso ?? (pixels ? 'deep' : 'mlp');
  return new ImpalaNetwork({
    torso: torso === 'mlp' && config.mlpHiddenSizes ? mlpTorso({ hiddenSizes: config.mlpHiddenSizes }) : torso,
    observationShape,
    numActions,
    lstmSize: config.lstmSize ?? (pixels ? 256 : 0),
    seed,
    checkInputValues: false,
    // `compile: false` (--no-compile) makes actor steps eager too; `true` is the learner's demand, so actors
    // (which may run on another backend) compile where they can.
    compile: config.compile === false ? false : 'auto',
  });
}
