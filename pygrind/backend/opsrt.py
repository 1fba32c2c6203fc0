"""Runtime helpers for the VEX operation templates in :mod:`pygrind.backend.ops`.

Every IR value is a plain Python ``int`` (see ops.py for the contract): integers
are unsigned and masked to their width, floats are IEEE bit patterns, vectors
are little-endian bit strings with lane 0 in the low bits.  The functions here
implement the operations that are too long for an inline template: SIMD lanes,
floating point, x87 specials and wide division.

Naming: a helper implementing ``Iop_Foo`` is registered in :data:`HELPERS`
under ``"Foo"`` and takes exactly the operands of ``Iop_Foo`` in IR order
(including operands it ignores), so the template is always ``vx_Foo({0}, ...)``.

Floating point follows what the amd64 host does when it executes these ops
(VEX's own back end uses SSE for F64/F32 arithmetic): the first NaN operand
is propagated (quietened), invalid operations give the x86 "real indefinite"
default NaN (sign set, quiet bit set), out-of-range float->int conversions give
the "integer indefinite" 0x80..0.  Rounding modes (IRRoundingMode: 0 nearest
even, 1 toward -inf, 2 toward +inf, 3 toward zero) are honoured exactly: mode 0
uses the host's IEEE doubles, the other modes compute the exact rational result
and round it with :func:`round_exact`.
"""

from __future__ import annotations

import functools
import math
import operator
import struct
from collections.abc import Callable
from fractions import Fraction

M16 = 0xFFFF
M32 = 0xFFFF_FFFF
M64 = 0xFFFF_FFFF_FFFF_FFFF
M128 = (1 << 128) - 1
M512 = (1 << 512) - 1

#: helper name (VEX op name without "Iop_") -> function
HELPERS: dict[str, Callable[..., int]] = {}
#: helper name -> family, used by ops.py to group the table
FAMILY: dict[str, str] = {}


def _reg(family: str, name: str, fn: Callable[..., int]) -> None:
    if name in HELPERS:
        raise ValueError(f"helper {name} registered twice")
    HELPERS[name] = fn
    FAMILY[name] = family


def _replace(name: str, fn: Callable[..., int]) -> None:
    """Swap in a faster implementation of an already registered helper."""
    if name not in HELPERS:
        raise KeyError(name)
    HELPERS[name] = fn


def helper(family: str) -> Callable[[Callable[..., int]], Callable[..., int]]:
    """Decorator: register a function under its own name in ``family``."""

    def deco(fn: Callable[..., int]) -> Callable[..., int]:
        _reg(family, fn.__name__.removeprefix("op_"), fn)
        return fn

    return deco


# --------------------------------------------------------------------------
# Bit-pattern <-> Python float conversions (precompiled structs: these run
# for every FP op, so no format-string parsing per call).

_pack_Q = struct.Struct("<Q").pack
_unpack_Q = struct.Struct("<Q").unpack
_pack_d = struct.Struct("<d").pack
_unpack_d = struct.Struct("<d").unpack
_pack_I = struct.Struct("<I").pack
_unpack_I = struct.Struct("<I").unpack
_pack_f = struct.Struct("<f").pack
_unpack_f = struct.Struct("<f").unpack
_pack_H = struct.Struct("<H").pack
_unpack_e = struct.Struct("<e").unpack


def f64_value(bits: int) -> float:
    """The Python float whose IEEE binary64 pattern is ``bits``."""
    return _unpack_d(_pack_Q(bits))[0]


def f64_bits(x: float) -> int:
    """The IEEE binary64 pattern of ``x`` (NaN payloads as the host has them)."""
    return _unpack_Q(_pack_d(x))[0]


def f32_value(bits: int) -> float:
    """The (exact) Python float of the binary32 pattern ``bits`` (not NaN)."""
    return _unpack_f(_pack_I(bits))[0]


def f32_bits(x: float) -> int:
    """The binary32 pattern of ``x`` rounded to nearest even (e.g. for F32
    IR constants, which pyvex gives as Python floats)."""
    if x != x:
        return 0x7FC0_0000 | (0x8000_0000 if math.copysign(1.0, x) < 0 else 0)
    return _f32_bits_rne(x)


class FloatFormat:
    """Geometry of an IEEE binary format; ``p`` counts the hidden bit."""

    __slots__ = (
        "width", "p", "bias", "emin", "sign", "expmask", "fracmask", "quiet",
        "inf", "maxfinite", "default_nan", "absmask", "minq",
    )

    def __init__(self, width: int, p: int) -> None:
        ebits = width - p
        self.width = width
        self.p = p
        self.bias = (1 << (ebits - 1)) - 1
        self.emin = 1 - self.bias
        self.sign = 1 << (width - 1)
        self.expmask = ((1 << ebits) - 1) << (p - 1)
        self.fracmask = (1 << (p - 1)) - 1
        self.quiet = 1 << (p - 2)
        self.inf = self.expmask
        self.maxfinite = self.inf - 1
        self.absmask = self.sign - 1
        # x86 "real indefinite": negative quiet NaN with zero payload.
        self.default_nan = self.sign | self.expmask | self.quiet
        self.minq = self.emin - (p - 1)  # exponent of the smallest subnormal


F16 = FloatFormat(16, 11)
F32 = FloatFormat(32, 24)
F64 = FloatFormat(64, 53)

_INF64 = F64.inf
_ABS64 = F64.absmask
_SIGN64 = F64.sign
_QUIET64 = F64.quiet
_DNAN64 = F64.default_nan


def round_exact(neg: bool, n: int, d: int, rm: int, fmt: FloatFormat) -> int:
    """Bits of ``(-1)**neg * n/d`` (n, d > 0) rounded to ``fmt`` by ``rm``.

    Handles subnormals and overflow (to infinity or the largest finite value,
    as the rounding direction says).
    """
    p = fmt.p
    e = n.bit_length() - d.bit_length()  # 2**e <= n/d < 2**(e+2)
    if (n << -e if e < 0 else n) < (d << e if e > 0 else d):
        e -= 1  # now 2**e <= n/d < 2**(e+1)
    q = max(e, fmt.emin) - (p - 1)  # value = m * 2**q with m < 2**p
    if q >= 0:
        den = d << q
        m, r = divmod(n, den)
    else:
        den = d
        m, r = divmod(n << -q, d)
    if r:
        rm &= 3
        if rm == 0:
            twice = 2 * r
            if twice > den or (twice == den and m & 1):
                m += 1
        elif rm == (1 if neg else 2):  # rounding away from zero
            m += 1
    if m >> p:  # rounding carried into the next binade
        m >>= 1
        q += 1
    sign = fmt.sign if neg else 0
    if m >> (p - 1):  # normal
        biased = q + (p - 1) + fmt.bias
        if biased >= 2 * fmt.bias + 1:
            return sign | _overflow(neg, rm, fmt)
        return sign | (biased << (p - 1)) | (m & fmt.fracmask)
    return sign | m  # subnormal or zero


def _overflow(neg: bool, rm: int, fmt: FloatFormat) -> int:
    rm &= 3
    if rm == 0 or rm == (1 if neg else 2):
        return fmt.inf
    return fmt.maxfinite


def _round_float(x: float, rm: int, fmt: FloatFormat) -> int:
    """Round a finite Python float (exact value) to ``fmt``."""
    if x == 0.0:
        return fmt.sign if math.copysign(1.0, x) < 0 else 0
    n, d = x.as_integer_ratio()
    if n < 0:
        return round_exact(True, -n, d, rm, fmt)
    return round_exact(False, n, d, rm, fmt)


def _round_fraction(v: Fraction, rm: int, fmt: FloatFormat) -> int:
    """Round a nonzero exact rational to ``fmt``."""
    n = v.numerator
    if n < 0:
        return round_exact(True, -n, v.denominator, rm, fmt)
    return round_exact(False, n, v.denominator, rm, fmt)


def _f32_bits_rne(x: float) -> int:
    """binary32 pattern of a non-NaN double, rounded to nearest even."""
    try:
        return _unpack_I(_pack_f(x))[0]
    except OverflowError:  # finite double beyond the float range
        return 0xFF80_0000 if x < 0 else 0x7F80_0000


def _value(bits: int, fmt: FloatFormat) -> float:
    if fmt is F64:
        return _unpack_d(_pack_Q(bits))[0]
    if fmt is F32:
        return _unpack_f(_pack_I(bits))[0]
    return _unpack_e(_pack_H(bits))[0]


def _bits_rne(x: float, fmt: FloatFormat) -> int:
    """Pattern of a non-NaN double rounded to nearest even in ``fmt``."""
    if fmt is F64:
        return _unpack_Q(_pack_d(x))[0]
    if fmt is F32:
        return _f32_bits_rne(x)
    if x - x != 0.0:  # infinity
        return 0xFC00 if x < 0 else 0x7C00
    return _round_float(x, 0, F16)


def _nan_of(operands: tuple[int, ...], fmt: FloatFormat) -> int:
    """x86 SSE NaN result: the first NaN operand, quietened, else default NaN."""
    for b in operands:
        if (b & fmt.absmask) > fmt.inf:
            return b | fmt.quiet
    return fmt.default_nan


# --------------------------------------------------------------------------
# Scalar floating-point arithmetic, parameterised by format.


def _zero_sum_sign(x: float, y: float, rm: int, fmt: FloatFormat) -> int:
    """Sign of an exactly-zero sum x + y (IEEE 754 section 6.3)."""
    if x == 0.0 and y == 0.0 and math.copysign(1.0, x) == math.copysign(1.0, y):
        return fmt.sign if math.copysign(1.0, x) < 0 else 0
    return fmt.sign if (rm & 3) == 1 else 0


