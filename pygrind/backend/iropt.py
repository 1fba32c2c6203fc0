"""IR clean-ups that every backend runs on an instrumented block before compiling it.

Dead PUT elimination: VEX keeps every guest register write that a memory access could
make observable (if the access faults, a signal handler sees the registers). Like
Valgrind's default (`--vex-iropt-register-updates=unwindregs-at-mem-access`), pygrind
keeps only the stack and frame pointers precise at memory accesses; other registers
and the flags thunk need to be exact only where control can leave the block (side
exits, the end) or where something reads the guest state (GET, dirty helpers, Python
callbacks). A PUT whose bytes are all overwritten before any such point is dropped.
The guest PC is handled by the code generators (they know each instruction's address).
"""

from __future__ import annotations

import pyvex
from pyvex import expr as E
from pyvex import stmt as S

from ..core.state import RBP, RSP
from ..tool import intrinsics

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
