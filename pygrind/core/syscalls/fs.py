"""Files, directories, descriptors and I/O: mostly passed to the host kernel, with the
few calls that would reveal pygrind itself (/proc/self/exe, pygrind's own descriptors)
answered as the client expects."""

from __future__ import annotations

import errno
import os
import struct
from typing import TYPE_CHECKING

from . import CSTR, FD, IN, INOUT, OUT, PTR, Arg, Fault, host_blocking, host_syscall, syscall

if TYPE_CHECKING:
    from ..session import Session

STAT_SIZE = 144
AT_FDCWD = -100 & 0xFFFFFFFFFFFFFFFF

syscall("read", FD(), OUT("buf", "count", True), "count", blocking=True)
syscall("write", FD(), IN("buf", "count"), "count", blocking=True)
syscall("pread64", FD(), OUT("buf", "count", True), "count", "offset", blocking=True)
syscall("pwrite64", FD(), IN("buf", "count"), "count", "offset", blocking=True)
syscall("lseek", FD(), "offset", "whence")
syscall("fstat", FD(), OUT("statbuf", STAT_SIZE))
syscall("stat", CSTR("path"), OUT("statbuf", STAT_SIZE))
syscall("lstat", CSTR("path"), OUT("statbuf", STAT_SIZE))
syscall("newfstatat", FD("dirfd"), Arg("path", "cstr"), OUT("statbuf", STAT_SIZE), "flags")
syscall("statx", FD("dirfd"), Arg("path", "cstr"), "flags", "mask", OUT("statxbuf", 256))
syscall("statfs", CSTR("path"), OUT("buf", 120))
syscall("fstatfs", FD(), OUT("buf", 120))
syscall("access", CSTR("path"), "mode")
syscall("faccessat", FD("dirfd"), CSTR("path"), "mode")
syscall("faccessat2", FD("dirfd"), CSTR("path"), "mode", "flags")
syscall("getdents64", FD(), OUT("dirp", "count", True), "count")
syscall("getdents", FD(), OUT("dirp", "count", True), "count")
syscall("getcwd", OUT("buf", "size", True), "size")
syscall("chdir", CSTR("path"))
syscall("fchdir", FD())
syscall("mkdir", CSTR("path"), "mode")
syscall("mkdirat", FD("dirfd"), CSTR("path"), "mode")
syscall("rmdir", CSTR("path"))
syscall("unlink", CSTR("path"))
syscall("unlinkat", FD("dirfd"), CSTR("path"), "flags")
syscall("rename", CSTR("oldpath"), CSTR("newpath"))
syscall("renameat", FD("olddirfd"), CSTR("oldpath"), FD("newdirfd"), CSTR("newpath"))
syscall("renameat2", FD("olddirfd"), CSTR("oldpath"), FD("newdirfd"), CSTR("newpath"), "flags")
syscall("link", CSTR("oldpath"), CSTR("newpath"))
syscall("linkat", FD("olddirfd"), CSTR("oldpath"), FD("newdirfd"), CSTR("newpath"), "flags")
syscall("symlink", CSTR("target"), CSTR("linkpath"))
syscall("symlinkat", CSTR("target"), FD("newdirfd"), CSTR("linkpath"))
syscall("chmod", CSTR("path"), "mode")
syscall("fchmod", FD(), "mode")
syscall("fchmodat", FD("dirfd"), CSTR("path"), "mode")
syscall("chown", CSTR("path"), "owner", "group")
syscall("lchown", CSTR("path"), "owner", "group")
syscall("fchown", FD(), "owner", "group")
syscall("fchownat", FD("dirfd"), CSTR("path"), "owner", "group", "flags")
syscall("truncate", CSTR("path"), "length")
syscall("ftruncate", FD(), "length")
syscall("fsync", FD())
syscall("fdatasync", FD())
syscall("flock", FD(), "operation", blocking=True)
syscall("fadvise64", FD(), "offset", "len", "advice")
syscall("fallocate", FD(), "mode", "offset", "len")
syscall("utimensat", FD("dirfd"), Arg("path", "cstr"), IN("times", 32), "flags")
syscall("utimes", CSTR("path"), IN("times", 32))
syscall("utime", CSTR("path"), IN("times", 16))
syscall("futimesat", FD("dirfd"), CSTR("path"), IN("times", 32))
syscall("mknod", CSTR("path"), "mode", "dev")
syscall("mknodat", FD("dirfd"), CSTR("path"), "mode", "dev")
syscall("dup", FD("oldfd"))
syscall("dup2", FD("oldfd"), FD("newfd"))
syscall("dup3", FD("oldfd"), FD("newfd"), "flags")
syscall("pipe", OUT("pipefd", 8))
syscall("pipe2", OUT("pipefd", 8), "flags")
syscall("sendfile", FD("out_fd"), FD("in_fd"), INOUT("offset", 8), "count", blocking=True)
syscall("copy_file_range", FD("fd_in"), INOUT("off_in", 8), FD("fd_out"), INOUT("off_out", 8),
        "len", "flags")