def _add(rm: int, a: int, b: int, fmt: FloatFormat, negate_b: bool = False) -> int:
    x = _value(a, fmt)
    y = _value(b, fmt)
    if negate_b:
        y = -y
    r = x + y
    if r != r:
        return _nan_of((a, b), fmt)
    if rm == 0 or x - x != 0.0 or y - y != 0.0:
        # Mode 0: the double sum is correctly rounded for binary64, and for
        # the narrower formats rounding it once more is still correct
        # (double rounding is innocuous when 53 >= 2p + 2).  An infinite
        # operand gives an exact infinite result in every mode.
        return _bits_rne(r, fmt)
    s = Fraction(x) + Fraction(y)
    if not s:
        return _zero_sum_sign(x, y, rm, fmt)
    return _round_fraction(s, rm, fmt)


def _mul(rm: int, a: int, b: int, fmt: FloatFormat) -> int:
    x = _value(a, fmt)
    y = _value(b, fmt)
    r = x * y
    if r != r:
        return _nan_of((a, b), fmt)
    if rm == 0 or x - x != 0.0 or y - y != 0.0 or x == 0.0 or y == 0.0:
        return _bits_rne(r, fmt)
    return _round_fraction(Fraction(x) * Fraction(y), rm, fmt)


def _div(rm: int, a: int, b: int, fmt: FloatFormat) -> int:
    if (a & fmt.absmask) > fmt.inf or (b & fmt.absmask) > fmt.inf:
        return _nan_of((a, b), fmt)
    x = _value(a, fmt)
    y = _value(b, fmt)
    if y == 0.0:
        if x == 0.0:
            return fmt.default_nan
        return ((a ^ b) & fmt.sign) | fmt.inf
    r = x / y
    if r != r:  # inf / inf
        return fmt.default_nan
    if rm == 0 or x - x != 0.0 or y - y != 0.0 or x == 0.0:
        return _bits_rne(r, fmt)
    return _round_fraction(Fraction(x) / Fraction(y), rm, fmt)


def _sqrt(rm: int, a: int, fmt: FloatFormat) -> int:
    if (a & fmt.absmask) > fmt.inf:
        return a | fmt.quiet
    x = _value(a, fmt)
    if x < 0.0:
        return fmt.default_nan
    if x == 0.0 or x - x != 0.0:  # +-0 and +inf are their own roots
        return a
    if rm == 0:
        # sqrt of a double is correctly rounded by libm; for narrower
        # formats the double rounding is innocuous (53 >= 2p+2).
        return _bits_rne(math.sqrt(x), fmt)
    return _sqrt_exact(x, rm, fmt)


def _sqrt_exact(x: float, rm: int, fmt: FloatFormat) -> int:
    """Directed-rounding square root of a positive finite float."""
    n, d = x.as_integer_ratio()
    # sqrt(n/d) = sqrt(n*d) / d.  Scale by 2**k so that the integer root has
    # finer resolution than half the smallest quantum; an inexact root is then
    # replaced by the midpoint s + 1/2, which rounds the same way (sticky bit).
    k = 2 - fmt.minq
    big = (n * d) << (2 * k)
    s = math.isqrt(big)
    den = d << k
    if s * s == big:
        return round_exact(False, s, den, rm, fmt)
    return round_exact(False, 2 * s + 1, 2 * den, rm, fmt)


def _fma(rm: int, a: int, b: int, c: int, fmt: FloatFormat, sub: bool) -> int:
    """a*b + c (or a*b - c) with a single rounding."""
    for v in (a, b, c):
        if (v & fmt.absmask) > fmt.inf:
            return v | fmt.quiet
    x = _value(a, fmt)
    y = _value(b, fmt)
    z = _value(c, fmt)
    if sub:
        z = -z
    if x - x != 0.0 or y - y != 0.0:
        r = x * y + z  # infinite product (or NaN from inf*0, or inf-inf)
        return fmt.default_nan if r != r else _bits_rne(r, fmt)
    if z - z != 0.0:
        return _bits_rne(z, fmt)  # finite product + infinity
    prod = Fraction(x) * Fraction(y)
    s = prod + Fraction(z)
    if s:
        return _round_fraction(s, rm, fmt)
    # Exact zero: the sum of a signed zero product and z, as IEEE says.
    pneg = (math.copysign(1.0, x) < 0) != (math.copysign(1.0, y) < 0)
    if not prod and z == 0.0 and pneg == (math.copysign(1.0, z) < 0):
        return fmt.sign if pneg else 0
    return fmt.sign if (rm & 3) == 1 else 0


def _max86(a: int, b: int, fmt: FloatFormat) -> int:
    """x86 MAXSS/MAXSD: a if a > b else b (so NaNs and +-0 ties give b)."""
    if (a & fmt.absmask) > fmt.inf or (b & fmt.absmask) > fmt.inf:
        return b
    return a if _value(a, fmt) > _value(b, fmt) else b


def _min86(a: int, b: int, fmt: FloatFormat) -> int:
    """x86 MINSS/MINSD: a if a < b else b."""
    if (a & fmt.absmask) > fmt.inf or (b & fmt.absmask) > fmt.inf:
        return b
    return a if _value(a, fmt) < _value(b, fmt) else b


def _maxnum(a: int, b: int, fmt: FloatFormat, want_max: bool) -> int:
    """IEEE 754-2008 maxNum/minNum: a quiet NaN loses to a number."""
    an = (a & fmt.absmask) > fmt.inf
    bn = (b & fmt.absmask) > fmt.inf
    if an or bn:
        if an and not a & fmt.quiet:  # a signalling NaN always wins
            return a | fmt.quiet
        if bn and not b & fmt.quiet:
            return b | fmt.quiet
        if an and bn:
            return a
        return b if an else a
    x = _value(a, fmt)
    y = _value(b, fmt)
    if x == y:  # order -0 below +0
        neg_a = bool(a & fmt.sign)
        return (b if neg_a else a) if want_max else (a if neg_a else b)
    return a if (x > y) == want_max else b


def _cmp(a: int, b: int, fmt: FloatFormat) -> int:
    """IRCmpF64Result: 0x45 unordered, 0x01 LT, 0x00 GT, 0x40 EQ."""
    if (a & fmt.absmask) > fmt.inf or (b & fmt.absmask) > fmt.inf:
        return 0x45
    x = _value(a, fmt)
    y = _value(b, fmt)
    if x < y:
        return 0x01
    if x > y:
        return 0x00
    return 0x40


# --------------------------------------------------------------------------
# Scalar FP ops on F64 / F32 values.


def _def_scalar_arith() -> None:
    for tag, fmt in (("F64", F64), ("F32", F32), ("F16", F16)):
        _reg("float", "Add" + tag, lambda rm, a, b, f=fmt: _add(rm, a, b, f))
        _reg("float", "Sub" + tag, lambda rm, a, b, f=fmt: _add(rm, a, b, f, True))
        _reg("float", "Sqrt" + tag, lambda rm, a, f=fmt: _sqrt(rm, a, f))
        _reg("float", "Cmp" + tag, lambda a, b, f=fmt: _cmp(a, b, f))
        if fmt is F16:
            continue
        _reg("float", "Mul" + tag, lambda rm, a, b, f=fmt: _mul(rm, a, b, f))
        _reg("float", "Div" + tag, lambda rm, a, b, f=fmt: _div(rm, a, b, f))
        _reg("float", "MAdd" + tag, lambda rm, a, b, c, f=fmt: _fma(rm, a, b, c, f, False))
        _reg("float", "MSub" + tag, lambda rm, a, b, c, f=fmt: _fma(rm, a, b, c, f, True))
        _reg("float", "MaxNum" + tag, lambda a, b, f=fmt: _maxnum(a, b, f, True))
        _reg("float", "MinNum" + tag, lambda a, b, f=fmt: _maxnum(a, b, f, False))


_def_scalar_arith()


def _add64(rm: int, a: int, b: int) -> int:
    """AddF64 fast path: the hot case is mode 0 with ordinary numbers."""
    if rm:
        return _add(rm, a, b, F64)
    r = _unpack_d(_pack_Q(a))[0] + _unpack_d(_pack_Q(b))[0]
    if r != r:
        return _nan_of((a, b), F64)
    return _unpack_Q(_pack_d(r))[0]


def _sub64(rm: int, a: int, b: int) -> int:
    if rm:
        return _add(rm, a, b, F64, True)
    r = _unpack_d(_pack_Q(a))[0] - _unpack_d(_pack_Q(b))[0]
    if r != r:
        return _nan_of((a, b), F64)
    return _unpack_Q(_pack_d(r))[0]


def _mul64(rm: int, a: int, b: int) -> int:
    if rm:
        return _mul(rm, a, b, F64)
    r = _unpack_d(_pack_Q(a))[0] * _unpack_d(_pack_Q(b))[0]
    if r != r:
        return _nan_of((a, b), F64)
    return _unpack_Q(_pack_d(r))[0]


_replace("AddF64", _add64)
_replace("SubF64", _sub64)
_replace("MulF64", _mul64)


# --------------------------------------------------------------------------
# Conversions between floats and integers.


def _round_to_int(x: float, rm: int) -> int:
    """Round a finite float to an integer by IRRoundingMode."""
    rm &= 3
    if rm == 0:
        return round(x)  # exact ties-to-even on floats
    if rm == 1:
        return math.floor(x)
    if rm == 2:
        return math.ceil(x)
    return math.trunc(x)


def _f_to_int(rm: int, a: int, fmt: FloatFormat, bits: int, signed: bool) -> int:
    """Float -> integer; NaN/out of range gives x86 integer indefinite.

    Signed results: 0x80..0.  Unsigned results (AVX-512 VCVT*2USI): all ones.
    """
    indef = (1 << (bits - 1)) if signed else (1 << bits) - 1
    if (a & fmt.absmask) >= fmt.inf:
        return indef
    i = _round_to_int(_value(a, fmt), rm)
    if signed:
        if -(1 << (bits - 1)) <= i < (1 << (bits - 1)):
            return i & ((1 << bits) - 1)
        return indef
    return i if 0 <= i < (1 << bits) else indef


