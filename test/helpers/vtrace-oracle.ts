/**
 * A deliberately slow V-trace oracle written in the paper's notation (Espeholt et al. 2018, eq. 1 and
 * Remark 2), in the spirit of scalable_agent's `_ground_truth_calculation`: a direct O(T²) sum over
 * products, independent of the library's backward recursion. Inputs are `[T][B]` nested arrays.
 *
 *   v_s  = V(x_s) + Σ_{t=s}^{T−1} ( Π_{i=s}^{t−1} d_i c_i ) δ_t V,
 *   δ_t V = ρ̄_t ( r_t + d_t V(x_{t+1}) − V(x_t) ),  ρ̄_t = min(ρ̄, ρ_t),  c_i = λ min(c̄, ρ_i),
 *   pg_s = min(ρ̄_pg, ρ_s) ( r_s + d_s v_{s+1} − V(x_s) ),  with V(x_T) = v_T = bootstrap.
 */
export interface OracleInputs {
  readonly logRhos: readonly (readonly number[])[];
  readonly discounts: readonly (readonly number[])[];
  readonly rewards: readonly (readonly number[])[];
  readonly values: readonly (readonly number[])[];
  readonly bootstrapValue: readonly number[];
  readonly clipRho: number | null;
  readonly clipC: number | null;
  readonly clipPgRho: number | null;
  readonly lambda: number;
}

const clip = (threshold: number | null, x: number): number => (threshold === null ? x : Math.min(threshold, x));

export function vtraceOracle(x: OracleInputs): { vs: number[][]; pgAdvantages: number[][] } {
  const T = x.logRhos.length;
  const B = x.bootstrapValue.length;
  const rho = (t: number, b: number): number => Math.exp(x.logRhos[t]![b]!);
  const V = (t: number, b: number): number => (t === T ? x.bootstrapValue[b]! : x.values[t]![b]!);
  const vs: number[][] = [];
  for (let s = 0; s < T; s++) {
    const row: number[] = [];
    for (let b = 0; b < B; b++) {
      let sum = 0;
      for (let t = s; t < T; t++) {
        let product = 1;
        for (let i = s; i < t; i++) product *= x.discounts[i]![b]! * x.lambda * clip(x.clipC, rho(i, b));
        const delta = clip(x.clipRho, rho(t, b)) * (x.rewards[t]![b]! + x.discounts[t]![b]! * V(t + 1, b) - V(t, b));
        sum += product * delta;
      }
      row.push(V(s, b) + sum);
    }
    vs.push(row);
  }
  const vsNext = (s: number, b: number): number => (s + 1 === T ? x.bootstrapValue[b]! : vs[s + 1]![b]!);
  const pgAdvantages = vs.map((row, s) =>
    row.map((_, b) => clip(x.clipPgRho, rho(s, b)) * (x.rewards[s]![b]! + x.discounts[s]![b]! * vsNext(s, b) - V(s, b))),
  );
  return { vs, pgAdvantages };
}
