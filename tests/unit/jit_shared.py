"""One JIT per test process: MCJIT engines in one process share LLVM's global symbol
table (the callbacks compiled code calls are found there by name), so every JIT test
uses this one runtime, with a data region mapped for the blocks to read and write."""

from __future__ import annotations

from pygrind.core.aspace import MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, AddressSpace
from pygrind.tool import Counters

DATA = 0x1000_0000
DATA_SIZE = 1 << 20

_shared = None


def shared_runtime():
    """(address space, JitRuntime, counters), made once per process."""
    global _shared
    if _shared is None:
        from pygrind.backend.llvm.runtime import JitRuntime

        aspace = AddressSpace()
        aspace.map(DATA, DATA_SIZE, 3, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
        counters = Counters()
        _shared = (aspace, JitRuntime(aspace, counters.address), counters)
    return _shared
