"""Hand-checked values for the VEX op templates (pygrind.backend.ops).

Expected values are worked out by hand from the VEX/x86 semantics, not from
the implementation.  Native comparisons live in test_ops_native.py.
"""

import inspect
import math
import random

import pytest
from ops_testutil import (
    DNAN32,
    DNAN64,
    INF32,
    INF64,
    NINF64,
    NZERO32,
    NZERO64,
    QNAN32,
    QNAN64,
    SNAN32,
    SNAN64,
    call,
    d,
    f,
    pack,
    unpack,
)

from pygrind.backend import opsrt
from pygrind.backend.ops import (
    OPS,
    ROUNDING_MODE_OPS,
    RUNTIME,
    op_arg_bits,
    op_arity,
    op_function,
    op_result_bits,
)

M8, M16, M32, M64, M128 = (1 << 8) - 1, (1 << 16) - 1, (1 << 32) - 1, (1 << 64) - 1, (1 << 128) - 1
MAXF64 = 0x7FEF_FFFF_FFFF_FFFF
MAXF32 = 0x7F7F_FFFF

# ---------------------------------------------------------------- generic


def test_table_is_big_and_well_formed():
    assert len(OPS) > 800
    for op, template in OPS.items():
        n = op_arity(op)
        # the template formats with exactly the op's operands
        template.format(*[f"a{i}" for i in range(n)])
        if template.startswith("vx_"):
            fn = RUNTIME[template[: template.index("(")]]
            params = [p for p in inspect.signature(fn).parameters.values()
                      if p.default is inspect.Parameter.empty]
            assert len(params) == n, op


def test_rounding_mode_ops():
    for op in ("Iop_AddF64", "Iop_F64toI64S", "Iop_I64StoF64", "Iop_SqrtF64",
               "Iop_RoundF64toInt", "Iop_F64toF32", "Iop_Add32Fx4", "Iop_MAddF64"):
        assert op in ROUNDING_MODE_OPS
    for op in ("Iop_F32toF64", "Iop_I32StoF64", "Iop_Add64F0x2", "Iop_CmpF64", "Iop_Add64"):
        assert op not in ROUNDING_MODE_OPS


_F64_SPECIALS = [0, NZERO64, INF64, NINF64, QNAN64, SNAN64, DNAN64, 1, MAXF64,
                 d(1.0), d(-2.5), d(0.5), d(2.0**63), d(-(2.0**63)), d(1e300), d(3.0)]
_F32_SPECIALS = [0, NZERO32, INF32, 0xFF80_0000, QNAN32, SNAN32, DNAN32, 1, MAXF32,
                 f(1.0), f(-2.5), f(0.5), f(2.0**31), f(3.0)]


