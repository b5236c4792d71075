/**
 * Parsing of the golden V-trace JSON files, apart from reading them: no Node built-ins, so a browser can
 * parse files it fetched.
 */
import type { VTraceGoldenCase, VTraceGoldenExpected, VTraceGoldenInputs, VTraceGoldenKind } from './vtrace-golden.js';

/**
 * The golden files shipped with the package (copied from the project's shared golden set).
 * @category Testing
 */
export const VTRACE_GOLDEN_FILES = ['vtrace_from_importance_weights.json', 'vtrace_from_logits.json'] as const;

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

/**
 * Parses one golden V-trace file (`vtrace_from_importance_weights.json` or `vtrace_from_logits.json`, see
 * `VTRACE_GOLDEN_FILES`) already read or fetched as JSON.
 *
 * @param json - the file's parsed JSON (`{ cases: [...] }`).
 * @returns its cases, in file order.
 * @throws TypeError when `json` has no `cases` array.
 * @category Testing
 */
export function parseVTraceGoldenFile(json: unknown): VTraceGoldenCase[] {
  const cases = (json as { cases?: unknown } | null)?.cases;
  if (!Array.isArray(cases)) throw new TypeError('parseVTraceGoldenFile: expected a golden V-trace file ({ cases: [...] })');
  return (cases as RawCase[]).map(parseCase);
}
