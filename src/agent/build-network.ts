/**
 * The network `train` builds for a configuration and an environment's spaces. A module of its own so that actor
 * workers can build their network copy without loading the training loop.
 */
import type { Space } from '../env/spaces.js';
import { ImpalaNetwork } from '../networks/impala-network.js';
import { mlpTorso } from '../networks/mlp-torso.js';
import type { ActorEnv } from './actor.js';
import type { TrainConfig } from './train.js';

/** Observation shape and action sizes of an environment's spaces. */
export function describeSpaces(observationSpace: Space<unknown>, actionSpace: Space<unknown>): { observationShape: number[]; numActions: number | number[]; pixels: boolean } {
  const obs = observationSpace as unknown as { kind?: string; shape?: readonly number[]; dtype?: string };
  const act = actionSpace as unknown as { kind?: string; n?: number; nvec?: Int32Array };
  if (obs.kind !== 'box' || !obs.shape) throw new Error(`train: the observation space must be a Box, got ${observationSpace.toString()}`);
  let numActions: number | number[];
  if (act.kind === 'discrete' && act.n !== undefined) numActions = act.n;
  else if (act.kind === 'multi-discrete' && act.nvec) numActions = Array.from(act.nvec);
  else throw new Error(`train: the action space must be Discrete or MultiDiscrete, got ${actionSpace.toString()}`);
  return { observationShape: [...obs.shape], numActions, pixels: obs.dtype === 'uint8' };
}

/** Builds the network that `train` (and each actor worker) uses for a configuration. */
export function buildNetwork(config: Pick<TrainConfig, 'torso' | 'lstmSize' | 'mlpHiddenSizes'>, env: ActorEnv, seed: number): ImpalaNetwork {
  const { observationShape, numActions, pixels } = describeSpaces(env.observationSpace, env.actionSpace);
  const torso = config.torso ?? (pixels ? 'deep' : 'mlp');
  return new ImpalaNetwork({
    torso: torso === 'mlp' && config.mlpHiddenSizes ? mlpTorso({ hiddenSizes: config.mlpHiddenSizes }) : torso,
    observationShape,
    numActions,
    lstmSize: config.lstmSize ?? (pixels ? 256 : 0),
    seed,
    checkInputValues: false,
  });
}
