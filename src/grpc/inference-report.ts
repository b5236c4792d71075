/**
 * {@link readInferenceReport}: one `InferenceRequest` of a thin actor, decoded and checked into what the env
 * proxies of its learner-side actor need. Errors name the field and index (the learner answers INVALID_ARGUMENT).
 */
import type { EnvProxyReport } from '../agent/env-proxy-group.js';
import { GrpcProtocolError } from './errors.js';
import { fromWireTensor, type InferenceRequest } from './wire.js';

/** What an Infer request must agree with. */
export interface InferenceReportSpec {
  /** Shape of one observation. */
  readonly observationShape: readonly number[];
  /** N, the actor's envs (one row each). */
  readonly numEnvs: number;
  /** Whether observations are uint8 pixels (float32 otherwise); null accepts either. */
  readonly pixels: boolean | null;
}

/**
 * Decodes and checks one Infer request: `[N, ...]` observations of the right dtype and shape, finite; for later
 * steps, N finite rewards, 0/1 end flags, and one reset observation per env that terminated or truncated.
 *
 * @param m - the request.
 * @param spec - the shapes it must have.
 * @param first - the session's first request (observations only: the first resets).
 * @returns the report for `EnvProxyGroup.deliver`.
 * @throws {@link GrpcProtocolError} naming the field, e.g. `observations[0][2] = NaN is not finite`.
 */
export function readInferenceReport(m: InferenceRequest, spec: InferenceReportSpec, first: boolean): EnvProxyReport {
  const obsShape = spec.observationShape;
  const obsSize = obsShape.reduce((a, b) => a * b, 1);
  const n = spec.numEnvs;
  const pixels = spec.pixels;
  const rows = (t: InferenceRequest['observations'], field: string, count: number): ArrayLike<number>[] => {
    const { array, shape } = fromWireTensor(t, field, pixels === null ? ['float32', 'uint8'] : pixels ? ['uint8'] : ['float32']);
    if (shape.length !== obsShape.length + 1 || shape[0] !== count || shape.slice(1).some((d, i) => d !== obsShape[i])) {
      throw new GrpcProtocolError(`${field} has shape [${shape.join(', ')}], expected [${count}, ${obsShape.join(', ')}]`);
    }
    if (array instanceof Float32Array) {
      for (let i = 0; i < array.length; i++) {
        if (!Number.isFinite(array[i]!)) throw new GrpcProtocolError(`${field}[${Math.floor(i / obsSize)}][${i % obsSize}] = ${array[i]} is not finite`);
      }
    }
    return Array.from({ length: count }, (_, i) => array.subarray(i * obsSize, (i + 1) * obsSize));
  };
  const flags = (t: InferenceRequest['terminated'], field: string): Uint8Array => {
    const { array, shape } = fromWireTensor(t, field, ['uint8']);
    if (shape.length !== 1 || shape[0] !== n) throw new GrpcProtocolError(`${field} has shape [${shape.join(', ')}], expected [${n}]`);
    const bad = array.findIndex((v) => v !== 0 && v !== 1);
    if (bad >= 0) throw new GrpcProtocolError(`${field}[${bad}] = ${array[bad]} is not 0 or 1`);
    return array as Uint8Array;
  };
  const observations = rows(m.observations, 'observations', n);
  if (first) return { observations, rewards: new Float64Array(n), terminated: new Uint8Array(n), truncated: new Uint8Array(n), resetObservations: [] };
  const { array: rewards, shape } = fromWireTensor(m.rewards, 'rewards', ['float64', 'float32']);
  if (shape.length !== 1 || shape[0] !== n) throw new GrpcProtocolError(`rewards has shape [${shape.join(', ')}], expected [${n}]`);
  const badReward = rewards.findIndex((v) => !Number.isFinite(v));
  if (badReward >= 0) throw new GrpcProtocolError(`rewards[${badReward}] = ${rewards[badReward]} is not finite`);
  const terminated = flags(m.terminated, 'terminated');
  const truncated = flags(m.truncated, 'truncated');
  let ended = 0;
  for (let i = 0; i < n; i++) if (terminated[i] || truncated[i]) ended++;
  if (ended === 0 && m.reset_observations && m.reset_observations.shape[0] !== 0) throw new GrpcProtocolError('reset_observations given, but no env terminated or truncated');
  const resetObservations = ended > 0 ? rows(m.reset_observations, 'reset_observations', ended) : [];
  return { observations, rewards, terminated, truncated, resetObservations };
}
