"""Coefficients of the float32 exp polynomial in src/vtrace/wasm/generate.mjs (EXP_F32_POLY).

exp(y) ~ 1 + y + y^2 (c2 + c3 y + c4 y^2 + c5 y^3 + c6 y^4) on |y| <= ln(2)/2, fitted to the relative error
by iteratively reweighted least squares on 4,001 Chebyshev points (which converges to the minimax fit), with
the constant and linear terms fixed at 1. Then checks the kernel's whole float32 exp (range reduction, Horner,
2^k) against numpy's exp rounded to float32 on 400,001 points of (-80, 80): the largest error in float32 ulps.

Usage: python scripts/vtrace-exp-coefficients.py [degree, default 6]   (needs numpy)
"""
import sys

import numpy as np

deg = int(sys.argv[1]) if len(sys.argv) > 1 else 6
half = np.log(2) / 2
ys = np.cos(np.linspace(0, np.pi, 4001)) * half
w = np.ones_like(ys)
for _ in range(60):
    A = np.stack([ys**k for k in range(2, deg + 1)], 1) / np.exp(ys)[:, None]
    b = (np.exp(ys) - 1 - ys) / np.exp(ys)
    c, *_ = np.linalg.lstsq(A * np.sqrt(w)[:, None], b * np.sqrt(w), rcond=None)
    err = (1 + ys + sum(c[k - 2] * ys**k for k in range(2, deg + 1)) - np.exp(ys)) / np.exp(ys)
    w = w * (np.abs(err) / np.abs(err).max() + 1e-3)
    w /= w.mean()
print('c2..c%d:' % deg, ', '.join(repr(float(x)) for x in c))
print('largest relative error (float64):', np.abs(err).max())

f32 = np.float32
xs = np.linspace(-80, 80, 400001).astype(np.float32)
xc = np.minimum(np.maximum(xs, f32(-100)), f32(89))
kf = xc * f32(np.log2(np.e)) + f32(12582912.0)
k = kf - f32(12582912.0)
y = (xc - k * f32(0.693359375)) - k * f32(np.log(2) - 0.693359375)
p = f32(c[-1])
for v in reversed(c[:-1]):
    p = f32(v) + y * p
p = f32(1) + y * p
p = f32(1) + y * p
got = (p * ((kf.view(np.int32) << 23) + np.int32(0x3F800000)).view(np.float32)).astype(np.float64)
ref = np.exp(xs.astype(np.float64)).astype(np.float32).astype(np.float64)
ulp = 2.0 ** (np.floor(np.log2(ref)) - 23)
print('largest error of the float32 exp on (-80, 80): %.2f ulps' % (np.abs(got - ref) / ulp).max())
