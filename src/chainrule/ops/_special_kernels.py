"""NumPy kernels of the special functions: SciPy's when it is installed, else pure NumPy.

SciPy is optional (NumPy is chainrule's only runtime dependency). Every kernel takes and
returns float64 arrays and has a fallback written with NumPy and :mod:`math` that is accurate
to a few ulps over the whole float64 range, and agrees with PyTorch at poles and infinities:

- ``lgamma``, ``erf``, ``erfc``: :mod:`math`, elementwise;
- ``digamma``: reflection for negative arguments, the recurrence up to 10, then the
  asymptotic series (PyTorch's own algorithm); ``polygamma(n >= 1)``: ``(-1)^(n+1) n!`` times
  the Hurwitz zeta function, summed directly and finished with Euler-Maclaurin (Cephes);
- ``ndtri``: Acklam's rational approximation refined by one Halley step on ``erfc``;
  ``erfinv``: Giles' approximation refined by Halley steps on ``erf`` near 0, and
  ``ndtri`` (exact arguments) in the tails;
- ``erfcx``, ``log_ndtr``: ``exp(x^2) erfc(x)`` with ``x^2`` split exactly, and the
  asymptotic series past 26;
- ``i0``, ``i1`` (and the scaled ``i0e``, ``i1e``): the power series up to 20, the Hankel
  asymptotic expansion beyond.

Tests switch :data:`SC` to None to exercise the fallbacks with SciPy installed.
"""

from __future__ import annotations

import math

import numpy as np

try:  # optional: faster, and exact to the last ulp
    import scipy.special as SC
except ImportError:  # pragma: no cover - depends on the environment
    SC = None

_SQRT2 = math.sqrt(2.0)
_SQRT_PI = math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_INF, _NAN = math.inf, math.nan


def _vectorize(fn):
    v = np.vectorize(fn, otypes=[np.float64])

    def run(x):
        if not np.size(x):
            return np.asarray(x, dtype=np.float64).copy()
        with np.errstate(all="ignore"):
            return v(x)

    return run


def _lgamma1(v: float) -> float:
    try:
        return math.lgamma(v)
    except (ValueError, OverflowError):  # a pole (0, a negative integer) or huge
        return _INF


_lgamma_py = _vectorize(_lgamma1)
_erf_py = _vectorize(math.erf)
_erfc_py = _vectorize(math.erfc)


def lgamma(x: np.ndarray) -> np.ndarray:
    """``log|Gamma(x)|``; ``inf`` at the poles and at ``-inf`` (as PyTorch)."""
    if SC is None:
        return _lgamma_py(x)
    out = SC.gammaln(x)
    return np.where(x == -_INF, _INF, out)


def erf(x: np.ndarray) -> np.ndarray:
    return SC.erf(x) if SC is not None else _erf_py(x)


def erfc(x: np.ndarray) -> np.ndarray:
    return SC.erfc(x) if SC is not None else _erfc_py(x)


# ----------------------------------------------------------------------- digamma & co.
_PSI_A = (8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
          -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
          8.33333333333333333333E-2)


def _polevl(z, coefs):
    y = np.zeros_like(z)
    for c in coefs:
        y = y * z + c
    return y


def _digamma_np(x: np.ndarray) -> np.ndarray:
    x = np.array(x, dtype=np.float64)
    res = np.zeros_like(x)
    with np.errstate(all="ignore"):
        neg = x < 0
        if neg.any():  # psi(x) = psi(1 - x) - pi / tan(pi x), with tan of the fraction of x
            r = np.fmod(x[neg], 1.0)
            res[neg] = -np.pi / np.tan(np.pi * r)
            x[neg] = 1.0 - x[neg]
        for _ in range(11):  # recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10
            m = x < 10
            if not m.any():
                break
            res[m] -= 1.0 / x[m]
            x[m] += 1.0
        z = 1.0 / (x * x)
        y = np.where(x < 1e17, z * _polevl(z, _PSI_A), 0.0)
        res += np.log(x) - 0.5 / x - y
    return res


def digamma(x: np.ndarray) -> np.ndarray:
    """``psi(x)``: ``-inf`` at +0, ``inf`` at -0, NaN at the negative integers (as PyTorch)."""
    x = np.asarray(x, dtype=np.float64)
    if SC is not None:
        with np.errstate(all="ignore"):
            out = np.asarray(SC.psi(x), dtype=np.float64)
    else:
        out = _digamma_np(x)
    zero = x == 0
    if zero.any():
        out = np.where(zero, np.copysign(_INF, -x), out)
    bad = (x < 0) & (x == np.floor(x))
    return np.where(bad, _NAN, out) if bad.any() else out


_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
           7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
           -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18)


