/**
 * The environment description a learner and its remote actors compare at the handshake: {@link spacesKey}.
 */
import type { ActorEnv } from '../agent/actor.js';
import { describeSpaces } from '../agent/build-network.js';
import { makeEnvs } from '../envs/make-envs.js';

/**
 * An environment's observation and action spaces as one canonical string (observation shape, action sizes,
 * pixels or not): two environments with the same key feed networks of the same shapes.
 *
 * @param env - the environment.
 * @returns e.g. `{"observationShape":[4],"numActions":2,"pixels":false}`.
 */
export function spacesKey(env: Pick<ActorEnv, 'observationSpace' | 'actionSpace'>): string {
  const d = describeSpaces(env.observationSpace, env.actionSpace);
  return JSON.stringify({ observationShape: d.observationShape, numActions: d.numActions, pixels: d.pixels });
}

/**
 * {@link spacesKey} of a fresh environment of `id` (made, read and closed).
 *
 * @param id - the env id.
 * @param envOptions - options for `makeEnv`.
 */
export async function probeSpaces(id: string, envOptions: Readonly<Record<string, unknown>>): Promise<string> {
  const env = (await makeEnvs(id, 1, { ...envOptions }))[0] as unknown as ActorEnv;
  try {
    return spacesKey(env);
  } finally {
    await env.close?.();
  }
}