def _f64_to_i64s(rm: int, a: int) -> int:
    """F64toI64S fast path (CVTTSD2SI and friends are common)."""
    x = _unpack_d(_pack_Q(a))[0]
    if -9.3e18 < x < 9.3e18:  # also false for NaN
        i = math.trunc(x) if rm == 3 else _round_to_int(x, rm)
        if -(1 << 63) <= i < (1 << 63):
            return i & M64
    return 1 << 63


def _int_to_f(rm: int, i: int, fmt: FloatFormat) -> int:
    """Integer (already sign-interpreted) -> float pattern, rounded by rm."""
    if i == 0:
        return 0
    if (rm == 0 and fmt is F64) or (abs(i) < (1 << fmt.p)):
        # exactly representable, or Python's correctly rounded int->double
        return _bits_rne(float(i), fmt)
    return round_exact(i < 0, abs(i), 1, rm, fmt)


def _sx(v: int, bits: int) -> int:
    """Sign-extend (interpret as two's complement)."""
    s = 1 << (bits - 1)
    return (v ^ s) - s


def _def_conversions() -> None:
    for ftag, fmt in (("F64", F64), ("F32", F32)):
        for ibits in (16, 32, 64):
            if ftag == "F32" and ibits == 16:
                continue
            _reg("float_conv", f"{ftag}toI{ibits}S",
                 lambda rm, a, f=fmt, w=ibits: _f_to_int(rm, a, f, w, True))
            if ibits != 16:
                _reg("float_conv", f"{ftag}toI{ibits}U",
                     lambda rm, a, f=fmt, w=ibits: _f_to_int(rm, a, f, w, False))
    for ibits in (32, 64):
        for ftag, fmt in (("F64", F64), ("F32", F32)):
            if ibits == 32 and fmt is F64:
                # every I32 is exact as a double: these take no rounding mode
                _reg("float_conv", "I32StoF64", lambda i: _bits_rne(float(_sx(i, 32)), F64))
                _reg("float_conv", "I32UtoF64", lambda i: _bits_rne(float(i), F64))
                continue
            _reg("float_conv", f"I{ibits}StoF{ftag[1:]}",
                 lambda rm, i, f=fmt, w=ibits: _int_to_f(rm, _sx(i, w), f))
            _reg("float_conv", f"I{ibits}UtoF{ftag[1:]}",
                 lambda rm, i, f=fmt: _int_to_f(rm, i, f))
    # AVX-512 unsigned conversions (the float operand is typed as an integer)
    _reg("float_conv", "F32toI32U_SKX", lambda rm, a: _f_to_int(rm, a, F32, 32, False))
    _reg("float_conv", "F64toI32U_SKX", lambda rm, a: _f_to_int(rm, a, F64, 32, False))
    _reg("float_conv", "F64toI64U_SKX", lambda rm, a: _f_to_int(rm, a, F64, 64, False))
    _reg("float_conv", "I32UtoF32_SKX", lambda rm, i: _int_to_f(rm, i, F32))
    _reg("float_conv", "I64UtoF64_SKX", lambda rm, i: _int_to_f(rm, i, F64))


_def_conversions()
_replace("F64toI64S", _f64_to_i64s)


def _convert_float(a: int, src: FloatFormat, dst: FloatFormat, rm: int) -> int:
    """Change format (widening is exact; narrowing rounds by rm)."""
    sign = dst.sign if a & src.sign else 0
    mag = a & src.absmask
    if mag > src.inf:  # NaN: keep the top payload bits and set quiet
        shift = src.p - dst.p
        payload = (mag & src.fracmask) >> shift if shift >= 0 else (mag & src.fracmask) << -shift
        return sign | dst.inf | dst.quiet | payload
    if mag == src.inf:
        return sign | dst.inf
    if mag == 0:
        return sign
    x = _value(a, src)
    if rm == 0 or dst.p >= src.p:
        return _bits_rne(x, dst)
    return _round_float(x, rm, dst)


def _def_float_formats() -> None:
    fmts = {"F16": F16, "F32": F32, "F64": F64}
    for s, sf in fmts.items():
        for d, df in fmts.items():
            if s == d:
                continue
            name = f"{s}to{d}"
            if df.p > sf.p:  # widening: no rounding mode operand
                _reg("float_conv", name, lambda a, x=sf, y=df: _convert_float(a, x, y, 0))
            else:
                _reg("float_conv", name, lambda rm, a, x=sf, y=df: _convert_float(a, x, y, rm))


_def_float_formats()


def _round_integral(rm: int, a: int, fmt: FloatFormat, ties_away: bool = False) -> int:
    """Round to an integral value in the same format (FRNDINT/ROUNDSD)."""
    mag = a & fmt.absmask
    if mag > fmt.inf:
        return a | fmt.quiet
    # Zero, infinity and everything >= 2**(p-1) is already integral.
    if mag == 0 or mag >= ((fmt.p - 1 + fmt.bias) << (fmt.p - 1)):
        return a
    x = _value(a, fmt)
    if ties_away:
        i = math.floor(x)
        frac = x - i  # exact: |x| < 2**(p-1)
        if frac > 0.5 or (frac == 0.5 and x > 0):
            i += 1
    else:
        i = _round_to_int(x, rm)
    if i == 0:
        return a & fmt.sign  # keeps the sign: round(-0.3) == -0.0
    return _bits_rne(float(i), fmt)


_reg("float", "RoundF64toInt", lambda rm, a: _round_integral(rm, a, F64))
_reg("float", "RoundF32toInt", lambda rm, a: _round_integral(rm, a, F32))
_reg("float", "RoundF64toIntE", lambda a: _round_integral(0, a, F64))
_reg("float", "RoundF32toIntE", lambda a: _round_integral(0, a, F32))
_reg("float", "RoundF64toIntA0", lambda a: _round_integral(0, a, F64, True))
_reg("float", "RoundF32toIntA0", lambda a: _round_integral(0, a, F32, True))
_reg("float", "RoundF64toF32",
     lambda rm, a: _convert_float(_convert_float(a, F64, F32, rm), F32, F64, 0))


# --------------------------------------------------------------------------
# x87 specials.  VEX models the x87 stack as F64; the amd64 host computes
# these with the x87 unit at 80 bits and rounds to double, so the
# transcendental results may differ from ours in the last bit.  NaNs follow
# the x87 rule: operands are quietened when loaded, and of two NaNs the one
# with the larger significand wins (on a tie, the positive one).


def _nan_x87(a: int, b: int) -> int:
    qa = a | _QUIET64 if (a & _ABS64) > _INF64 else None
    qb = b | _QUIET64 if (b & _ABS64) > _INF64 else None
    if qa is None:
        return qb if qb is not None else _DNAN64
    if qb is None:
        return qa
    fa = qa & F64.fracmask
    fb = qb & F64.fracmask
    if fa != fb:
        return qa if fa > fb else qb
    return qa if not qa & _SIGN64 else qb


def _unary_x87(a: int, fn: Callable[[float], float]) -> int:
    if (a & _ABS64) > _INF64:
        return a | _QUIET64
    x = f64_value(a)
    try:
        r = fn(x)
    except (ValueError, OverflowError):
        return _DNAN64
    return _DNAN64 if r != r else f64_bits(r)


_LN2 = math.log(2.0)


def _two_xm1(x: float) -> float:
    if x == math.inf:
        return math.inf
    if x == -math.inf:
        return -1.0
    try:
        return math.expm1(x * _LN2) if abs(x) < 1.0 else 2.0**x - 1.0
    except OverflowError:
        return math.inf


_reg("x87", "SinF64", lambda rm, a: _unary_x87(a, math.sin))
_reg("x87", "CosF64", lambda rm, a: _unary_x87(a, math.cos))
_reg("x87", "TanF64", lambda rm, a: _unary_x87(a, math.tan))
_reg("x87", "2xm1F64", lambda rm, a: _unary_x87(a, _two_xm1))


@helper("x87")
def op_AtanF64(rm: int, a: int, b: int) -> int:
    """FPATAN: arctan(a/b) in the quadrant given by the signs (atan2)."""
    if (a & _ABS64) > _INF64 or (b & _ABS64) > _INF64:
        return _nan_x87(a, b)
    return f64_bits(math.atan2(f64_value(a), f64_value(b)))


def _log2(x: float) -> float:
    if x == 0.0:
        return -math.inf
    return math.log2(x)


@helper("x87")
def op_Yl2xF64(rm: int, a: int, b: int) -> int:
    """FYL2X: a * log2(b)."""
    if (a & _ABS64) > _INF64 or (b & _ABS64) > _INF64:
        return _nan_x87(a, b)
    y = f64_value(a)
    x = f64_value(b)
    if x < 0.0:
        return _DNAN64
    r = y * _log2(x)
    return _DNAN64 if r != r else f64_bits(r)


@helper("x87")
def op_Yl2xp1F64(rm: int, a: int, b: int) -> int:
    """FYL2XP1: a * log2(b + 1)."""
    if (a & _ABS64) > _INF64 or (b & _ABS64) > _INF64:
        return _nan_x87(a, b)
    y = f64_value(a)
    x = f64_value(b)
    if x < -1.0:
        return _DNAN64
    lg = -math.inf if x == -1.0 else math.log1p(x) / _LN2
    r = y * lg
    return _DNAN64 if r != r else f64_bits(r)


@helper("x87")
def op_ScaleF64(rm: int, a: int, b: int) -> int:
    """FSCALE: a * 2**trunc(b)."""
    if (a & _ABS64) > _INF64 or (b & _ABS64) > _INF64:
        return _nan_x87(a, b)
    x = f64_value(a)
    y = f64_value(b)
    x_special = x == 0.0 or x - x != 0.0
    if y - y != 0.0:  # scaling by +-infinity
        if y > 0:
            return _DNAN64 if x == 0.0 else (a & _SIGN64) | _INF64
        return _DNAN64 if x - x != 0.0 else a & _SIGN64
    if x_special:
        return a
    n = max(-5000, min(5000, math.trunc(y)))
    m, e = x.as_integer_ratio()
    e2 = n - (e.bit_length() - 1)  # x = m / 2**k with e == 2**k
    neg = m < 0
    m = abs(m)
    if e2 >= 0:
        return round_exact(neg, m << e2, 1, rm, F64)
    return round_exact(neg, m, 1 << -e2, rm, F64)


