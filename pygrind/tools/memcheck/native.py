"""Memcheck's native side, seen from Python: the shadow maps and the functions of
native/*.c (built into the libVEX tier's library), through ctypes.

Python is called from there only to report an error (`report`) and to get more client
memory for the heap (`grow`): rare events. Everything per access, per block or per
allocation runs natively.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable

from ...core.aspace import SPACE_BITS

_libc = ctypes.CDLL(None, use_errno=True)
_mmap = _libc.mmap
_mmap.restype = ctypes.c_void_p
_mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                  ctypes.c_long]
_madvise = _libc.madvise
_madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_PROT_RW = 3
_MAP_PRIVATE_ANON_NORESERVE = 0x02 | 0x20 | 0x4000
_MADV_DONTNEED = 4
_MAP_FAILED = ctypes.c_void_p(-1).value

_U64 = ctypes.c_uint64
#: int64 cb(a, b, c, d, e, f): the signature of every callback from native code
CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int64, _U64, _U64, _U64, _U64, _U64, _U64)

#: the replaced functions (mc_heap.c's F_* values), by what they do
F_MALLOC, F_CALLOC, F_REALLOC, F_FREE, F_MEMALIGN, F_POSIX_MEMALIGN, F_ALIGNED_ALLOC, \
    F_VALLOC, F_PVALLOC, F_USABLE_SIZE, F_NEW, F_NEW_ARRAY, F_NEW_ALIGNED, \
    F_NEW_ARRAY_ALIGNED, F_DELETE, F_DELETE_ARRAY, F_REALLOCARRAY, F_NEW_NOTHROW, \
    F_NEW_ARRAY_NOTHROW, F_NEW_ALIGNED_NOTHROW, F_NEW_ARRAY_ALIGNED_NOTHROW, F_OVERLAP, \
    F_JUMP = range(23)

#: error kinds of mc.h
ERR_ADDR, ERR_COND, ERR_VALUE, ERR_FREE, ERR_MISMATCH, ERR_FISHY, ERR_JUMP, ERR_OVERLAP = range(1, 9)


class _Config(ctypes.Structure):
    _fields_ = [("vbase", _U64), ("abase", _U64), ("report", _U64), ("grow", _U64),
                ("freelist_vol", _U64), ("malloc_fill", ctypes.c_int64),
                ("free_fill", ctypes.c_int64), ("num_callers", _U64), ("redzone", _U64),
                ("pass_", _U64)]


class BlockInfo(ctypes.Structure):
    _fields_ = [(n, _U64) for n in ("data", "size", "alloc_ec", "free_ec", "kind", "freed")]


def _reserve(size: int) -> int:
    a = _mmap(None, size, _PROT_RW, _MAP_PRIVATE_ANON_NORESERVE, -1, 0)
    if a is None or a == _MAP_FAILED:
        raise OSError(ctypes.get_errno(), "cannot reserve memcheck's shadow memory")
    return a


class Native:
    """The shadow maps and the native functions, configured."""

    def __init__(self, lib: ctypes.CDLL, report: Callable[..., int], grow: Callable[..., int],
                 *, freelist_vol: int, malloc_fill: int, free_fill: int, num_callers: int,
                 redzone: int, instrument: bool = True) -> None:
        self.lib = lib
        size = 1 << SPACE_BITS
        #: host addresses of the V map (1 = undefined bit) and the A map (0 = addressable)
        self.vbase = _reserve(size)
        self.abase = _reserve(size)
        # kept alive as long as native code may call them
        self._cbs = (CALLBACK(report), CALLBACK(grow))
        cfg = _Config(vbase=self.vbase, abase=self.abase,
                      report=ctypes.cast(self._cbs[0], ctypes.c_void_p).value,
                      grow=ctypes.cast(self._cbs[1], ctypes.c_void_p).value,
                      freelist_vol=freelist_vol, malloc_fill=malloc_fill, free_fill=free_fill,
                      num_callers=num_callers, redzone=redzone, pass_=int(instrument))
        lib.mc_init.argtypes = [ctypes.POINTER(_Config)]
        lib.mc_init.restype = None
        lib.mc_init(ctypes.byref(cfg))
        for name, args, res in (
                ("mc_thread_init", [_U64], ctypes.c_int),
                ("mc_stack", [_U64, _U64, ctypes.POINTER(_U64), ctypes.c_int], ctypes.c_int),
                ("mc_ec_frames", [ctypes.c_uint32, ctypes.POINTER(_U64), ctypes.c_int], ctypes.c_int),
                ("mc_add_redirect", [_U64, ctypes.c_uint32], ctypes.c_int),
                ("mc_add_jump", [_U64, _U64], ctypes.c_int),
                ("mc_drop_redirects", [_U64, _U64], None),
                ("mc_describe", [_U64, ctypes.POINTER(BlockInfo)], ctypes.c_int),
                ("mc_heap_stats", [ctypes.POINTER(_U64)], None),
                ("mc_set_range", [_U64, _U64, ctypes.c_int, ctypes.c_int], None),
                ("mc_leak_scan", [ctypes.POINTER(_U64), _U64, ctypes.POINTER(_U64), _U64], _U64),
                ("mc_leak_block", [_U64, ctypes.POINTER(_U64)], ctypes.c_int)):
            fn = getattr(lib, name)
            fn.argtypes = args
            fn.restype = res
        self._frames = (_U64 * 64)()

    # -- shadow memory ---------------------------------------------------------------------

    def reset(self, start: int, end: int) -> None:
        """[start, end) is addressable and defined (fresh or unmapped memory): its shadow
        pages are dropped (they read as zeros again)."""
        lo, hi = (start + 4095) & ~4095, end & ~4095
        if hi > lo:
            _madvise(self.vbase + lo, hi - lo, _MADV_DONTNEED)
            _madvise(self.abase + lo, hi - lo, _MADV_DONTNEED)
            if start < lo:
                self.lib.mc_set_range(start, lo - start, 0, 0)
            if hi < end:
                self.lib.mc_set_range(hi, end - hi, 0, 0)
        elif end > start:
            self.lib.mc_set_range(start, end - start, 0, 0)

    def make_defined(self, addr: int, n: int) -> None:
        if n > 0:
            self.lib.mc_set_range(addr, n, 0, 0)

    def vbits(self, addr: int, n: int) -> bytes:
        """The V bytes of client [addr, addr+n)."""
        return ctypes.string_at(self.vbase + addr, n)

    def abits(self, addr: int, n: int) -> bytes:
        return ctypes.string_at(self.abase + addr, n)

    # -- stacks and blocks -------------------------------------------------------------------

    def stack(self, state_addr: int, pc: int, max_frames: int) -> list[int]:
        n = self.lib.mc_stack(state_addr, pc, self._frames, min(max_frames, 64))
        return list(self._frames[:n])

    def ec(self, ec_id: int) -> list[int]:
        n = self.lib.mc_ec_frames(ec_id, self._frames, 64)
        return list(self._frames[:n])

    def describe(self, addr: int) -> BlockInfo | None:
        info = BlockInfo()
        return info if self.lib.mc_describe(addr, ctypes.byref(info)) else None

    def heap_stats(self) -> tuple[int, int, int, int, int]:
        """(bytes in use, blocks in use, allocations, frees, bytes allocated)"""
        out = (_U64 * 5)()
        self.lib.mc_heap_stats(out)
        return tuple(out)

    def leak_scan(self, roots: list[tuple[int, int]], words: list[int]) -> list[tuple[int, ...]]:
        """Blocks alive now: (data, size, alloc stack id, state, indirect bytes), state
        0 definitely lost, 1 indirectly, 2 possibly, 3 still reachable."""
        r = (_U64 * (2 * len(roots) + 1))(*[x for p in roots for x in p])
        w = (_U64 * (len(words) + 1))(*words)
        n = self.lib.mc_leak_scan(r, len(roots), w, len(words))
        out = (_U64 * 5)()
        blocks = []
        for i in range(n):
            self.lib.mc_leak_block(i, out)
            blocks.append(tuple(out))
        return blocks