def _random_arg(rng: random.Random, bits: int, fp: bool) -> int:
    r = rng.random()
    if bits == 64 and fp and r < 0.5:
        return rng.choice(_F64_SPECIALS)
    if bits == 32 and fp and r < 0.5:
        return rng.choice(_F32_SPECIALS)
    if bits >= 128 and fp and r < 0.5:  # vectors of special float lanes
        lane = rng.choice((32, 64))
        pool = _F32_SPECIALS if lane == 32 else _F64_SPECIALS
        return pack([rng.choice(pool) for _ in range(bits // lane)], lane)
    if r < 0.7:
        return rng.getrandbits(bits)
    return rng.choice((0, 1, (1 << bits) - 1, 1 << (bits - 1), (1 << (bits - 1)) - 1))


#: the ops x86 DIV/IDIV lift to: a zero divisor or an overflowing quotient faults (#DE)
TRAPPING_DIVISIONS = {"Iop_DivModU64to32", "Iop_DivModS64to32", "Iop_DivModU128to64",
                      "Iop_DivModS128to64"}


@pytest.mark.parametrize("op", sorted(OPS))
def test_results_are_masked_ints(op):
    """Random and special operands: results are ints of the result width, and
    templates evaluate the same with integer-literal operands."""
    import pyvex

    rng = random.Random(op)
    fn = op_function(op)
    arg_types = pyvex.expr.op_arg_types(op)[1]
    arg_bits = op_arg_bits(op)
    width = op_result_bits(op)
    fp_op = "F" in op[4:] or op in ROUNDING_MODE_OPS
    for _ in range(30):
        args = [_random_arg(rng, b, fp_op or t.startswith("Ity_F")) for b, t in zip(arg_bits, arg_types)]
        if arg_bits and arg_bits[0] != 1 and op in ROUNDING_MODE_OPS:
            args[0] = rng.randrange(4)
        if t_is_shift(op):
            args[-1] = rng.choice((0, 1, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255)) & ((1 << arg_bits[-1]) - 1)
        try:
            r = fn(*args)
        except ZeroDivisionError:
            assert op in TRAPPING_DIVISIONS, (op, [hex(a) for a in args])
            continue
        assert type(r) is int and 0 <= r < (1 << width), (op, [hex(a) for a in args], r)
        literal = eval(OPS[op].format(*[hex(a) for a in args]), dict(RUNTIME))
        assert literal == r


def t_is_shift(op: str) -> bool:
    return any(op.startswith(p) for p in ("Iop_Sh", "Iop_Sar", "Iop_Sal", "Iop_Rol"))


def test_op_function_is_cached():
    assert op_function("Iop_Add64") is op_function("Iop_Add64")


# ------------------------------------------------------ integer arithmetic


def test_add_sub_mul_wrap():
    assert call("Add8", 0xFF, 1) == 0
    assert call("Add16", 0xFFFF, 0xFFFF) == 0xFFFE
    assert call("Add64", M64, 2) == 1
    assert call("Sub32", 0, 1) == M32
    assert call("Sub8", 0x10, 0x20) == 0xF0
    assert call("Mul16", 0x8000, 2) == 0
    assert call("Mul64", (1 << 63) + 1, 3) == (1 << 63) + 3
    assert call("Mul32", M32, M32) == 1


def test_logic():
    assert call("And32", 0xF0F0, 0xFF00) == 0xF000
    assert call("Or8", 0x0F, 0xF0) == 0xFF
    assert call("Xor64", M64, 1) == M64 - 1
    assert call("Not8", 0x0F) == 0xF0
    assert call("Not64", 0) == M64
    assert call("Not1", 1) == 0
    assert call("And1", 1, 1) == 1
    assert call("Or1", 0, 0) == 0


def test_widening_multiplies():
    assert call("MullU64", M64, M64) == (1 << 128) - (1 << 65) + 1
    assert call("MullS64", M64, M64) == 1  # -1 * -1
    assert call("MullS64", M64, 1) == M128  # -1
    assert call("MullS8", 0x80, 0x80) == 0x4000  # -128 * -128
    assert call("MullS32", (-2) & M32, 3) == (-6) & M64
    assert call("MullU32", M32, 2) == 0x1_FFFF_FFFE
    assert call("MullU8", 0xFF, 0xFF) == 0xFE01
    assert call("MullS16", 0x8000, 0x7FFF) == (-0x8000 * 0x7FFF) & M32


def test_count_bits():
    assert call("ClzNat64", 0) == 64  # VEX: undefined; we give the width
    assert call("ClzNat64", 1) == 63
    assert call("ClzNat64", 1 << 63) == 0
    assert call("ClzNat32", 0x0001_0000) == 15
    assert call("ClzNat32", 0) == 32
    assert call("CtzNat64", 0) == 64
    assert call("CtzNat64", 1 << 63) == 63
    assert call("CtzNat32", 12) == 2
    assert call("CtzNat32", 0) == 32
    assert call("PopCount64", M64) == 64
    assert call("PopCount32", 0xF0F0) == 8
    assert call("PopCount32", 0) == 0


def test_misc_integer():
    assert call("Left32", 4) == 0xFFFF_FFFC  # x | -x
    assert call("Left8", 0) == 0
    assert call("CmpwNEZ64", 7) == M64
    assert call("CmpwNEZ32", 0) == 0
    assert call("Max32U", 0x8000_0000, 5) == 0x8000_0000
    assert call("Reverse8sIn32_x1", 0x1122_3344) == 0x4433_2211
    assert call("Reverse8sIn64_x1", 0x1122_3344_5566_7788) == 0x8877_6655_4433_2211
    assert call("QAdd32S", 0x7FFF_FFFF, 1) == 0x7FFF_FFFF
    assert call("QSub32S", 0x8000_0000, 1) == 0x8000_0000
    assert call("Add128x1", M128, 1) == 0
    assert call("Sub128x1", 0, 1) == M128


def test_division():
    # DivMod*: remainder in the high half, quotient in the low half
    n = (5 << 64) + 7
    assert call("DivModU128to64", n, 10) == (7 << 64) | (n // 10)
    assert call("DivModS128to64", (-7) & M128, 2) == (M64 << 64) | ((-3) & M64)
    assert call("DivModS128to64", 7, (-2) & M64) == (1 << 64) | ((-3) & M64)
    assert call("DivModU64to32", 100, 7) == (2 << 32) | 14
    assert call("DivModS64to32", (-100) & M64, 7) == (((-2) & M32) << 32) | ((-14) & M32)
    assert call("DivModU64to64", 100, 7) == (2 << 64) | 14
    assert call("DivModS64to64", (-7) & M64, 2) == (M64 << 64) | ((-3) & M64)
    assert call("DivModS32to32", 7, (-2) & M32) == (1 << 32) | ((-3) & M32)
    assert call("DivU32", 7, 2) == 3
    assert call("DivS32", (-7) & M32, 2) == (-3) & M32
    assert call("DivS64", (-7) & M64, (-2) & M64) == 3
    assert call("DivU64E", 1, 2) == 1 << 63  # (1 << 64) / 2
    assert call("DivS64E", 0, 5) == 0
    # undefined in VEX for other guests' ops: 0
    assert call("DivU64", 5, 0) == 0
    # what x86 DIV/IDIV lift to faults as the instruction does (#DE -> SIGFPE)
    for op, args in (("DivModU128to64", (5, 0)), ("DivModS64to32", (5, 0)),
                     ("DivModU64to32", (1 << 40, 2)),  # quotient does not fit in 32 bits
                     ("DivModS128to64", (1 << 63, 1))):  # +2^63 does not fit signed
        with pytest.raises(ZeroDivisionError):
            call(op, *args)


# ---------------------------------------------------------------- compare


def test_integer_compares():
    assert call("CmpEQ8", 5, 5) == 1
    assert call("CmpNE16", 5, 5) == 0
    assert call("CasCmpNE32", 1, 2) == 1
    assert call("CasCmpEQ64", 3, 3) == 1
    assert call("ExpCmpNE64", 0, 1 << 63) == 1
    assert call("CmpLT32S", 0x8000_0000, 0) == 1
    assert call("CmpLT32U", 0x8000_0000, 0) == 0
    assert call("CmpLE64S", M64, M64) == 1
    assert call("CmpLE64S", 0, M64) == 0
    assert call("CmpLE64U", 0, M64) == 1
    assert call("CmpLT64S", 1 << 63, (1 << 63) - 1) == 1
    assert call("CmpNEZ64", 0) == 0
    assert call("CmpNEZ8", 0x80) == 1
    assert call("CmpORD32S", M32, 0) == 8
    assert call("CmpORD32U", M32, 0) == 4
    assert call("CmpORD64S", 5, 5) == 2


# ------------------------------------------------------------ widen/narrow


def test_widen_narrow():
    assert call("8Sto64", 0x80) == 0xFFFF_FFFF_FFFF_FF80
    assert call("8Sto16", 0x7F) == 0x7F
    assert call("16Sto32", 0x8000) == 0xFFFF_8000
    assert call("32Sto64", M32) == M64
    assert call("8Uto64", 0xFF) == 0xFF
    assert call("64to8", 0x1234) == 0x34
    assert call("64to32", 0x1_0000_0002) == 2
    assert call("128to64", (3 << 64) | 4) == 4
    assert call("128HIto64", (3 << 64) | 4) == 3
    assert call("64HLto128", 3, 4) == (3 << 64) | 4
    assert call("64HIto32", 0x1122_3344_5566_7788) == 0x1122_3344
    assert call("32HLto64", 1, 2) == 0x1_0000_0002
    assert call("16HIto8", 0xABCD) == 0xAB
    assert call("8HLto16", 0xAB, 0xCD) == 0xABCD
    assert call("32HIto16", 0xDEAD_BEEF) == 0xDEAD
    assert call("1Sto64", 1) == M64
    assert call("1Sto8", 0) == 0
    assert call("1Uto64", 1) == 1
    assert call("64to1", 2) == 0
    assert call("32to1", 3) == 1


# ----------------------------------------------------------------- shifts


@pytest.mark.parametrize("op,x,n,want", [
    ("Shl64", 1, 63, 1 << 63),
    ("Shl64", 1, 64, 0),  # x86 masks the count first; VEX says undefined
    ("Shl64", 0xABC, 0, 0xABC),
    ("Shl8", 0x81, 1, 0x02),
    ("Shl32", M32, 31, 0x8000_0000),
    ("Shr64", 1 << 63, 63, 1),
    ("Shr64", M64, 64, 0),
    ("Shr16", 0x8000, 15, 1),
    ("Shr8", 0xFF, 0, 0xFF),
    ("Sar64", 1 << 63, 63, M64),
    ("Sar64", 1 << 63, 64, M64),  # sign fill
    ("Sar64", 1 << 62, 64, 0),
    ("Sar32", 0x8000_0000, 4, 0xF800_0000),
    ("Sar8", 0x80, 1, 0xC0),
    ("Sar16", 0x7FFF, 15, 0),
    ("Sar16", 0x8001, 0, 0x8001),
])
def test_scalar_shifts(op, x, n, want):
    assert call(op, x, n) == want


# -------------------------------------------------------------------- float


def test_f64_add_rounding_modes():
    one, tiny = d(1.0), d(2.0**-60)
    assert call("AddF64", 0, d(1.5), d(2.25)) == d(3.75)
    assert call("AddF64", 0, one, d(2.0**-53)) == one  # tie -> even
    assert call("AddF64", 0, one, tiny) == one
    assert call("AddF64", 1, one, tiny) == one
    assert call("AddF64", 2, one, tiny) == d(1.0 + 2.0**-52)
    assert call("AddF64", 3, one, tiny) == one
    assert call("AddF64", 1, d(-1.0), d(-(2.0**-60))) == d(-(1.0 + 2.0**-52))
    assert call("AddF64", 3, d(-1.0), d(-(2.0**-60))) == d(-1.0)
    assert call("SubF64", 2, one, tiny) == one
    assert call("SubF64", 1, one, tiny) == d(1.0 - 2.0**-53)


def test_f64_signed_zero_results():
    for rm in (0, 2, 3):
        assert call("AddF64", rm, d(1.0), d(-1.0)) == 0
    assert call("AddF64", 1, d(1.0), d(-1.0)) == NZERO64  # toward -inf: -0
    assert call("AddF64", 0, NZERO64, NZERO64) == NZERO64
    assert call("AddF64", 0, 0, NZERO64) == 0
    assert call("AddF64", 1, 0, NZERO64) == NZERO64
    assert call("SubF64", 0, NZERO64, 0) == NZERO64
    assert call("MulF64", 2, d(-1.0), 0) == NZERO64
    assert call("DivF64", 1, 0, d(-3.0)) == NZERO64


def test_f64_nan_and_inf():
    assert call("AddF64", 0, INF64, NINF64) == DNAN64  # invalid: default NaN
    assert call("AddF64", 0, INF64, d(1.0)) == INF64
    assert call("MulF64", 0, INF64, 0) == DNAN64
    # the first NaN operand wins and is quietened (SSE rule)
    assert call("AddF64", 0, QNAN64 | 1, QNAN64 | 2) == QNAN64 | 1
    assert call("AddF64", 0, d(1.0), SNAN64) == SNAN64 | (1 << 51)
    assert call("SubF64", 3, SNAN64 | (1 << 63), QNAN64) == 0xFFF8_0000_0000_0001
    assert call("MulF64", 2, d(2.0), QNAN64 | 5) == QNAN64 | 5
    assert call("DivF64", 0, QNAN64 | 7, 0) == QNAN64 | 7


def test_f64_overflow_underflow():
    big, ten = d(1e308), d(10.0)
    assert call("MulF64", 0, big, ten) == INF64
    assert call("MulF64", 3, big, ten) == MAXF64
    assert call("MulF64", 1, big, ten) == MAXF64
    assert call("MulF64", 2, big, ten) == INF64
    assert call("MulF64", 1, d(-1e308), ten) == NINF64
    assert call("MulF64", 2, d(-1e308), ten) == MAXF64 | (1 << 63)
    # subnormals: half the smallest subnormal ties to even (0), or up in RU
    assert call("MulF64", 0, 1, d(0.5)) == 0
    assert call("MulF64", 2, 1, d(0.5)) == 1
    assert call("MulF64", 0, 3, d(0.5)) == 2  # 1.5 ulp -> 2
    assert call("MulF64", 3, 3, d(0.5)) == 1


def test_f64_div_sqrt():
    assert call("DivF64", 0, d(1.0), d(3.0)) == 0x3FD5_5555_5555_5555
    assert call("DivF64", 1, d(1.0), d(3.0)) == 0x3FD5_5555_5555_5555
    assert call("DivF64", 2, d(1.0), d(3.0)) == 0x3FD5_5555_5555_5556
    assert call("DivF64", 2, d(-1.0), d(3.0)) == 0xBFD5_5555_5555_5555
    assert call("DivF64", 0, d(1.0), 0) == INF64
    assert call("DivF64", 0, d(-1.0), 0) == NINF64
    assert call("DivF64", 0, d(1.0), NZERO64) == NINF64
    assert call("DivF64", 0, 0, 0) == DNAN64
    assert call("DivF64", 0, INF64, INF64) == DNAN64
    sqrt2 = 0x3FF6_A09E_667F_3BCD  # RN(sqrt 2), which is above sqrt 2
    assert call("SqrtF64", 0, d(2.0)) == sqrt2
    assert call("SqrtF64", 2, d(2.0)) == sqrt2
    assert call("SqrtF64", 1, d(2.0)) == sqrt2 - 1
    assert call("SqrtF64", 3, d(2.0)) == sqrt2 - 1
    for rm in range(4):
        assert call("SqrtF64", rm, d(4.0)) == d(2.0)
    assert call("SqrtF64", 0, d(-1.0)) == DNAN64
    assert call("SqrtF64", 0, NZERO64) == NZERO64
    assert call("SqrtF64", 0, INF64) == INF64
    assert call("SqrtF64", 2, 1) == d(2.0**-537)  # sqrt of the smallest subnormal


def test_f64_compare():
    assert call("CmpF64", d(1.0), d(2.0)) == 0x01
    assert call("CmpF64", d(2.0), d(1.0)) == 0x00
    assert call("CmpF64", d(1.0), d(1.0)) == 0x40
    assert call("CmpF64", 0, NZERO64) == 0x40
    assert call("CmpF64", QNAN64, d(1.0)) == 0x45
    assert call("CmpF64", NINF64, INF64) == 0x01
    assert call("CmpF32", f(1.0), QNAN32) == 0x45


def test_f64_to_int():
    assert call("F64toI64S", 0, d(2.5)) == 2
    assert call("F64toI64S", 0, d(3.5)) == 4
    assert call("F64toI64S", 0, d(-2.5)) == (-2) & M64
    assert call("F64toI64S", 1, d(-2.5)) == (-3) & M64
    assert call("F64toI64S", 2, d(2.1)) == 3
    assert call("F64toI64S", 3, d(-2.9)) == (-2) & M64
    assert call("F64toI64S", 0, d(2.0**63)) == 1 << 63  # integer indefinite
    assert call("F64toI64S", 0, d(-(2.0**63))) == 1 << 63  # representable
    assert call("F64toI64S", 3, QNAN64) == 1 << 63
    assert call("F64toI64S", 3, NINF64) == 1 << 63
    assert call("F64toI32S", 3, d(2147483647.9)) == 0x7FFF_FFFF
    assert call("F64toI32S", 0, d(2147483647.5)) == 0x8000_0000  # rounds out of range
    assert call("F64toI32S", 3, d(-2147483648.9)) == 0x8000_0000
    assert call("F64toI32S", 0, NZERO64) == 0
    assert call("F64toI16S", 0, d(-32768.0)) == 0x8000
    assert call("F64toI16S", 0, d(40000.0)) == 0x8000
    assert call("F32toI32S", 0, f(-1.5)) == (-2) & M32
    assert call("F64toI64U", 3, d(2.0**64 - 2048)) == 2**64 - 2048
    assert call("F64toI32U_SKX", 0, d(-1.0)) == M32  # unsigned indefinite


def test_int_to_f64():
    assert call("I64StoF64", 0, 2**53 + 1) == d(2.0**53)  # tie -> even
    assert call("I64StoF64", 2, 2**53 + 1) == d(2.0**53 + 2)
    assert call("I64StoF64", 1, 2**53 + 1) == d(2.0**53)
    assert call("I64StoF64", 0, M64) == d(-1.0)
    assert call("I64StoF64", 3, 2**63 - 1) == d(9223372036854774784.0)
    assert call("I64StoF64", 0, 2**63 - 1) == d(2.0**63)
    assert call("I64StoF64", 1, (-(2**53) - 1) & M64) == d(-(2.0**53) - 2)
    assert call("I32StoF64", M32) == d(-1.0)
    assert call("I32UtoF64", M32) == d(4294967295.0)
    assert call("I64UtoF64", 0, M64) == d(2.0**64)
    assert call("I64UtoF64", 3, M64) == d(2.0**64 - 2048)
    assert call("I64StoF32", 0, 2**24 + 1) == f(2.0**24)
    assert call("I64StoF32", 2, 2**24 + 1) == f(2.0**24 + 2)
    # 2**62 + 2**38 + 1 is just above the binary32 midpoint: the double
    # rounding int->double->float would give 2**62 (wrong)
    assert call("I64StoF32", 0, 2**62 + 2**38 + 1) == f(2.0**62 + 2**39)


def test_float_format_conversions():
    third = d(1.0 / 3.0)
    assert call("F64toF32", 0, third) == 0x3EAA_AAAB
    assert call("F64toF32", 1, third) == 0x3EAA_AAAA
    assert call("F64toF32", 2, third) == 0x3EAA_AAAB
    assert call("F64toF32", 3, third) == 0x3EAA_AAAA
    assert call("F64toF32", 0, d(1e39)) == INF32
    assert call("F64toF32", 3, d(1e39)) == MAXF32
    assert call("F64toF32", 2, d(-1e39)) == MAXF32 | (1 << 31)
    assert call("F64toF32", 0, NZERO64) == NZERO32
    assert call("F64toF32", 0, d(2.0**-149)) == 1
    assert call("F64toF32", 0, d(2.0**-150)) == 0  # tie -> even
    assert call("F64toF32", 2, d(2.0**-150)) == 1
    # NaN: top payload bits kept, quiet bit set
    assert call("F64toF32", 0, 0x7FF4_0000_0000_0000) == 0x7FE0_0000
    assert call("F64toF32", 0, SNAN64 | (1 << 63)) == 0xFFC0_0000
    assert call("F32toF64", f(1.5)) == d(1.5)
    assert call("F32toF64", SNAN32) == 0x7FF8_0000_2000_0000
    assert call("F32toF64", 1) == d(2.0**-149)
    assert call("F32toF64", NZERO32) == NZERO64
    assert call("F16toF32", 0x3C00) == f(1.0)
    assert call("F32toF16", 0, f(65520.0)) == 0x7C00  # rounds up to infinity
    assert call("F32toF16", 3, f(65520.0)) == 0x7BFF
    assert call("F64toF16", 0, d(1.0 + 2.0**-11)) == 0x3C00  # tie -> even


def test_round_to_integral():
    assert call("RoundF64toInt", 0, d(2.5)) == d(2.0)
    assert call("RoundF64toInt", 0, d(3.5)) == d(4.0)
    assert call("RoundF64toInt", 0, d(-0.4)) == NZERO64
    assert call("RoundF64toInt", 1, d(-0.4)) == d(-1.0)
    assert call("RoundF64toInt", 2, d(0.1)) == d(1.0)
    assert call("RoundF64toInt", 3, d(-1.9)) == d(-1.0)
    assert call("RoundF64toInt", 0, d(2.0**60)) == d(2.0**60)
    assert call("RoundF64toInt", 0, SNAN64) == SNAN64 | (1 << 51)
    assert call("RoundF64toInt", 1, NINF64) == NINF64
    assert call("RoundF32toInt", 0, f(1.5)) == f(2.0)
    assert call("RoundF32toInt", 0, f(0.5)) == 0
    assert call("RoundF32toInt", 0, f(-0.5)) == NZERO32
    assert call("RoundF32toInt", 2, f(-0.5)) == NZERO32
    assert call("RoundF64toIntA0", d(2.5)) == d(3.0)
    assert call("RoundF64toIntA0", d(-2.5)) == d(-3.0)
    assert call("RoundF64toIntE", d(2.5)) == d(2.0)


def test_sign_ops_and_reinterpret():
    assert call("NegF64", d(1.0)) == d(-1.0)
    assert call("NegF64", 0) == NZERO64
    assert call("AbsF64", d(-3.0)) == d(3.0)
    assert call("AbsF64", QNAN64 | (1 << 63)) == QNAN64
    assert call("NegF32", f(2.0)) == f(-2.0)
    assert call("AbsF32", NZERO32) == 0
    assert call("ReinterpF64asI64", d(1.0)) == 0x3FF0_0000_0000_0000
    assert call("ReinterpI32asF32", 0x3F80_0000) == f(1.0)


def test_fused_multiply_add():
    a, b = d(1.0 + 2.0**-30), d(1.0 - 2.0**-30)
    # a*b = 1 - 2**-60 exactly; unfused it would round to 1.0 and give 0
    assert call("MAddF64", 0, a, b, d(-1.0)) == d(-(2.0**-60))
    assert call("MSubF64", 0, a, b, d(1.0)) == d(-(2.0**-60))
    assert call("MAddF64", 0, d(1.0), d(1.0), d(-1.0)) == 0
    assert call("MAddF64", 1, d(1.0), d(1.0), d(-1.0)) == NZERO64
    assert call("MAddF64", 0, d(1e308), d(10.0), NINF64) == NINF64
    assert call("MAddF64", 0, INF64, 0, d(1.0)) == DNAN64
    assert call("MAddF32", 0, f(1.0 + 2.0**-12), f(1.0 - 2.0**-12), f(-1.0)) == f(-(2.0**-24))
    assert call("MAddF32", 2, f(1.0), f(1.0), f(2.0**-30)) == f(1.0 + 2.0**-23)


def test_f32_arithmetic():
    assert call("AddF32", 0, f(1.5), f(2.25)) == f(3.75)
    assert call("AddF32", 2, f(1.0), f(2.0**-30)) == f(1.0 + 2.0**-23)
    assert call("MulF32", 0, MAXF32, f(2.0)) == INF32
    assert call("MulF32", 3, MAXF32, f(2.0)) == MAXF32
    assert call("DivF32", 0, f(1.0), f(3.0)) == 0x3EAA_AAAB
    assert call("DivF32", 3, f(1.0), f(3.0)) == 0x3EAA_AAAA
    assert call("SqrtF32", 0, f(2.0)) == 0x3FB5_04F3
    assert call("SqrtF32", 1, f(2.0)) == 0x3FB5_04F3  # RN(sqrt 2) is below
    assert call("SqrtF32", 2, f(2.0)) == 0x3FB5_04F4


def test_maxnum_minnum():
    assert call("MaxNumF64", QNAN64, d(1.0)) == d(1.0)
    assert call("MinNumF64", d(1.0), QNAN64) == d(1.0)
    assert call("MaxNumF64", SNAN64, d(1.0)) == SNAN64 | (1 << 51)
    assert call("MaxNumF64", NZERO64, 0) == 0
    assert call("MinNumF32", 0, NZERO32) == NZERO32


# --------------------------------------------------------------------- x87


def test_x87_transcendentals():
    assert call("SinF64", 0, 0) == 0
    assert call("SinF64", 0, d(math.pi / 2)) == d(1.0)
    assert call("CosF64", 0, 0) == d(1.0)
    assert call("TanF64", 0, NZERO64) == NZERO64
    assert call("TanF64", 0, INF64) == DNAN64
    assert call("SinF64", 0, QNAN64 | 3) == QNAN64 | 3
    assert call("2xm1F64", 0, d(1.0)) == d(1.0)
    assert call("2xm1F64", 0, d(-1.0)) == d(-0.5)
    assert call("2xm1F64", 0, NZERO64) == NZERO64
    assert call("AtanF64", 0, d(1.0), d(1.0)) == d(math.pi / 4)
    assert call("AtanF64", 0, d(1.0), d(-1.0)) == d(3 * math.pi / 4)
    assert call("AtanF64", 0, NZERO64, d(-1.0)) == d(-math.pi)
    assert call("Yl2xF64", 0, d(3.0), d(8.0)) == d(9.0)
    assert call("Yl2xF64", 0, d(2.0), 0) == NINF64
    assert call("Yl2xF64", 0, d(-2.0), 0) == INF64
    assert call("Yl2xF64", 0, d(1.0), d(-1.0)) == DNAN64
    assert call("Yl2xF64", 0, 0, 0) == DNAN64
    assert call("Yl2xp1F64", 0, d(2.0), d(1.0)) == d(2.0)
    assert call("Yl2xp1F64", 0, d(1.0), 0) == 0


def test_x87_nan_rules():
    # x87 (not SSE) rule: quieten both, larger significand wins, then positive
    assert call("Yl2xF64", 0, QNAN64 | 1, QNAN64 | 5) == QNAN64 | 5
    assert call("AtanF64", 0, DNAN64, QNAN64) == QNAN64
    assert call("PRemF64", 0, QNAN64, 0x7FF4_0000_0000_1234) == 0x7FFC_0000_0000_1234
    assert call("ScaleF64", 0, d(1.0), SNAN64) == SNAN64 | (1 << 51)


def test_x87_fscale():
    assert call("ScaleF64", 0, d(3.0), d(2.7)) == d(12.0)  # truncates 2.7
    assert call("ScaleF64", 0, d(3.0), d(-1.5)) == d(1.5)
    assert call("ScaleF64", 0, d(1.0), d(2000.0)) == INF64
    assert call("ScaleF64", 3, d(1.0), d(2000.0)) == MAXF64
    assert call("ScaleF64", 0, d(1.0), d(-1075.0)) == 0
    assert call("ScaleF64", 0, d(3.0), d(-1075.0)) == 2
    assert call("ScaleF64", 0, d(5.0), INF64) == INF64
    assert call("ScaleF64", 0, 0, INF64) == DNAN64
    assert call("ScaleF64", 0, d(5.0), NINF64) == 0
    assert call("ScaleF64", 0, d(-5.0), NINF64) == NZERO64
    assert call("ScaleF64", 0, NZERO64, d(10.0)) == NZERO64


@pytest.mark.parametrize("x,y,rem,flags,rem1,flags1", [
    # quotient bits: C0 = Q2 (0x100), C3 = Q1 (0x4000), C1 = Q0 (0x200)
    (7.0, 2.0, 1.0, 0x4200, -1.0, 0x0100),  # FPREM1 rounds 3.5 to 4
    (-7.0, 2.0, -1.0, 0x4200, 1.0, 0x0100),
    (5.0, 2.0, 1.0, 0x4000, 1.0, 0x4000),
    (3.0, 4.0, 3.0, 0x0000, -1.0, 0x0200),
    (-6.0, 2.0, -0.0, 0x4200, -0.0, 0x4200),
    (2.0**70, 3.0, 2.0**32, 0x0400, 2.0**32, 0x0400),  # partial: C2 set
])
def test_x87_fprem(x, y, rem, flags, rem1, flags1):
    assert call("PRemF64", 0, d(x), d(y)) == d(rem)
    assert call("PRemC3210F64", 0, d(x), d(y)) == flags
    assert call("PRem1F64", 0, d(x), d(y)) == d(rem1)
    assert call("PRem1C3210F64", 0, d(x), d(y)) == flags1


# ------------------------------------------------------------ SIMD integer


def v8(*lanes):
    return pack(list(lanes) + [0] * (16 - len(lanes)), 8)


def v16(*lanes):
    return pack(list(lanes) + [0] * (8 - len(lanes)), 16)


def v32(*lanes):
    return pack(list(lanes) + [0] * (4 - len(lanes)), 32)


def test_simd_add_sub():
    assert call("Add8x16", v8(255, 1, 127), v8(1, 1, 1)) == v8(0, 2, 128)
    assert call("Sub16x8", v16(0, 5), v16(1, 7)) == v16(0xFFFF, 0xFFFE)
    assert call("Add64x2", pack([M64, 0], 64), pack([1, 0], 64)) == 0  # no carry across
    assert call("Sub32x4", 0, v32(1)) == v32(M32)
    assert call("Add8x8", pack([0xFF] * 8, 8), pack([1] * 8, 8)) == 0
    assert call("Add8x32", pack([0xFF] * 32, 8), 1) == pack([0] + [0xFF] * 31, 8)


def test_simd_saturating():
    assert call("QAdd8Ux16", v8(250), v8(10)) == v8(255)
    assert call("QAdd8Sx16", v8(100, -100), v8(100, -100)) == v8(127, -128)
    assert call("QSub8Ux16", v8(5), v8(10)) == v8(0)
    assert call("QSub16Sx8", v16(-32768, 5), v16(1, 3)) == v16(-32768, 2)
    assert call("QAdd16Ux4", pack([0xFFFF, 1, 0, 0], 16), pack([1, 1, 0, 0], 16)) == pack([0xFFFF, 2, 0, 0], 16)


def test_simd_multiply():
    assert call("MulHi16Sx8", v16(-2, 0x4000), v16(3, 4)) == v16(0xFFFF, 1)
    assert call("MulHi16Ux8", v16(0xFFFF), v16(0xFFFF)) == v16(0xFFFE)
    assert call("Mul32x4", v32(0x10000, 3), v32(0x10000, -1)) == v32(0, -3)
    assert call("Mul16x8", v16(300), v16(300)) == v16(90000 & M16)
    assert call("MullEven32Ux4", v32(M32, 9, 2, 9), v32(M32, 9, 3, 9)) == pack([(M32 * M32), 6], 64)
    assert call("MullEven32Sx4", v32(-1, 0, 2), v32(5, 0, -3)) == pack([-5, -6], 64)
    assert call("Mull32Ux2", pack([M32, 2], 32), pack([2, 3], 32)) == pack([2 * M32, 6], 64)
    # PMADDUBSW: unsigned bytes of a times signed bytes of b, pairwise, saturated
    assert call("PwExtUSMulQAdd8x16", v8(255, 255, 255, 255, 1, 2), v8(127, 127, -128, -128, 3, -4)) == \
        v16(32767, -32768, -5)


def test_simd_avg_min_max():
    assert call("Avg8Ux16", v8(255, 1), v8(0, 2)) == v8(128, 2)
    assert call("Avg16Ux8", v16(0xFFFF), v16(0xFFFF)) == v16(0xFFFF)
    assert call("Max8Sx16", v8(-1, 5), v8(1, -5)) == v8(1, 5)
    assert call("Max8Ux16", v8(0xFF, 5), v8(1, 6)) == v8(0xFF, 6)
    assert call("Min16Sx8", v16(-1, 5), v16(1, -5)) == v16(-1, -5)
    assert call("Min32Ux4", v32(M32, 1), v32(0, 2)) == v32(0, 1)
    assert call("Max32Sx4", v32(-7, 0), v32(-8, -1)) == v32(-7, 0)


def test_simd_compare():
    assert call("CmpEQ8x16", v8(1, 2, 3), v8(1, 0, 3)) == pack([0xFF, 0, 0xFF] + [0xFF] * 13, 8)
    assert call("CmpGT32Sx4", v32(-1, 1, 0, 0), v32(0, 0, 0, -1)) == v32(0, M32, 0, M32)
    assert call("CmpGT8Sx16", v8(-128), v8(127)) == v8(0, *([0] * 15))
    assert call("CmpGT64Sx2", pack([1, -1], 64), pack([0, 0], 64)) == pack([M64, 0], 64)
    assert call("CmpEQ64x2", pack([5, 6], 64), pack([5, 7], 64)) == pack([M64, 0], 64)
    assert call("CmpNEZ32x4", v32(0, 1, 0x8000_0000, 0)) == v32(0, M32, M32, 0)
    assert call("CmpNEZ8x8", 0x0100_0000_0000_0080) == 0xFF00_0000_0000_00FF


@pytest.mark.parametrize("op,lanes,bits,n,want", [
    ("ShlN16x8", [0x8001, 1], 16, 1, [0x0002, 2]),
    ("ShlN16x8", [0x8001, 1], 16, 16, [0, 0]),
    ("ShlN16x8", [0x8001, 1], 16, 0, [0x8001, 1]),
    ("ShrN32x4", [0x8000_0000, 3], 32, 31, [1, 0]),
    ("ShrN32x4", [0x8000_0000, 3], 32, 32, [0, 0]),
    ("SarN16x8", [0x8000, 0x7FFF], 16, 15, [0xFFFF, 0]),
    ("SarN16x8", [0x8000, 0x7FFF], 16, 16, [0xFFFF, 0]),
    ("SarN8x16", [0x80, 0x40], 8, 1, [0xC0, 0x20]),
    ("SarN32x4", [0x8000_0010, 0x10], 32, 4, [0xF800_0001, 1]),
    ("SarN64x2", [1 << 63, 4], 64, 1, [0xC000_0000_0000_0000, 2]),
    ("ShlN64x2", [1 << 63, 1], 64, 1, [0, 2]),
    ("ShrN64x2", [1 << 63, 1], 64, 63, [1, 0]),
    ("ShlN8x8", [0x81, 0x01], 8, 7, [0x80, 0x80]),
])
def test_simd_shift_by_scalar(op, lanes, bits, n, want):
    count = (128 if not op.endswith("x8") or bits != 8 else 64) // bits
    assert call(op, pack(lanes + [0] * (count - len(lanes)), bits), n) == pack(want + [0] * (count - len(want)), bits)


def test_simd_shift_by_vector():
    # only the low log2(lane bits) bits of each amount count (libvex_ir.h)
    assert call("Shl32x4", v32(1, 1, 1, 1), v32(0, 31, 32, 255)) == v32(1, 0x8000_0000, 1, 0x8000_0000)
    assert call("Shr16x8", v16(0x8000, 0x8000), v16(15, 17)) == v16(1, 0x4000)
    assert call("Sar8x16", v8(0x80, 0x80), v8(1, 0xFF)) == v8(0xC0, 0xFF)
    assert call("Sal64x2", pack([1, -8], 64), pack([3, -2 & 0xFF], 64)) == pack([8, -2], 64)


def test_narrowing():
    # the right operand fills the low half
    b = v16(-5, 300, 100, 0)
    a = v16(255, 256, -1)
    assert call("QNarrowBin16Sto8Ux16", a, b) == v8(0, 255, 100, 0, 0, 0, 0, 0, 255, 255, 0)
    assert call("QNarrowBin16Sto8Sx16", a, b) == v8(-5, 127, 100, 0, 0, 0, 0, 0, 127, 127, -1)
    assert call("QNarrowBin32Sto16Sx8", 0, v32(70000, -70000)) == v16(32767, -32768)
    assert call("QNarrowBin32Sto16Ux8", 0, v32(-1, 70000, 65535)) == v16(0, 65535, 65535)
    assert call("NarrowBin32to16x8", v32(0x1_0002), v32(0x3_0004)) == v16(4, 0, 0, 0, 2)
    assert call("QNarrowBin16Sto8Sx8", pack([1, 2, 3, 4], 16), pack([-200, 5, 6, 7], 16)) == \
        pack([-128, 5, 6, 7, 1, 2, 3, 4], 8)
    assert call("QNarrowUn32Sto16Ux4", v32(-1, 70000, 5, 6)) == pack([0, 65535, 5, 6], 16)
    assert call("Widen8Sto16x8", pack([0x80, 1] + [0] * 6, 8)) == v16(-128, 1)


def test_interleave_and_concatenate():
    a = pack(list(range(0x10, 0x20)), 8)
    b = pack(list(range(0x20, 0x30)), 8)
    assert unpack(call("InterleaveLO8x16", a, b), 8, 16)[:4] == [0x20, 0x10, 0x21, 0x11]
    assert unpack(call("InterleaveHI8x16", a, b), 8, 16)[:4] == [0x28, 0x18, 0x29, 0x19]
    assert call("InterleaveHI64x2", pack([1, 2], 64), pack([3, 4], 64)) == pack([4, 2], 64)
    assert call("InterleaveLO32x4", v32(1, 2, 3, 4), v32(5, 6, 7, 8)) == v32(5, 1, 6, 2)
    a4 = pack([0xA0, 0xA1, 0xA2, 0xA3], 16)
    b4 = pack([0xB0, 0xB1, 0xB2, 0xB3], 16)
    assert call("CatEvenLanes16x4", a4, b4) == pack([0xB0, 0xB2, 0xA0, 0xA2], 16)
    assert call("CatOddLanes16x4", a4, b4) == pack([0xB1, 0xB3, 0xA1, 0xA3], 16)
    assert call("InterleaveOddLanes16x4", a4, b4) == pack([0xB1, 0xA1, 0xB3, 0xA3], 16)
    assert call("InterleaveEvenLanes16x4", a4, b4) == pack([0xB0, 0xA0, 0xB2, 0xA2], 16)


def test_permutes():
    a = pack(list(range(0x10, 0x20)), 8)
    idx = v8(0x80, 15, 0x11, 0x8F)
    assert call("PermOrZero8x16", a, idx) == v8(0, 0x1F, 0x11, 0, *([0x10] * 12))
    assert call("Perm8x16", a, v8(15, 14)) == v8(0x1F, 0x1E, *([0x10] * 14))
    assert call("PermOrZero8x8", 0x0706_0504_0302_0100, 0x8000_0000_0000_0107) == 0x0000_0000_0000_0107
    assert call("Perm32x4", v32(10, 11, 12, 13), v32(3, 2, 1, 0)) == v32(13, 12, 11, 10)
    assert call("GetMSBs8x16", v8(0x80, 0x7F, *([0] * 7), 0xFF, *([0] * 5), 0x80)) == 0x8201
    assert call("GetMSBs8x8", 0x8000_0000_0000_0080) == 0x81
    assert call("Reverse8sIn16_x8", v16(0x1122, 0x3344)) == v16(0x2211, 0x4433)
    assert call("Reverse8sIn32_x4", v32(0x1122_3344)) == v32(0x4433_2211)
    assert call("Reverse1sIn8_x16", v8(0x01, 0x80, 0x0F)) == v8(0x80, 0x01, 0xF0)
    assert call("SliceV128", 0xAA, 0x1122_3344_5566, 4) == (0xAA << 96) | 0x1122


def test_vector_packing():
    assert call("64HLtoV128", 1, 2) == (1 << 64) | 2
    assert call("V128to64", (1 << 64) | 2) == 2
    assert call("V128HIto64", (1 << 64) | 2) == 1
    assert call("SetV128lo64", M128, 5) == (M128 ^ M64) | 5
    assert call("SetV128lo32", M128, 5) == (M128 ^ M32) | 5
    assert call("ZeroHI64ofV128", M128) == M64
    assert call("ZeroHI96ofV128", M128) == M32
    assert call("32UtoV128", M32) == M32
    assert call("V128to32", M128) == M32
    assert call("ShlV128", 1, 127) == 1 << 127
    assert call("ShlV128", 1, 128) == 0
    assert call("ShrV128", 1 << 127, 127) == 1
    assert call("NotV128", 0) == M128
    assert call("XorV256", 3, 1) == 2
    assert call("64x4toV256", 1, 2, 3, 4) == pack([4, 3, 2, 1], 64)
    assert call("V256toV128_1", pack([4, 3, 2, 1], 64)) == pack([2, 1], 64)
    assert call("V256to64_2", pack([4, 3, 2, 1], 64)) == 2
    assert call("V128HLtoV256", 1, 2) == (1 << 128) | 2
    assert call("V256HLtoV512", 1, 2) == (1 << 256) | 2
    assert call("V512toV256_1", (1 << 256) | 2) == 1


def test_sse41_insert_and_blend_building_blocks():
    # VEX builds pinsr*/blend* from a lane mask: (new & mask) | (old & ~mask)
    old = 0x0011_2233_4455_6677_8899_AABB_CCDD_EEFF
    mask = 0xFFFF_0000_0000_0000_FFFF_0000_0000_FFFF  # pblendw $0x89: words 0, 3, 7
    new = 0xF0E0_D0C0_B0A0_9080_7060_5040_3020_1000
    keep = call("AndV128", old, call("NotV128", mask))
    assert keep == 0x0000_2233_4455_6677_0000_AABB_CCDD_0000
    assert call("OrV128", call("AndV128", new, mask), keep) == 0xF0E0_2233_4455_6677_7060_AABB_CCDD_1000
    # pinsrw $2: the word shifted into place, then ORed into the masked register
    assert call("64HLtoV128", 0, call("Shl64", call("16Uto64", 0xCDEF), 0x20)) == 0xCDEF_0000_0000
    assert call("AndV128", old, M128 ^ (M16 << 32)) | 0xCDEF_0000_0000 == \
        0x0011_2233_4455_6677_8899_CDEF_CCDD_EEFF


def test_sse2_cmpneqsd_cmpnltsd_building_blocks():
    # cmpneqsd/cmpnltsd are CmpEQ64F0x2/CmpLT64F0x2 with the low lane inverted by XorV128
    top = 0x1234_5678_9ABC_DEF0 << 64
    assert call("CmpEQ64F0x2", top | d(1.0), d(1.0)) == top | M64
    assert call("CmpEQ64F0x2", top | QNAN64, d(1.0)) == top
    assert call("XorV128", top | M64, M64) == top
    assert call("XorV128", top, M64) == top | M64
    assert call("CmpLT64F0x2", top | d(2.0), d(1.0)) == top
    assert call("CmpLT64F0x2", top | d(1.0), QNAN64) == top


def test_sse41_dot_product_building_blocks():
    # dpps: products, a pairwise sum of interleaved lanes twice, then the output lane mask
    prod = call("Mul32Fx4", 0, v32(f(1.0), f(2.0), f(3.0), f(4.0)), v32(f(5.0), f(6.0), f(7.0), f(8.0)))
    assert prod == v32(f(5.0), f(12.0), f(21.0), f(32.0))
    perm = v32(f(5.0), f(21.0), f(12.0), f(32.0))  # lanes 0, 2, 1, 3
    assert call("InterleaveLO32x4", perm, perm) == v32(f(5.0), f(5.0), f(21.0), f(21.0))
    assert call("InterleaveHI32x4", perm, perm) == v32(f(12.0), f(12.0), f(32.0), f(32.0))
    sums = call("Add32Fx4", 0, v32(f(12.0), f(12.0), f(32.0), f(32.0)), v32(f(5.0), f(5.0), f(21.0), f(21.0)))
    assert sums == v32(f(17.0), f(17.0), f(53.0), f(53.0))
    assert call("AndV128", v32(*[f(70.0)] * 4), M32) == v32(f(70.0))
    assert call("AndV128", v32(*[f(70.0)] * 4), v32(0, M32, 0, M32)) == v32(0, f(70.0), 0, f(70.0))


def test_sad8ux4():
    # |4 - 1| + |3 - 3| + |2 - 5| + |1 - 255|, lane 0 first
    assert call("Sad8Ux4", 0x0102_0304, 0xFF05_0301) == 3 + 0 + 3 + 254
    assert call("Sad8Ux4", 0xFFFF_FFFF, 0) == 4 * 255
    assert call("Sad8Ux4", 0x1234_5678, 0x1234_5678) == 0


def test_mpsadbw_lowering_building_blocks():
    # iropt lowers g_calc_mpsadbw into these
    assert call("32to16", 0x1_2345) == 0x2345
    assert call("16HLto32", 0xABCD, 0x1234) == 0xABCD_1234
    assert call("32HLto64", 0xABCD_1234, 0x5678_9ABC) == 0xABCD_1234_5678_9ABC
    assert call("Shr64", 0x0807_0605_0403_0201, 24) == 0x08_0706_0504


def test_identity_templates_are_identities():
    # the reference codegen's copy propagation replaces ops whose template is "{0}" by
    # their operand: only zero-extensions and reinterpretations may have that template
    rng = random.Random(1)
    for op, template in OPS.items():
        if template.strip() != "{0}":
            continue
        (arg_bits,) = op_arg_bits(op)
        assert op_result_bits(op) >= arg_bits, op
        assert "Uto" in op or op.startswith("Iop_Reinterp"), op
        for x in (0, 1, (1 << arg_bits) - 1, rng.getrandbits(arg_bits)):
            assert call(op, x) == x, op


# -------------------------------------------------------------- SIMD float


def test_simd_float_lanes():
    a = v32(f(1.5), INF32, QNAN32 | 9, NZERO32)
    b = v32(f(2.5), 0xFF80_0000, f(1.0), NZERO32)
    assert call("Add32Fx4", 0, a, b) == v32(f(4.0), DNAN32, QNAN32 | 9, NZERO32)
    assert call("Add32Fx4", 2, v32(f(1.0)), v32(f(2.0**-30))) == v32(f(1.0 + 2.0**-23))
    assert call("Mul64Fx2", 0, pack([d(3.0), d(-2.0)], 64), pack([d(0.5), 0], 64)) == pack([d(1.5), NZERO64], 64)
    assert call("Div64Fx2", 2, pack([d(1.0), d(1.0)], 64), pack([d(3.0), d(-3.0)], 64)) == \
        pack([0x3FD5_5555_5555_5556, 0xBFD5_5555_5555_5555], 64)
    assert call("Sqrt32Fx4", 0, v32(f(4.0), f(-1.0), NZERO32, INF32)) == v32(f(2.0), DNAN32, NZERO32, INF32)


def test_simd_float_lowest_lane():
    hi = pack([0, 0xDEAD, 0xBEEF, 0xF00D], 32)
    assert call("Add32F0x4", hi | f(1.0), v32(f(2.0), 7, 7, 7)) == hi | f(3.0)
    top = 0x1234_5678_9ABC_DEF0 << 64
    assert call("Add64F0x2", top | d(1.0), d(2.0)) == top | d(3.0)
    assert call("Sub64F0x2", top | d(1.0), d(2.0)) == top | d(-1.0)
    assert call("Mul64F0x2", top | d(3.0), INF64) == top | INF64
    assert call("Div64F0x2", top | d(1.0), 0) == top | INF64
    assert call("Sqrt64F0x2", top | d(9.0)) == top | d(3.0)
    assert call("Add64F0x2", top | QNAN64, SNAN64) == top | QNAN64
    assert call("CmpLT64F0x2", top | d(1.0), d(2.0)) == top | M64
    assert call("CmpLE32F0x4", hi | f(3.0), f(2.0)) == hi


def test_simd_float_max_min():
    # x86 MAXPS: second operand when either is NaN or both are zeros
    assert call("Max32Fx4", v32(f(1.0), QNAN32, 0, NZERO32), v32(f(2.0), f(1.0), NZERO32, 0)) == \
        v32(f(2.0), f(1.0), NZERO32, 0)
    assert call("Min64Fx2", pack([QNAN64, d(1.0)], 64), pack([d(2.0), SNAN64], 64)) == \
        pack([d(2.0), SNAN64], 64)
    assert call("Max64F0x2", (7 << 64) | d(-1.0), d(-2.0)) == (7 << 64) | d(-1.0)


def test_simd_float_compare():
    assert call("CmpLT32Fx4", v32(f(1.0), f(2.0), QNAN32, f(1.0)), v32(f(2.0), f(1.0), f(1.0), f(1.0))) == \
        v32(M32, 0, 0, 0)
    assert call("CmpEQ32Fx4", v32(0, QNAN32), v32(NZERO32, QNAN32)) == v32(M32, 0, M32, M32)
    assert call("CmpUN64Fx2", pack([QNAN64, d(1.0)], 64), pack([d(1.0), d(1.0)], 64)) == pack([M64, 0], 64)
    assert call("CmpLE64Fx2", pack([d(1.0), d(2.0)], 64), pack([d(1.0), d(1.0)], 64)) == pack([M64, 0], 64)


def test_simd_float_estimates():
    assert call("RecipEst32Fx4", v32(f(2.0), 0, 0xFF80_0000, 1)) == v32(f(0.5), INF32, NZERO32, INF32)
    assert call("RSqrtEst32Fx4", v32(f(4.0), f(-1.0), 0, INF32)) == v32(f(0.5), DNAN32, INF32, 0)
    assert call("RecipEst32F0x4", (5 << 32) | f(4.0)) == (5 << 32) | f(0.25)


def test_simd_float_conversions():
    assert call("F32toI32Sx4", 0, v32(f(1.5), f(2.5), f(-1.5), f(3e9))) == v32(2, 2, -2, 0x8000_0000)
    assert call("F32toI32Sx4", 3, v32(f(1.75), f(-1.75), QNAN32, f(-(2.0**31)))) == \
        v32(1, -1, 0x8000_0000, 0x8000_0000)
    assert call("I32StoF32x4", 0, v32(2**24 + 1, -1, 0, 2**31 - 1)) == v32(f(2.0**24), f(-1.0), 0, f(2.0**31))
    assert call("I32StoF32x4", 2, v32(2**24 + 1)) == v32(f(2.0**24 + 2))
    assert call("Abs32Fx4", v32(NZERO32, f(-1.0))) == v32(0, f(1.0))
    assert call("Neg64Fx2", pack([0, d(1.0)], 64)) == pack([NZERO64, d(-1.0)], 64)


# --------------------------------------------------------- AVX-512 masks


def test_avx512_compare_and_test():
    a = v32(-1, 2, 3, 4)
    b = v32(0, 2, 5, 1)
    # the first operand (old mask value) does not matter
    assert call("Cmp32Sx4", M64, a, b, 2) == 0b0111  # LE
    assert call("Cmp32Sx4", 0, a, b, 4) == 0b1101  # NE
    assert call("Cmp32Sx4", 0, a, b, 3) == 0  # FALSE
    assert call("Cmp32Sx4", 0, a, b, 7) == 0b1111  # TRUE
    assert call("Cmp32Ux4", 0, a, b, 1) == 0b0100  # LT, unsigned (-1 is huge)
    assert call("Cmp8Ux16", 0, v8(1, 5), v8(2, 5), 0) == 0xFFFE  # EQ
    assert call("Cmp8Sx16", 0, v8(1, 5), v8(2, 5), 6) == 0  # NLE
    assert call("Test8x16", 0, v8(1, 2, 4), v8(1, 1, 4)) == 0b101
    assert call("TestN32x8", 0, pack([1, 2] + [0] * 6, 32), pack([1, 1] + [0] * 6, 32)) == 0b1111_1110
    assert call("Cmp32Fx4", 0, v32(f(1.0), QNAN32, f(2.0), 0), v32(f(2.0), f(1.0), f(2.0), NZERO32), 1) == 0b0001
    assert call("Cmp32Fx4", 0, v32(f(1.0), QNAN32, f(2.0), 0), v32(f(2.0), f(1.0), f(2.0), NZERO32), 3) == 0b0010


def test_avx512_expand_and_ternlog():
    assert call("ExpandBitsToV128", 0b101, 2) == v32(M32, 0, M32, 0)
    assert call("ExpandBitsToV128", 0b10, 3) == pack([0, M64], 64)
    assert call("ExpandBitsToV256", 0b1, 0) == 0xFF
    assert call("ExpandBitsToV512", 1 << 63, 0) == 0xFF << 504
    a, b, c = 0b1111_0000, 0b1100_1100, 0b1010_1010
    assert call("Ternlog32x16", a, b, c, 0x96) == a ^ b ^ c
    assert call("Ternlog32x16", a, b, c, 0xE8) == (a & b) | (a & c) | (b & c)
    assert call("Ternlog32x16", a, b, c, 0xCA) == (a & b) | (~a & c & 0xFF)
    assert call("Ternlog32x16", a, b, c, 0xFF) == (1 << 512) - 1


def test_gf2p8mulb():
    assert call("GfniMult", v8(0x53, 2, 0x80), v8(0xCA, 3, 2)) == v8(0x01, 6, 0x1B)


def test_constant_helpers():
    assert opsrt.f64_bits(1.0) == 0x3FF0_0000_0000_0000
    assert opsrt.f64_value(0xC000_0000_0000_0000) == -2.0
    assert opsrt.f32_bits(0.1) == 0x3DCC_CCCD
    assert opsrt.f32_bits(1e39) == INF32
    assert opsrt.f32_bits(-math.nan) == DNAN32
    assert opsrt.f32_value(0x3FC0_0000) == 1.5


def test_round_exact_directly():
    # 1/3 in binary32 under each mode, and overflow to max-finite in RZ
    assert [opsrt.round_exact(False, 1, 3, rm, opsrt.F32) for rm in range(4)] == \
        [0x3EAA_AAAB, 0x3EAA_AAAA, 0x3EAA_AAAB, 0x3EAA_AAAA]
    assert opsrt.round_exact(True, 1, 3, 1, opsrt.F32) == 0xBEAA_AAAB
    assert opsrt.round_exact(False, 2**200, 1, 3, opsrt.F32) == MAXF32
    assert opsrt.round_exact(False, 1, 2**1075, 0, opsrt.F64) == 0  # half the tiniest: even
    assert opsrt.round_exact(False, 3, 2**1076, 0, opsrt.F64) == 1  # 0.75 of it


def test_runtime_names_cover_templates():
    for op, template in OPS.items():
        if template.startswith("vx_"):
            assert template[: template.index("(")] in RUNTIME, op
    assert all(name.startswith("vx_") for name in RUNTIME)
    assert set(RUNTIME) == {"vx_" + n for n in opsrt.HELPERS}
