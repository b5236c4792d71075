#!/usr/bin/env node
// Generates the WebAssembly text of the V-trace SIMD kernel (src/vtrace/wasm/vtrace.wat), assembles it with
// wabt (a dev dependency, from npm) and writes the bytes, base64-encoded, to src/vtrace/wasm/bytes.ts, which is
// committed and ships inside the package (no fetch at run time).
//
//   npm run build:vtrace-wasm          regenerate both files
//   node src/vtrace/wasm/generate.mjs --check   exit 1 when the committed files differ from what this script makes
//
// The loop bodies are written once here as templates and instantiated for the two storage types (float32 read
// with f32x4 loads and split into two f64x2 halves; float64 read as f64x2); all arithmetic is f64x2, in the
// same order as the JavaScript kernel (src/vtrace/kernel.ts), so both accumulate in float64.
import { Buffer } from 'node:buffer';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

const here = dirname(fileURLToPath(import.meta.url));

// exp(x) = 2^m · 2^(j/64) · P(y), x = (64m + j)·ln2/64 + y, |y| ≤ ln2/128 (the JavaScript kernel's ExpTables).
// k = 64m + j is rounded with the shift trick: kd = x·64/ln2 + 1.5·2^52 holds k in its low mantissa bits.
const SHIFT = 6755399441055744; // 1.5 · 2^52
const LOG2E_64 = 64 / Math.LN2;
const LN2_64_HI = 6.93147180369123816490e-1 / 64;
const LN2_64_LO = 1.90821492927058770002e-10 / 64;
const EXP_TABLE_BYTES = 64 * 8;
/** Where the float32 kernels keep the smallest discount seen (four float32 lanes), after the exp table. */
const DISCOUNT_MIN_BYTE = 512;

const f64 = (x) => (Object.is(x, Infinity) ? 'inf' : Object.is(x, -Infinity) ? '-inf' : x.toPrecision(17));
const splat = (x) => `(v128.const f64x2 ${f64(x)} ${f64(x)})`;

