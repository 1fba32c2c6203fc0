"""What blocks compiled by the reference backend find in their globals.

The fast path of every load and store is inline in the generated code; the functions
here are the slow paths: accesses that cross a page, that fault, or that hit a page
holding translated code (self-modifying code).
"""

from __future__ import annotations

import struct

from ...core.aspace import LIMIT, P_R, P_WREAL, AddressSpace
from ...core.errors import ClientFault
from .. import ops

SIGSEGV = 11


def make_globals(aspace: AddressSpace) -> dict[str, object]:
    """The globals dict shared by every block compiled for this address space."""
    mem = aspace.mem
    pt = aspace.pt
    base = aspace.base

    def fault(addr: int, write: bool) -> ClientFault:
        return ClientFault(SIGSEGV, aspace.segv_code(addr), addr, "write" if write else "read")

    def ld(addr: int, n: int) -> int:
        """Checked load of n bytes (any size, page-crossing or not)."""
        end = addr + n
        bad = addr if end > LIMIT else aspace.first_bad(addr, n, P_R)
        if bad != end:
            raise fault(bad, False)
        return int.from_bytes(mem[addr:end], "little")

    def st(addr: int, n: int, value: int) -> None:
        """Checked store; drops translations of code it overwrites."""
        end = addr + n
        bad = addr if end > LIMIT else aspace.first_bad(addr, n, P_WREAL)
        if bad != end:
            raise fault(bad, True)
        mem[addr:end] = (value & ((1 << (8 * n)) - 1)).to_bytes(n, "little")
        if aspace.code_pages:
            aspace.code_written(addr, n)

    def hostaddr(addr: int, size: int, bit: int) -> int:
        """A guest address handed to a native libVEX helper: check it, then translate."""
        need = P_R if bit == 1 else P_WREAL
        bad = aspace.first_bad(addr, size, need)
        if bad != addr + size:
            raise fault(bad, bit != 1)
        if bit != 1 and aspace.code_pages:
            aspace.code_written(addr, size)
        return base + addr

    g: dict[str, object] = {
        "M": mem, "PT": pt, "LIM": LIMIT, "LD": ld, "ST": st, "HOSTADDR": hostaddr,
        "U8": struct.Struct("<B").unpack_from, "U16": struct.Struct("<H").unpack_from,
        "U32": struct.Struct("<I").unpack_from, "U64": struct.Struct("<Q").unpack_from,
        "P8": struct.Struct("<B").pack_into, "P16": struct.Struct("<H").pack_into,
        "P32": struct.Struct("<I").pack_into, "P64": struct.Struct("<Q").pack_into,
    }
    g.update(ops.RUNTIME)
    return g



