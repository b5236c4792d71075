// Reading and writing network weights in TensorFlow.js's weights-manifest format, with node:fs only.
import type { WeightSpec } from './parameter-store.js';
import { NetworkError } from './errors.js';

/**
 * File name of the JSON manifest inside a saved network directory.
 * @category Networks
 */
export const MODEL_JSON = 'model.json';
/**
 * File name of the single binary shard written by `save`.
 * @category Networks
 */
export const WEIGHTS_BIN = 'group1-shard1of1.bin';
/**
 * Value of the manifest's `format` field.
 * @category Networks
 */
export const SAVED_NETWORK_FORMAT = 'impala-rl-network';

/** One entry of a tfjs weights manifest. */
interface ManifestWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
}

/** The subset of tfjs's `model.json` that impala-rl reads and writes. */
interface ModelJson {
  readonly format: string;
  readonly generatedBy?: string;
  readonly weightsManifest: readonly { readonly paths: readonly string[]; readonly weights: readonly ManifestWeight[] }[];
  readonly userDefinedMetadata?: Record<string, unknown>;
}

/**
 * Weights read from a directory, by name, in manifest order.
 * @category Networks
 */
export interface WeightsFileContents {
  readonly weights: readonly { readonly name: string; readonly shape: readonly number[]; readonly values: Float32Array }[];
  readonly metadata: Record<string, unknown>;
  readonly modelJsonPath: string;
}

/**
 * Writes `model.json` and one little-endian float32 shard.
 *
 * @param dir - Directory (created if missing).
 * @param specs - Names and shapes, in order.
 * @param values - One array per spec.
 * @param metadata - Stored under `userDefinedMetadata`.
 * @category Networks
 */
export async function writeWeightsDirectory(
  dir: string,
  specs: readonly WeightSpec[],
  values: readonly Float32Array[],
  metadata: Record<string, unknown>,
): Promise<void> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const total = specs.reduce((a, s) => a + s.size, 0);
  const bytes = new Uint8Array(total * 4);
  const view = new DataView(bytes.buffer);
  let offset = 0;
  specs.forEach((_spec, i) => {
    const v = values[i]!;
    for (let k = 0; k < v.length; k++) view.setFloat32(offset + 4 * k, v[k]!, true);
    offset += 4 * v.length;
  });
  const modelJson: ModelJson = {
    format: SAVED_NETWORK_FORMAT,
    generatedBy: 'impala-rl',
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: specs.map((s) => ({ name: s.name, shape: s.shape, dtype: 'float32' })) }],
    userDefinedMetadata: metadata,
  };
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, WEIGHTS_BIN), bytes);
  await fs.writeFile(path.join(dir, MODEL_JSON), `${JSON.stringify(modelJson, null, 2)}\n`);
}

/**
 * Reads a directory written by {@link writeWeightsDirectory} (or any tfjs weights manifest with float32
 * weights): every group's shards are concatenated in order, and the group's weights are read from it.
 *
 * @param dir - Directory holding `model.json`.
 * @param caller - Function name for errors.
 * @returns The weights and the `userDefinedMetadata`.
 * @category Networks
 */
export async function readWeightsDirectory(dir: string, caller: string): Promise<WeightsFileContents> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const modelJsonPath = path.join(dir, MODEL_JSON);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(modelJsonPath, 'utf8'));
  } catch (error) {
    throw new NetworkError(`${caller}: cannot read ${modelJsonPath}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const json = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Partial<Record<keyof ModelJson, unknown>>;
  const groups = parseManifest(json.weightsManifest, caller, modelJsonPath);
  const weights: { name: string; shape: readonly number[]; values: Float32Array }[] = [];
  for (const group of groups) {
    const shards = await Promise.all(group.paths.map((p) => fs.readFile(path.join(dir, p))));
    const buffer = Buffer.concat(shards);
    const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    let offset = 0;
    for (const w of group.weights) {
      if (w.dtype !== 'float32') throw new NetworkError(`${caller}: weight '${w.name}' in ${modelJsonPath} has dtype ${w.dtype}; only float32 is supported`);
      const size = w.shape.reduce((a, b) => a * b, 1);
      if (offset + 4 * size > buffer.byteLength) {
        throw new NetworkError(
          `${caller}: weight '${w.name}' ends at byte ${offset + 4 * size} but the shards of its group hold ${buffer.byteLength} bytes (${group.paths.join(', ')})`,
        );
      }
      const values = new Float32Array(size);
      for (let k = 0; k < size; k++) values[k] = view.getFloat32(offset + 4 * k, true);
      offset += 4 * size;
      weights.push({ name: w.name, shape: w.shape, values });
    }
    if (offset !== buffer.byteLength) {
      throw new NetworkError(`${caller}: the shards ${group.paths.join(', ')} hold ${buffer.byteLength} bytes but the manifest describes ${offset}`);
    }
  }
  const metadata = typeof json.userDefinedMetadata === 'object' && json.userDefinedMetadata !== null ? (json.userDefinedMetadata as Record<string, unknown>) : {};
  return { weights, metadata, modelJsonPath };
}

/** Validates the `weightsManifest` field of a parsed `model.json`. */
function parseManifest(manifest: unknown, caller: string, file: string): ModelJson['weightsManifest'] {
  const fail = (what: string): never => {
    throw new NetworkError(`${caller}: ${file} has a malformed weightsManifest: ${what}`);
  };
  if (!Array.isArray(manifest)) return fail('not an array');
  return (manifest as unknown[]).map((group, g) => {
    const { paths, weights } = (typeof group === 'object' && group !== null ? group : {}) as Record<string, unknown>;
    if (!Array.isArray(paths) || !(paths as unknown[]).every((p) => typeof p === 'string')) return fail(`group ${g} needs a 'paths' array of strings`);
    if (!Array.isArray(weights)) return fail(`group ${g} needs a 'weights' array`);
    return {
      paths: paths as string[],
      weights: (weights as unknown[]).map((entry) => {
        const { name, shape, dtype } = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
        const validShape = Array.isArray(shape) && (shape as unknown[]).every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0);
        if (typeof name !== 'string' || !validShape || typeof dtype !== 'string') return fail(`entry ${JSON.stringify(entry)} needs name, shape and dtype`);
        return { name, shape: shape as number[], dtype };
      }),
    };
  });
}