/** Table of bits(2^(j/64)) − j·2^46, so that adding k·2^46 (k = 64m + j) adds m to the exponent. */
function expTable() {
  const bytes = new Uint8Array(EXP_TABLE_BYTES);
  const view = new DataView(bytes.buffer);
  for (let j = 0; j < 64; j++) {
    const bits = new BigUint64Array(new Float64Array([Math.pow(2, j / 64)]).buffer)[0];
    view.setBigUint64(j * 8, bits - (BigInt(j) << 46n), true);
  }
  return Array.from(bytes, (b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
}

/** exp of the f64x2 in local $x into local $e (lanes outside (−40, 40) are wrong here; see $fixLanes). */
const expCode = `
    (local.set $kd (f64x2.add (f64x2.mul (local.get $x) ${splat(LOG2E_64)}) ${splat(SHIFT)}))
    (local.set $k (f64x2.sub (local.get $kd) ${splat(SHIFT)}))
    (local.set $y (f64x2.sub (f64x2.sub (local.get $x) (f64x2.mul (local.get $k) ${splat(LN2_64_HI)}))
                             (f64x2.mul (local.get $k) ${splat(LN2_64_LO)})))
    (local.set $p (f64x2.add ${splat(1 / 120)} (f64x2.mul (local.get $y) ${splat(1 / 720)})))
    (local.set $p (f64x2.add ${splat(1 / 24)} (f64x2.mul (local.get $y) (local.get $p))))
    (local.set $p (f64x2.add ${splat(1 / 6)} (f64x2.mul (local.get $y) (local.get $p))))
    (local.set $p (f64x2.add ${splat(1 / 2)} (f64x2.mul (local.get $y) (local.get $p))))
    (local.set $p (f64x2.add ${splat(1)} (f64x2.mul (local.get $y) (local.get $p))))
    (local.set $p (f64x2.add ${splat(1)} (f64x2.mul (local.get $y) (local.get $p))))
    (local.set $e (f64x2.mul
      (i64x2.add
        (v128.load64_lane 1
          (i32.shl (i32.and (i32.wrap_i64 (i64x2.extract_lane 1 (local.get $kd))) (i32.const 63)) (i32.const 3))
          (v128.load64_zero
            (i32.shl (i32.and (i32.wrap_i64 (i64x2.extract_lane 0 (local.get $kd))) (i32.const 63)) (i32.const 3))))
        (i64x2.shl (local.get $kd) (i32.const 46)))
      (local.get $p)))`;

/**
 * One V-trace step on two columns: inputs in locals $x (log ρ), $d, $r, $v; carries V_{t+1}, vs_{t+1}, acc_{t+1}
 * loaded from the addresses `nv`, `nvs`, `acc` (f64, `lanes` of them: 2, or 1 for a tail column whose lanes are
 * equal); results in $vsT and $pg, the carries stored back, $g += vsT + pg (the non-finite guard).
 */
function stepCode(nv, nvs, acc, lanes) {
  const load = (addr) => (lanes === 2 ? `(v128.load ${addr})` : `(v128.load64_splat ${addr})`);
  const store = (addr, value) => (lanes === 2 ? `(v128.store ${addr} ${value})` : `(v128.store64_lane 0 ${addr} ${value})`);
  return `
    ${expCode}
    (local.set $ge (f64x2.ge (local.get $x) (local.get $logMax)))
    (local.set $rho (v128.bitselect ${splat(Infinity)} (local.get $e) (local.get $ge)))
    ;; lanes below log(max threshold) and outside (−40, 40), or NaN: Math.exp, as the JavaScript kernel does
    (if (v128.any_true (v128.andnot
          (v128.not (v128.and (f64x2.gt (local.get $x) ${splat(-40)}) (f64x2.lt (local.get $x) ${splat(40)})))
          (local.get $ge)))
      (then (local.set $rho (call $fixLanes (local.get $x) (local.get $rho) (local.get $ge)))))
    (local.set $c (f64x2.mul (local.get $lambda) (f64x2.pmin (local.get $rho) (local.get $clipC))))
    (local.set $a (f64x2.add
      (f64x2.mul (f64x2.pmin (local.get $rho) (local.get $clipRho))
                 (f64x2.sub (f64x2.add (local.get $r) (f64x2.mul (local.get $d) ${load(nv)})) (local.get $v)))
      (f64x2.mul (f64x2.mul (local.get $d) (local.get $c)) ${load(acc)})))
    (local.set $vsT (f64x2.add (local.get $v) (local.get $a)))
    (local.set $pg (f64x2.mul (f64x2.pmin (local.get $rho) (local.get $clipPg))
                 (f64x2.sub (f64x2.add (local.get $r) (f64x2.mul (local.get $d) ${load(nvs)})) (local.get $v))))
    (local.set $g (f64x2.add (local.get $g) (f64x2.add (local.get $vsT) (local.get $pg))))
    ${store(acc, '(local.get $a)')}
    ${store(nv, '(local.get $v)')}
    ${store(nvs, '(local.get $vsT)')}`;
}

const kernelLocals = `
    (local $t i32) (local $n i32) (local $i i32) (local $cn i32) (local $n4 i32)
    (local $clipRho v128) (local $clipC v128) (local $clipPg v128) (local $lambda v128) (local $logMax v128)
    (local $x v128) (local $d v128) (local $r v128) (local $v v128)
    (local $lr4 v128) (local $d4 v128) (local $r4 v128) (local $v4 v128) (local $vsLo v128) (local $pgLo v128)
    (local $kd v128) (local $k v128) (local $y v128) (local $p v128) (local $e v128) (local $ge v128) (local $rho v128)
    (local $c v128) (local $a v128) (local $vsT v128) (local $pg v128) (local $g v128)`;

const kernelParams = `
    (param $rows i32) (param $N i32)
    (param $lrP i32) (param $dP i32) (param $rP i32) (param $vP i32) (param $vsP i32) (param $pgP i32)
    (param $nvP i32) (param $nvsP i32) (param $accP i32)
    (param $clipRhoS f64) (param $clipCS f64) (param $clipPgS f64) (param $lambdaS f64) (param $logMaxS f64)
    (result f64)`;

const kernelPrologue = `
    (local.set $clipRho (f64x2.splat (local.get $clipRhoS)))
    (local.set $clipC (f64x2.splat (local.get $clipCS)))
    (local.set $clipPg (f64x2.splat (local.get $clipPgS)))
    (local.set $lambda (f64x2.splat (local.get $lambdaS)))
    (local.set $logMax (f64x2.splat (local.get $logMaxS)))`;

const kernelEpilogue = `
    (f64.add (f64x2.extract_lane 0 (local.get $g)) (f64x2.extract_lane 1 (local.get $g)))`;

const carry = (base, off = 0) => `(i32.add (local.get ${base}) (i32.add (local.get $cn) (i32.const ${off})))`;
/** The high two f32 lanes of a local, moved to the low half (for f64x2.promote_low_f32x4). */
const hi = (name) => `(i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get ${name}) (local.get ${name}))`;
const at = (base) => `(i32.add (local.get ${base}) (local.get $i))`;

/** Rows t = rows−1 … 0 of float32 [rows, N] arrays: four columns per f32x4, as two f64x2 halves. */
const kernelF32 = `
  (func $vtraceF32 (export "vtraceF32") ${kernelParams}
    ${kernelLocals}
    ${kernelPrologue}
    (local.set $n4 (i32.and (local.get $N) (i32.const -4)))
    (local.set $t (local.get $rows))
    (block $rowsDone (loop $rowLoop
      (br_if $rowsDone (i32.eqz (local.get $t)))
      (local.set $t (i32.sub (local.get $t) (i32.const 1)))
      (local.set $i (i32.shl (i32.mul (local.get $t) (local.get $N)) (i32.const 2)))
      (local.set $n (i32.const 0))
      (local.set $cn (i32.const 0))
      (block $vecDone (loop $vecLoop
        (br_if $vecDone (i32.ge_u (local.get $n) (local.get $n4)))
        (local.set $lr4 (v128.load ${at('$lrP')}))
        (local.set $d4 (v128.load ${at('$dP')}))
        (local.set $r4 (v128.load ${at('$rP')}))
        (local.set $v4 (v128.load ${at('$vP')}))
        (local.set $x (f64x2.promote_low_f32x4 (local.get $lr4)))
        (local.set $d (f64x2.promote_low_f32x4 (local.get $d4)))
        (local.set $r (f64x2.promote_low_f32x4 (local.get $r4)))
        (local.set $v (f64x2.promote_low_f32x4 (local.get $v4)))
        ${stepCode(carry('$nvP'), carry('$nvsP'), carry('$accP'), 2)}
        (local.set $vsLo (local.get $vsT))
        (local.set $pgLo (local.get $pg))
        (local.set $x (f64x2.promote_low_f32x4 ${hi('$lr4')}))
        (local.set $d (f64x2.promote_low_f32x4 ${hi('$d4')}))
        (local.set $r (f64x2.promote_low_f32x4 ${hi('$r4')}))
        (local.set $v (f64x2.promote_low_f32x4 ${hi('$v4')}))
        ${stepCode(carry('$nvP', 16), carry('$nvsP', 16), carry('$accP', 16), 2)}
        (v128.store ${at('$vsP')} (i64x2.join (f32x4.demote_f64x2_zero (local.get $vsLo)) (f32x4.demote_f64x2_zero (local.get $vsT))))
        (v128.store ${at('$pgP')} (i64x2.join (f32x4.demote_f64x2_zero (local.get $pgLo)) (f32x4.demote_f64x2_zero (local.get $pg))))
        (local.set $n (i32.add (local.get $n) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (local.set $cn (i32.add (local.get $cn) (i32.const 32)))
        (br $vecLoop)))
      ;; the last N mod 4 columns, one at a time (both lanes equal)
      (block $tailDone (loop $tailLoop
        (br_if $tailDone (i32.ge_u (local.get $n) (local.get $N)))
        (local.set $x (f64x2.splat (f64.promote_f32 (f32.load ${at('$lrP')}))))
        (local.set $d (f64x2.splat (f64.promote_f32 (f32.load ${at('$dP')}))))
        (local.set $r (f64x2.splat (f64.promote_f32 (f32.load ${at('$rP')}))))
        (local.set $v (f64x2.splat (f64.promote_f32 (f32.load ${at('$vP')}))))
        ${stepCode(carry('$nvP'), carry('$nvsP'), carry('$accP'), 1)}
        (f32.store ${at('$vsP')} (f32.demote_f64 (f64x2.extract_lane 0 (local.get $vsT))))
        (f32.store ${at('$pgP')} (f32.demote_f64 (f64x2.extract_lane 0 (local.get $pg))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (local.set $cn (i32.add (local.get $cn) (i32.const 8)))
        (br $tailLoop)))
      (br $rowLoop)))
    ${kernelEpilogue})`;

/** Rows t = rows−1 … 0 of float64 [rows, N] arrays: two columns per f64x2. */
const kernelF64 = `
  (func $vtraceF64 (export "vtraceF64") ${kernelParams}
    ${kernelLocals}
    ${kernelPrologue}
    (local.set $n4 (i32.and (local.get $N) (i32.const -2)))
    (local.set $t (local.get $rows))
    (block $rowsDone (loop $rowLoop
      (br_if $rowsDone (i32.eqz (local.get $t)))
      (local.set $t (i32.sub (local.get $t) (i32.const 1)))
      (local.set $i (i32.shl (i32.mul (local.get $t) (local.get $N)) (i32.const 3)))
      (local.set $n (i32.const 0))
      (local.set $cn (i32.const 0))
      (block $vecDone (loop $vecLoop
        (br_if $vecDone (i32.ge_u (local.get $n) (local.get $n4)))
        (local.set $x (v128.load ${at('$lrP')}))
        (local.set $d (v128.load ${at('$dP')}))
        (local.set $r (v128.load ${at('$rP')}))
        (local.set $v (v128.load ${at('$vP')}))
        ${stepCode(carry('$nvP'), carry('$nvsP'), carry('$accP'), 2)}
        (v128.store ${at('$vsP')} (local.get $vsT))
        (v128.store ${at('$pgP')} (local.get $pg))
        (local.set $n (i32.add (local.get $n) (i32.const 2)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (local.set $cn (i32.add (local.get $cn) (i32.const 16)))
        (br $vecLoop)))
      (if (i32.lt_u (local.get $n) (local.get $N))
        (then
          (local.set $x (v128.load64_splat ${at('$lrP')}))
          (local.set $d (v128.load64_splat ${at('$dP')}))
          (local.set $r (v128.load64_splat ${at('$rP')}))
          (local.set $v (v128.load64_splat ${at('$vP')}))
          ${stepCode(carry('$nvP'), carry('$nvsP'), carry('$accP'), 1)}
          (v128.store64_lane 0 ${at('$vsP')} (local.get $vsT))
          (v128.store64_lane 0 ${at('$pgP')} (local.get $pg))))
      (br $rowLoop)))
    ${kernelEpilogue})`;

/** exp over n float64 values at p, in place (n even): the kernel's exp, exported for its accuracy test. */
const expExport = `
  (func (export "expF64") (param $ptr i32) (param $count i32)
    (local $x v128) (local $kd v128) (local $k v128) (local $y v128) (local $p v128) (local $e v128) (local $ge v128)
    (local $end i32)
    (local.set $ge (v128.const i64x2 0 0))
    (local.set $end (i32.add (local.get $ptr) (i32.shl (local.get $count) (i32.const 3))))
    (block $done (loop $loop
      (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
      (local.set $x (v128.load (local.get $ptr)))
      ${expCode}
      (if (v128.any_true (v128.not (v128.and (f64x2.gt (local.get $x) ${splat(-40)}) (f64x2.lt (local.get $x) ${splat(40)}))))
        (then (local.set $e (call $fixLanes (local.get $x) (local.get $e) (local.get $ge)))))
      (v128.store (local.get $ptr) (local.get $e))
      (local.set $ptr (i32.add (local.get $ptr) (i32.const 16)))
      (br $loop))))`;

const fixLanes = `
  ;; Lanes of x outside (−40, 40) or NaN, unless selected by mask: Math.exp(x); other lanes keep rho.
  (func $fixLanes (param $x v128) (param $rho v128) (param $mask v128) (result v128)
    (local $xi f64)
    (local.set $xi (f64x2.extract_lane 0 (local.get $x)))
    (if (i32.and (i64.eqz (i64x2.extract_lane 0 (local.get $mask)))
               (i32.eqz (i32.and (f64.gt (local.get $xi) (f64.const -40)) (f64.lt (local.get $xi) (f64.const 40)))))
      (then (local.set $rho (f64x2.replace_lane 0 (local.get $rho) (call $mathExp (local.get $xi))))))
    (local.set $xi (f64x2.extract_lane 1 (local.get $x)))
    (if (i32.and (i64.eqz (i64x2.extract_lane 1 (local.get $mask)))
               (i32.eqz (i32.and (f64.gt (local.get $xi) (f64.const -40)) (f64.lt (local.get $xi) (f64.const 40)))))
      (then (local.set $rho (f64x2.replace_lane 1 (local.get $rho) (call $mathExp (local.get $xi))))))
    (local.get $rho))`;


// ---- float32 arithmetic (f32x4): the fast kernel for float32 storage ----
// exp(x) = 2^k · Q(y), x = k·ln2 + y, |y| ≤ ln2/2, Q = 1 + y + y²·(c2 + … + c6·y⁴), a degree-6 minimax fit of the
// relative error (3.1e-9 in float64; scripts/vtrace-exp-coefficients.py fits it and measures the whole float32 exp:
// at most 1 float32 ulp on (−80, 80)), in float32. A NaN log ρ, or an overflow, makes some output non-finite, and the caller then redoes the call with
// the float64-arithmetic kernel (which finds the NaN, or computes what float32 could not).
const f32 = (x) => (Object.is(x, Infinity) ? 'inf' : Object.is(x, -Infinity) ? '-inf' : Math.fround(x).toPrecision(9));
const splat4 = (x) => `(v128.const f32x4 ${f32(x)} ${f32(x)} ${f32(x)} ${f32(x)})`;
const SHIFT_F32 = 12582912; // 1.5 · 2^23
const LN2_HI_F32 = 0.693359375; // 355/512: k · LN2_HI_F32 is exact in float32 for |k| < 2^15
const LN2_LO_F32 = Math.LN2 - LN2_HI_F32;
/** c2 … c6 of the float32 exp polynomial (scripts/vtrace-exp-coefficients.py). */
const EXP_F32_POLY = [0.4999999345137289, 0.16666520685740352, 0.04166838742122158, 0.008368710256573573, 0.0013814611212995718];

/**
 * exp of the f32x4 in local `x` into local $e (accurate on (−87, 88); see the clamp in step4Code). k is rounded with the
 * shift trick: kf = x·log2(e) + 1.5·2^23 holds k in its low mantissa bits, so kf's bits shifted left by 23 are
 * k·2^23, and adding the bits of 1.0 makes the bits of 2^k.
 */
const exp4Code = (x) => `
    (local.set $kf (f32x4.add (f32x4.mul (local.get ${x}) ${splat4(Math.LOG2E)}) ${splat4(SHIFT_F32)}))
    (local.set $k (f32x4.sub (local.get $kf) ${splat4(SHIFT_F32)}))
    (local.set $y (f32x4.sub (f32x4.sub (local.get ${x}) (f32x4.mul (local.get $k) ${splat4(LN2_HI_F32)}))
                             (f32x4.mul (local.get $k) ${splat4(LN2_LO_F32)})))
    (local.set $p (f32x4.add ${splat4(EXP_F32_POLY[3])} (f32x4.mul (local.get $y) ${splat4(EXP_F32_POLY[4])})))
    (local.set $p (f32x4.add ${splat4(EXP_F32_POLY[2])} (f32x4.mul (local.get $y) (local.get $p))))
    (local.set $p (f32x4.add ${splat4(EXP_F32_POLY[1])} (f32x4.mul (local.get $y) (local.get $p))))
    (local.set $p (f32x4.add ${splat4(EXP_F32_POLY[0])} (f32x4.mul (local.get $y) (local.get $p))))
    (local.set $p (f32x4.add ${splat4(1)} (f32x4.mul (local.get $y) (local.get $p))))
    (local.set $p (f32x4.add ${splat4(1)} (f32x4.mul (local.get $y) (local.get $p))))
    (local.set $e (f32x4.mul (local.get $p)
      (i32x4.add (i32x4.shl (local.get $kf) (i32.const 23)) (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000))))`;

/** One float32 V-trace step on four columns (or one, splat, for the tail); see stepCode. */
function step4Code(nv, nvs, acc, lanes, uniform = false) {
  // addresses are { m: memarg (e.g. 'offset=16' or ''), e: the address expression }
  const load = (a) => (lanes === 4 ? `(v128.load ${a.m} ${a.e})` : `(v128.load32_splat ${a.m} ${a.e})`);
  const store = (a, value) => (lanes === 4 ? `(v128.store ${a.m} ${a.e} ${value})` : `(v128.store32_lane ${a.m} 0 ${a.e} ${value})`);
  return `
    ;; exp of log ρ clamped to [−100, 89] (NaN stays NaN): 2^k is 0 or negative below k = −126, and +∞ from
    ;; k = 128; above log(max threshold) ρ = ∞ anyway, below it an infinite ρ makes some output non-finite
    (local.set $xc (f32x4.pmin (f32x4.pmax (local.get $x) ${splat4(-100)}) ${splat4(89)}))
    ${exp4Code('$xc')}
    (local.set $ge (f32x4.ge (local.get $x) (local.get $logMax)))
    ;; ρ = ∞ where log ρ ≥ log(max threshold) (every clip then gives its threshold), else exp, with the negative
    ;; garbage of k < −126 raised to +0 (pmax with +0; a NaN e stays NaN)
    (local.set $rho (f32x4.pmax (local.get $e) (v128.and (local.get $ge) ${splat4(Infinity)})))
    ${
      uniform
        ? `;; one threshold for ρ̄, c̄ and ρ̄_pg, and λ = 1: one clip serves all three, and substituting the recursion
    ;; vs_t − V_t = c·(r + γ·V_{t+1} − V_t) + γ·c·(vs_{t+1} − V_{t+1}) = c·(r + γ·vs_{t+1} − V_t), the pg advantage:
    ;; vs_t = V_t + pg_t, and vs_{t+1} is the only carry
    (local.set $c (f32x4.pmin (local.get $rho) (local.get $clipRho)))
    (local.set $pg (f32x4.mul (local.get $c)
                 (f32x4.sub (f32x4.add (local.get $r) (f32x4.mul (local.get $d) ${load(nvs)})) (local.get $v))))
    (local.set $vsT (f32x4.add (local.get $v) (local.get $pg)))`
        : `(local.set $c (f32x4.mul (local.get $lambda) (f32x4.pmin (local.get $rho) (local.get $clipC))))
    (local.set $a (f32x4.add
      (f32x4.mul (f32x4.pmin (local.get $rho) (local.get $clipRho))
                 (f32x4.sub (f32x4.add (local.get $r) (f32x4.mul (local.get $d) ${load(nv)})) (local.get $v)))
      (f32x4.mul (f32x4.mul (local.get $d) (local.get $c)) ${load(acc)})))
    (local.set $vsT (f32x4.add (local.get $v) (local.get $a)))
    (local.set $pg (f32x4.mul (f32x4.pmin (local.get $rho) (local.get $clipPg))
                 (f32x4.sub (f32x4.add (local.get $r) (f32x4.mul (local.get $d) ${load(nvs)})) (local.get $v))))`
    }
    ${
      uniform
        ? `;; vs_t = V_t + pg_t is not finite when pg_t or V_t is not: the guard sums vs alone
    (local.set $g (f32x4.add (local.get $g) (local.get $vsT)))`
        : `(local.set $g (f32x4.add (local.get $g) (f32x4.add (local.get $vsT) (local.get $pg))))`
    }
    (local.set $dmin (f32x4.pmin (local.get $dmin) (local.get $d)))
    ${uniform ? '' : `${store(acc, '(local.get $a)')}
    ${store(nv, '(local.get $v)')}`}
    ${store(nvs, '(local.get $vsT)')}`;
}

const carry4 = (base) => ({ m: '', e: `(i32.add (local.get ${base}) (local.get $cn))` });

/**
 * Rows t = rows−1 … 0 of float32 [rows, N] arrays in float32 arithmetic; carries are float32 [N].
 * `uniform`: the variant for ρ̄ = c̄ = ρ̄_pg and λ = 1 (see step4Code), which reads and writes only the vs carry.
 */
const kernelF32x4 = (name, uniform) => `
  (func $${name} (export "${name}") ${kernelParams}
    (local $t i32) (local $n i32) (local $i i32) (local $cn i32) (local $n4 i32)
    (local $clipRho v128) (local $clipC v128) (local $clipPg v128) (local $lambda v128) (local $logMax v128)
    (local $x v128) (local $xc v128) (local $d v128) (local $r v128) (local $v v128)
    (local $kf v128) (local $k v128) (local $y v128) (local $p v128) (local $e v128) (local $ge v128) (local $rho v128)
    (local $c v128) (local $a v128) (local $vsT v128) (local $pg v128) (local $g v128) (local $dmin v128)
    ${uniform ? `(local $n8 i32) ${STEP_LOCALS.map((n) => `(local $${n}_b v128)`).join(' ')}` : ''}
    (local.set $clipRho (f32x4.splat (f32.demote_f64 (local.get $clipRhoS))))
    (local.set $clipC (f32x4.splat (f32.demote_f64 (local.get $clipCS))))
    (local.set $clipPg (f32x4.splat (f32.demote_f64 (local.get $clipPgS))))
    (local.set $lambda (f32x4.splat (f32.demote_f64 (local.get $lambdaS))))
    (local.set $logMax (f32x4.splat (f32.demote_f64 (local.get $logMaxS))))
    ;; the smallest discount so far (four lanes), kept at byte ${DISCOUNT_MIN_BYTE} across calls: the caller's negative-discount check
    (local.set $dmin (v128.load (i32.const ${DISCOUNT_MIN_BYTE})))
    (local.set $n4 (i32.and (local.get $N) (i32.const -4)))
    ${uniform ? '(local.set $n8 (i32.and (local.get $N) (i32.const -8)))' : ''}
    (local.set $t (local.get $rows))
    (block $rowsDone (loop $rowLoop
      (br_if $rowsDone (i32.eqz (local.get $t)))
      (local.set $t (i32.sub (local.get $t) (i32.const 1)))
      (local.set $i (i32.shl (i32.mul (local.get $t) (local.get $N)) (i32.const 2)))
      (local.set $n (i32.const 0))
      (local.set $cn (i32.const 0))
      ${uniform ? `;; eight columns an iteration (two vectors in flight), then four, then one at a time
      (block $vec8Done (loop $vec8Loop
        (br_if $vec8Done (i32.ge_u (local.get $n) (local.get $n8)))
        ${uniformPairCode((k, byte) => ({ m: memarg(byte), e: at(ARRAY_POINTERS[k]) }), (byte) => ({ m: memarg(byte), e: carry4('$nvsP').e }))}
        (local.set $n (i32.add (local.get $n) (i32.const 8)))
        (local.set $i (i32.add (local.get $i) (i32.const 32)))
        (local.set $cn (i32.add (local.get $cn) (i32.const 32)))
        (br $vec8Loop)))` : ''}
      (block $vecDone (loop $vecLoop
        (br_if $vecDone (i32.ge_u (local.get $n) (local.get $n4)))
        (local.set $x (v128.load ${at('$lrP')}))
        (local.set $d (v128.load ${at('$dP')}))
        (local.set $r (v128.load ${at('$rP')}))
        (local.set $v (v128.load ${at('$vP')}))
        ${step4Code(carry4('$nvP'), carry4('$nvsP'), carry4('$accP'), 4, uniform)}
        (v128.store ${at('$vsP')} (local.get $vsT))
        (v128.store ${at('$pgP')} (local.get $pg))
        (local.set $n (i32.add (local.get $n) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (local.set $cn (i32.add (local.get $cn) (i32.const 16)))
        (br $vecLoop)))
      (block $tailDone (loop $tailLoop
        (br_if $tailDone (i32.ge_u (local.get $n) (local.get $N)))
        (local.set $x (v128.load32_splat ${at('$lrP')}))
        (local.set $d (v128.load32_splat ${at('$dP')}))
        (local.set $r (v128.load32_splat ${at('$rP')}))
        (local.set $v (v128.load32_splat ${at('$vP')}))
        ${step4Code(carry4('$nvP'), carry4('$nvsP'), carry4('$accP'), 1, uniform)}
        (v128.store32_lane 0 ${at('$vsP')} (local.get $vsT))
        (v128.store32_lane 0 ${at('$pgP')} (local.get $pg))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (local.set $cn (i32.add (local.get $cn) (i32.const 4)))
        (br $tailLoop)))
      (br $rowLoop)))
    (v128.store (i32.const ${DISCOUNT_MIN_BYTE}) (local.get $dmin))
    (f64.add
      (f64.add (f64.promote_f32 (f32x4.extract_lane 0 (local.get $g))) (f64.promote_f32 (f32x4.extract_lane 1 (local.get $g))))
      (f64.add (f64.promote_f32 (f32x4.extract_lane 2 (local.get $g))) (f64.promote_f32 (f32x4.extract_lane 3 (local.get $g))))))`;


/** Bytes between the staging arrays of the staged float32 kernel: 8192 float32 elements each, plus 256 so that the arrays do not share their low 12 address bits (4K aliasing between loads and stores). */
const STAGE_STRIDE = 33024;
const stage = (k) => ({ m: k === 0 ? '' : `offset=${k * STAGE_STRIDE}`, e: '(local.get $i)' });
const carryI = (k) => ({ m: k === 0 ? '' : `offset=${k * 16}`, e: '(local.get $cn)' });

/** Names of the per-vector locals of step4Code, renamed for a second vector in flight (the unrolled loop). */
const STEP_LOCALS = ['x', 'xc', 'd', 'r', 'v', 'kf', 'k', 'y', 'p', 'e', 'ge', 'rho', 'c', 'pg', 'vsT'];
const secondVector = (code) => code.replace(new RegExp(`\\$(${STEP_LOCALS.join('|')})\\b`, 'g'), '$$$1_b');
const memarg = (byte) => (byte === 0 ? '' : `offset=${byte}`);
/** The whole-array kernel's pointers to log ρ, discounts, rewards, values, vs and pgAdvantages. */
const ARRAY_POINTERS = ['$lrP', '$dP', '$rP', '$vP', '$vsP', '$pgP'];

/**
 * The body of the uniform kernels' eight-column loop: the four columns at the loop's position and the next four,
 * two vectors in flight. `array(k, byte)` addresses array k (log ρ, discounts, rewards, values, vs,
 * pgAdvantages) `byte` bytes past the position, `carry(byte)` the vs carry likewise ({ m: memarg, e: address }).
 */
function uniformPairCode(array, carry) {
  const load = (name, k, byte) => `(local.set $${name} (v128.load ${array(k, byte).m} ${array(k, byte).e}))`;
  const store = (k, byte, name) => `(v128.store ${array(k, byte).m} ${array(k, byte).e} (local.get $${name}))`;
  const inputs = ['x', 'd', 'r', 'v'];
  return `
        ${inputs.map((n, k) => load(n, k, 0)).join('\n        ')}
        ${inputs.map((n, k) => load(`${n}_b`, k, 16)).join('\n        ')}
        ${step4Code(null, carry(0), null, 4, true)}
        ${secondVector(step4Code(null, carry(16), null, 4, true))}
        ${store(4, 0, 'vsT')}
        ${store(5, 0, 'pg')}
        ${store(4, 16, 'vsT_b')}
        ${store(5, 16, 'pg_b')}`;
}

/**
 * The float32-arithmetic kernel on the staging area: the six arrays at $S + k·${STAGE_STRIDE} (log ρ, discounts,
 * rewards, values, vs, pgAdvantages; rows·N ≤ 8192), the carries interleaved at $C in groups of four columns
 * (V_{t+1}, vs_{t+1}, acc: 48 bytes a group), so that one index addresses every array with constant offsets.
 * `uniform`: the variant for ρ̄ = c̄ = ρ̄_pg and λ = 1 (the defaults), one clip instead of three, whose only carry
 * is vs_{t+1}: float32 [N] at $C (16 bytes a group).
 */
const kernelF32x4Staged = (name, uniform) => `
  (func $${name} (export "${name}")
    (param $rows i32) (param $N i32) (param $S i32) (param $C i32)
    (param $clipRhoS f64) (param $clipCS f64) (param $clipPgS f64) (param $lambdaS f64) (param $logMaxS f64)
    (result f64)
    (local $t i32) (local $i i32) (local $end i32) (local $vecEnd i32) (local $cn i32)
    (local $clipRho v128) (local $clipC v128) (local $clipPg v128) (local $lambda v128) (local $logMax v128)
    (local $x v128) (local $xc v128) (local $d v128) (local $r v128) (local $v v128)
    (local $kf v128) (local $k v128) (local $y v128) (local $p v128) (local $e v128) (local $ge v128) (local $rho v128)
    (local $c v128) (local $a v128) (local $vsT v128) (local $pg v128) (local $g v128) (local $dmin v128)
    ${uniform ? `(local $vecEnd8 i32) ${STEP_LOCALS.map((n) => `(local $${n}_b v128)`).join(' ')}` : ''}
    (local.set $clipRho (f32x4.splat (f32.demote_f64 (local.get $clipRhoS))))
    (local.set $clipC (f32x4.splat (f32.demote_f64 (local.get $clipCS))))
    (local.set $clipPg (f32x4.splat (f32.demote_f64 (local.get $clipPgS))))
    (local.set $lambda (f32x4.splat (f32.demote_f64 (local.get $lambdaS))))
    (local.set $logMax (f32x4.splat (f32.demote_f64 (local.get $logMaxS))))
    ;; the smallest discount so far (four lanes), kept at byte ${DISCOUNT_MIN_BYTE} across calls: the caller's negative-discount check
    (local.set $dmin (v128.load (i32.const ${DISCOUNT_MIN_BYTE})))
    (local.set $t (local.get $rows))
    (block $rowsDone (loop $rowLoop
      (br_if $rowsDone (i32.eqz (local.get $t)))
      (local.set $t (i32.sub (local.get $t) (i32.const 1)))
      (local.set $i (i32.add (local.get $S) (i32.shl (i32.mul (local.get $t) (local.get $N)) (i32.const 2))))
      (local.set $end (i32.add (local.get $i) (i32.shl (local.get $N) (i32.const 2))))
      (local.set $vecEnd (i32.add (local.get $i) (i32.shl (i32.and (local.get $N) (i32.const -4)) (i32.const 2))))
      (local.set $cn (local.get $C))
      ${uniform ? `;; eight columns an iteration (two vectors in flight), then four, then one at a time
      (local.set $vecEnd8 (i32.add (local.get $i) (i32.shl (i32.and (local.get $N) (i32.const -8)) (i32.const 2))))
      (block $vec8Done (loop $vec8Loop
        (br_if $vec8Done (i32.ge_u (local.get $i) (local.get $vecEnd8)))
        ${uniformPairCode((k, byte) => ({ m: memarg(k * STAGE_STRIDE + byte), e: '(local.get $i)' }), (byte) => ({ m: memarg(byte), e: '(local.get $cn)' }))}
        (local.set $i (i32.add (local.get $i) (i32.const 32)))
        (local.set $cn (i32.add (local.get $cn) (i32.const 32)))
        (br $vec8Loop)))` : ''}
      (block $vecDone (loop $vecLoop
        (br_if $vecDone (i32.ge_u (local.get $i) (local.get $vecEnd)))
        (local.set $x (v128.load ${stage(0).m} (local.get $i)))
        (local.set $d (v128.load ${stage(1).m} (local.get $i)))
        (local.set $r (v128.load ${stage(2).m} (local.get $i)))
        (local.set $v (v128.load ${stage(3).m} (local.get $i)))
        ${uniform ? step4Code(null, carryI(0), null, 4, true) : step4Code(carryI(0), carryI(1), carryI(2), 4)}
        (v128.store ${stage(4).m} (local.get $i) (local.get $vsT))
        (v128.store ${stage(5).m} (local.get $i) (local.get $pg))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (local.set $cn (i32.add (local.get $cn) (i32.const ${uniform ? 16 : 48})))
        (br $vecLoop)))
      ;; the last N mod 4 columns, one lane of the last carry group at a time
      (block $tailDone (loop $tailLoop
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $x (v128.load32_splat ${stage(0).m} (local.get $i)))
        (local.set $d (v128.load32_splat ${stage(1).m} (local.get $i)))
        (local.set $r (v128.load32_splat ${stage(2).m} (local.get $i)))
        (local.set $v (v128.load32_splat ${stage(3).m} (local.get $i)))
        ${uniform ? step4Code(null, carryI(0), null, 1, true) : step4Code(carryI(0), carryI(1), carryI(2), 1)}
        (v128.store32_lane ${stage(4).m} 0 (local.get $i) (local.get $vsT))
        (v128.store32_lane ${stage(5).m} 0 (local.get $i) (local.get $pg))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (local.set $cn (i32.add (local.get $cn) (i32.const 4)))
        (br $tailLoop)))
      (br $rowLoop)))
    (v128.store (i32.const ${DISCOUNT_MIN_BYTE}) (local.get $dmin))
    (f64.add
      (f64.add (f64.promote_f32 (f32x4.extract_lane 0 (local.get $g))) (f64.promote_f32 (f32x4.extract_lane 1 (local.get $g))))
      (f64.add (f64.promote_f32 (f32x4.extract_lane 2 (local.get $g))) (f64.promote_f32 (f32x4.extract_lane 3 (local.get $g))))))`;

/** The float32 exp over n float32 values at p, in place (n a multiple of 4), for its accuracy test. */
const exp4Export = `
  (func (export "expF32") (param $ptr i32) (param $count i32)
    (local $x v128) (local $kf v128) (local $k v128) (local $y v128) (local $p v128) (local $e v128) (local $end i32)
    (local.set $end (i32.add (local.get $ptr) (i32.shl (local.get $count) (i32.const 2))))
    (block $done (loop $loop
      (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
      (local.set $x (v128.load (local.get $ptr)))
      ${exp4Code('$x')}
      (v128.store (local.get $ptr) (local.get $e))
      (local.set $ptr (i32.add (local.get $ptr) (i32.const 16)))
      (br $loop))))`;

/** The whole module; `i64x2.join` (low halves of two vectors) is expanded to a shuffle below. */
function moduleText() {
  const text = `;; GENERATED by src/vtrace/wasm/generate.mjs from its templates: edit that file, then run npm run build:vtrace-wasm.
;; V-trace backward recursion over [rows, N] row-major blocks (see src/vtrace/wasm-kernel.ts for the layout).
(module
  (import "env" "exp" (func $mathExp (param f64) (result f64)))
  (memory (export "memory") 1)
  ;; bytes 0..${EXP_TABLE_BYTES - 1}: bits(2^(j/64)) − j·2^46, j = 0..63, little-endian
  (data (i32.const 0) "${expTable()}")
  ${fixLanes}
  ${kernelF32}
  ${kernelF64}
  ${kernelF32x4('vtraceF32x4', false)}
  ${kernelF32x4('vtraceF32x4Uniform', true)}
  ${kernelF32x4Staged('vtraceF32x4Staged', false)}
  ${kernelF32x4Staged('vtraceF32x4StagedUniform', true)}
  ${expExport}
  ${exp4Export}
)
`;
  return text
    .replace(/\(i64x2\.join /g, '(i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 ');
}

function toBase64(bytes) {
  return Buffer.from(bytes).toString('base64');
}

async function main() {
  const wabt = await wabtInit();
  const wat = moduleText();
  const parsed = wabt.parseWat('vtrace.wat', wat, { simd: true, multi_value: true });
  parsed.validate();
  const { buffer } = parsed.toBinary({ write_debug_names: false });
  parsed.destroy();
  const base64 = toBase64(buffer);
  const lines = base64.match(/.{1,100}/g) ?? [];
  const ts = `// GENERATED by src/vtrace/wasm/generate.mjs (npm run build:vtrace-wasm) from the text in vtrace.wat: do not edit.
/** The V-trace WebAssembly SIMD kernel, ${buffer.length} bytes, base64. */
export const VTRACE_WASM_BASE64 =
${lines.map((l, i) => `  '${l}'${i === lines.length - 1 ? ';' : ' +'}`).join('\n')}
`;
  const targets = [
    [join(here, 'vtrace.wat'), wat],
    [join(here, 'bytes.ts'), ts],
  ];
  if (process.argv.includes('--check')) {
    const stale = targets.filter(([path, content]) => {
      try {
        return readFileSync(path, 'utf8') !== content;
      } catch {
        return true;
      }
    });
    if (stale.length > 0) {
      console.error(`stale: ${stale.map(([p]) => p).join(', ')}; run npm run build:vtrace-wasm`);
      process.exit(1);
    }
    console.log(`vtrace wasm up to date (${buffer.length} bytes)`);
    return;
  }
  for (const [path, content] of targets) writeFileSync(path, content);
  console.log(`wrote vtrace.wat and bytes.ts (${buffer.length} bytes of WebAssembly)`);
}

await main();
