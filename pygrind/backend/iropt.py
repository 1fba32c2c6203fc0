"""IR clean-ups that every backend runs on an instrumented block before compiling it.

Dead PUT elimination: VEX keeps every guest register write that a memory access could
make observable (if the access faults, a signal handler sees the registers). Like
Valgrind's default (`--vex-iropt-register-updates=unwindregs-at-mem-access`), pygrind
keeps only the stack and frame pointers precise at memory accesses; other registers
and the flags thunk need to be exact only where control can leave the block (side
exits, the end) or where something reads the guest state (GET, dirty helpers, Python
callbacks). A PUT whose bytes are all overwritten before any such point is dropped.
The guest PC is handled by the code generators (they know each instruction's address).

Helper lowering: a CCall of a libVEX clean helper that libpyvex.so does not export
(g_calc_mpsadbw) is rewritten into IR computing the same value; see lower_helper_calls.
"""

from __future__ import annotations

import pyvex
from pyvex import expr as E
from pyvex import stmt as S

from ..core.state import RBP, RSP
from ..tool import intrinsics
from . import precision

#: bytes kept precise at every point that may fault (stack and frame pointer)
_PRECISE = set(range(RSP, RSP + 8)) | set(range(RBP, RBP + 8))
_SIZES = {"Ity_I1": 1, "Ity_I8": 1, "Ity_I16": 2, "Ity_I32": 4, "Ity_I64": 8, "Ity_F32": 4,
          "Ity_F64": 8, "Ity_I128": 16, "Ity_V128": 16, "Ity_V256": 32, "Ity_F128": 16,
          "Ity_V512": 64}

def _may_fault(st: S.IRStmt) -> bool:
    if isinstance(st, (S.Store, S.CAS, S.LoadG, S.StoreG, S.LLSC)):
        return True
    if isinstance(st, S.WrTmp):
        d = st.data
        if isinstance(d, E.Load):
            return True
        if isinstance(d, (E.Binop, E.Unop, E.Triop)) and "Div" in d.op:
            return True
    return False


def remove_dead_puts(irsb: pyvex.IRSB) -> None:
    """Drop PUTs that are overwritten before the guest state can be observed."""
    if precision.all_registers_precise():
        return  # the lifter already left only what each instruction must write
    tyenv = irsb.tyenv
    covered: set[int] = set()
    keep: list = []
    for st in reversed(irsb.statements):
        if isinstance(st, S.Put):
            n = _SIZES.get(st.data.result_type(tyenv), 8)
            rng = range(st.offset, st.offset + n)
            if all(b in covered for b in rng):
                continue
            covered.update(rng)
        elif isinstance(st, (S.Exit, S.Dirty, S.PutI, intrinsics.CallPython)):
            covered.clear()
        elif isinstance(st, S.WrTmp):
            d = st.data
            if isinstance(d, E.Get):
                covered.difference_update(range(d.offset, d.offset + _SIZES.get(d.ty, 8)))
            elif isinstance(d, E.GetI):
                covered.clear()
            if _may_fault(st):
                covered -= _PRECISE
        elif _may_fault(st):
            covered -= _PRECISE
        keep.append(st)
    keep.reverse()
    irsb.statements = keep


# ------------------------------------------------ helpers pyvex does not export
# Clean helpers are called in libpyvex.so by name (see core.vexlib). The VEX that pyvex
# bundles made a few of them `static inline` (shared between the x86 and amd64 front
# ends), so the library has no symbol to call; the calls are rewritten here into IR
# that computes the same value.


class _Builder:
    """Appends `tN = <expr>` statements, with new temporaries typed after their op."""

    def __init__(self, tyenv: pyvex.block.IRTypeEnv, out: list) -> None:
        self.tyenv = tyenv
        self.out = out

    def let(self, e: E.IRExpr) -> E.RdTmp:
        tmp = self.tyenv.add(pyvex.get_op_retty(e.op))
        self.out.append(S.WrTmp(tmp, e))
        return E.RdTmp.get_instance(tmp)

    def unop(self, op: str, a: E.IRExpr) -> E.RdTmp:
        return self.let(E.Unop("Iop_" + op, [a]))

    def binop(self, op: str, a: E.IRExpr, b: E.IRExpr) -> E.RdTmp:
        return self.let(E.Binop("Iop_" + op, [a, b]))


def _mpsadbw(b: _Builder, args: list[E.IRExpr]) -> E.IRExpr | None:
    """g_calc_mpsadbw(sHi, sLo, dHi, dLo, ctl): half of MPSADBW's result. Bits 0-2 of
    ctl are the instruction's imm8 bits, bit 7 asks for the high half. Result word k
    (0..3) is the sum of absolute byte differences between the 32-bit source block and
    the 4 destination bytes at 4 * (dst block + half) + k."""
    s_hi, s_lo, d_hi, d_lo, ctl = args
    if not isinstance(ctl, E.Const):
        return None  # VEX always passes a constant
    imm8 = ctl.con.value & 7
    half = ctl.con.value >> 7 & 1
    src_block = imm8 & 3
    src = b.unop("64HIto32" if src_block & 1 else "64to32", s_hi if src_block & 2 else s_lo)
    first = (imm8 >> 2 & 1) + half  # first destination 32-bit block used: 0, 1 or 2
    if first == 0:
        dst = d_lo
    elif first == 2:
        dst = d_hi
    else:
        dst = b.binop("32HLto64", b.unop("64to32", d_hi), b.unop("64HIto32", d_lo))
    words = []
    for k in range(4):
        window = dst if k == 0 else b.binop("Shr64", dst, E.Const(pyvex.const.U8(8 * k)))
        sad = b.binop("Sad8Ux4", b.unop("64to32", window), src)
        words.append(b.unop("32to16", sad))
    lo = b.binop("16HLto32", words[1], words[0])
    hi = b.binop("16HLto32", words[3], words[2])
    return E.Binop("Iop_32HLto64", [hi, lo])


#: callee name -> function(builder, args) returning an expression of the call's value
#: (after appending the statements it needs), or None to leave the call alone
_LOWERINGS = {"g_calc_mpsadbw": _mpsadbw}


def lower_helper_calls(irsb: pyvex.IRSB) -> None:
    """Rewrite calls to helpers that libpyvex.so does not export (see _LOWERINGS) as IR."""
    if not any(isinstance(st, S.WrTmp) and isinstance(st.data, E.CCall)
               and st.data.cee.name in _LOWERINGS for st in irsb.statements):
        return
    out: list = []
    b = _Builder(irsb.tyenv, out)
    for st in irsb.statements:
        if isinstance(st, S.WrTmp) and isinstance(st.data, E.CCall):
            lower = _LOWERINGS.get(st.data.cee.name)
            value = lower(b, list(st.data.args)) if lower is not None else None
            if value is not None:
                out.append(S.WrTmp(st.tmp, value))
                continue
        out.append(st)
    irsb.statements = out
