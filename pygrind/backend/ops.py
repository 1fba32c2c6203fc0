"""The meaning of every VEX IR operation, as Python expression templates.

This module is the single source of truth for ``Iop_*`` semantics in
pygrind: the reference backend pastes these templates into the Python source
it generates for each IRSB, and the tests (and later the LLVM JIT's tests)
evaluate them through :func:`op_function`.

Contract
--------
* ``OPS[name]`` is a ``str.format`` template; ``{0}``..``{3}`` are the
  operands, which are always atoms (temporary names or integer literals), so
  a template may use an operand more than once.  Literal braces are doubled.
* Every value is a Python ``int``: Ity_I1 is 0/1, integers are unsigned and
  masked to their width, F16/F32/F64 are IEEE bit patterns, V128/V256/V512
  are little-endian bit strings (lane 0 in the low bits).  Every template
  returns a value masked to its result type.
* Templates call helpers named ``vx_<Op>`` (see :mod:`.opsrt`); generated
  code must have :data:`RUNTIME` in its globals.
* Rounding-mode operands (IRRoundingMode: 0 nearest-even, 1 toward -inf,
  2 toward +inf, 3 toward zero) are honoured; the ops taking one are listed
  in :data:`ROUNDING_MODE_OPS`.
* pyvex gives F64/F32 IR constants as Python floats: convert them with
  :func:`.opsrt.f64_bits` / :func:`.opsrt.f32_bits`.

Where VEX leaves a result undefined we pick what x86 does or the least
surprising value: shifts by >= the width give 0 (Sar: the sign fill),
Clz/Ctz of 0 give the width, division by zero gives 0, float->int
overflow gives the "integer indefinite" 0x80..0.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

from . import opsrt
from .vexops import ARITY, BITS, KNOWN

OPS: dict[str, str] = {}

_KNOWN_OPS = KNOWN


def _mask(bits: int) -> str:
    return hex((1 << bits) - 1)


def _put(name: str, template: str) -> None:
    op = "Iop_" + name
    if op not in _KNOWN_OPS:
        raise KeyError(f"{op} is not a VEX operation")
    OPS[op] = template


# ------------------------------------------------------- integer arithmetic

for _w in (8, 16, 32, 64):
    _m = _mask(_w)
    _put(f"Add{_w}", f"(({{0}} + {{1}}) & {_m})")
    _put(f"Sub{_w}", f"(({{0}} - {{1}}) & {_m})")
    _put(f"Mul{_w}", f"(({{0}} * {{1}}) & {_m})")
    _put(f"Or{_w}", "({0} | {1})")
    _put(f"And{_w}", "({0} & {1})")
    _put(f"Xor{_w}", "({0} ^ {1})")
    _put(f"Not{_w}", f"({{0}} ^ {_m})")
    # widening multiplies: sign-extend by (x ^ s) - s, then mask to 2w bits
    _s = hex(1 << (_w - 1))
    _put(f"MullU{_w}", "({0} * {1})")
    _put(f"MullS{_w}", f"(((({{0}} ^ {_s}) - {_s}) * (({{1}} ^ {_s}) - {_s})) & {_mask(2 * _w)})")
    _put(f"Left{_w}", f"(({{0}} | -{{0}}) & {_m})")

for _w in (32, 64):
    # "Nat": a zero input gives the width
    _put(f"ClzNat{_w}", f"({_w} - ({{0}}).bit_length())")
    _put(f"CtzNat{_w}", f"((({{0}} & -{{0}}).bit_length() - 1) if {{0}} else {_w})")
    _put(f"PopCount{_w}", "({0}).bit_count()")
    _put(f"CmpwNEZ{_w}", f"({_mask(_w)} if {{0}} else 0)")
_put("Max32U", "({0} if {0} > {1} else {1})")
_put("Add128x1", f"(({{0}} + {{1}}) & {_mask(128)})")
_put("Sub128x1", f"(({{0}} - {{1}}) & {_mask(128)})")

# ------------------------------------------------------------------ compare

for _w in (8, 16, 32, 64):
    for _name in ("CmpEQ", "CasCmpEQ"):
        _put(f"{_name}{_w}", "(1 if {0} == {1} else 0)")
    for _name in ("CmpNE", "CasCmpNE", "ExpCmpNE"):
        _put(f"{_name}{_w}", "(1 if {0} != {1} else 0)")
    _put(f"CmpNEZ{_w}", "(1 if {0} else 0)")
for _w in (32, 64):
    _s = hex(1 << (_w - 1))
    # flipping the sign bit maps signed order onto unsigned order
    _put(f"CmpLT{_w}S", f"(1 if ({{0}} ^ {_s}) < ({{1}} ^ {_s}) else 0)")
    _put(f"CmpLE{_w}S", f"(1 if ({{0}} ^ {_s}) <= ({{1}} ^ {_s}) else 0)")
    _put(f"CmpLT{_w}U", "(1 if {0} < {1} else 0)")
    _put(f"CmpLE{_w}U", "(1 if {0} <= {1} else 0)")
    # PowerPC-style three-way compare: 8 lt, 4 gt, 2 eq
    _put(f"CmpORD{_w}U", "(8 if {0} < {1} else 4 if {0} > {1} else 2)")
    _put(f"CmpORD{_w}S",
         f"(8 if ({{0}} ^ {_s}) < ({{1}} ^ {_s}) else 4 if ({{0}} ^ {_s}) > ({{1}} ^ {_s}) else 2)")

# ------------------------------------------------------------ widen/narrow

for _from in (8, 16, 32):
    for _to in (16, 32, 64):
        if _to <= _from:
            continue
        _s = hex(1 << (_from - 1))
        _put(f"{_from}Uto{_to}", "{0}")  # values are already zero-extended
        _put(f"{_from}Sto{_to}", f"((({{0}} ^ {_s}) - {_s}) & {_mask(_to)})")
for _from, _to in ((64, 8), (32, 8), (64, 16), (16, 8), (32, 16), (64, 32), (128, 64)):
    _put(f"{_from}to{_to}", f"({{0}} & {_mask(_to)})")
for _w in (8, 16, 32, 64):
    _put(f"{2 * _w}HIto{_w}", f"({{0}} >> {_w})")
    _put(f"{_w}HLto{2 * _w}", f"(({{0}} << {_w}) | {{1}})")
_put("Not1", "({0} ^ 1)")
_put("And1", "({0} & {1})")
_put("Or1", "({0} | {1})")
_put("32to1", "({0} & 1)")
_put("64to1", "({0} & 1)")
for _w in (8, 32, 64):
    _put(f"1Uto{_w}", "{0}")
for _w in (8, 16, 32, 64):
    _put(f"1Sto{_w}", f"(-{{0}} & {_mask(_w)})")

# ------------------------------------------------------------------ shifts
# The shift amount is an I8 (0..255).  Python shifts give 0 for amounts >=
# the width after masking; Sar sign-extends first, so it fills with the sign.

for _w in (8, 16, 32, 64):
    _m = _mask(_w)
    _s = hex(1 << (_w - 1))
    _put(f"Shl{_w}", f"(({{0}} << {{1}}) & {_m})")
    _put(f"Shr{_w}", "({0} >> {1})")
    _put(f"Sar{_w}", f"(((({{0}} ^ {_s}) - {_s}) >> {{1}}) & {_m})")


def _helper_template(name: str) -> str:
    arity = ARITY["Iop_" + name]
    return f"vx_{name}(" + ", ".join(f"{{{i}}}" for i in range(arity)) + ")"


def _put_helpers(*families: str) -> None:
    """Add every helper of these families that VEX defines as an op."""
    for name, fam in opsrt.FAMILY.items():
        if fam in families and "Iop_" + name in _KNOWN_OPS and "Iop_" + name not in OPS:
            _put(name, _helper_template(name))


# integer helpers: wide division, saturating scalar ops, byte swap
_put_helpers("int", "int_div")

# ------------------------------------------------------------------- float
# Reinterpretation is free: floats are already carried as bit patterns.
for _a, _b in (("F64", "I64"), ("F32", "I32"), ("V128", "I128"), ("F128", "I128")):
    _put(f"Reinterp{_a}as{_b}", "{0}")
    _put(f"Reinterp{_b}as{_a}", "{0}")
for _tag, _w in (("F64", 64), ("F32", 32), ("F16", 16)):
    _put(f"Neg{_tag}", f"({{0}} ^ {hex(1 << (_w - 1))})")
    _put(f"Abs{_tag}", f"({{0}} & {_mask(_w - 1)})")
_put_helpers("float", "float_conv")

# ------------------------------------------------------------ SIMD integer

for _w in (128, 256, 512):
    _put(f"AndV{_w}", "({0} & {1})")
    _put(f"OrV{_w}", "({0} | {1})")
    if f"Iop_XorV{_w}" in _KNOWN_OPS:
        _put(f"XorV{_w}", "({0} ^ {1})")
    _put(f"NotV{_w}", f"({{0}} ^ {_mask(_w)})")
_put("ShlV128", f"(({{0}} << {{1}}) & {_mask(128)})")
_put("ShrV128", "({0} >> {1})")
# 64 <-> 128 <-> 256 <-> 512 packing; the first operand is the high part
_put("V128to64", f"({{0}} & {_mask(64)})")
_put("V128HIto64", "({0} >> 64)")
_put("64HLtoV128", "(({0} << 64) | {1})")
_put("64UtoV128", "{0}")
_put("SetV128lo64", f"(({{0}} & {hex(((1 << 128) - 1) ^ ((1 << 64) - 1))}) | {{1}})")
_put("32UtoV128", "{0}")
_put("V128to32", f"({{0}} & {_mask(32)})")
_put("SetV128lo32", f"(({{0}} & {hex(((1 << 128) - 1) ^ ((1 << 32) - 1))}) | {{1}})")
for _keep in (64, 32, 16, 8):
    _put(f"ZeroHI{128 - _keep}ofV128", f"({{0}} & {_mask(_keep)})")
for _k in range(4):
    _put(f"V256to64_{_k}", f"(({{0}} >> {64 * _k}) & {_mask(64)})")
_put("64x4toV256", "(({0} << 192) | ({1} << 128) | ({2} << 64) | {3})")
_put("V256toV128_0", f"({{0}} & {_mask(128)})")
_put("V256toV128_1", "({0} >> 128)")
_put("V128HLtoV256", "(({0} << 128) | {1})")
for _k in range(8):
    _put(f"V512to64_{_k}", f"(({{0}} >> {64 * _k}) & {_mask(64)})")
_put("V512toV256_0", f"({{0}} & {_mask(256)})")
_put("V512toV256_1", "({0} >> 256)")
_put("V256HLtoV512", "(({0} << 256) | {1})")
_put_helpers("simd_int")

# -------------------------------------------------------------- SIMD float
# Abs/Neg are sign-bit masks over all lanes.
for _fw, _vw in ((16, 128), (32, 128), (64, 128), (32, 256), (64, 256)):
    _n = _vw // _fw
    _sign = ((1 << _vw) - 1) // ((1 << _fw) - 1) << (_fw - 1)  # every lane's sign bit
    if f"Iop_Abs{_fw}Fx{_n}" in _KNOWN_OPS:
        _put(f"Abs{_fw}Fx{_n}", f"({{0}} & {hex(_sign ^ ((1 << _vw) - 1))})")
    if f"Iop_Neg{_fw}Fx{_n}" in _KNOWN_OPS:
        _put(f"Neg{_fw}Fx{_n}", f"({{0}} ^ {hex(_sign)})")
_put_helpers("simd_float")

# -------------------------------------------------------------------- x87
_put_helpers("x87")

# ------------------------------------------------------ AVX-512 mask ops
_put_helpers("avx512")

del _w, _m, _s, _from, _to, _a, _b, _tag, _keep, _k, _fw, _vw, _n, _sign, _name

#: globals the generated code needs for the templates to work
RUNTIME: dict[str, object] = {"vx_" + name: fn for name, fn in opsrt.HELPERS.items()}


def _first_param_is_rm(fn: object) -> bool:
    try:
        params = list(inspect.signature(fn).parameters)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return bool(params) and params[0] == "rm"


#: ops whose first operand is an IRRoundingMode
ROUNDING_MODE_OPS: frozenset[str] = frozenset(
    op for op, t in OPS.items()
    if t.startswith("vx_") and _first_param_is_rm(opsrt.HELPERS[t[3:t.index("(")]])
)


def op_arity(name: str) -> int:
    """Number of operands of the VEX op ``name`` (e.g. ``'Iop_Add64'``)."""
    return ARITY[name]


def op_result_bits(name: str) -> int:
    """Width in bits of the result type of ``name`` (Ity_I1 -> 1)."""
    known = BITS.get(name)
    if known is not None:
        return known[1]
    import pyvex

    return _type_bits(pyvex.get_op_retty(name))


def op_arg_bits(name: str) -> list[int]:
    """Widths in bits of the operand types of ``name``."""
    known = BITS.get(name)
    if known is not None:
        return list(known[0])
    import pyvex.expr

    return [_type_bits(t) for t in pyvex.expr.op_arg_types(name)[1]]


def _type_bits(ty: str) -> int:
    digits = "".join(c for c in ty if c.isdigit())
    return int(digits)


@functools.cache
def op_function(name: str) -> Callable[..., int]:
    """A Python callable computing op ``name`` on int operands."""
    args = [f"a{i}" for i in range(op_arity(name))]
    source = f"lambda {', '.join(args)}: {OPS[name].format(*args)}"
    return eval(source, dict(RUNTIME))  # noqa: S307 - our own templates