syscall("splice", FD("fd_in"), INOUT("off_in", 8), FD("fd_out"), INOUT("off_out", 8), "len",
        "flags", blocking=True)
syscall("sync_file_range", FD(), "offset", "nbytes", "flags")
syscall("syncfs", FD())
syscall("getxattr", CSTR("path"), CSTR("name"), OUT("value", "size", True), "size")
syscall("lgetxattr", CSTR("path"), CSTR("name"), OUT("value", "size", True), "size")
syscall("fgetxattr", FD(), CSTR("name"), OUT("value", "size", True), "size")
syscall("listxattr", CSTR("path"), OUT("list", "size", True), "size")
syscall("llistxattr", CSTR("path"), OUT("list", "size", True), "size")
syscall("flistxattr", FD(), OUT("list", "size", True), "size")
syscall("setxattr", CSTR("path"), CSTR("name"), IN("value", "size"), "size", "flags")
syscall("lsetxattr", CSTR("path"), CSTR("name"), IN("value", "size"), "size", "flags")
syscall("fsetxattr", FD(), CSTR("name"), IN("value", "size"), "size", "flags")
syscall("inotify_init1", "flags")
syscall("inotify_add_watch", FD(), CSTR("path"), "mask")
syscall("inotify_rm_watch", FD(), "wd")
syscall("memfd_create", CSTR("name"), "flags")
syscall("eventfd2", "initval", "flags")
syscall("eventfd", "initval")


def _is_own_fd(s: Session, fd: int) -> bool:
    return fd in s.own_fds


def _path_is_self_exe(s: Session, path: bytes) -> bool:
    return path in (b"/proc/self/exe", f"/proc/{os.getpid()}/exe".encode(),
                    b"/proc/thread-self/exe")


def _exe_path(s: Session) -> bytes:
    return os.path.realpath(s.exe_path).encode()


@syscall("open", CSTR("path"), "flags", "mode")
def sys_open(s: Session, a: tuple[int, ...]) -> int:
    return _openat(s, AT_FDCWD, a[0], a[1], a[2])


@syscall("openat", FD("dirfd"), CSTR("path"), "flags", "mode")
def sys_openat(s: Session, a: tuple[int, ...]) -> int:
    return _openat(s, *a[:4])


def _openat(s: Session, dirfd: int, path: int, flags: int, mode: int) -> int:
    try:
        p = s.aspace.read_cstr(path, 4096)
    except MemoryError:
        raise Fault from None
    if _path_is_self_exe(s, p):
        p = _exe_path(s)
    if p in (b"/proc/self/maps", f"/proc/{os.getpid()}/maps".encode(), b"/proc/thread-self/maps"):
        return _open_client_maps(s)
    buf = p + b"\0"
    # The path may be rewritten, so it is passed from pygrind's memory, not the client's.
    import ctypes
    cbuf = ctypes.create_string_buffer(buf)
    return host_syscall(257, dirfd, ctypes.addressof(cbuf), flags, mode)


def client_maps_text(s: Session) -> bytes:
    """/proc/self/maps as the client would see it natively: its own mappings, not
    pygrind's (glibc reads it to find the main thread's stack, grep and others at start)."""
    lines = []
    for m in s.aspace.mappings():
        perms = "".join((
            "r" if m.prot & 1 else "-", "w" if m.prot & 2 else "-", "x" if m.prot & 4 else "-",
            "s" if m.flags & 0x01 else "p"))
        dev = f"{os.major(m.dev):02x}:{os.minor(m.dev):02x}" if m.dev else "00:00"
        head = f"{m.start:08x}-{m.end:08x} {perms} {m.offset:08x} {dev} {m.inode}"
        lines.append(f"{head:<72} {m.name}".rstrip() if m.name else head)
    return ("\n".join(lines) + "\n").encode()


def _open_client_maps(s: Session) -> int:
    """A read-only descriptor on a snapshot of the client's maps (a memfd, so that
    read, lseek and fstat work as on a file)."""
    try:
        fd = os.memfd_create("maps", 0)
        os.write(fd, client_maps_text(s))
        os.lseek(fd, 0, os.SEEK_SET)
    except OSError as e:
        return -e.errno
    return fd


@syscall("close", FD())
def sys_close(s: Session, a: tuple[int, ...]) -> int:
    fd = a[0] & 0xFFFFFFFF
    if _is_own_fd(s, fd):
        return -errno.EBADF
    return host_syscall(3, fd)


@syscall("close_range", "first", "last", "flags")
def sys_close_range(s: Session, a: tuple[int, ...]) -> int:
    first, last, flags = a[0] & 0xFFFFFFFF, a[1] & 0xFFFFFFFF, a[2]
    own = sorted(fd for fd in s.own_fds if first <= fd <= last)
    # Close around pygrind's own descriptors, never them.
    lo = first
    for fd in own + [None]:
        hi = last if fd is None else fd - 1
        if lo <= hi:
            r = host_syscall(436, lo, hi, flags)
            if r < 0:
                return r
        if fd is not None:
            lo = fd + 1
    return 0


