import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The kinds of golden V-trace cases. */
export type VTraceGoldenKind = 'from_importance_weights' | 'from_logits' | 'from_logits_multi';

/** Hyperparameters of a golden case, in impala-rl's option names (`null` = no clipping). */
export interface VTraceGoldenHyperparameters {
  /** ρ̄. */
  readonly clipRhoThreshold: number | null;
  /** ρ̄ for the policy-gradient advantage. */
  readonly clipPgRhoThreshold: number | null;
  /** c̄ (always 1 in the golden set, as in both reference implementations). */
  readonly clipCThreshold: number | null;
  /** λ. */
  readonly lambda: number;
}

/** Inputs of a golden case as flat row-major arrays (`[T, B]`, logits `[T, B, A]`, bootstrap `[B]`). */
export interface VTraceGoldenInputs {
  /** `[T, B]`; importance-weight cases only. */
  readonly logRhos?: Float64Array;
  /** `[T, B, A]` per head; logits cases only. */
  readonly behaviourPolicyLogits?: readonly Float64Array[];
  /** `[T, B, A]` per head; logits cases only. */
  readonly targetPolicyLogits?: readonly Float64Array[];
  /** `[T, B]` per head; logits cases only. */
  readonly actions?: readonly Int32Array[];
  /** `[T, B]`. */
  readonly discounts: Float64Array;
  /** `[T, B]`. */
  readonly rewards: Float64Array;
  /** `[T, B]`. */
  readonly values: Float64Array;
  /** `[B]`. */
  readonly bootstrapValue: Float64Array;
}

/** The float64 ground truth of a golden case, flat `[T, B]`. */
export interface VTraceGoldenExpected {
  /** V-trace targets. */
  readonly vs: Float64Array;
  /** Policy-gradient advantages (v_{s+1} form). */
  readonly pgAdvantages: Float64Array;
  /** Logits cases only. */
  readonly logRhos?: Float64Array;
  /** Logits cases only (summed over heads). */
  readonly behaviourActionLogProbs?: Float64Array;
  /** Logits cases only (summed over heads). */
  readonly targetActionLogProbs?: Float64Array;
}

/** One golden V-trace case (float32-exact inputs, float64 truth); see the fixtures' README for provenance. */
export interface VTraceGoldenCase {
  /** Unique name, e.g. `iw_T20_B32_rho_3.7_pg_2.2`. */
  readonly name: string;
  /** Which entry point the case exercises. */
  readonly kind: VTraceGoldenKind;
  /** What the case covers. */
  readonly description: string;
  /** Unroll length. */
  readonly T: number;
  /** Batch size. */
  readonly B: number;
  /** Number of actions (a list for multi-head cases); `null` for importance-weight cases. */
  readonly numActions: number | readonly number[] | null;
  /** Thresholds and λ. */
  readonly hyperparameters: VTraceGoldenHyperparameters;
  /** Inputs. */
  readonly inputs: VTraceGoldenInputs;
  /** Float64 ground truth. */
  readonly expected: VTraceGoldenExpected;
}

interface RawArray {
  shape: number[];
  data: number[];
}
interface RawCase {
  name: string;
  kind: VTraceGoldenKind;
  description: string;
  T: number;
  B: number;
  num_actions?: number | number[];
  hyperparameters: { clip_rho_threshold: number | null; clip_pg_rho_threshold: number | null; clip_c_threshold: number | null; lambda: number };
  inputs: Record<string, RawArray | RawArray[]>;
  expected: Record<string, RawArray | RawArray[]>;
}

/** The golden files shipped with the package (copied from the project's shared golden set). */
export const VTRACE_GOLDEN_FILES = ['vtrace_from_importance_weights.json', 'vtrace_from_logits.json'] as const;

const f64 = (a: RawArray): Float64Array => Float64Array.from(a.data);
const list = (a: RawArray | RawArray[]): RawArray[] => (Array.isArray(a) ? a : [a]);

function parseCase(raw: RawCase): VTraceGoldenCase {
  const i = raw.inputs;
  const e = raw.expected;
  const one = (x: RawArray | RawArray[] | undefined): Float64Array | undefined => (x === undefined ? undefined : f64(list(x)[0]!));
  const logits = raw.kind !== 'from_importance_weights';
  const inputs: VTraceGoldenInputs = {
    discounts: one(i.discounts)!,
    rewards: one(i.rewards)!,
    values: one(i.values)!,
    bootstrapValue: one(i.bootstrap_value)!,
    ...(logits
      ? {
          behaviourPolicyLogits: list(i.behaviour_policy_logits!).map(f64),
          targetPolicyLogits: list(i.target_policy_logits!).map(f64),
          actions: list(i.actions!).map((a) => Int32Array.from(a.data)),
        }
      : { logRhos: one(i.log_rhos)! }),
  };
  const expected: VTraceGoldenExpected = {
    vs: one(e.vs)!,
    pgAdvantages: one(e.pg_advantages)!,
    ...(logits
      ? {
          logRhos: one(e.log_rhos)!,
          behaviourActionLogProbs: one(e.behaviour_action_log_probs)!,
          targetActionLogProbs: one(e.target_action_log_probs)!,
        }
      : {}),
  };
  const h = raw.hyperparameters;
  return {
    name: raw.name,
    kind: raw.kind,
    description: raw.description,
    T: raw.T,
    B: raw.B,
    numActions: raw.num_actions ?? null,
    hyperparameters: {
      clipRhoThreshold: h.clip_rho_threshold,
      clipPgRhoThreshold: h.clip_pg_rho_threshold,
      clipCThreshold: h.clip_c_threshold,
      lambda: h.lambda,
    },
    inputs,
    expected,
  };
}

/** Where the shipped golden JSON files are: resolved through the package's own `exports` map. */
function defaultGoldenDir(): string {
  const require = createRequire(import.meta.url);
  const readme = require.resolve('impala-rl/fixtures/vtrace/README.md');
  return join(readme, '..');
}

/**
 * Loads the golden V-trace cases shipped with impala-rl (35 cases: 24 importance-weight, 9 single-head
 * logits, 2 multi-head logits). Node only (reads files). Inputs are float32-exact; `expected` is the
 * float64 truth from the paper's definition, cross-checked against deepmind/scalable_agent,
 * torchbeast and rlax (provenance in `impala-rl/fixtures/vtrace/README.md`).
 *
 * @param options - `dir`: read the JSON files from another folder.
 * @returns the cases, in file order.
 */
export function loadVTraceGoldenCases(options: { readonly dir?: string } = {}): VTraceGoldenCase[] {
  const dir = options.dir ?? defaultGoldenDir();
  return VTRACE_GOLDEN_FILES.flatMap((file) => {
    const parsed = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { cases: RawCase[] };
    return parsed.cases.map(parseCase);
  });
}
