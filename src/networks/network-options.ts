import { deepTorso } from './deep-torso.js';
import { mlpTorso } from './mlp-torso.js';
import { shallowTorso } from './shallow-torso.js';
import type { TorsoDefinition } from './torso.js';

/**
 * Names of the built-in torsos with their default settings.
 * @category Networks
 */
export type BuiltInTorso = 'deep' | 'shallow' | 'mlp';

/**
 * Options of {@link ImpalaNetwork}.
 *
 * @example
 * ```ts
 * // The paper's large DMLab agent: deep torso, LSTM 256, 9 actions, language instruction.
 * const net = new ImpalaNetwork({ torso: 'deep', observationShape: [72, 96, 3], numActions: 9, useInstruction: true });
 * ```
 * @category Networks
 */
export interface ImpalaNetworkOptions {
  /**
   * The torso: `'deep'` (IMPALA large: 3 residual sections), `'shallow'` (IMPALA small: the A3C torso),
   * `'mlp'` (dense layers for vector observations), a configured built-in (`deepTorso({...})`,
   * `shallowTorso({...})`, `mlpTorso({...})`), or your own {@link TorsoDefinition}.
   */
  readonly torso: BuiltInTorso | TorsoDefinition;
  /** Shape of one observation without batch dimensions, e.g. `[72, 96, 3]` (H, W, C) or `[4]`. */
  readonly observationShape: readonly number[];
  /**
   * Number of discrete actions A, or a list of sizes for a multi-discrete action space (one policy head
   * per entry; `lastAction` then has a trailing dimension with one action per head).
   */
  readonly numActions: number | readonly number[];
  /**
   * Units of the LSTM core; `0` or `null` for a feed-forward core (the heads then read the concatenated
   * torso output, clipped reward, one-hot last action and instruction embedding directly).
   *
   * @defaultValue `256`
   */
  readonly lstmSize?: number | null;
  /**
   * Whether the network reads a language instruction (hash buckets → embedding 20 → LSTM 64) as in the
   * DMLab agent; `step`/`unroll` then require `inputs.instruction`.
   *
   * @defaultValue `false`
   */
  readonly useInstruction?: boolean;
  /**
   * Seed of the weight initialisation; each variable's seed is derived from it and the variable's name.
   *
   * @defaultValue `0`
   */
  readonly seed?: number;
  /**
   * Prefix of the tfjs engine names of the variables (made unique with a suffix when another live network
   * uses it). Public weight names (`weightSpecs`, files) never include it.
   *
   * @defaultValue `'impala_network'`
   */
  readonly name?: string;
  /**
   * Whether `step`/`unroll` read the (small) action, token and length tensors to check their value ranges,
   * which costs a device→host sync per call. Shapes and dtypes are always checked.
   *
   * @defaultValue `true`
   */
  readonly checkInputValues?: boolean;
  /**
   * Run `step` (the actors' batched forward pass) as one libtensorflow graph per batch shape on the
   * `tensorflow`/`cuda` backends: the first call of a shape runs eagerly while its ops are recorded,
   * later ones are one session run, with the current weights fed in (see docs/backends.md). `'auto'`
   * runs eagerly where no graph can be built, logging why once per process; `true` throws naming the
   * reason; `false` always runs eagerly. `unroll` is not affected (the learner compiles its whole update).
   * @defaultValue 'auto'
   */
  readonly compile?: boolean | 'auto';
}

/**
 * Resolves a built-in torso name or a saved `{ kind, config }` pair to a torso definition.
 *
 * @param kind - `deep`, `shallow` or `mlp`.
 * @param config - The built-in's options.
 * @returns The definition, or undefined for an unknown kind.
 * @category Networks
 */
export function builtInTorso(kind: string, config: Readonly<Record<string, unknown>> = {}): TorsoDefinition | undefined {
  switch (kind) {
    case 'deep':
      return deepTorso(config);
    case 'shallow':
      return shallowTorso(config);
    case 'mlp':
      return mlpTorso(config);
    default:
      return undefined;
  }
}
