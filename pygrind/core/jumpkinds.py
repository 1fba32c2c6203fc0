"""How a block ends: VEX jump kinds as the small integers that compiled blocks return.

Ordinary control flow (jumps, calls, returns) is 0, so the dispatcher's common case is
one comparison; everything else needs the core's attention.
"""

from __future__ import annotations

BORING = 0
SYSCALL = 1
NODECODE = 2
SIGSEGV = 3
SIGTRAP = 4
SIGILL = 5
SIGFPE = 6
CLIENTREQ = 7
EMFAIL = 8
SIGBUS = 9
INT = 10  # int 0x80 and friends: not the 64-bit syscall ABI
YIELD = 0

_CODES = {
    "Ijk_Boring": BORING, "Ijk_Call": BORING, "Ijk_Ret": BORING, "Ijk_Yield": YIELD,
    "Ijk_NoRedir": BORING, "Ijk_InvalICache": BORING, "Ijk_FlushDCache": BORING,
    "Ijk_EmWarn": BORING, "Ijk_MapFail": SIGSEGV,
    "Ijk_Sys_syscall": SYSCALL, "Ijk_NoDecode": NODECODE, "Ijk_SigSEGV": SIGSEGV,
    "Ijk_SigTRAP": SIGTRAP, "Ijk_SigILL": SIGILL, "Ijk_SigFPE": SIGFPE,
    "Ijk_SigFPE_IntDiv": SIGFPE, "Ijk_SigFPE_IntOvf": SIGFPE, "Ijk_ClientReq": CLIENTREQ,
    "Ijk_EmFail": EMFAIL, "Ijk_SigBUS": SIGBUS, "Ijk_Sys_int128": INT, "Ijk_Sys_int129": INT,
    "Ijk_Sys_int130": INT, "Ijk_Sys_int145": INT, "Ijk_Sys_int210": INT, "Ijk_Sys_int32": INT,
    "Ijk_Sys_sysenter": INT,
}


def code(jk: str) -> int:
    """The integer a compiled block returns for VEX jump kind `jk`."""
    try:
        return _CODES[jk]
    except KeyError:
        raise ValueError(f"unknown jump kind {jk}") from None
