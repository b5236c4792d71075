/**
 * A model's fingerprint: its weights' names and shapes in one short string, carried by every
 * {@link ParameterSnapshot} and checked wherever weights cross a boundary (a thread, a process, a checkpoint), so
 * that weights of another architecture fail loudly instead of loading into a model of the same size.
 */
import { fnv1a32 } from '../networks/fnv1a.js';
import type { AgentModel, ModelWeightSpec } from './core.js';
import { AgentError } from './errors.js';

/**
 * The fingerprint of a list of weight specs: `<count>x<values>:<hash>`, where the hash is FNV-1a (32 bit) of
 * the names and shapes in order, e.g. `6x4610:1f2e3d4c`.
 *
 * @param model - the model (or just its `weightSpecs`).
 * @returns the fingerprint.
 *
 * @example
 * ```ts
 * const a = modelFingerprint(learnerNetwork);
 * const b = modelFingerprint(actorNetwork);
 * if (a !== b) throw new Error('the actor was built for another model');
 * ```
 * @category Agent
 */
export function modelFingerprint(model: { readonly weightSpecs: readonly ModelWeightSpec[] }): string {
  const specs = model.weightSpecs;
  const values = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
  const text = specs.map((s) => `${s.name}:${s.shape.join('x')}`).join(';');
  return `${specs.length}x${values}:${fnv1a32(text).toString(16).padStart(8, '0')}`;
}

/**
 * Throws unless `fingerprint` is `model`'s.
 *
 * @param where - who checks, for the message (e.g. `'Actor 2'`).
 * @param fingerprint - the fingerprint that came with the weights.
 * @param model - the model the weights are for.
 * @throws {@link AgentError} with both fingerprints.
 * @category Agent
 */
export function checkModelFingerprint(where: string, fingerprint: string, model: Pick<AgentModel, 'weightSpecs'>): void {
  const own = modelFingerprint(model);
  if (fingerprint !== own) {
    throw new AgentError(
      `${where}: the parameters are for another model (fingerprint ${fingerprint}: weights x values:hash) than this one (${own}); build both sides from the same configuration`,
    );
  }
}