def _prem(a: int, b: int, ieee: bool) -> tuple[int, int]:
    """FPREM/FPREM1: (partial remainder bits, C3210 flags as in FSW & 0x4700).

    For exponent differences of 64 or more the hardware only reduces part of
    the way and sets C2; the reduction step N = 32 + D % 32 used here matches
    the silicon this was checked on (see tests/unit/test_ops_native.py).
    """
    if (a & _ABS64) > _INF64 or (b & _ABS64) > _INF64:
        return _nan_x87(a, b), 0
    x = f64_value(a)
    y = f64_value(b)
    if x - x != 0.0 or y == 0.0:
        return _DNAN64, 0
    if y - y != 0.0 or x == 0.0:
        return a, 0
    d = math.frexp(x)[1] - math.frexp(y)[1]
    fx = Fraction(x)
    fy = Fraction(y)
    if d < 64:
        q = fx / fy
        quot = round(q) if ieee else math.trunc(q)
        r = fx - quot * fy
        aq = abs(quot)
        flags = ((aq & 4) << 6) | ((aq & 2) << 13) | ((aq & 1) << 9)
    else:
        step = fy * 2 ** (d - 32 - d % 32)
        r = fx - math.trunc(fx / step) * step
        flags = 0x400
    if not r:
        return a & _SIGN64, flags  # a zero remainder has the dividend's sign
    return f64_bits(float(r)), flags  # |r| < |y|: exact in binary64


_reg("x87", "PRemF64", lambda rm, a, b: _prem(a, b, False)[0])
_reg("x87", "PRemC3210F64", lambda rm, a, b: _prem(a, b, False)[1])
_reg("x87", "PRem1F64", lambda rm, a, b: _prem(a, b, True)[0])
_reg("x87", "PRem1C3210F64", lambda rm, a, b: _prem(a, b, True)[1])


# --------------------------------------------------------------------------
# Wide integer division and other scalar integer helpers.
# The DivMod ops that x86 DIV/IDIV lift to (64to32, 128to64) fault as the
# instruction does: a zero divisor or a quotient that does not fit raises
# ZeroDivisionError, which the core delivers as SIGFPE (FPE_INTDIV), as the #DE
# exception is natively.  The other divisions (other guests' ops, never emitted
# for amd64) give 0 for a zero divisor and truncate an overflowing quotient.


def _tdiv(n: int, d: int) -> tuple[int, int]:
    """C division: quotient truncated toward zero, remainder has n's sign."""
    if d == 0:
        return 0, 0
    q = abs(n) // abs(d)
    if (n < 0) != (d < 0):
        q = -q
    return q, n - q * d


