"""Memory syscalls: they change the client's address space, so pygrind does them itself
inside its reservation (see core.aspace) instead of passing them to the kernel."""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from ..aspace import (
    LIMIT,
    MAP_ANONYMOUS,
    MAP_FIXED,
    MAP_FIXED_NOREPLACE,
    MAP_PRIVATE,
    MAP_SHARED,
    PAGE,
    HostMapError,
    page_up,
)
from . import PTR, Arg, host_syscall, syscall

if TYPE_CHECKING:
    from ..session import Session

MAP_GROWSDOWN, MAP_STACK, MAP_HUGETLB = 0x100, 0x20000, 0x40000
MREMAP_MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP = 1, 2, 4
_NR_FSTAT = 5


def _mmap(s: Session, addr: int, length: int, prot: int, flags: int, fd: int, offset: int) -> int:
    aspace = s.aspace
    if length == 0 or length > LIMIT or offset & (PAGE - 1):
        return -errno.EINVAL
    if not flags & (MAP_SHARED | MAP_PRIVATE) or (flags & MAP_SHARED and flags & MAP_PRIVATE
                                                   and flags & 3 != 3):
        return -errno.EINVAL
    fd = fd if fd < (1 << 31) else fd - (1 << 32)
    anon = bool(flags & MAP_ANONYMOUS)
    if not anon:
        if fd < 0:
            return -errno.EBADF
        if host_syscall(_NR_FSTAT, fd, 0) == -errno.EBADF:
            return -errno.EBADF
    length = page_up(length)
    if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE):
        if addr & (PAGE - 1):
            return -errno.EINVAL
        if addr + length > LIMIT:
            return -errno.ENOMEM
        if flags & MAP_FIXED_NOREPLACE and not aspace.is_free(addr, addr + length):
            return -errno.EEXIST
        where = addr
    else:
        where = None
        if addr and not addr & (PAGE - 1) and aspace.is_free(addr, addr + length):
            where = addr
        if where is None:
            where = aspace.find_free(length)
            if where is None:
                return -errno.ENOMEM
    hflags = flags & ~(MAP_GROWSDOWN | MAP_STACK | MAP_HUGETLB | MAP_FIXED_NOREPLACE)
    name = ""
    if not anon:
        try:
            import os
            name = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            name = ""
    try:
        aspace.map(where, length, prot, hflags | MAP_FIXED, -1 if anon else fd, offset, name)
    except HostMapError as e:
        return -(e.errno or errno.ENOMEM)
    if not anon and prot & 4:
        s.object_mapped(name, where, length, offset)
    return where


@syscall("mmap", PTR("addr"), "length", "prot", "flags", Arg("fd", "fd"), "offset")
def sys_mmap(s: Session, a: tuple[int, ...]) -> int:
    return _mmap(s, *a[:6])


@syscall("munmap", PTR("addr"), "length")
def sys_munmap(s: Session, a: tuple[int, ...]) -> int:
    addr, length = a[0], a[1]
    if addr & (PAGE - 1) or length == 0 or addr + length > LIMIT:
        return -errno.EINVAL
    s.aspace.unmap(addr, length)
    s.object_unmapped(addr, page_up(length))
    return 0


@syscall("mprotect", PTR("addr"), "length", "prot")
def sys_mprotect(s: Session, a: tuple[int, ...]) -> int:
    addr, length, prot = a[0], a[1], a[2]
    if addr & (PAGE - 1) or prot & ~0x7 & ~0x3000000:
        return -errno.EINVAL
    if length == 0:
        return 0
    return 0 if s.aspace.protect(addr, length, prot & 7) else -errno.ENOMEM


@syscall("brk", PTR("brk"))
def sys_brk(s: Session, a: tuple[int, ...]) -> int:
    return s.aspace.brk(a[0])