def _readlink(s: Session, dirfd: int, path: int, buf: int, size: int) -> int:
    try:
        p = s.aspace.read_cstr(path, 4096)
    except MemoryError:
        raise Fault from None
    if _path_is_self_exe(s, p):
        target = _exe_path(s)
    else:
        try:
            target = os.readlink(p, dir_fd=None if dirfd == AT_FDCWD else dirfd)
        except OSError as e:
            return -e.errno
    if isinstance(target, str):
        target = target.encode()
    out = target[:size]
    if not s.aspace.check(buf, len(out), 8):
        raise Fault
    s.aspace.write(buf, out)
    return len(out)


@syscall("readlink", CSTR("path"), OUT("buf", "size", True), "size")
def sys_readlink(s: Session, a: tuple[int, ...]) -> int:
    return _readlink(s, AT_FDCWD, a[0], a[1], a[2])


@syscall("readlinkat", FD("dirfd"), CSTR("path"), OUT("buf", "size", True), "size")
def sys_readlinkat(s: Session, a: tuple[int, ...]) -> int:
    return _readlink(s, a[0], a[1], a[2], a[3])


_IOVEC = struct.Struct("<QQ")


def _iov(s: Session, iov: int, cnt: int, write: bool) -> tuple[bytes, list[tuple[int, int]]]:
    """Translate a client iovec array into a host one (kept alive by the caller)."""
    if cnt > 1024:
        raise OSError(errno.EINVAL, "iovcnt")
    raw = s.aspace.read(iov, 16 * cnt) if cnt else b""
    out = bytearray()
    spans = []
    for i in range(cnt):
        base, length = _IOVEC.unpack_from(raw, 16 * i)
        if length and not s.aspace.check(base, length, 8 if write else 1):
            raise Fault
        spans.append((base, length))
        out += _IOVEC.pack(s.aspace.host(base) if base else 0, length)
    return bytes(out), spans


def _vector_io(s: Session, nr: int, a: tuple[int, ...], into_client: bool) -> int:
    import ctypes
    try:
        raw, spans = _iov(s, a[1], a[2], into_client)
    except MemoryError:
        raise Fault from None
    except OSError as e:
        return -e.errno
    cbuf = ctypes.create_string_buffer(raw, len(raw) or 1)
    r = host_blocking(s, nr, a[0], ctypes.addressof(cbuf), a[2], *a[3:5])
    if r > 0 and into_client and s.aspace.code_pages:
        for base, length in spans:
            s.aspace.code_written(base, length)
    return r


@syscall("readv", FD(), PTR("iov"), "iovcnt", blocking=True)
def sys_readv(s: Session, a: tuple[int, ...]) -> int:
    return _vector_io(s, 19, a, True)


@syscall("writev", FD(), PTR("iov"), "iovcnt", blocking=True)
def sys_writev(s: Session, a: tuple[int, ...]) -> int:
    return _vector_io(s, 20, a, False)


@syscall("preadv", FD(), PTR("iov"), "iovcnt", "pos_l", "pos_h", blocking=True)
def sys_preadv(s: Session, a: tuple[int, ...]) -> int:
    return _vector_io(s, 295, a, True)


@syscall("pwritev", FD(), PTR("iov"), "iovcnt", "pos_l", "pos_h", blocking=True)
def sys_pwritev(s: Session, a: tuple[int, ...]) -> int:
    return _vector_io(s, 296, a, False)


F_GETLK, F_SETLK, F_SETLKW = 5, 6, 7
F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW = 36, 37, 38
F_GETOWN_EX, F_SETOWN_EX = 16, 15


@syscall("fcntl", FD(), "cmd", "arg")
def sys_fcntl(s: Session, a: tuple[int, ...]) -> int:
    fd, cmd, arg = a[0], a[1], a[2]
    if cmd in (F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW):
        if not s.aspace.check(arg, 32, 8):
            return -errno.EFAULT
        if cmd in (F_SETLKW, F_OFD_SETLKW):
            return host_blocking(s, 72, fd, cmd, s.aspace.host(arg))
        return host_syscall(72, fd, cmd, s.aspace.host(arg))
    if cmd in (F_GETOWN_EX, F_SETOWN_EX):
        if not s.aspace.check(arg, 8, 8 if cmd == F_GETOWN_EX else 1):
            return -errno.EFAULT
        return host_syscall(72, fd, cmd, s.aspace.host(arg))
    # F_DUPFD and the rest take plain integers. (pygrind's own descriptors are in use,
    # so the kernel never hands them out again; close() is what guards them.)
    return host_syscall(72, fd, cmd, arg)