def _def_division() -> None:
    fam = "int_div"
    for w in (32, 64, 128):
        m = (1 << w) - 1
        _reg(fam, f"DivU{w}", lambda a, b, m=m: (a // b) & m if b else 0)
        _reg(fam, f"DivS{w}", lambda a, b, w=w, m=m: _tdiv(_sx(a, w), _sx(b, w))[0] & m)
        _reg(fam, f"DivU{w}E", lambda a, b, w=w, m=m: ((a << w) // b) & m if b else 0)
        _reg(fam, f"DivS{w}E",
             lambda a, b, w=w, m=m: _tdiv(_sx(a, w) << w, _sx(b, w))[0] & m)
    for w in (128,):
        m = (1 << w) - 1
        _reg(fam, f"ModU{w}", lambda a, b: a % b if b else 0)
        _reg(fam, f"ModS{w}", lambda a, b, w=w, m=m: _tdiv(_sx(a, w), _sx(b, w))[1] & m)

    def divmod_u(a: int, b: int, w: int, trap: bool) -> int:
        if not b:
            if trap:
                raise ZeroDivisionError("integer divide by zero")
            return 0
        q, r = divmod(a, b)
        m = (1 << w) - 1
        if trap and q > m:
            raise ZeroDivisionError("quotient overflow")
        return ((r & m) << w) | (q & m)

    def divmod_s(a: int, b: int, wa: int, wb: int, w: int, trap: bool) -> int:
        if trap and not b & ((1 << wb) - 1):
            raise ZeroDivisionError("integer divide by zero")
        q, r = _tdiv(_sx(a, wa), _sx(b, wb))
        if trap and not -(1 << (w - 1)) <= q < (1 << (w - 1)):
            raise ZeroDivisionError("quotient overflow")
        m = (1 << w) - 1
        return ((r & m) << w) | (q & m)

    # (dividend width, divisor width, result half width)
    for name, wa, wb, w in (
        ("64to32", 64, 32, 32), ("128to64", 128, 64, 64),
        ("64to64", 64, 64, 64), ("32to32", 32, 32, 32),
    ):
        trap = name in ("64to32", "128to64")  # what x86 DIV/IDIV lift to
        _reg(fam, f"DivModU{name}", lambda a, b, w=w, t=trap: divmod_u(a, b, w, t))
        _reg(fam, f"DivModS{name}",
             lambda a, b, wa=wa, wb=wb, w=w, t=trap: divmod_s(a, b, wa, wb, w, t))


_def_division()


@helper("int")
def op_Reverse8sIn32_x1(a: int) -> int:
    return int.from_bytes(a.to_bytes(4, "little"), "big")


def _qadd32s(a: int, b: int) -> int:
    return max(-(1 << 31), min((1 << 31) - 1, _sx(a, 32) + _sx(b, 32))) & M32


def _qsub32s(a: int, b: int) -> int:
    return max(-(1 << 31), min((1 << 31) - 1, _sx(a, 32) - _sx(b, 32))) & M32


_reg("int", "QAdd32S", _qadd32s)
_reg("int", "QSub32S", _qsub32s)


# --------------------------------------------------------------------------
# SIMD integer lanes.  A _Shape knows how to split an int into lanes (struct
# unpack of its little-endian bytes) and join them again.  Simple lane-wise
# arithmetic uses SWAR tricks on the whole int instead, which is several
# times faster than splitting.

_CODES = {8: "B", 16: "H", 32: "I", 64: "Q"}


class _Shape:
    __slots__ = ("bits", "n", "nbytes", "lane", "full", "ones", "high", "low",
                 "unpack_u", "unpack_s", "pack")

    def __init__(self, bits: int, n: int) -> None:
        self.bits = bits
        self.n = n
        self.nbytes = bits * n // 8
        self.lane = (1 << bits) - 1
        self.full = (1 << (bits * n)) - 1
        self.ones = self.full // self.lane  # lowest bit of every lane
        self.high = self.ones << (bits - 1)  # sign bit of every lane
        self.low = self.full ^ self.high
        code = _CODES[bits]
        self.unpack_u = struct.Struct(f"<{n}{code}").unpack
        self.unpack_s = struct.Struct(f"<{n}{code.lower()}").unpack
        self.pack = struct.Struct(f"<{n}{code}").pack

    @property
    def tag(self) -> str:
        return f"{self.bits}x{self.n}"

    def u(self, v: int) -> tuple[int, ...]:
        return self.unpack_u(v.to_bytes(self.nbytes, "little"))

    def s(self, v: int) -> tuple[int, ...]:
        return self.unpack_s(v.to_bytes(self.nbytes, "little"))

    def join(self, lanes: list[int]) -> int:
        """Lanes (already masked to the lane width) back into an int."""
        return int.from_bytes(self.pack(*lanes), "little")


def _shape(bits: int, n: int) -> _Shape:
    key = (bits, n)
    sh = _SHAPES.get(key)
    if sh is None:
        sh = _SHAPES[key] = _Shape(bits, n)
    return sh


_SHAPES: dict[tuple[int, int], _Shape] = {}

#: (lane bits, lane count) of every vector shape VEX uses, by vector width
SHAPES_32 = [(8, 4), (16, 2)]
SHAPES_64 = [(8, 8), (16, 4), (32, 2)]
SHAPES_128 = [(8, 16), (16, 8), (32, 4), (64, 2)]
SHAPES_256 = [(8, 32), (16, 16), (32, 8), (64, 4)]
SHAPES_512 = [(8, 64), (16, 32), (32, 16), (64, 8)]
ALL_SHAPES = SHAPES_32 + SHAPES_64 + SHAPES_128 + SHAPES_256 + SHAPES_512


def _lanewise2(sh: _Shape, fn: Callable[[int, int], int], signed: bool) -> Callable[[int, int], int]:
    unpack = sh.unpack_s if signed else sh.unpack_u
    pack = sh.pack
    nb = sh.nbytes
    lm = sh.lane

    def op(a: int, b: int) -> int:
        la = unpack(a.to_bytes(nb, "little"))
        lb = unpack(b.to_bytes(nb, "little"))
        return int.from_bytes(pack(*[fn(x, y) & lm for x, y in zip(la, lb)]), "little")

    return op


def _lanewise1(sh: _Shape, fn: Callable[[int], int], signed: bool) -> Callable[[int], int]:
    unpack = sh.unpack_s if signed else sh.unpack_u
    pack = sh.pack
    nb = sh.nbytes
    lm = sh.lane

    def op(a: int) -> int:
        return int.from_bytes(pack(*[fn(x) & lm for x in unpack(a.to_bytes(nb, "little"))]), "little")

    return op


def _swar_add(sh: _Shape) -> Callable[[int, int], int]:
    lo = sh.low
    hi = sh.high

    def op(a: int, b: int) -> int:
        # add the low bits of every lane, then fix the sign bits by xor, so
        # no carry crosses a lane boundary
        return ((a & lo) + (b & lo)) ^ ((a ^ b) & hi)

    return op


def _swar_sub(sh: _Shape) -> Callable[[int, int], int]:
    lo = sh.low
    hi = sh.high

    def op(a: int, b: int) -> int:
        # every lane of (a | hi) is >= every lane of (b & lo): no borrows
        return ((a | hi) - (b & lo)) ^ ((a ^ ~b) & hi)

    return op


def _swar_cmpnez(sh: _Shape) -> Callable[[int], int]:
    lo = sh.low
    hi = sh.high
    lm = sh.lane
    top = sh.bits - 1

    def op(a: int) -> int:
        # lane sign bit of t is set iff the lane is nonzero
        t = (((a & lo) + lo) | a) & hi
        return (t >> top) * lm

    return op


def _swar_cmpeq(sh: _Shape) -> Callable[[int, int], int]:
    lo = sh.low
    hi = sh.high
    lm = sh.lane
    top = sh.bits - 1

    def op(a: int, b: int) -> int:
        x = a ^ b
        t = (((x & lo) + lo) | x) & hi  # sign bit set in lanes that differ
        return ((t ^ hi) >> top) * lm

    return op


def _swar_ge(sh: _Shape) -> Callable[[int, int], int]:
    """All-ones lanes where a >= b (unsigned), computed on the whole int."""
    lo = sh.low
    hi = sh.high
    lm = sh.lane
    top = sh.bits - 1

    def ge(a: int, b: int) -> int:
        d = (a | hi) - (b & lo)  # lane sign bit: low bits of a >= low bits of b
        t = ((a & ~b) | (~(a ^ b) & d)) & hi  # top bits decide, else the low bits
        return (t >> top) * lm

    return ge


def _swar_minmax_cmp(sh: _Shape) -> dict[str, Callable[[int, int], int]]:
    """Min/Max/CmpGT for unsigned and signed lanes via _swar_ge.

    Signed order is unsigned order with the sign bits flipped."""
    ge = _swar_ge(sh)
    hi = sh.high
    full = sh.full

    def max_u(a: int, b: int) -> int:
        m = ge(a, b)
        return (a & m) | (b & ~m & full)

    def min_u(a: int, b: int) -> int:
        m = ge(a, b)
        return (b & m) | (a & ~m & full)

    def max_s(a: int, b: int) -> int:
        m = ge(a ^ hi, b ^ hi)
        return (a & m) | (b & ~m & full)

    def min_s(a: int, b: int) -> int:
        m = ge(a ^ hi, b ^ hi)
        return (b & m) | (a & ~m & full)

    def gt_u(a: int, b: int) -> int:
        return ge(b, a) ^ full

    def gt_s(a: int, b: int) -> int:
        return ge(b ^ hi, a ^ hi) ^ full

    return {"MaxU": max_u, "MinU": min_u, "MaxS": max_s, "MinS": min_s, "CmpGTU": gt_u, "CmpGTS": gt_s}


def _sat(lo: int, hi: int) -> Callable[[int], int]:
    return lambda v: lo if v < lo else hi if v > hi else v


def _shift_masks(sh: _Shape) -> tuple[list[int], list[int], list[int]]:
    """Per shift count n < lane bits: lanes' kept bits after shl / shr, sar fill."""
    shl = [sh.ones * ((sh.lane << n) & sh.lane) for n in range(sh.bits)]
    shr = [sh.ones * (sh.lane >> n) for n in range(sh.bits)]
    fill = [(sh.lane << (sh.bits - n)) & sh.lane for n in range(sh.bits)]
    return shl, shr, fill


def _def_shifts_by_scalar(sh: _Shape) -> None:
    """ShlN/ShrN/SarN: every lane shifted by the same I8 amount."""
    shl, shr, fill = _shift_masks(sh)
    w = sh.bits
    hi = sh.high
    lm = sh.lane

    def shln(a: int, n: int) -> int:
        return ((a << n) & shl[n]) if n < w else 0

    def shrn(a: int, n: int) -> int:
        return ((a >> n) & shr[n]) if n < w else 0

    def sarn(a: int, n: int) -> int:
        neg = (a & hi) >> (w - 1)  # 1 in every negative lane
        if n >= w:
            return neg * lm
        return ((a >> n) & shr[n]) | (neg * fill[n])

    t = sh.tag
    _reg("simd_int", f"ShlN{t}", shln)
    _reg("simd_int", f"ShrN{t}", shrn)
    _reg("simd_int", f"SarN{t}", sarn)


def _clz(v: int, w: int) -> int:
    return w - v.bit_length()


def _cls(v: int, w: int) -> int:
    """Count leading sign bits, not including the topmost bit."""
    if v >> (w - 1):
        v = ~v & ((1 << w) - 1)
    return w - 1 - v.bit_length()


def _ctz(v: int, w: int) -> int:
    return (v & -v).bit_length() - 1 if v else w


def _def_lane_families(bits: int, n: int) -> None:
    """Integer lane-wise ops available for every shape (VEX defines a subset
    of them for each shape; ops.py keeps only the ones pyvex knows)."""
    sh = _shape(bits, n)
    t = sh.tag
    f = "simd_int"
    smin, smax = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    umax = sh.lane
    ssat = _sat(smin, smax)
    usat = _sat(0, umax)
    _reg(f, f"Add{t}", _swar_add(sh))
    _reg(f, f"Sub{t}", _swar_sub(sh))
    _reg(f, f"CmpEQ{t}", _swar_cmpeq(sh))
    _reg(f, f"CmpNEZ{t}", _swar_cmpnez(sh))
    _reg(f, f"Mul{t}", _lanewise2(sh, lambda x, y: x * y, False))
    _reg(f, f"QAdd{bits}Ux{n}", _lanewise2(sh, lambda x, y: usat(x + y), False))
    _reg(f, f"QAdd{bits}Sx{n}", _lanewise2(sh, lambda x, y: ssat(x + y), True))
    _reg(f, f"QSub{bits}Ux{n}", _lanewise2(sh, lambda x, y: usat(x - y), False))
    _reg(f, f"QSub{bits}Sx{n}", _lanewise2(sh, lambda x, y: ssat(x - y), True))
    _reg(f, f"MulHi{bits}Ux{n}", _lanewise2(sh, lambda x, y: (x * y) >> bits, False))
    _reg(f, f"MulHi{bits}Sx{n}", _lanewise2(sh, lambda x, y: (x * y) >> bits, True))
    _reg(f, f"Avg{bits}Ux{n}", _lanewise2(sh, lambda x, y: (x + y + 1) >> 1, False))
    _reg(f, f"Avg{bits}Sx{n}", _lanewise2(sh, lambda x, y: (x + y + 1) >> 1, True))
    _reg(f, f"HAdd{bits}Ux{n}", _lanewise2(sh, lambda x, y: (x + y) >> 1, False))
    _reg(f, f"HAdd{bits}Sx{n}", _lanewise2(sh, lambda x, y: (x + y) >> 1, True))
    _reg(f, f"HSub{bits}Ux{n}", _lanewise2(sh, lambda x, y: (x - y) >> 1, False))
    _reg(f, f"HSub{bits}Sx{n}", _lanewise2(sh, lambda x, y: (x - y) >> 1, True))
    mm = _swar_minmax_cmp(sh)
    _reg(f, f"Max{bits}Ux{n}", mm["MaxU"])
    _reg(f, f"Max{bits}Sx{n}", mm["MaxS"])
    _reg(f, f"Min{bits}Ux{n}", mm["MinU"])
    _reg(f, f"Min{bits}Sx{n}", mm["MinS"])
    _reg(f, f"CmpGT{bits}Ux{n}", mm["CmpGTU"])
    _reg(f, f"CmpGT{bits}Sx{n}", mm["CmpGTS"])
    _reg(f, f"Abs{t}", _lanewise1(sh, abs, True))
    _reg(f, f"Cnt{t}", _lanewise1(sh, int.bit_count, False))
    _reg(f, f"Clz{t}", _lanewise1(sh, lambda x: _clz(x, bits), False))
    _reg(f, f"Cls{t}", _lanewise1(sh, lambda x: _cls(x, bits), False))
    _reg(f, f"Ctz{t}", _lanewise1(sh, lambda x: _ctz(x, bits), False))
    # vector-by-vector shifts (not emitted for amd64): the amount is the
    # matching lane of the second operand, of which libvex_ir.h says only the
    # low log2(lane bits) bits count
    _reg(f, f"Shl{t}", _lanewise2(sh, lambda x, y: x << (y % bits), False))
    _reg(f, f"Shr{t}", _lanewise2(sh, lambda x, y: x >> (y % bits), False))
    _reg(f, f"Sar{t}", _lanewise2(sh, lambda x, y: x >> (y % bits), True))
    _reg(f, f"Rol{t}", _lanewise2(
        sh, lambda x, y: ((x << (y % bits)) | (x >> (bits - y % bits))), False))
    _def_shifts_by_scalar(sh)


for _b, _n in ALL_SHAPES:
    _def_lane_families(_b, _n)
# Iop_PopCount8x16 is the AVX-512 name of Cnt8x16.
_reg("simd_int", "PopCount8x16", HELPERS["Cnt8x16"])


def _sal_lanes(bits: int, n: int) -> None:
    """Sal: like Shl, but the amount is the signed low byte of the lane and
    negative amounts shift right arithmetically (ARM VSHL)."""
    sh = _shape(bits, n)

    def fn(x: int, y: int) -> int:
        y = _sx(y & 0xFF, 8)
        if y >= 0:
            return x << y if y < bits else 0
        return x >> min(-y, bits - 1)

    _reg("simd_int", f"Sal{sh.tag}", _lanewise2(sh, fn, True))


for _b, _n in SHAPES_64 + SHAPES_128:
    _sal_lanes(_b, _n)


def _def_mul_widening() -> None:
    """MullEven (even lanes, double width) and Mull (I64 x I64 -> V128)."""
    for bits, n in ((8, 16), (16, 8), (32, 4)):
        src = _shape(bits, n)
        dst = _shape(2 * bits, n // 2)
        for sign in "US":
            unpack = src.unpack_s if sign == "S" else src.unpack_u
            dm = dst.lane

            def even(a: int, b: int, unpack=unpack, src=src, dst=dst, dm=dm) -> int:
                la = unpack(a.to_bytes(src.nbytes, "little"))
                lb = unpack(b.to_bytes(src.nbytes, "little"))
                return dst.join([(la[i] * lb[i]) & dm for i in range(0, src.n, 2)])

            _reg("simd_int", f"MullEven{bits}{sign}x{n}", even)
    for bits, n in ((8, 8), (16, 4), (32, 2)):
        src = _shape(bits, n)
        dst = _shape(2 * bits, n)
        for sign in "US":
            unpack = src.unpack_s if sign == "S" else src.unpack_u

            def mull(a: int, b: int, unpack=unpack, src=src, dst=dst) -> int:
                la = unpack(a.to_bytes(src.nbytes, "little"))
                lb = unpack(b.to_bytes(src.nbytes, "little"))
                return dst.join([(x * y) & dst.lane for x, y in zip(la, lb)])

            _reg("simd_int", f"Mull{bits}{sign}x{n}", mull)


_def_mul_widening()


def _def_pairwise() -> None:
    """Pairwise ops: result low half from the right operand's pairs."""
    for bits, n in SHAPES_64 + SHAPES_128:
        sh = _shape(bits, n)
        if bits == 64:
            continue
        for name, fn, signed in (
            ("PwAdd", lambda x, y: x + y, False),
            ("PwMax{}U", max, False), ("PwMax{}S", max, True),
            ("PwMin{}U", min, False), ("PwMin{}S", min, True),
        ):
            unpack = sh.unpack_s if signed else sh.unpack_u

            def pw(a: int, b: int, unpack=unpack, sh=sh, fn=fn) -> int:
                la = unpack(a.to_bytes(sh.nbytes, "little"))
                lb = unpack(b.to_bytes(sh.nbytes, "little"))
                lanes = [fn(lb[i], lb[i + 1]) & sh.lane for i in range(0, sh.n, 2)]
                lanes += [fn(la[i], la[i + 1]) & sh.lane for i in range(0, sh.n, 2)]
                return sh.join(lanes)

            opname = name.format(bits) + f"x{n}" if "{}" in name else f"{name}{bits}x{n}"
            _reg("simd_int", opname, pw)
        # PwAddL: unary, widening
        if 2 * bits <= 64:
            dst = _shape(2 * bits, n // 2)
            for sign in "US":
                unpack = sh.unpack_s if sign == "S" else sh.unpack_u

                def pwl(a: int, unpack=unpack, sh=sh, dst=dst) -> int:
                    la = unpack(a.to_bytes(sh.nbytes, "little"))
                    return dst.join([(la[i] + la[i + 1]) & dst.lane for i in range(0, sh.n, 2)])

                _reg("simd_int", f"PwAddL{bits}{sign}x{n}", pwl)
    sh64 = _shape(64, 2)
    _reg("simd_int", "PwAddL64Ux2", lambda a: (sum(sh64.u(a))) & M128)


_def_pairwise()


@helper("simd_int")
def op_PwExtUSMulQAdd8x16(a: int, b: int) -> int:
    """PMADDUBSW: sat16(a[2i]*b[2i] + a[2i+1]*b[2i+1]), a unsigned, b signed."""
    la = _U8x16(a.to_bytes(16, "little"))
    lb = _S8x16(b.to_bytes(16, "little"))
    out = []
    for i in range(0, 16, 2):
        v = la[i] * lb[i] + la[i + 1] * lb[i + 1]
        out.append((-32768 if v < -32768 else 32767 if v > 32767 else v) & M16)
    return _shape(16, 8).join(out)


_U8x16 = struct.Struct("<16B").unpack
_S8x16 = struct.Struct("<16b").unpack


@helper("simd_int")
def op_Sad8Ux4(a: int, b: int) -> int:
    return sum(abs(x - y) for x, y in zip(a.to_bytes(4, "little"), b.to_bytes(4, "little")))


def _def_narrowing() -> None:
    """Narrow lanes to half width: Bin ops put the right operand in the low half."""
    sat_kinds = {
        "Sto{h}S": (True, lambda h: (-(1 << (h - 1)), (1 << (h - 1)) - 1)),
        "Sto{h}U": (True, lambda h: (0, (1 << h) - 1)),
        "Uto{h}U": (False, lambda h: (0, (1 << h) - 1)),
        "Uto{h}S": (False, lambda h: (0, (1 << (h - 1)) - 1)),
    }
    for vbits in (64, 128):
        for bits in (16, 32, 64):
            n = vbits // bits
            src = _shape(bits, n)
            half = bits // 2
            dst = _shape(half, 2 * n)
            hm = dst.lane
            for kind, (signed, rng) in sat_kinds.items():
                lo, hi = rng(half)
                unpack = src.unpack_s if signed else src.unpack_u

                def qbin(a: int, b: int, unpack=unpack, src=src, dst=dst, lo=lo, hi=hi, hm=hm) -> int:
                    lanes = unpack(b.to_bytes(src.nbytes, "little")) + unpack(a.to_bytes(src.nbytes, "little"))
                    return dst.join([(lo if v < lo else hi if v > hi else v) & hm for v in lanes])

                _reg("simd_int", f"QNarrowBin{bits}{kind.format(h=half)}x{2 * n}", qbin)

            def nbin(a: int, b: int, src=src, dst=dst, hm=hm) -> int:
                return dst.join([v & hm for v in src.u(b) + src.u(a)])

            _reg("simd_int", f"NarrowBin{bits}to{half}x{2 * n}", nbin)
    # unary: V128 -> I64
    for bits in (16, 32, 64):
        n = 128 // bits
        src = _shape(bits, n)
        half = bits // 2
        dst = _shape(half, n)
        hm = dst.lane
        for kind, (signed, rng) in sat_kinds.items():
            lo, hi = rng(half)
            unpack = src.unpack_s if signed else src.unpack_u

            def qun(a: int, unpack=unpack, src=src, dst=dst, lo=lo, hi=hi, hm=hm) -> int:
                return dst.join([(lo if v < lo else hi if v > hi else v) & hm
                                 for v in unpack(a.to_bytes(16, "little"))])

            _reg("simd_int", f"QNarrowUn{bits}{kind.format(h=half)}x{n}", qun)
        _reg("simd_int", f"NarrowUn{bits}to{half}x{n}",
             lambda a, src=src, dst=dst, hm=hm: dst.join([v & hm for v in src.u(a)]))


_def_narrowing()


def _def_widen() -> None:
    """Widen: I64 lanes sign/zero-extended to twice their width in a V128."""
    for half in (8, 16, 32):
        n = 64 // half
        src = _shape(half, n)
        dst = _shape(2 * half, n)
        for sign in "US":
            unpack = src.unpack_s if sign == "S" else src.unpack_u

            def widen(a: int, unpack=unpack, src=src, dst=dst) -> int:
                return dst.join([v & dst.lane for v in unpack(a.to_bytes(8, "little"))])

            _reg("simd_int", f"Widen{half}{sign}to{2 * half}x{n}", widen)


_def_widen()


def _def_permutes() -> None:
    """Lane rearrangements, expressed as index lists into (right ++ left)."""
    for bits, n in SHAPES_64 + SHAPES_128 + SHAPES_256:
        sh = _shape(bits, n)
        h = n // 2
        tables = {
            # most-significant result lane comes from the left operand
            "InterleaveLO": [j for k in range(h) for j in (k, n + k)],
            "InterleaveHI": [j for k in range(h, n) for j in (k, n + k)],
            "InterleaveOddLanes": [j for k in range(1, n, 2) for j in (k, n + k)],
            "InterleaveEvenLanes": [j for k in range(0, n, 2) for j in (k, n + k)],
            "CatOddLanes": list(range(1, n, 2)) + list(range(n + 1, 2 * n, 2)),
            "CatEvenLanes": list(range(0, n, 2)) + list(range(n, 2 * n, 2)),
        }
        lb = bits // 8
        nb = sh.nbytes
        for name, idx in tables.items():
            # expand lane indices to byte indices into (right ++ left) bytes
            pick = operator.itemgetter(*[i * lb + k for i in idx for k in range(lb)])

            def perm(a: int, b: int, pick=pick, nb=nb) -> int:
                return int.from_bytes(bytes(pick(b.to_bytes(nb, "little") + a.to_bytes(nb, "little"))), "little")

            _reg("simd_int", f"{name}{bits}x{n}", perm)


_def_permutes()


def _def_reverse() -> None:
    """Reverse{c}sIn{l}_x{n}: reverse the c-bit chunks inside each l-bit lane."""
    for vbits in (64, 128):
        for lane in (16, 32, 64):
            for chunk in (8, 16, 32):
                if chunk >= lane:
                    continue
                n = vbits // lane
                sh = _shape(chunk, vbits // chunk)
                per = lane // chunk
                idx = [g * per + (per - 1 - j) for g in range(n) for j in range(per)]

                def rev(a: int, sh=sh, idx=idx) -> int:
                    lanes = sh.u(a)
                    return sh.join([lanes[i] for i in idx])

                _reg("simd_int", f"Reverse{chunk}sIn{lane}_x{n}", rev)


_def_reverse()
_BITREV8 = [int(f"{i:08b}"[::-1], 2) for i in range(256)]


@helper("simd_int")
def op_Reverse1sIn8_x16(a: int) -> int:
    return int.from_bytes(bytes(_BITREV8[x] for x in a.to_bytes(16, "little")), "little")


# Byte shuffles map every index byte through a 256-entry table built from the
# source (bytes.translate does the lookups in C).
_ZERO128 = bytes(128)


@helper("simd_int")
def op_Perm8x16(a: int, b: int) -> int:
    """result[i] = a[b[i] & 15] (VEX leaves indices >= 16 undefined)."""
    return int.from_bytes(b.to_bytes(16, "little").translate(a.to_bytes(16, "little") * 16), "little")


@helper("simd_int")
def op_PermOrZero8x16(a: int, b: int) -> int:
    """PSHUFB: result[i] = 0 if b[i] & 0x80 else a[b[i] & 15]."""
    table = a.to_bytes(16, "little") * 8 + _ZERO128
    return int.from_bytes(b.to_bytes(16, "little").translate(table), "little")


@helper("simd_int")
def op_Perm8x8(a: int, b: int) -> int:
    return int.from_bytes(b.to_bytes(8, "little").translate(a.to_bytes(8, "little") * 32), "little")


@helper("simd_int")
def op_PermOrZero8x8(a: int, b: int) -> int:
    table = a.to_bytes(8, "little") * 16 + _ZERO128
    return int.from_bytes(b.to_bytes(8, "little").translate(table), "little")


@helper("simd_int")
def op_Perm32x4(a: int, b: int) -> int:
    sh = _shape(32, 4)
    la = sh.u(a)
    return sh.join([la[i & 3] for i in sh.u(b)])


@helper("simd_int")
def op_Perm32x8(a: int, b: int) -> int:
    """VPERMD-style: result[i] = a[b[i] & 7]."""
    sh = _shape(32, 8)
    la = sh.u(a)
    return sh.join([la[i & 7] for i in sh.u(b)])


@helper("simd_int")
def op_Perm8x16x2(a: int, b: int, c: int) -> int:
    """result[i] = (b:a)[c[i] & 31]: a holds bytes 0..15, b bytes 16..31."""
    tab = a.to_bytes(16, "little") + b.to_bytes(16, "little")
    return int.from_bytes(bytes(tab[i & 31] for i in c.to_bytes(16, "little")), "little")


_GATHER = 0x0102040810204080  # moves byte-lane bit 0s into the top byte


@helper("simd_int")
def op_GetMSBs8x8(a: int) -> int:
    """PMOVMSKB (64-bit): bit i = top bit of byte i."""
    t = (a >> 7) & 0x0101_0101_0101_0101
    return ((t * _GATHER) >> 56) & 0xFF


@helper("simd_int")
def op_GetMSBs8x16(a: int) -> int:
    """PMOVMSKB: bit i = top bit of byte i."""
    t = (a >> 7) & 0x0101_0101_0101_0101_0101_0101_0101_0101
    return (((t & M64) * _GATHER) >> 56) & 0xFF | ((((t >> 64) * _GATHER) >> 48) & 0xFF00)


def _def_elements() -> None:
    """GetElem / SetElem / Dup for 64- and 128-bit vectors."""
    for bits, n in SHAPES_64 + SHAPES_128:
        sh = _shape(bits, n)
        lm = sh.lane
        _reg("simd_int", f"GetElem{bits}x{n}",
             lambda v, i, bits=bits, n=n, lm=lm: (v >> (bits * (i % n))) & lm)
        _reg("simd_int", f"SetElem{bits}x{n}",
             lambda v, i, x, bits=bits, n=n, lm=lm:
             (v & ~(lm << (bits * (i % n)))) | ((x & lm) << (bits * (i % n))))
        if bits < 64:
            _reg("simd_int", f"Dup{bits}x{n}", lambda x, ones=sh.ones, lm=lm: (x & lm) * ones)


_def_elements()


@helper("simd_int")
def op_SliceV128(a: int, b: int, n: int) -> int:
    """Lowest 128 bits of (a:b) >> 8n."""
    return (((a << 128) | b) >> (8 * n)) & M128


@helper("simd_int")
def op_Slice64(a: int, b: int, n: int) -> int:
    return (((a << 64) | b) >> (8 * n)) & M64


@helper("simd_int")
def op_SarV128(a: int, n: int) -> int:
    return (_sx(a, 128) >> n) & M128 if n < 128 else (M128 if a >> 127 else 0)


@helper("simd_int")
def op_CmpNEZ128x1(a: int) -> int:
    return M128 if a else 0


# -- GF(2^8) (GF2P8MULB: polynomial x^8 + x^4 + x^3 + x + 1)


def _gf_mul(x: int, y: int) -> int:
    r = 0
    while y:
        if y & 1:
            r ^= x
        y >>= 1
        x <<= 1
        if x & 0x100:
            x ^= 0x11B
    return r


@functools.cache
def _gf_table() -> list[list[int]]:
    # built on first use: 65,536 products cost 50 ms, which every start-up would pay
    return [[_gf_mul(x, y) for y in range(256)] for x in range(256)]


@helper("simd_int")
def op_GfniMult(a: int, b: int) -> int:
    t = _gf_table()
    return int.from_bytes(bytes(
        t[x][y] for x, y in zip(a.to_bytes(16, "little"), b.to_bytes(16, "little"))), "little")


# -- AVX-512 mask ops.  VEX passes the old value of the destination mask
# register as the first operand of the compares/tests; it does not affect
# the result (masking is applied by separate IR).

_PRED_INT = (
    lambda x, y: x == y, lambda x, y: x < y, lambda x, y: x <= y, lambda x, y: False,
    lambda x, y: x != y, lambda x, y: x >= y, lambda x, y: x > y, lambda x, y: True,
)


def _mask_of(flags: list[bool]) -> int:
    m = 0
    for i, f in enumerate(flags):
        if f:
            m |= 1 << i
    return m


def _def_avx512_masks() -> None:
    for bits, n in SHAPES_128 + SHAPES_256 + SHAPES_512:
        sh = _shape(bits, n)
        t = sh.tag
        for sign in "SU":
            unpack = sh.unpack_s if sign == "S" else sh.unpack_u

            def cmp(old: int, a: int, b: int, imm: int, unpack=unpack, nb=sh.nbytes) -> int:
                pred = _PRED_INT[imm & 7]
                la = unpack(a.to_bytes(nb, "little"))
                lb = unpack(b.to_bytes(nb, "little"))
                return _mask_of([pred(x, y) for x, y in zip(la, lb)])

            _reg("avx512", f"Cmp{bits}{sign}x{n}", cmp)

        def test(old: int, a: int, b: int, sh=sh) -> int:
            return _mask_of([v != 0 for v in sh.u(a & b)])

        def testn(old: int, a: int, b: int, sh=sh) -> int:
            return _mask_of([v == 0 for v in sh.u(a & b)])

        _reg("avx512", f"Test{t}", test)
        _reg("avx512", f"TestN{t}", testn)
    for vbits in (64, 128, 256, 512):
        def expand(mask: int, width_code: int, vbits: int = vbits) -> int:
            lane = 8 << (width_code & 3)
            lm = (1 << lane) - 1
            r = 0
            for i in range(vbits // lane):
                if (mask >> i) & 1:
                    r |= lm << (lane * i)
            return r

        name = "ExpandBitsToInt" if vbits == 64 else f"ExpandBitsToV{vbits}"
        _reg("avx512", name, expand)
    for bits, n in ((32, 16), (64, 8)):
        def ternlog(a: int, b: int, c: int, imm: int) -> int:
            r = 0
            for k in range(8):
                if (imm >> k) & 1:
                    r |= ((a if k & 4 else ~a) & (b if k & 2 else ~b) & (c if k & 1 else ~c))
            return r & M512

        _reg("avx512", f"Ternlog{bits}x{n}", ternlog)


_def_avx512_masks()

# Float compare predicates of VCMPPS/VCMPPD (imm8 & 31): (ordered result
# for LT/EQ/GT, result when unordered).  Signalling vs quiet does not matter
# here because no exceptions are modelled.
_PRED_FP = [
    # EQ_OQ LT_OS LE_OS UNORD_Q NEQ_UQ NLT_US NLE_US ORD_Q
    ((0, 1, 0), False), ((1, 0, 0), False), ((1, 1, 0), False), ((0, 0, 0), True),
    ((1, 0, 1), True), ((0, 1, 1), True), ((0, 0, 1), True), ((1, 1, 1), False),
    # EQ_UQ NGE_US NGT_US FALSE_OQ NEQ_OQ GE_OS GT_OS TRUE_UQ
    ((0, 1, 0), True), ((1, 0, 0), True), ((1, 1, 0), True), ((0, 0, 0), False),
    ((1, 0, 1), False), ((0, 1, 1), False), ((0, 0, 1), False), ((1, 1, 1), True),
]
_PRED_FP = _PRED_FP + _PRED_FP  # 16..31 repeat 0..15 with the other signalling


def _fp_pred(x: float, y: float, imm: int) -> bool:
    (lt, eq, gt), unord = _PRED_FP[imm & 31]
    if x != x or y != y:
        return unord
    return bool(lt if x < y else eq if x == y else gt)


def _def_avx512_fp_cmp() -> None:
    for fbits, fmt in ((32, F32), (64, F64)):
        for vbits in (128, 256, 512):
            n = vbits // fbits
            sh = _shape(fbits, n)

            def cmp(old: int, a: int, b: int, imm: int, sh=sh, fmt=fmt) -> int:
                return _mask_of([
                    _fp_pred(_fval(x, fmt), _fval(y, fmt), imm) for x, y in zip(sh.u(a), sh.u(b))])

            _reg("avx512", f"Cmp{fbits}Fx{n}", cmp)


def _fval(bits: int, fmt: FloatFormat) -> float:
    """Value of a pattern, any NaN as float NaN (payload irrelevant)."""
    if (bits & fmt.absmask) > fmt.inf:
        return math.nan
    return _value(bits, fmt)


_def_avx512_fp_cmp()


# --------------------------------------------------------------------------
# SIMD floating point.


def _recip_est(a: int, fmt: FloatFormat) -> int:
    """RCPSS-like estimate: correctly rounded 1/x (the hardware is only
    accurate to 12 bits, and its exact table differs between vendors).
    Denormal inputs count as zero and tiny results flush to zero, as on x86."""
    mag = a & fmt.absmask
    sign = a & fmt.sign
    if mag > fmt.inf:
        return a | fmt.quiet
    if mag == fmt.inf:
        return sign
    if mag <= fmt.fracmask:  # zero or denormal
        return sign | fmt.inf
    r = _bits_rne(1.0 / _value(a, fmt), fmt)
    if (r & fmt.absmask) <= fmt.fracmask:
        return sign
    return r


def _rsqrt_est(a: int, fmt: FloatFormat) -> int:
    """RSQRTSS-like estimate (see _recip_est)."""
    mag = a & fmt.absmask
    sign = a & fmt.sign
    if mag > fmt.inf:
        return a | fmt.quiet
    if mag <= fmt.fracmask:  # +-0 and denormals: +-infinity
        return sign | fmt.inf
    if sign:
        return fmt.default_nan
    if mag == fmt.inf:
        return 0
    return _bits_rne(1.0 / math.sqrt(_value(a, fmt)), fmt)


def _cmp_lane(pred: Callable[[float, float], bool], fmt: FloatFormat) -> Callable[[int, int], int]:
    ones = (1 << fmt.width) - 1

    def f(a: int, b: int) -> int:
        return ones if pred(_fval(a, fmt), _fval(b, fmt)) else 0

    return f


_FP_CMP = {
    "CmpEQ": lambda x, y: x == y,
    "CmpLT": lambda x, y: x < y,
    "CmpLE": lambda x, y: x <= y,
    "CmpUN": lambda x, y: x != x or y != y,
    "CmpGT": lambda x, y: x > y,
    "CmpGE": lambda x, y: x >= y,
}


_isnan = math.isnan
_FAST_ARITH = {"Add": operator.add, "Sub": operator.sub, "Mul": operator.mul, "Div": operator.truediv}


def _def_simd_fp() -> None:
    for fbits, fmt in ((32, F32), (64, F64)):
        lane_rm_ops: dict[str, Callable[..., int]] = {
            "Add": lambda rm, a, b, f=fmt: _add(rm, a, b, f),
            "Sub": lambda rm, a, b, f=fmt: _add(rm, a, b, f, True),
            "Mul": lambda rm, a, b, f=fmt: _mul(rm, a, b, f),
            "Div": lambda rm, a, b, f=fmt: _div(rm, a, b, f),
        }
        lane_ops: dict[str, Callable[[int, int], int]] = {
            "Max": lambda a, b, f=fmt: _max86(a, b, f),
            "Min": lambda a, b, f=fmt: _min86(a, b, f),
        }
        for cname, pred in _FP_CMP.items():
            lane_ops[cname] = _cmp_lane(pred, fmt)
        unary_ops: dict[str, Callable[[int], int]] = {
            "RecipEst": lambda a, f=fmt: _recip_est(a, f),
            "RSqrtEst": lambda a, f=fmt: _rsqrt_est(a, f),
            "Sqrt": lambda a, f=fmt: _sqrt(0, a, f),
        }
        ones = (1 << fbits) - 1
        for vbits in (128, 256):
            n = vbits // fbits
            sh = _shape(fbits, n)
            t = f"{fbits}Fx{n}"
            floats = struct.Struct(f"<{n}{'f' if fbits == 32 else 'd'}")
            for name, fn in lane_rm_ops.items():
                def vop(rm: int, a: int, b: int, sh=sh, fn=fn, fl=floats, py=_FAST_ARITH[name]) -> int:
                    ba = a.to_bytes(sh.nbytes, "little")
                    bb = b.to_bytes(sh.nbytes, "little")
                    if rm == 0:
                        # Fast path: host doubles, then one rounding per lane by
                        # struct (correct even for binary32, see _add).  NaNs,
                        # x/0 and binary32 overflow take the exact path.
                        try:
                            r = list(map(py, fl.unpack(ba), fl.unpack(bb)))
                            if not any(map(_isnan, r)):
                                return int.from_bytes(fl.pack(*r), "little")
                        except (ZeroDivisionError, OverflowError):
                            pass
                    return sh.join([fn(rm, x, y) for x, y in zip(sh.unpack_u(ba), sh.unpack_u(bb))])

                _reg("simd_float", name + t, vop)
            # Max/Min and compares are decided by float comparisons, which are
            # false when a NaN is involved: exactly the x86 rules.
            for name, keep_a in (("Max", operator.gt), ("Min", operator.lt)):
                def vsel(a: int, b: int, sh=sh, fl=floats, keep_a=keep_a) -> int:
                    ba = a.to_bytes(sh.nbytes, "little")
                    bb = b.to_bytes(sh.nbytes, "little")
                    return sh.join([x if keep_a(p, q) else y for x, y, p, q in
                                    zip(sh.unpack_u(ba), sh.unpack_u(bb), fl.unpack(ba), fl.unpack(bb))])

                _reg("simd_float", name + t, vsel)
            for cname, pred in _FP_CMP.items():
                def vcmp(a: int, b: int, sh=sh, fl=floats, pred=pred, ones=ones) -> int:
                    return sh.join([ones if pred(p, q) else 0 for p, q in
                                    zip(fl.unpack(a.to_bytes(sh.nbytes, "little")),
                                        fl.unpack(b.to_bytes(sh.nbytes, "little")))])

                _reg("simd_float", cname + t, vcmp)
            for name, fn in unary_ops.items():
                if name == "Sqrt" and vbits == 128:  # the 256-bit ones take no mode
                    def vsqrt(rm: int, a: int, sh=sh, fmt=fmt) -> int:
                        return sh.join([_sqrt(rm, x, fmt) for x in sh.u(a)])

                    _reg("simd_float", name + t, vsqrt)
                    continue

                def vop1(a: int, sh=sh, fn=fn) -> int:
                    return sh.join([fn(x) for x in sh.u(a)])

                _reg("simd_float", name + t, vop1)
        # Lowest-lane-only ops: upper lanes come from the (first) operand.
        n = 128 // fbits
        t = f"{fbits}F0x{n}"
        lm = (1 << fbits) - 1
        keep = M128 ^ lm
        for name, fn in lane_rm_ops.items():
            _reg("simd_float", name + t,
                 lambda a, b, fn=fn, lm=lm, keep=keep: (a & keep) | fn(0, a & lm, b & lm))
        for name, fn in lane_ops.items():
            _reg("simd_float", name + t,
                 lambda a, b, fn=fn, lm=lm, keep=keep: (a & keep) | fn(a & lm, b & lm))
        for name, fn in unary_ops.items():
            _reg("simd_float", name + t,
                 lambda a, fn=fn, lm=lm, keep=keep: (a & keep) | fn(a & lm))


_def_simd_fp()


def _add64f0x2(a: int, b: int) -> int:
    """ADDSD: the commonest SIMD FP op, so it gets a dedicated fast path."""
    r = _unpack_d(_pack_Q(a & M64))[0] + _unpack_d(_pack_Q(b & M64))[0]
    if r != r:
        return (a & ~M64) | _nan_of((a & M64, b & M64), F64)
    return (a & ~M64) | _unpack_Q(_pack_d(r))[0]


def _mul64f0x2(a: int, b: int) -> int:
    r = _unpack_d(_pack_Q(a & M64))[0] * _unpack_d(_pack_Q(b & M64))[0]
    if r != r:
        return (a & ~M64) | _nan_of((a & M64, b & M64), F64)
    return (a & ~M64) | _unpack_Q(_pack_d(r))[0]


_replace("Add64F0x2", _add64f0x2)
_replace("Mul64F0x2", _mul64f0x2)


def _def_simd_fp_conv() -> None:
    sh32 = _shape(32, 4)
    sh32x8 = _shape(32, 8)
    for sh, n in ((sh32, 4), (sh32x8, 8)):
        _reg("simd_float", f"I32StoF32x{n}",
             lambda rm, a, sh=sh: sh.join([_int_to_f(rm, v, F32) for v in sh.s(a)]))
        _reg("simd_float", f"F32toI32Sx{n}",
             lambda rm, a, sh=sh: sh.join([_f_to_int(rm, v, F32, 32, True) for v in sh.u(a)]))
    _reg("simd_float", "I32StoF32x4_DEP",
         lambda a: sh32.join([_int_to_f(0, v, F32) for v in sh32.s(a)]))
    _reg("simd_float", "I32UtoF32x4_DEP",
         lambda a: sh32.join([_int_to_f(0, v, F32) for v in sh32.u(a)]))
    for mode, rm in (("RM", 1), ("RP", 2), ("RN", 0), ("RZ", 3)):
        _reg("simd_float", f"RoundF32x4_{mode}",
             lambda a, rm=rm: sh32.join([_round_integral(rm, v, F32) for v in sh32.u(a)]))
    sh16x4 = _shape(16, 4)
    sh16x8 = _shape(16, 8)
    _reg("simd_float", "F16toF32x4",
         lambda a: sh32.join([_convert_float(v, F16, F32, 0) for v in sh16x4.u(a)]))
    _reg("simd_float", "F32toF16x4",
         lambda rm, a: sh16x4.join([_convert_float(v, F32, F16, rm) for v in sh32.u(a)]))
    _reg("simd_float", "F32toF16x4_DEP",
         lambda a: sh16x4.join([_convert_float(v, F32, F16, 0) for v in sh32.u(a)]))
    _reg("simd_float", "F16toF32x8",
         lambda a: sh32x8.join([_convert_float(v, F16, F32, 0) for v in sh16x8.u(a)]))
    _reg("simd_float", "F32toF16x8",
         lambda rm, a: sh16x8.join([_convert_float(v, F32, F16, rm) for v in sh32x8.u(a)]))


_def_simd_fp_conv()
