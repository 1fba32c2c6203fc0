"""The client's address space: one host reservation, with client mappings inside it.

Client address `a` lives at host address `base + a`. The reservation is PROT_NONE and
MAP_NORESERVE; client mmap/munmap/mprotect/brk become real host mappings at fixed
addresses inside it, so the kernel does the paging and file mappings stay real.

Permissions are enforced by pygrind, not the host MMU: generated code consults a page
table of one byte per client page (bits below) before it touches memory, so a bad
client access becomes a client signal rather than a crash of pygrind. The page table
is itself a sparse NORESERVE mapping, so it costs memory only where the client maps.
Pages holding translated code lose their fast-write bit: a store to them takes the slow
path, which invalidates the translations (self-modifying code) and restores the bit.
"""

from __future__ import annotations

import bisect
import ctypes
import mmap
import os
from collections.abc import Callable
from dataclasses import dataclass

from .errors import SEGV_ACCERR, SEGV_MAPERR

PAGE = 4096
PAGE_SHIFT = 12

#: Size of the client's address space: client addresses are below this.
SPACE_BITS = 44
LIMIT = 1 << SPACE_BITS

# Page-table bits (one byte per client page).
P_R = 1  # readable
P_W = 2  # writable, fast path (cleared while the page holds translated code)
P_X = 4  # executable
P_WREAL = 8  # writable, as the client asked
# Derived bits, so that the inline fast path needs no page-crossing test: an access of
# up to a page that starts in page p can only touch p and p+1.
P_R2 = 16  # this page and the next are readable
P_W2 = 32  # this page and the next have the fast-write bit
_BASE_BITS = P_R | P_W | P_X | P_WREAL

PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS = 0x01, 0x02, 0x10, 0x20
MAP_NORESERVE, MAP_FIXED_NOREPLACE = 0x4000, 0x100000

_libc = ctypes.CDLL(None, use_errno=True)
_mmap = _libc.mmap
_mmap.restype = ctypes.c_void_p
_mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                  ctypes.c_int, ctypes.c_long]
_mprotect = _libc.mprotect
_mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_MAP_FAILED = ctypes.c_void_p(-1).value


class HostMapError(OSError):
    pass


def page_down(a: int) -> int:
    return a & ~(PAGE - 1)


def page_up(a: int) -> int:
    return (a + PAGE - 1) & ~(PAGE - 1)


def prot_bits(prot: int) -> int:
    bits = 0
    if prot & PROT_READ:
        bits |= P_R
    if prot & PROT_WRITE:
        bits |= P_W | P_WREAL | P_R  # x86 pages that are writable are readable
    if prot & PROT_EXEC:
        bits |= P_X | P_R
    return bits


@dataclass
class Mapping:
    """A client mapping [start, end) (page aligned), as /proc/self/maps would list it."""

    start: int
    end: int
    prot: int
    flags: int
    name: str = ""
    offset: int = 0
    dev: int = 0
    inode: int = 0


