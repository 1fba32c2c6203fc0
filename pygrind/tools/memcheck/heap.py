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
#: objects whose string functions are replaced by client/mc_replace_strmem.c's
STRING_OBJECTS = ("libc.so", "ld-linux")
#: the parts of glibc's names for the variants of a string function (__strlen_sse2,
#: __memmove_avx_unaligned_erms...)
_VARIANT_WORDS = {"sse2", "ssse3", "sse4", "sse42", "1", "2", "avx", "avx2", "avx512", "evex",
                  "evex512", "erms", "unaligned", "rtm", "back", "nocache", "vex", "no", "vzeroupper",
                  "generic", "x86", "64", "bsf"}
#: other names of replaced string functions
_ALIASES = {"index": "strchr", "rindex": "strrchr", "__GI_strlen": "strlen", "bcmp": "memcmp"}
#: overlap reports (client/mc_replace_strmem.c's OV_*): the function and whether its
#: report shows a length
OVERLAP_FUNCTIONS = [("memcpy", True), ("strcpy", False), ("strncpy", True), ("strcat", False),
                     ("strncat", True), ("stpcpy", False), ("mempcpy", True), ("stpncpy", True),
                     ("__memcpy_chk", True), ("__strcpy_chk", False), ("__stpcpy_chk", False),
                     ("__mempcpy_chk", True)]

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


def string_replacement(name: str, replacements: dict[str, int]) -> int | None:
    """The replacement of libc's `name` (version suffix dropped): the function itself,
    an alias, or a variant `__<function>_<variant words>`."""
    name = _ALIASES.get(name, name)
    if name in replacements:
        return replacements[name]
    for prefix in ("__", ""):
        if not name.startswith(prefix):
            continue
        rest = name[len(prefix):]
        if prefix and rest in replacements:
            return replacements[rest]
        parts = rest.split("_")
        for k in range(len(parts) - 1, 0, -1):
            if not all(w in _VARIANT_WORDS for w in parts[k:]):
                break
            head = "_".join(parts[:k])
            for cand in (head, "__" + head):
                if cand in replacements:
                    return replacements[cand]
    return None


def map_replacements(tool: Memcheck) -> dict[str, int]:
    """Map client/mc_replace_strmem.c's object into the client (as Valgrind preloads
    vgpreload_memcheck); its functions by name, and the overlap report redirected."""
    from ...backend.vexcg import build
    from ...core import loader
    from ...core.codecache import cache_root

    src = [s for s in build.CLIENT_SOURCES if s.stem == "mc_replace_strmem"]
    path = build.client_object(src[0], str(cache_root())) if src else None
    if path is None:
        tool.session.out.warn_once("mc-strmem", "warning: memcheck's string functions could not "
                                   "be built: the C library's own are checked as they are")
        return {}
    tool.replacement_object = path.name
    obj = loader.map_image(tool.session.aspace, loader.read_elf(str(path)), None)
    di = tool.session.debuginfo
    di.add_object(str(path), obj.bias, obj.start, obj.end)
    funcs = {}
    for sym in di.iter_symbols(str(path)):
        if obj.start <= sym.addr < obj.end:
            funcs[sym.name.partition("@")[0]] = sym.addr
    report = funcs.pop("mc_report_overlap", None)
    if report is not None:
        tool.native.lib.mc_add_redirect(report, N.F_OVERLAP)
        tool.overlap_stub = report
    return funcs


def redirect_object(tool: Memcheck, path: str, start: int, end: int) -> None:
    """Replace the allocation and string functions the object at `path` defines (mapped
    at client [start, end))."""
    base = os.path.basename(path)
    heap_obj = base.startswith(OBJECTS)
    str_obj = base.startswith(STRING_OBJECTS) and tool.replacements
    if not (heap_obj or str_obj):
        return
    di = tool.session.debuginfo
    lib = tool.native.lib
    jumps: dict[int, set[int]] = {}
    for sym in di.iter_symbols(path):
        if not start <= sym.addr < end or sym.ifunc:
            continue
        name = sym.name.partition("@")[0]
        fn = FUNCTIONS.get(name) if heap_obj else None
        if fn is not None:
            lib.mc_add_redirect(sym.addr, fn)
        elif str_obj:
            target = string_replacement(name, tool.replacements)
            if target is not None:
                jumps.setdefault(sym.addr, set()).add(target)
    # one code for two functions (glibc's memcpy is its memmove): the one that allows
    # overlap wins, so that only a real overlapping memcpy call is reported
    lenient = {tool.replacements.get(n) for n in ("memmove", "__memmove_chk")}
    for addr, targets in jumps.items():
        both = targets & lenient
        lib.mc_add_jump(addr, min(both) if both else min(targets))


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
    old = st.get(RSP)
    new = (old - 256) & ~15
    st.put(RSP, new)
    # the stack the stub's calls use is live stack now (as the stack pointer moved
    # here, not in client code, memcheck's tracking did not see it)
    tool.native.lib.mc_set_range(new - 128, old - new + 128, 0, 0xFF)
    return page
