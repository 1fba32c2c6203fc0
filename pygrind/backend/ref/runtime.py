"""What blocks compiled by the reference backend find in their globals.

The fast path of every load and store is inline in the generated code; the functions
here are the slow paths: accesses that cross a page, that fault, or that hit a page
holding translated code (self-modifying code).
"""

from __future__ import annotations

import struct

from ...core.aspace import LIMIT, P_R, P_WREAL, PAGE_SHIFT, AddressSpace
from ...core.errors import SEGV_ACCERR, SEGV_MAPERR, ClientFault
from .. import ops

SIGSEGV = 11


def make_globals(aspace: AddressSpace) -> dict[str, object]:
    """The globals dict shared by every block compiled for this address space."""
    mem = aspace.mem
    pt = aspace.pt
    base = aspace.base

    def fault(addr: int, write: bool) -> ClientFault:
        mapped = aspace.find(addr) is not None if 0 <= addr < LIMIT else False
        return ClientFault(SIGSEGV, SEGV_ACCERR if mapped else SEGV_MAPERR, addr,
                           "write" if write else "read")

    def ld(addr: int, n: int) -> int:
        """Checked load of n bytes (any size, page-crossing or not)."""
        end = addr + n
        if addr < 0 or end > LIMIT:
            raise fault(addr, False)
        for p in range(addr >> PAGE_SHIFT, ((end - 1) >> PAGE_SHIFT) + 1):
            if not pt[p] & P_R:
                raise fault(max(addr, p << PAGE_SHIFT), False)
        return int.from_bytes(mem[addr:end], "little")

    def st(addr: int, n: int, value: int) -> None:
        """Checked store; drops translations of code it overwrites."""
        end = addr + n
        if addr < 0 or end > LIMIT:
            raise fault(addr, True)
        for p in range(addr >> PAGE_SHIFT, ((end - 1) >> PAGE_SHIFT) + 1):
            if not pt[p] & P_WREAL:
                raise fault(max(addr, p << PAGE_SHIFT), True)
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