@syscall("mremap", PTR("old_address"), "old_size", "new_size", "flags", PTR("new_address"))
def sys_mremap(s: Session, a: tuple[int, ...]) -> int:
    old, old_size, new_size, flags, new_addr = a[:5]
    aspace = s.aspace
    if old & (PAGE - 1) or new_size == 0:
        return -errno.EINVAL
    old_size, new_size = page_up(old_size), page_up(new_size)
    m = aspace.find(old)
    if m is None or old + old_size > m.end:
        return -errno.EFAULT
    if new_size <= old_size and not flags & MREMAP_FIXED:
        if new_size < old_size:
            aspace.unmap(old + new_size, old_size - new_size)
        return old
    if not flags & MREMAP_FIXED and aspace.is_free(old + old_size, old + new_size):
        dest = old
    elif flags & MREMAP_MAYMOVE:
        dest = new_addr if flags & MREMAP_FIXED else aspace.find_free(new_size)
        if dest is None:
            return -errno.ENOMEM
    else:
        return -errno.ENOMEM
    if m.name and not m.name.startswith("[") and not m.flags & MAP_ANONYMOUS:
        # A file mapping: map the file again at the new place and size.
        import os
        try:
            fd = os.open(m.name, os.O_RDWR if m.flags & MAP_SHARED and m.prot & 2 else os.O_RDONLY)
        except OSError:
            return -errno.EINVAL
        try:
            data = None if dest == old else bytes(aspace.mem[old:old + old_size])
            aspace.map(dest, new_size, m.prot, (m.flags & ~MAP_ANONYMOUS) | MAP_FIXED, fd,
                       m.offset + (old - m.start), m.name)
            if data is not None and m.flags & MAP_PRIVATE:
                aspace.write_unchecked(dest, data)  # keep the private copy's changes
        finally:
            os.close(fd)
    else:
        data = bytes(aspace.mem[old:old + old_size])
        if dest == old:
            aspace.map(old + old_size, new_size - old_size, m.prot,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, name=m.name)
        else:
            aspace.map(dest, new_size, m.prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, name=m.name)
            aspace.write_unchecked(dest, data)
    if dest != old and not flags & MREMAP_DONTUNMAP:
        aspace.unmap(old, old_size)
    return dest


@syscall("madvise", PTR("addr"), "length", "advice")
def sys_madvise(s: Session, a: tuple[int, ...]) -> int:
    addr, length, advice = a[:3]
    if addr & (PAGE - 1):
        return -errno.EINVAL
    MADV_DONTNEED, MADV_FREE = 4, 8  # noqa: N806
    if length and not s.aspace.fully_mapped(addr, addr + page_up(length)):
        return -errno.ENOMEM
    if advice in (MADV_DONTNEED, MADV_FREE) and length:
        # Anonymous private pages must read back as zero after DONTNEED.
        return host_syscall(28, s.aspace.host(addr), length, MADV_DONTNEED if advice == 4 else advice)
    return 0


@syscall("msync", PTR("addr"), "length", "flags")
def sys_msync(s: Session, a: tuple[int, ...]) -> int:
    if a[0] & (PAGE - 1):
        return -errno.EINVAL
    if not s.aspace.fully_mapped(a[0], a[0] + page_up(a[1])):
        return -errno.ENOMEM
    return host_syscall(26, s.aspace.host(a[0]), a[1], a[2])


@syscall("mincore", PTR("addr"), "length", PTR("vec"))
def sys_mincore(s: Session, a: tuple[int, ...]) -> int:
    n = page_up(a[1]) // PAGE
    if a[0] & (PAGE - 1):
        return -errno.EINVAL
    if not s.aspace.fully_mapped(a[0], a[0] + page_up(a[1])):
        return -errno.ENOMEM
    if not s.aspace.check(a[2], n, 8):
        return -errno.EFAULT
    return host_syscall(27, s.aspace.host(a[0]), a[1], s.aspace.host(a[2]))


def _mlock_family(nr: int):
    def handler(s: Session, a: tuple[int, ...]) -> int:
        start = a[0] & ~(PAGE - 1)
        if not s.aspace.fully_mapped(start, page_up(a[0] + a[1])):
            return -errno.ENOMEM
        return host_syscall(nr, s.aspace.host(a[0]), a[1], *a[2:3])
    return handler


syscall("mlock", PTR("addr"), "len")(_mlock_family(149))
syscall("munlock", PTR("addr"), "len")(_mlock_family(150))
syscall("mlock2", PTR("addr"), "len", "flags")(_mlock_family(325))

# Locking pygrind's whole host memory (and its reservation) is not what the client meant:
# accepted and ignored, like a locking request that had no effect.
syscall("mlockall", "flags")(lambda s, a: 0)
syscall("munlockall")(lambda s, a: 0)
