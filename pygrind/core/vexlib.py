"""libVEX's helper functions, called natively from pyvex's shared library.

pyvex exports the helpers that VEX IR calls by name (CCall and Dirty callees) but its
IRCallee carries no address, so each is resolved here with ctypes, by name, once.
Which CPU pygrind advertises is decided here: VEX lifts every CPUID as the AVX-512
helper; we answer with libVEX's "SSE4.2 and CX16" model instead, so that glibc picks
its SSE2/SSSE3/SSE4.2 string functions and never AVX (whose V256 ops pygrind does not
promise).
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import os
import threading

#: libVEX is one library with global state: pyvex's lifts and the libVEX tier's
#: translations (and the threads that make them) take turns
LOCK = threading.Lock()

#: libVEX's CPUID model that pygrind advertises to the client (see module doc).
CPUID_HELPER = "amd64g_dirtyhelper_CPUID_sse42_and_cx16"

_CPUID_NAMES = {
    "amd64g_dirtyhelper_CPUID_baseline",
    "amd64g_dirtyhelper_CPUID_sse3_and_cx16",
    "amd64g_dirtyhelper_CPUID_sse42_and_cx16",
    "amd64g_dirtyhelper_CPUID_avx_and_cx16",
    "amd64g_dirtyhelper_CPUID_avx2",
    "amd64g_dirtyhelper_CPUID_avx512_SKX",
    "amd64g_dirtyhelper_CPUID_avx512_KNL",
}


@functools.cache
def library() -> ctypes.CDLL:
    """pyvex's libpyvex.so, which contains libVEX."""
    # found without importing pyvex (slow to import, and not needed to run cached code)
    spec = importlib.util.find_spec("pyvex")
    pkg = list(spec.submodule_search_locations)[0] if spec and spec.submodule_search_locations else ""
    path = os.path.join(pkg, "lib", "libpyvex.so")
    return ctypes.CDLL(path)


def resolve_name(name: str) -> str:
    """The helper actually called for a callee named `name` in lifted IR."""
    if name in _CPUID_NAMES:
        return CPUID_HELPER
    return name


@functools.cache
def helper(name: str, nargs: int) -> ctypes._CFuncPtr:
    """A libVEX helper taking `nargs` 64-bit integer arguments and returning one.

    Every amd64 helper's arguments are ULong, Long, Addr or a guest state pointer, all
    passed in 64-bit integer registers, so one signature fits them all.
    """
    fn = getattr(library(), resolve_name(name))
    fn.argtypes = [ctypes.c_uint64] * nargs
    fn.restype = ctypes.c_uint64
    return fn


def address_of(name: str) -> int:
    """Native address of a helper (for the JIT backend)."""
    return ctypes.cast(getattr(library(), resolve_name(name)), ctypes.c_void_p).value or 0