def _zeta_np(s: float, q: np.ndarray) -> np.ndarray:
    """Hurwitz zeta ``sum_k (q + k)^-s`` for an integer ``s >= 2`` (Cephes' method)."""
    q = np.asarray(q, dtype=np.float64)
    with np.errstate(all="ignore"):
        pole = (q <= 0) & (q == np.floor(q))
        qq = np.where(pole | np.isnan(q), 1.0, q)
        # sum the first terms directly until q + k > 9 (at least 9 of them)
        n = np.maximum(9, np.ceil(9.0 - qq) + 1).astype(np.int64)
        total = qq ** -s
        a = qq.copy()
        b = np.zeros_like(qq)
        for k in range(int(n.max(initial=0))):
            m = k < n
            a = np.where(m, a + 1.0, a)
            bk = a ** -s
            b = np.where(m, bk, b)
            total = total + np.where(m, bk, 0.0)
        # Euler-Maclaurin tail from w = q + n
        w = a
        total = total + b * w / (s - 1) - 0.5 * b
        fac, kk = 1.0, 0.0
        for coef in _ZETA_A:
            fac *= s + kk
            b = b / w
            total = total + fac * b / coef
            kk += 1.0
            fac *= s + kk
            b = b / w
            kk += 1.0
    out = np.where(pole, _INF, total)
    out = np.where(q == _INF, 0.0, out)
    return np.where(np.isnan(q), _NAN, out)


def _trigamma_np(x: np.ndarray) -> np.ndarray:
    """``psi'(x) = zeta(2, x)``."""
    return _zeta_np(2.0, x) if x.size else x.copy()


def polygamma(n: int, x: np.ndarray) -> np.ndarray:
    """The ``n``-th derivative of ``digamma``."""
    x = np.asarray(x, dtype=np.float64)
    if n == 0:
        return digamma(x)
    if SC is not None:
        with np.errstate(all="ignore"):
            out = np.asarray(SC.polygamma(n, x), dtype=np.float64)
    else:
        z = _trigamma_np(x) if n == 1 else _zeta_np(float(n + 1), x)
        with np.errstate(all="ignore"):
            out = (1.0 if n % 2 else -1.0) * math.factorial(n) * z
    pole = (x <= 0) & (x == np.floor(x))
    if pole.any():  # PyTorch: +inf for odd n, -inf for even n at 0 and the negative integers
        out = np.where(pole, _INF if n % 2 else -_INF, out)
    return out


# --------------------------------------------------------------------- erfinv / ndtri
_ACK_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
          1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_ACK_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
          6.680131188771972e+01, -1.328068155288572e+01, 1.0)
_ACK_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
          -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_ACK_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
          3.754408661907416e+00, 1.0)


def _ndtri_lower(p: np.ndarray) -> np.ndarray:
    """``ndtri(p)`` for ``0 < p <= 1/2``, to full precision (except in the subnormal tail)."""
    with np.errstate(all="ignore"):
        tail = p < 0.02425
        q = np.sqrt(-2.0 * np.log(np.where(tail, p, 0.5)))
        x_tail = _polevl(q, _ACK_C) / _polevl(q, _ACK_D)
        c = np.where(tail, 0.25, p - 0.5)
        r = c * c
        x_mid = _polevl(r, _ACK_A) * c / _polevl(r, _ACK_B)
        x = np.where(tail, x_tail, x_mid)
        ok = p >= 1e-300  # below, ndtr(x) is subnormal and Acklam's ~1e-9 is kept
        logp = np.log(np.where(ok, p, 1.0))
        for _ in range(2):  # Halley steps on ndtr(x) = p, computed with erfc
            e = 0.5 * erfc(-x / _SQRT2) - p
            # u = e / density(x), as (e / p) * (p / density(x)) so that nothing overflows
            u = (e / np.where(ok, p, 1.0)) * np.exp(0.5 * x * x + logp) * _SQRT_2PI
            step = u / (1.0 + 0.5 * x * u)
            x = np.where(ok, x - step, x)
    return x


def _ndtri_np(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    upper = p > 0.5
    inner = (p > 0) & (p < 1)
    arg = np.where(inner, np.where(upper, 1.0 - p, p), 0.5)
    x = _ndtri_lower(arg)
    x = np.where(upper, -x, x)
    x = np.where(inner, x, _NAN)
    x = np.where(p == 0, -_INF, x)
    return np.where(p == 1, _INF, x)


def ndtri(p: np.ndarray) -> np.ndarray:
    """The inverse of the standard normal CDF."""
    if SC is not None:
        return SC.ndtri(p)
    return _ndtri_np(p)


def _erfinv_np(y: np.ndarray) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    a = np.abs(y)
    with np.errstate(all="ignore"):
        # |y| <= 1/2: Giles' single-precision approximation, refined by Halley steps on erf
        c = np.where(a <= 0.5, a, 0.0)
        w = -np.log((1.0 - c) * (1.0 + c)) - 2.5
        p = 2.81022636e-08
        for k in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941):
            p = k + p * w
        x = p * c
        for _ in range(2):
            u = (erf(x) - c) * (0.5 * _SQRT_PI) * np.exp(x * x)
            x = x - u / (1.0 + x * u)
        # |y| > 1/2: erfinv(a) = -ndtri((1 - a) / 2) / sqrt(2), where 1 - a is exact
        t = np.where((a > 0.5) & (a < 1), 0.5 * (1.0 - a), 0.25)
        xt = -_ndtri_lower(t) / _SQRT2
    x = np.where(a <= 0.5, x, xt)
    x = np.where(a == 1, _INF, x)
    x = np.where((a > 1) | np.isnan(a), _NAN, x)
    return np.copysign(x, y)


