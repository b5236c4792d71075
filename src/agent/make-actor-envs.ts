/**
 * The environments of actors, made through `makeEnvs` so that ids made asynchronously (the Gymnasium bridge's
 * `ALE/…` and `gym:…`) work in `train`, in worker actors and in the CLI; the envs of one actor that share an id
 * are made together (one Python process for the batch).
 */
import { makeEnvs } from '../envs/make-envs.js';
import { actorEnvId } from './actor-seed.js';
import type { ActorEnv } from './actor.js';

async function closeAll(envs: readonly { close?: () => unknown }[]): Promise<void> {
  await Promise.allSettled(envs.map((e) => Promise.resolve(e.close?.())));
}

/**
 * The `envsPerActor` environments of actor `actorIndex`: ids dealt round-robin as `actorEnvId` deals them,
 * each id's envs made in one `makeEnvs` call.
 *
 * @param ids - the env ids of the run.
 * @param envsPerActor - environments per actor.
 * @param actorIndex - the actor.
 * @param envOptions - options passed to every env.
 * @returns the envs in order (env j has id `actorEnvId(ids, envsPerActor, actorIndex, j)`).
 * @category Agent
 */
export async function makeActorEnvs(ids: readonly string[], envsPerActor: number, actorIndex: number, envOptions: Readonly<Record<string, unknown>> = {}): Promise<ActorEnv[]> {
  const slots = new Map<string, number[]>();
  for (let j = 0; j < envsPerActor; j++) {
    const id = actorEnvId(ids, envsPerActor, actorIndex, j);
    slots.set(id, [...(slots.get(id) ?? []), j]);
  }
  const made = await Promise.allSettled([...slots].map(async ([id, js]) => ({ js, envs: await makeEnvs(id, js.length, { ...envOptions }) })));
  const failed = made.find((m) => m.status === 'rejected');
  if (failed !== undefined) {
    await closeAll(made.flatMap((m) => (m.status === 'fulfilled' ? m.value.envs : [])));
    throw failed.reason;
  }
  const out = new Array<ActorEnv>(envsPerActor);
  for (const m of made) {
    if (m.status !== 'fulfilled') continue;
    m.value.js.forEach((j, k) => {
      out[j] = m.value.envs[k] as unknown as ActorEnv;
    });
  }
  return out;
}

/**
 * The environments of `numActors` actors ({@link makeActorEnvs} for each); when one fails, the others are
 * closed before the error is thrown.
 *
 * @param ids - the env ids of the run.
 * @param numActors - actors.
 * @param envsPerActor - environments per actor.
 * @param envOptions - options passed to every env.
 * @returns one array of envs per actor.
 * @category Agent
 */
export async function makeAllActorEnvs(ids: readonly string[], numActors: number, envsPerActor: number, envOptions: Readonly<Record<string, unknown>> = {}): Promise<ActorEnv[][]> {
  const made = await Promise.allSettled(Array.from({ length: numActors }, (_, i) => makeActorEnvs(ids, envsPerActor, i, envOptions)));
  const failed = made.find((m) => m.status === 'rejected');
  if (failed !== undefined) {
    await closeAll(made.flatMap((m) => (m.status === 'fulfilled' ? m.value : [])));
    throw failed.reason;
  }
  return made.map((m) => (m as PromiseFulfilledResult<ActorEnv[]>).value);
}