class AddressSpace:
    """The client's memory: the host reservation, the mapping list and the page table."""

    def __init__(self, stack_top: int | None = None) -> None:
        base = _mmap(None, LIMIT, 0, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        if base in (None, _MAP_FAILED):
            raise HostMapError(ctypes.get_errno(), "cannot reserve the client address space")
        self.base: int = base
        array = (ctypes.c_ubyte * LIMIT).from_address(base)
        #: A view of the whole client space; index it with client addresses.
        self.mem = memoryview(array).cast("B")
        #: One byte of P_* bits per client page.
        self.pt = mmap.mmap(-1, LIMIT >> PAGE_SHIFT,
                            flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | MAP_NORESERVE)
        self._starts: list[int] = []
        self._maps: dict[int, Mapping] = {}
        #: Called with (start, end) when translated code in that range must be dropped.
        self.on_code_change: Callable[[int, int], None] = lambda s, e: None
        #: Called with (start, end) after [start, end) was mapped anew or unmapped, and
        #: after the core wrote client memory (a tool's shadow memory follows them).
        self.on_map_change: Callable[[int, int], None] | None = None
        self.on_core_write: Callable[[int, int], None] | None = None
        #: Pages holding translated code.
        self.code_pages: set[int] = set()
        self.brk_start = 0
        self.brk_cur = 0
        self.brk_limit = 0
        self.stack_top = stack_top if stack_top is not None else LIMIT - 0x10_0000_0000
        self.mmap_base = self.stack_top - (8 << 20) - (1 << 30)

    # -- host side -------------------------------------------------------------------

    def _host_map(self, addr: int, length: int, prot: int, flags: int, fd: int,
                  offset: int) -> None:
        host_prot = PROT_READ | PROT_WRITE
        if flags & MAP_SHARED and fd >= 0:
            # A shared file mapping must keep the client's rights (a read-only file
            # cannot be mapped writable); pygrind's page table still guards it.
            host_prot = PROT_READ | (prot & PROT_WRITE)
        hflags = (flags & ~(MAP_FIXED_NOREPLACE)) | MAP_FIXED
        r = _mmap(self.base + addr, length, host_prot, hflags, fd, offset)
        if r in (None, _MAP_FAILED):
            raise HostMapError(ctypes.get_errno(), "mmap")

    def _host_release(self, addr: int, length: int) -> None:
        r = _mmap(self.base + addr, length, 0,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0)
        if r in (None, _MAP_FAILED):
            raise HostMapError(ctypes.get_errno(), "munmap")

    # -- page table ------------------------------------------------------------------

    def _set_bits(self, start: int, end: int, bits: int) -> None:
        p0, p1 = start >> PAGE_SHIFT, end >> PAGE_SHIFT
        self.pt[p0:p1] = bytes([bits]) * (p1 - p0)
        if self.code_pages and bits & P_W:
            for p in range(p0, p1):
                if p in self.code_pages:
                    self.pt[p] = bits & ~P_W
        self._derive(p0, p1)

    def _derive(self, p0: int, p1: int) -> None:
        """Recompute P_R2/P_W2 of pages [p0-1, p1) from the base bits (as big-int
        arithmetic over the byte range: fast for large mappings too)."""
        lo = max(p0 - 1, 0)
        hi = min(p1 + 1, len(self.pt))
        n = hi - lo
        if n <= 1:
            return
        cur = int.from_bytes(self.pt[lo:hi], "little")
        nxt = cur >> 8  # byte i of nxt is page lo+i+1
        ones = int.from_bytes(b"\x01" * n, "little")
        both = cur & nxt
        derived = ((both & (ones * P_R)) // P_R * P_R2) | ((both & (ones * P_W)) // P_W * P_W2)
        new = (cur & (ones * _BASE_BITS)) | derived
        # the last page of the window keeps its own derived bits (its successor is outside)
        last = self.pt[hi - 1]
        self.pt[lo:hi] = new.to_bytes(n, "little")
        self.pt[hi - 1] = last

    def _set_page(self, p: int, bits: int) -> None:
        self.pt[p] = bits
        self._derive(p, p + 1)

    def mark_code(self, start: int, end: int) -> None:
        """Pages [start, end) now hold translated code: writes must take the slow path."""
        for p in range(start >> PAGE_SHIFT, ((end - 1) >> PAGE_SHIFT) + 1):
            if p not in self.code_pages:
                self.code_pages.add(p)
                self._set_page(p, self.pt[p] & ~P_W)

    def code_written(self, addr: int, size: int) -> None:
        """A store hit pages with translated code: drop those translations."""
        p0, p1 = addr >> PAGE_SHIFT, (addr + size - 1) >> PAGE_SHIFT
        for p in range(p0, p1 + 1):
            if p in self.code_pages:
                self.code_pages.discard(p)
                if self.pt[p] & P_WREAL:
                    self._set_page(p, self.pt[p] | P_W)
                self.on_code_change(p << PAGE_SHIFT, (p + 1) << PAGE_SHIFT)

    def _drop_code(self, start: int, end: int) -> None:
        if not self.code_pages:
            return
        hit = False
        for p in range(start >> PAGE_SHIFT, end >> PAGE_SHIFT):
            if p in self.code_pages:
                self.code_pages.discard(p)
                hit = True
        if hit:
            self.on_code_change(start, end)

    # -- mapping list ----------------------------------------------------------------

    def mappings(self) -> list[Mapping]:
        return [self._maps[s] for s in self._starts]

    def find(self, addr: int) -> Mapping | None:
        i = bisect.bisect_right(self._starts, addr) - 1
        if i >= 0:
            m = self._maps[self._starts[i]]
            if addr < m.end:
                return m
        return None

    def _cut(self, start: int, end: int) -> None:
        """Remove [start, end) from the mapping list, splitting mappings at the edges."""
        i = max(bisect.bisect_right(self._starts, start) - 1, 0)
        while i < len(self._starts):
            s = self._starts[i]
            m = self._maps[s]
            if m.start >= end:
                break
            if m.end <= start:
                i += 1
                continue
            del self._starts[i]
            del self._maps[s]
            if m.start < start:
                left = Mapping(m.start, start, m.prot, m.flags, m.name, m.offset, m.dev, m.inode)
                self._insert(left)
                i += 1
            if m.end > end:
                off = m.offset + (end - m.start) if m.name and not m.name.startswith("[") else 0
                right = Mapping(end, m.end, m.prot, m.flags, m.name, off, m.dev, m.inode)
                self._insert(right)
                break

    def _insert(self, m: Mapping) -> None:
        i = bisect.bisect_left(self._starts, m.start)
        self._starts.insert(i, m.start)
        self._maps[m.start] = m

    def fully_mapped(self, start: int, end: int) -> bool:
        """Is every byte of [start, end) in some client mapping?"""
        a = start
        while a < end:
            m = self.find(a)
            if m is None:
                return False
            a = m.end
        return True

    def is_free(self, start: int, end: int) -> bool:
        if start < PAGE or end > LIMIT or start >= end:
            return False
        i = bisect.bisect_right(self._starts, start) - 1
        if i >= 0 and self._maps[self._starts[i]].end > start:
            return False
        j = bisect.bisect_left(self._starts, start)
        return j >= len(self._starts) or self._starts[j] >= end

    def find_free(self, length: int, below: int | None = None) -> int | None:
        """Highest free range of `length` bytes below `below` (top-down, as Linux does)."""
        top = self.mmap_base if below is None else below
        i = bisect.bisect_left(self._starts, top) - 1
        while True:
            lo = self._maps[self._starts[i]].end if i >= 0 else 0x10000
            if top - lo >= length and top - length >= 0x10000:
                return top - length
            if i < 0:
                return None
            top = min(top, self._starts[i])
            i -= 1

    # -- client operations -----------------------------------------------------------

    def map(self, addr: int, length: int, prot: int, flags: int, fd: int = -1,
            offset: int = 0, name: str = "") -> int:
        """Map [addr, addr+length) (page aligned) for the client; replaces what was there."""
        length = page_up(length)
        self._host_map(addr, length, prot, flags, fd, offset)
        self._drop_code(addr, addr + length)
        self._cut(addr, addr + length)
        dev = inode = 0
        if fd >= 0:
            try:
                st = os.fstat(fd)
                dev, inode = st.st_dev, st.st_ino
            except OSError:
                pass
        self._insert(Mapping(addr, addr + length, prot, flags, name, offset, dev, inode))
        self._set_bits(addr, addr + length, prot_bits(prot))
        if self.on_map_change is not None:
            self.on_map_change(addr, addr + length)
        return addr

    def unmap(self, addr: int, length: int) -> None:
        length = page_up(length)
        self._host_release(addr, length)
        self._drop_code(addr, addr + length)
        self._cut(addr, addr + length)
        self._set_bits(addr, addr + length, 0)
        if self.on_map_change is not None:
            self.on_map_change(addr, addr + length)

    def protect(self, addr: int, length: int, prot: int) -> bool:
        """mprotect; False if part of the range is not mapped (ENOMEM)."""
        end = addr + page_up(length)
        if not self.fully_mapped(addr, end):
            return False
        for m in [m for m in self.mappings() if m.start < end and m.end > addr]:
            s, e = max(m.start, addr), min(m.end, end)
            if m.flags & MAP_SHARED and m.name and not m.name.startswith("["):
                host = PROT_READ | (prot & PROT_WRITE)
                if _mprotect(self.base + s, e - s, host) != 0:
                    raise HostMapError(ctypes.get_errno(), "mprotect")
            self._cut(s, e)
            off = m.offset + (s - m.start) if m.name and not m.name.startswith("[") else 0
            self._insert(Mapping(s, e, prot, m.flags, m.name, off, m.dev, m.inode))
        if not prot & PROT_EXEC:
            self._drop_code(addr, end)
        self._set_bits(addr, end, prot_bits(prot))
        return True

    # -- access from the core (syscalls, loader): checked ---------------------------

    def check(self, addr: int, size: int, bit: int) -> bool:
        """True if every page of [addr, addr+size) has `bit` set."""
        if size <= 0:
            return True
        if addr < 0 or addr + size > LIMIT:
            return False
        pt = self.pt
        for p in range(addr >> PAGE_SHIFT, ((addr + size - 1) >> PAGE_SHIFT) + 1):
            if not pt[p] & bit:
                return False
        return True

    def segv_code(self, addr: int) -> int:
        """si_code of a SIGSEGV at addr: SEGV_ACCERR inside a mapping (wrong rights),
        SEGV_MAPERR outside any."""
        mapped = 0 <= addr < LIMIT and self.find(addr) is not None
        return SEGV_ACCERR if mapped else SEGV_MAPERR

    def first_bad(self, addr: int, size: int, bit: int) -> int:
        """First address in [addr, addr+size) without `bit` (addr+size if none)."""
        if addr < 0 or addr >= LIMIT:
            return addr
        for p in range(addr >> PAGE_SHIFT, ((addr + size - 1) >> PAGE_SHIFT) + 1):
            if p >= (LIMIT >> PAGE_SHIFT) or not self.pt[p] & bit:
                return max(addr, p << PAGE_SHIFT)
        return addr + size

    def read(self, addr: int, size: int) -> bytes:
        if not self.check(addr, size, P_R):
            raise MemoryError(addr)
        return bytes(self.mem[addr:addr + size])

    def write(self, addr: int, data: bytes | bytearray | memoryview) -> None:
        size = len(data)
        if not self.check(addr, size, P_WREAL):
            raise MemoryError(addr)
        self.mem[addr:addr + size] = data
        if self.code_pages:
            self.code_written(addr, size)
        if self.on_core_write is not None:
            self.on_core_write(addr, size)

    def write_unchecked(self, addr: int, data: bytes) -> None:
        """For the loader: write even to pages the client cannot write."""
        self.mem[addr:addr + len(data)] = data

    def read_cstr(self, addr: int, limit: int = 1 << 20) -> bytes:
        out = bytearray()
        while len(out) < limit:
            if addr >= LIMIT or not self.pt[addr >> PAGE_SHIFT] & P_R:
                raise MemoryError(addr)
            chunk_end = min(page_down(addr) + PAGE, addr + limit - len(out))
            chunk = self.mem[addr:chunk_end]
            i = bytes(chunk).find(b"\0")
            if i >= 0:
                out += chunk[:i]
                return bytes(out)
            out += chunk
            addr = chunk_end
        return bytes(out)

    def host(self, addr: int) -> int:
        """Host address of client address `addr` (for passing to the kernel)."""
        return self.base + addr

    # -- brk ---------------------------------------------------------------------------

    def set_brk_base(self, start: int, limit: int = 1 << 32) -> None:
        self.brk_start = self.brk_cur = page_up(start)
        self.brk_limit = self.brk_start + limit

    def brk(self, new: int) -> int:
        if new == 0 or new < self.brk_start or new > self.brk_limit:
            return self.brk_cur
        old_top, new_top = page_up(self.brk_cur), page_up(new)
        if new_top > old_top:
            if not self.is_free(old_top, new_top):
                return self.brk_cur
            self.map(old_top, new_top - old_top, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, name="[heap]")
        elif new_top < old_top:
            self.unmap(new_top, old_top - new_top)
        self.brk_cur = new
        return new