def erfinv(y: np.ndarray) -> np.ndarray:
    """The inverse error function: ``±inf`` at ``±1``, NaN outside ``[-1, 1]``."""
    if SC is not None:
        return SC.erfinv(y)
    return _erfinv_np(y)


# --------------------------------------------------------------- erfcx / ndtr / log_ndtr
def _erfcx_np(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        big = x >= 26.0
        xs = np.where(big | np.isnan(x), 1.0, np.minimum(x, 27.0))
        # exp(x^2) with x^2 = hi^2 + (2 hi lo + lo^2) split so that hi^2 is exact
        hi = np.trunc(xs * 1048576.0) / 1048576.0
        lo = xs - hi
        small = np.exp(hi * hi) * np.exp(lo * (2.0 * hi + lo)) * erfc(xs)
        small = np.where(x < -26.7, _INF, small)
        # asymptotic: erfcx(x) ~ 1/(x sqrt(pi)) * sum_k (-1)^k (2k-1)!! / (2x^2)^k
        xb = np.where(big, x, 30.0)
        inv = 1.0 / (2.0 * xb * xb)
        term = np.ones_like(xb)
        total = np.ones_like(xb)
        for k in range(1, 12):
            term = term * -(2 * k - 1) * inv
            total = total + term
        large = total / (xb * _SQRT_PI)
    out = np.where(big, large, small)
    return np.where(np.isnan(x), _NAN, out)


def erfcx(x: np.ndarray) -> np.ndarray:
    """The scaled complementary error function ``exp(x^2) erfc(x)``."""
    if SC is not None:
        return SC.erfcx(x)
    return _erfcx_np(x)


def ndtr(x: np.ndarray) -> np.ndarray:
    """The standard normal CDF, accurate in both tails."""
    if SC is not None:
        return SC.ndtr(x)
    return 0.5 * erfc(-np.asarray(x, dtype=np.float64) / _SQRT2)


def log_ndtr(x: np.ndarray) -> np.ndarray:
    """``log(ndtr(x))``, accurate far into the lower tail."""
    if SC is not None:
        return SC.log_ndtr(x)
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        neg = x < 0
        z = np.where(neg, -x, 0.0) / _SQRT2
        lower = np.log(0.5 * _erfcx_np(z)) - z * z
        upper = np.log1p(-0.5 * erfc(np.where(neg, 0.0, x) / _SQRT2))
    return np.where(neg, lower, upper)


# ------------------------------------------------------------- modified Bessel, orders 0/1
def _bessel_np(nu: int, x: np.ndarray, scaled: bool) -> np.ndarray:
    """``I_nu(x)`` (``exp(-|x|) I_nu(x)`` if ``scaled``) for nu in (0, 1)."""
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    with np.errstate(all="ignore"):
        near = a <= 20.0
        s = np.where(near, a, 0.0)
        q = 0.25 * s * s
        term = np.ones_like(s) if nu == 0 else 0.5 * s
        total = term.copy()
        for k in range(1, 80):  # sum (x/2)^(2k+nu) / (k! (k+nu)!)
            term = term * q / (k * (k + nu))
            total = total + term
        series = total * np.exp(-s) if scaled else total
        # Hankel: exp(-x) I_nu(x) ~ sum_k prod_j ((2j-1)^2 - 4nu^2) / (k! (8x)^k) / sqrt(2 pi x)
        b = np.where(near, 30.0, a)
        term = np.ones_like(b)
        total = term.copy()
        for k in range(1, 41):
            term = term * ((2 * k - 1) ** 2 - 4 * nu * nu) / (8.0 * k * b)
            total = total + term
        far = total / (_SQRT_2PI * np.sqrt(b))
        if not scaled:
            far = far * np.exp(b)
    out = np.where(near, series, far)
    if nu == 1:
        out = np.where(x < 0, -out, out)
    return np.where(np.isnan(x), _NAN, out)


def i0(x):
    if SC is not None:
        return SC.i0(x)
    return _bessel_np(0, x, False)


def i0e(x):
    if SC is not None:
        return SC.i0e(x)
    return _bessel_np(0, x, True)


def i1(x):
    if SC is not None:
        return SC.i1(x)
    return _bessel_np(1, x, False)


def i1e(x):
    if SC is not None:
        return SC.i1e(x)
    return _bessel_np(1, x, True)
