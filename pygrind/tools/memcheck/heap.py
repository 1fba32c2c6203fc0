"""Which client functions memcheck replaces (natively, in native/mc_heap.c), found by
symbol name in the objects that define them, as Valgrind's soname and function
patterns do; and the exit-time call of glibc's and libstdc++'s freeres."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from . import native as N

if TYPE_CHECKING:
    from . import Memcheck

#: objects whose allocation functions are replaced (by soname prefix)
OBJECTS = ("libc.so", "libstdc++.so", "libc++.so")

#: symbol -> replacement (mc_heap.c's F_*)
FUNCTIONS: dict[str, int] = {
    "malloc": N.F_MALLOC, "__libc_malloc": N.F_MALLOC,
    "calloc": N.F_CALLOC, "__libc_calloc": N.F_CALLOC,
    "realloc": N.F_REALLOC, "__libc_realloc": N.F_REALLOC,
    "reallocarray": N.F_REALLOCARRAY,
    "free": N.F_FREE, "__libc_free": N.F_FREE, "cfree": N.F_FREE,
    "memalign": N.F_MEMALIGN, "__libc_memalign": N.F_MEMALIGN,
    "posix_memalign": N.F_POSIX_MEMALIGN, "aligned_alloc": N.F_ALIGNED_ALLOC,
    "valloc": N.F_VALLOC, "__libc_valloc": N.F_VALLOC,
    "pvalloc": N.F_PVALLOC, "__libc_pvalloc": N.F_PVALLOC,
    "malloc_usable_size": N.F_USABLE_SIZE, "malloc_size": N.F_USABLE_SIZE,
    # operator new / new[] (plain, nothrow, aligned, aligned nothrow)
    "_Znwm": N.F_NEW, "_Znam": N.F_NEW_ARRAY,
    "_ZnwmRKSt9nothrow_t": N.F_NEW_NOTHROW, "_ZnamRKSt9nothrow_t": N.F_NEW_ARRAY_NOTHROW,
    "_ZnwmSt11align_val_t": N.F_NEW_ALIGNED, "_ZnamSt11align_val_t": N.F_NEW_ARRAY_ALIGNED,
    "_ZnwmSt11align_val_tRKSt9nothrow_t": N.F_NEW_ALIGNED_NOTHROW,
    "_ZnamSt11align_val_tRKSt9nothrow_t": N.F_NEW_ARRAY_ALIGNED_NOTHROW,
    # operator delete / delete[] (plain, sized, nothrow, aligned, sized aligned)
    "_ZdlPv": N.F_DELETE, "_ZdaPv": N.F_DELETE_ARRAY,
    "_ZdlPvm": N.F_DELETE, "_ZdaPvm": N.F_DELETE_ARRAY,
    "_ZdlPvRKSt9nothrow_t": N.F_DELETE, "_ZdaPvRKSt9nothrow_t": N.F_DELETE_ARRAY,
    "_ZdlPvSt11align_val_t": N.F_DELETE, "_ZdaPvSt11align_val_t": N.F_DELETE_ARRAY,
    "_ZdlPvmSt11align_val_t": N.F_DELETE, "_ZdaPvmSt11align_val_t": N.F_DELETE_ARRAY,
    "_ZdlPvSt11align_val_tRKSt9nothrow_t": N.F_DELETE,
    "_ZdaPvSt11align_val_tRKSt9nothrow_t": N.F_DELETE_ARRAY,
}

#: functions run at exit before the final exit_group, when the client has them
FREERES = ("_ZN9__gnu_cxx9__freeresEv", "__libc_freeres")


def redirect_object(tool: Memcheck, path: str, start: int, end: int) -> None:
    """Replace the allocation functions the object at `path` defines (mapped at client
    [start, end))."""
    base = os.path.basename(path)
    if not base.startswith(OBJECTS):
        return
    di = tool.session.debuginfo
    for sym in di.iter_symbols(path):
        name = sym.name.partition("@")[0]
        fn = FUNCTIONS.get(name)
        if fn is not None and start <= sym.addr < end and not sym.ifunc:
            tool.native.lib.mc_add_redirect(sym.addr, fn)


def freeres_stub(tool: Memcheck, status: int) -> int | None:
    """A few instructions in a page of their own that call the freeres functions the
    client has and then exit_group(status); their address (None: nothing to call)."""
    s = tool.session
    targets = [a for a in (s.debuginfo.symbol_address(n) for n in FREERES) if a]
    if not targets:
        return None
    from ...core.aspace import MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE
    from ...core.state import RSP

    code = bytearray(b"\x48\x83\xe4\xf0")  # and $-16, %rsp (the ABI's alignment at a call)
    for a in targets:
        code += b"\x48\xb8" + a.to_bytes(8, "little")  # movabs $a, %rax
        code += b"\xff\xd0"                             # call *%rax
    code += b"\xbf" + (status & 0xFFFFFFFF).to_bytes(4, "little")  # mov $status, %edi
    code += b"\xb8\xe7\x00\x00\x00"                                 # mov $231, %eax
    code += b"\x0f\x05"                                             # syscall
    aspace = s.aspace
    page = aspace.find_free(4096)
    if page is None:
        return None
    aspace.map(page, 4096, 5, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
    aspace.write_unchecked(page, bytes(code))
    st = s.thread.state
    st.put(RSP, (st.get(RSP) - 256) & ~15)
    return page
