"""VEX operations lowered to LLVM IR.

The meaning of every op is pygrind.backend.ops (the reference templates); this module
is a faster rendering of a subset of them, tested against those templates (tests/unit/
test_jit_ops.py). An op without a native rendering here still works: the block calls
back into Python, which evaluates the reference template (`pg_op_fallback`): correct,
just slow. So coverage here is a matter of speed, never of correctness.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from .. import ops

if TYPE_CHECKING:
    from .irgen import BlockGen

Lowering = Callable[["BlockGen", list[str]], str]
NATIVE: dict[str, Lowering] = {}


@functools.cache
def op_ids() -> dict[str, int]:
    """A stable number for every op (its index in sorted order), for the fallback."""
    return {name: i for i, name in enumerate(sorted(ops.OPS))}


@functools.cache
def op_names() -> list[str]:
    return sorted(ops.OPS)


def lower(g: BlockGen, op: str, args: list[str]) -> str:
    fn = NATIVE.get(op)
    if fn is not None:
        return fn(g, args)
    return fallback(g, op, args)


def fallback(g: BlockGen, op: str, args: list[str]) -> str:
    """Evaluate the op in Python (the reference template) through a callback."""
    if op not in ops.OPS:
        from .irgen import Unsupported

        raise Unsupported(f"VEX operation {op} is not implemented")
    arg_bits = ops.op_arg_bits(op)
    res_bits = ops.op_result_bits(op)
    for k, (a, b) in enumerate(zip(args, arg_bits, strict=True)):
        p = g.op(f"getelementptr i8, ptr %opargs, i64 {64 * k}")
        if b == 1:
            a = g.op(f"zext i1 {a} to i8")
            b = 8
        g.emit(f"store i{b} {a}, ptr {p}")
    rc = g.op(f"call i64 @pg_op_fallback(ptr %C, i64 {op_ids()[op]}, ptr %opargs, "
              f"ptr %opres, i64 {g.cur_pc})")
    bad = g.op(f"icmp ne i64 {rc}, 0")
    ok = g.label("Fok")
    g.emit(f"br i1 {bad}, label %Lfault, label %{ok}")
    g.start_block(ok)
    if res_bits == 1:
        r8 = g.op("load i8, ptr %opres")
        return g.op(f"trunc i8 {r8} to i1")
    return g.op(f"load i{res_bits}, ptr %opres")


# ---------------------------------------------------------------- integer families

def _reg(name: str) -> Callable[[Lowering], Lowering]:
    def deco(fn: Lowering) -> Lowering:
        NATIVE["Iop_" + name] = fn
        return fn
    return deco


def _binary(name: str, instr: str, bits: int) -> None:
    NATIVE["Iop_" + name] = lambda g, a: g.op(f"{instr} i{bits} {a[0]}, {a[1]}")


def _cmp(name: str, pred: str, bits: int) -> None:
    NATIVE["Iop_" + name] = lambda g, a: g.op(f"icmp {pred} i{bits} {a[0]}, {a[1]}")


def _shift(name: str, instr: str, bits: int) -> None:
    def lower_shift(g: BlockGen, a: list[str]) -> str:
        amt = g.fit(a[1], 8, bits)
        big = g.op(f"icmp uge i{bits} {amt}, {bits}")
        if instr == "ashr":
            # an arithmetic shift by the width or more fills with the sign
            clamped = g.op(f"select i1 {big}, i{bits} {bits - 1}, i{bits} {amt}")
            return g.op(f"ashr i{bits} {a[0]}, {clamped}")
        safe = g.op(f"select i1 {big}, i{bits} 0, i{bits} {amt}")
        r = g.op(f"{instr} i{bits} {a[0]}, {safe}")
        return g.op(f"select i1 {big}, i{bits} 0, i{bits} {r}")
    NATIVE["Iop_" + name] = lower_shift


def _conv(name: str, instr: str, frm: int, to: int) -> None:
    NATIVE["Iop_" + name] = lambda g, a: g.op(f"{instr} i{frm} {a[0]} to i{to}")


for _w in (8, 16, 32, 64):
    for _n, _i in (("Add", "add"), ("Sub", "sub"), ("Mul", "mul"), ("And", "and"),
                   ("Or", "or"), ("Xor", "xor")):
        _binary(f"{_n}{_w}", _i, _w)
    for _n, _p in (("CmpEQ", "eq"), ("CmpNE", "ne"), ("CasCmpEQ", "eq"), ("CasCmpNE", "ne"),
                   ("ExpCmpNE", "ne"), ("CmpLT{}S", "slt"), ("CmpLT{}U", "ult"),
                   ("CmpLE{}S", "sle"), ("CmpLE{}U", "ule")):
        _cmp((_n.format(_w) if "{}" in _n else f"{_n}{_w}"), _p, _w)
    _shift(f"Shl{_w}", "shl", _w)
    _shift(f"Shr{_w}", "lshr", _w)
    _shift(f"Sar{_w}", "ashr", _w)
    NATIVE[f"Iop_Not{_w}"] = (lambda w: lambda g, a: g.op(f"xor i{w} {a[0]}, -1"))(_w)
    NATIVE[f"Iop_CmpNEZ{_w}"] = (lambda w: lambda g, a: g.op(f"icmp ne i{w} {a[0]}, 0"))(_w)
    NATIVE[f"Iop_Left{_w}"] = (lambda w: lambda g, a: g.op(
        f"or i{w} {a[0]}, {g.op(f'sub i{w} 0, {a[0]}')}"))(_w)
    NATIVE[f"Iop_CmpwNEZ{_w}"] = (lambda w: lambda g, a: g.op(
        f"sext i1 {g.op(f'icmp ne i{w} {a[0]}, 0')} to i{w}"))(_w)

NATIVE["Iop_Not1"] = lambda g, a: g.op(f"xor i1 {a[0]}, true")
NATIVE["Iop_And1"] = lambda g, a: g.op(f"and i1 {a[0]}, {a[1]}")
NATIVE["Iop_Or1"] = lambda g, a: g.op(f"or i1 {a[0]}, {a[1]}")

for _f, _t in ((8, 16), (8, 32), (8, 64), (16, 32), (16, 64), (32, 64), (64, 128), (1, 8),
               (1, 16), (1, 32), (1, 64)):
    _conv(f"{_f}Uto{_t}", "zext", _f, _t)
    _conv(f"{_f}Sto{_t}", "sext", _f, _t)
for _f, _t in ((64, 32), (64, 16), (64, 8), (32, 16), (32, 8), (16, 8), (64, 1), (32, 1),
               (16, 1), (8, 1), (128, 64)):
    _conv(f"{_f}to{_t}", "trunc", _f, _t)


def _hi(name: str, frm: int, to: int) -> None:
    def lower_hi(g: BlockGen, a: list[str]) -> str:
        s = g.op(f"lshr i{frm} {a[0]}, {to}")
        return g.op(f"trunc i{frm} {s} to i{to}")
    NATIVE["Iop_" + name] = lower_hi


def _hl(name: str, half: int) -> None:
    def lower_hl(g: BlockGen, a: list[str]) -> str:
        hi = g.op(f"zext i{half} {a[0]} to i{2 * half}")
        lo = g.op(f"zext i{half} {a[1]} to i{2 * half}")
        sh = g.op(f"shl i{2 * half} {hi}, {half}")
        return g.op(f"or i{2 * half} {sh}, {lo}")
    NATIVE["Iop_" + name] = lower_hl


_hi("64HIto32", 64, 32)
_hi("32HIto16", 32, 16)
_hi("16HIto8", 16, 8)
_hi("128HIto64", 128, 64)
_hi("V128HIto64", 128, 64)
_hl("64HLto128", 64)
_hl("32HLto64", 32)
_hl("16HLto32", 16)
_hl("8HLto16", 8)
_hl("64HLtoV128", 64)
_conv("V128to64", "trunc", 128, 64)
_conv("V128to32", "trunc", 128, 32)
_conv("64UtoV128", "zext", 64, 128)
_conv("32UtoV128", "zext", 32, 128)


def _mull(name: str, ext: str, bits: int) -> None:
    def lower_mull(g: BlockGen, a: list[str]) -> str:
        x = g.op(f"{ext} i{bits} {a[0]} to i{2 * bits}")
        y = g.op(f"{ext} i{bits} {a[1]} to i{2 * bits}")
        return g.op(f"mul i{2 * bits} {x}, {y}")
    NATIVE["Iop_" + name] = lower_mull


for _w in (8, 16, 32, 64):
    _mull(f"MullU{_w}", "zext", _w)
    _mull(f"MullS{_w}", "sext", _w)


def _count(name: str, intrinsic: str, bits: int) -> None:
    def lower_count(g: BlockGen, a: list[str]) -> str:
        if intrinsic == "ctpop":
            g.declare(f"declare i{bits} @llvm.ctpop.i{bits}(i{bits})")
            return g.op(f"call i{bits} @llvm.ctpop.i{bits}(i{bits} {a[0]})")
        # is_zero_poison false: a zero operand gives the width, as VEX's Nat ops define
        g.declare(f"declare i{bits} @llvm.{intrinsic}.i{bits}(i{bits}, i1)")
        return g.op(f"call i{bits} @llvm.{intrinsic}.i{bits}(i{bits} {a[0]}, i1 false)")
    NATIVE["Iop_" + name] = lower_count


for _w in (32, 64):
    _count(f"Clz{_w}", "ctlz", _w)
    _count(f"Ctz{_w}", "cttz", _w)


def _divmod(name: str, signed: bool, wide: int, half: int) -> None:
    """x86 DIV/IDIV: a zero divisor or an overflowing quotient faults (SIGFPE) – the
    callback path raises it, so those cases go to the reference implementation."""
    def lower_divmod(g: BlockGen, a: list[str]) -> str:
        ext = "sext" if signed else "zext"
        n = a[0]
        d = g.op(f"{ext} i{half} {a[1]} to i{wide}")
        zero = g.op(f"icmp eq i{half} {a[1]}, 0")
        if signed:
            q_instr, r_instr = "sdiv", "srem"
            # -2^(w-1) / -1 overflows in LLVM too: route it to the slow path
            minn = g.op(f"icmp eq i{wide} {n}, {-(1 << (wide - 1))}")
            neg1 = g.op(f"icmp eq i{half} {a[1]}, -1")
            ovf0 = g.op(f"and i1 {minn}, {neg1}")
            bad0 = g.op(f"or i1 {zero}, {ovf0}")
        else:
            q_instr, r_instr = "udiv", "urem"
            bad0 = zero
        fast, slow, join = g.label("DVf"), g.label("DVs"), g.label("DVj")
        g.emit(f"br i1 {bad0}, label %{slow}, label %{fast}")
        g.start_block(fast)
        q = g.op(f"{q_instr} i{wide} {n}, {d}")
        r = g.op(f"{r_instr} i{wide} {n}, {d}")
        qt = g.op(f"trunc i{wide} {q} to i{half}")
        back = g.op(f"{ext} i{half} {qt} to i{wide}")
        fits = g.op(f"icmp eq i{wide} {back}, {q}")
        ok = g.label("DVok")
        g.emit(f"br i1 {fits}, label %{ok}, label %{slow}")
        g.start_block(ok)
        rt = g.op(f"trunc i{wide} {r} to i{half}")
        res = g.op(f"zext i{half} {rt} to i{wide}")
        res = g.op(f"shl i{wide} {res}, {half}")
        qz = g.op(f"zext i{half} {qt} to i{wide}")
        res = g.op(f"or i{wide} {res}, {qz}")
        g.emit(f"br label %{join}")
        g.start_block(slow)
        r2 = fallback(g, "Iop_" + name, a)  # raises the fault
        slow_end = g.body_label()
        g.emit(f"br label %{join}")
        g.start_block(join)
        return g.op(f"phi i{wide} [ {res}, %{ok} ], [ {r2}, %{slow_end} ]")
    NATIVE["Iop_" + name] = lower_divmod


_divmod("DivModU64to32", False, 64, 32)
_divmod("DivModS64to32", True, 64, 32)
_divmod("DivModU128to64", False, 128, 64)
_divmod("DivModS128to64", True, 128, 64)


# ---------------------------------------------------------------- 128-bit vectors

def _lanes(bits: int, lane: int) -> str:
    return f"<{bits // lane} x i{lane}>"


def _vbin(name: str, instr: str, lane: int, bits: int = 128) -> None:
    vt = _lanes(bits, lane)

    def lower_vbin(g: BlockGen, a: list[str]) -> str:
        x = g.op(f"bitcast i{bits} {a[0]} to {vt}")
        y = g.op(f"bitcast i{bits} {a[1]} to {vt}")
        r = g.op(f"{instr} {vt} {x}, {y}")
        return g.op(f"bitcast {vt} {r} to i{bits}")
    NATIVE["Iop_" + name] = lower_vbin


def _vcmp(name: str, pred: str, lane: int, bits: int = 128) -> None:
    vt = _lanes(bits, lane)
    n = bits // lane

    def lower_vcmp(g: BlockGen, a: list[str]) -> str:
        x = g.op(f"bitcast i{bits} {a[0]} to {vt}")
        y = g.op(f"bitcast i{bits} {a[1]} to {vt}")
        c = g.op(f"icmp {pred} {vt} {x}, {y}")
        r = g.op(f"sext <{n} x i1> {c} to {vt}")
        return g.op(f"bitcast {vt} {r} to i{bits}")
    NATIVE["Iop_" + name] = lower_vcmp


for _n, _i in (("AndV128", "and"), ("OrV128", "or"), ("XorV128", "xor")):
    NATIVE["Iop_" + _n] = (lambda i: lambda g, a: g.op(f"{i} i128 {a[0]}, {a[1]}"))(_i)
NATIVE["Iop_NotV128"] = lambda g, a: g.op(f"xor i128 {a[0]}, -1")
for _lane, _cnt in ((8, 16), (16, 8), (32, 4), (64, 2)):
    _vbin(f"Add{_lane}x{_cnt}", "add", _lane)
    _vbin(f"Sub{_lane}x{_cnt}", "sub", _lane)
    _vcmp(f"CmpEQ{_lane}x{_cnt}", "eq", _lane)
    _vcmp(f"CmpGT{_lane}Sx{_cnt}", "sgt", _lane)
for _lane, _cnt in ((16, 8), (32, 4)):
    _vbin(f"Mul{_lane}x{_cnt}", "mul", _lane)


# ---------------------------------------------------------------- F64 arithmetic


# ---------------------------------------------------------------- SSE scalar lanes

def opaque(g: BlockGen, v: str, ty: str) -> str:
    """A constant operand, hidden from LLVM's constant folder: folding a floating-point
    operation gives LLVM's NaN (positive), where the x86 instruction gives its default
    NaN (negative), and programs print the sign."""
    if v.startswith("%"):
        return v
    slot = g.op(f"alloca {ty}")
    g.emit(f"store {ty} {v}, ptr {slot}")
    return g.op(f"load volatile {ty}, ptr {slot}")


def _lane0(name: str, instr: str | None, fty: str, lanes: int, unary: bool = False) -> None:
    """xxxF0xN: the op on lane 0 (float or double), the other lanes from the first operand."""
    vt = f"<{lanes} x {fty}>"

    def lower_lane0(g: BlockGen, a: list[str]) -> str:
        a = [opaque(g, v, "i128") for v in a]
        x = g.op(f"bitcast i128 {a[0]} to {vt}")
        x0 = g.op(f"extractelement {vt} {x}, i32 0")
        if unary:
            r0 = _x86_sqrt(g, fty, x0)
        else:
            y = g.op(f"bitcast i128 {a[1]} to {vt}")
            y0 = g.op(f"extractelement {vt} {y}, i32 0")
            r0 = _fp_binop(g, instr, fty, x0, y0)
        r = g.op(f"insertelement {vt} {x}, {fty} {r0}, i32 0")
        return g.op(f"bitcast {vt} {r} to i128")
    NATIVE["Iop_" + name] = lower_lane0


#: the SSE instruction of each commutative scalar op: LLVM may swap the operands of
#: fadd/fmul when it optimises, and with two NaN operands the result is the first one's
_COMMUTATIVE_SSE = {("fadd", "double"): "addsd", ("fmul", "double"): "mulsd",
                    ("fadd", "float"): "addss", ("fmul", "float"): "mulss"}


def _fp_binop(g: BlockGen, instr: str, fty: str, x: str, y: str) -> str:
    insn = _COMMUTATIVE_SSE.get((instr, fty))
    if insn is None:
        return g.op(f"{instr} {fty} {x}, {y}")
    return g.op(f'call {fty} asm "{insn} $2, $0", "=x,0,x"({fty} {x}, {fty} {y})')


def _x86_sqrt(g: BlockGen, fty: str, x: str) -> str:
    """The SSE instruction itself: llvm.sqrt does not promise x86's default NaN (the
    negative quiet NaN) for a negative operand, and programs print its sign."""
    insn = "sqrtsd" if fty == "double" else "sqrtss"
    return g.op(f'call {fty} asm "{insn} $1, $0", "=x,x"({fty} {x})')


for _n, _i in (("Add", "fadd"), ("Sub", "fsub"), ("Mul", "fmul"), ("Div", "fdiv")):
    _lane0(f"{_n}64F0x2", _i, "double", 2)
    _lane0(f"{_n}32F0x4", _i, "float", 4)
_lane0("Sqrt64F0x2", None, "double", 2, unary=True)
_lane0("Sqrt32F0x4", None, "float", 4, unary=True)


def _set_lo(name: str, bits: int) -> None:
    def lower_set_lo(g: BlockGen, a: list[str]) -> str:
        hi = g.op(f"and i128 {a[0]}, {((1 << 128) - 1) ^ ((1 << bits) - 1)}")
        lo = g.op(f"zext i{bits} {a[1]} to i128")
        return g.op(f"or i128 {hi}, {lo}")
    NATIVE["Iop_" + name] = lower_set_lo


_set_lo("SetV128lo64", 64)
_set_lo("SetV128lo32", 32)


#: ops with a rounding-mode operand rendered natively for one mode only (0 unless said)
NATIVE_MODE: dict[str, int] = {}


def _rounded(name: str, body: Callable[[BlockGen, list[str]], str], res_bits: int,
             mode: int = 0) -> None:
    """An op with a rounding-mode operand: natively for `mode` (round-to-nearest is what
    LLVM's arithmetic does), through the reference op for the other modes."""
    NATIVE_MODE["Iop_" + name] = mode

    def lower_rounded(g: BlockGen, a: list[str]) -> str:
        rm = a[0]
        if rm == str(mode):
            return body(g, a)
        if rm.isdigit():
            return fallback(g, "Iop_" + name, a)
        near = g.op(f"icmp eq i32 {rm}, {mode}")
        fast, slow, join = g.label("Rf"), g.label("Rs"), g.label("Rj")
        g.emit(f"br i1 {near}, label %{fast}, label %{slow}")
        g.start_block(fast)
        res = body(g, a)
        fast_end = g.body_label()
        g.emit(f"br label %{join}")
        g.start_block(slow)
        r2 = fallback(g, "Iop_" + name, a)
        slow_end = g.body_label()
        g.emit(f"br label %{join}")
        g.start_block(join)
        return g.op(f"phi i{res_bits} [ {res}, %{fast_end} ], [ {r2}, %{slow_end} ]")
    NATIVE["Iop_" + name] = lower_rounded


def _i64s_to_f64(g: BlockGen, a: list[str]) -> str:
    f = g.op(f"sitofp i64 {a[1]} to double")
    return g.op(f"bitcast double {f} to i64")


_rounded("I64StoF64", _i64s_to_f64, 64)


def _f64_arith(instr: str) -> Callable[[BlockGen, list[str]], str]:
    def body(g: BlockGen, a: list[str]) -> str:
        x = g.op(f"bitcast i64 {opaque(g, a[1], 'i64')} to double")
        y = g.op(f"bitcast i64 {opaque(g, a[2], 'i64')} to double")
        return g.op(f"bitcast double {_fp_binop(g, instr, 'double', x, y)} to i64")
    return body


# NaN results: x86 SSE and LLVM's x86 code generation agree (first operand's NaN,
# quietened, or the default NaN) as long as the operands keep their order (hence
# _fp_binop), which the differential tests check.
for _n, _i in (("AddF64", "fadd"), ("SubF64", "fsub"), ("MulF64", "fmul"), ("DivF64", "fdiv")):
    _rounded(_n, _f64_arith(_i), 64)
NATIVE["Iop_I32StoF64"] = lambda g, a: g.op(
    f"bitcast double {g.op(f'sitofp i32 {a[0]} to double')} to i64")
NATIVE["Iop_F32toF64"] = lambda g, a: g.op(
    f"bitcast double {g.op(f'fpext float {g.op(f'bitcast i32 {a[0]} to float')} to double')} to i64")


def _sqrt_f64(g: BlockGen, a: list[str]) -> str:
    x = g.op(f"bitcast i64 {a[1]} to double")
    return g.op(f"bitcast double {_x86_sqrt(g, 'double', x)} to i64")


_rounded("SqrtF64", _sqrt_f64, 64)


def _f64_to_int(name: str, bits: int) -> None:
    """cvttsd2si and friends: truncation (mode 3) natively; out of range or NaN gives
    the "integer indefinite" value, as the CPU does (LLVM's fptosi would be poison)."""
    def lower_f2i(g: BlockGen, a: list[str]) -> str:
        x = g.op(f"bitcast i64 {a[1]} to double")
        lim = float(1 << (bits - 1))
        ge = g.op(f"fcmp oge double {x}, {_dconst(-lim)}")
        lt = g.op(f"fcmp olt double {x}, {_dconst(lim)}")
        ok = g.op(f"and i1 {ge}, {lt}")
        safe = g.op(f"select i1 {ok}, double {x}, double 0.0")
        v = g.op(f"fptosi double {safe} to i{bits}")
        return g.op(f"select i1 {ok}, i{bits} {v}, i{bits} {-(1 << (bits - 1))}")
    _rounded(name, lower_f2i, bits, mode=3)


def _dconst(v: float) -> str:
    import struct

    return f"0x{struct.unpack('<Q', struct.pack('<d', v))[0]:016X}"


_f64_to_int("F64toI64S", 64)
_f64_to_int("F64toI32S", 32)


def _cmp_f64(g: BlockGen, a: list[str]) -> str:
    """IRCmpF64Result: 0x45 unordered, 0x01 less, 0x40 equal, 0x00 greater."""
    x = g.op(f"bitcast i64 {a[0]} to double")
    y = g.op(f"bitcast i64 {a[1]} to double")
    uno = g.op(f"fcmp uno double {x}, {y}")
    lt = g.op(f"fcmp olt double {x}, {y}")
    eq = g.op(f"fcmp oeq double {x}, {y}")
    r = g.op(f"select i1 {eq}, i32 64, i32 0")
    r = g.op(f"select i1 {lt}, i32 1, i32 {r}")
    return g.op(f"select i1 {uno}, i32 69, i32 {r}")


NATIVE["Iop_CmpF64"] = _cmp_f64
NATIVE["Iop_NegF64"] = lambda g, a: g.op(f"xor i64 {a[0]}, {1 << 63}")
NATIVE["Iop_AbsF64"] = lambda g, a: g.op(f"and i64 {a[0]}, {(1 << 63) - 1}")


# ---------------------------------------------------------------- more SIMD integer

def _interleave(name: str, lane: int, hi: bool) -> None:
    """InterleaveLO/HI: lanes alternate second operand, first operand (libvex_ir.h),
    from the low (LO) or high (HI) halves."""
    n = 128 // lane
    vt = f"<{n} x i{lane}>"
    base = n // 2 if hi else 0
    idx = []
    for i in range(n // 2):
        idx += [n + base + i, base + i]
    mask = "<" + ", ".join(f"i32 {k}" for k in idx) + ">"

    def lower_il(g: BlockGen, a: list[str]) -> str:
        x = g.op(f"bitcast i128 {a[0]} to {vt}")
        y = g.op(f"bitcast i128 {a[1]} to {vt}")
        r = g.op(f"shufflevector {vt} {x}, {vt} {y}, <{n} x i32> {mask}")
        return g.op(f"bitcast {vt} {r} to i128")
    NATIVE["Iop_" + name] = lower_il


for _lane, _cnt in ((8, 16), (16, 8), (32, 4), (64, 2)):
    _interleave(f"InterleaveLO{_lane}x{_cnt}", _lane, False)
    _interleave(f"InterleaveHI{_lane}x{_cnt}", _lane, True)


def _get_msbs(g: BlockGen, a: list[str]) -> str:
    x = g.op(f"bitcast i128 {a[0]} to <16 x i8>")
    neg = g.op(f"icmp slt <16 x i8> {x}, zeroinitializer")
    return g.op(f"bitcast <16 x i1> {neg} to i16")


NATIVE["Iop_GetMSBs8x16"] = _get_msbs


def _vminmax(name: str, pred: str, lane: int) -> None:
    vt = _lanes(128, lane)

    def lower_mm(g: BlockGen, a: list[str]) -> str:
        x = g.op(f"bitcast i128 {a[0]} to {vt}")
        y = g.op(f"bitcast i128 {a[1]} to {vt}")
        c = g.op(f"icmp {pred} {vt} {x}, {y}")
        r = g.op(f"select <{128 // lane} x i1> {c}, {vt} {x}, {vt} {y}")
        return g.op(f"bitcast {vt} {r} to i128")
    NATIVE["Iop_" + name] = lower_mm


for _lane, _cnt in ((8, 16), (16, 8), (32, 4)):
    _vminmax(f"Min{_lane}Ux{_cnt}", "ult", _lane)
    _vminmax(f"Max{_lane}Ux{_cnt}", "ugt", _lane)
    _vminmax(f"Min{_lane}Sx{_cnt}", "slt", _lane)
    _vminmax(f"Max{_lane}Sx{_cnt}", "sgt", _lane)
for _w in (32, 64):
    _count(f"CtzNat{_w}", "cttz", _w)
    _count(f"ClzNat{_w}", "ctlz", _w)
_count("PopCount64", "ctpop", 64)
_count("PopCount32", "ctpop", 32)

# The families above are generated generously; keep only real VEX ops (those the
# reference defines), so that every native rendering has a specification to meet.
for _name in [n for n in NATIVE if n not in ops.OPS]:
    del NATIVE[_name]
