/**
 * Seed of actor `index` in a training run seeded with `seed` (its sampling RNG and its environments'
 * first resets). `train` uses it for in-process actors and `WorkerActorFleet` for actors in worker
 * threads, so both modes produce the same experience for the same parameters.
 * @category Agent
 */
export function actorSeed(seed: number, index: number): number {
  return seed + 7919 * (index + 1);
}

/**
 * The env id of environment `envIndex` of actor `actorIndex`: ids are dealt round-robin over all
 * environments of all actors in order (actor 0's first, then actor 1's, ...), as `train` does.
 * @category Agent
 */
export function actorEnvId(ids: readonly string[], envsPerActor: number, actorIndex: number, envIndex: number): string {
  return ids[(actorIndex * envsPerActor + envIndex) % ids.length]!;
}
