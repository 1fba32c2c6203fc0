"""Terminals (ioctl), polling and waiting on descriptors, sockets."""

from __future__ import annotations

import ctypes
import errno
import struct
from typing import TYPE_CHECKING

from . import FD, IN, INOUT, OUT, PTR, Fault, host_blocking, host_syscall, syscall

if TYPE_CHECKING:
    from ..session import Session

# ioctl requests whose argument is a pointer: request -> (size, direction)
# direction: 1 = the kernel reads the memory, 8 = it writes it.
_IOCTLS: dict[int, tuple[int, int]] = {
    0x5401: (36, 8),  # TCGETS (kernel struct termios)
    0x5402: (36, 1),  # TCSETS
    0x5403: (36, 1),  # TCSETSW
    0x5404: (36, 1),  # TCSETSF
    0x540F: (4, 8),  # TIOCGPGRP
    0x5410: (4, 1),  # TIOCSPGRP
    0x5413: (8, 8),  # TIOCGWINSZ
    0x5414: (8, 1),  # TIOCSWINSZ
    0x541B: (4, 8),  # FIONREAD
    0x5421: (4, 1),  # FIONBIO
    0x5452: (4, 1),  # FIOASYNC
    0x5429: (4, 8),  # TIOCGSID
    0x80045430: (4, 8),  # TIOCGPTN
    0x40045431: (4, 1),  # TIOCSPTLCK
    0x802C542A: (44, 8),  # TCGETS2
}
# ioctl requests whose argument is a plain integer
_IOCTL_INT = {0x540B, 0x540A, 0x5409, 0x5451, 0x5450, 0x540E, 0x5422, 0x5425}


@syscall("ioctl", FD(), "request", PTR("arg"))
def sys_ioctl(s: Session, a: tuple[int, ...]) -> int:
    fd, req, arg = a[0], a[1] & 0xFFFFFFFF, a[2]
    if req in _IOCTL_INT:
        return host_syscall(16, fd, req, arg)
    known = _IOCTLS.get(req)
    if known is None:
        s.warn_once(("ioctl", req), f"WARNING: unhandled ioctl 0x{req:x} (returning ENOTTY)")
        return -errno.ENOTTY
    size, direction = known
    if not s.aspace.check(arg, size, direction):
        return -errno.EFAULT
    return host_syscall(16, fd, req, s.aspace.host(arg))


syscall("poll", INOUT("fds", lambda a: 8 * a[1]), "nfds", "timeout", blocking=True)
_FDSET = lambda a: ((a[0] + 63) // 64) * 8  # noqa: E731
syscall("select", "nfds", INOUT("readfds", _FDSET), INOUT("writefds", _FDSET),
        INOUT("exceptfds", _FDSET), INOUT("timeout", 16), blocking=True)
syscall("epoll_create", "size")
syscall("epoll_create1", "flags")
syscall("epoll_ctl", FD("epfd"), "op", FD(), IN("event", 12))
syscall("epoll_wait", FD("epfd"), OUT("events", lambda a: 12 * a[2]), "maxevents", "timeout",
        blocking=True)


def _masked_wait(s: Session, mask_addr: int, size: int, call) -> int:
    """A wait with an optional signal mask argument (see signal.masked_wait)."""
    from .signal import masked_wait

    if not mask_addr:
        return call()
    if size != 8:
        return -errno.EINVAL
    return masked_wait(s, int.from_bytes(s.aspace.read(mask_addr, 8), "little"), call)


def _translated(s: Session, name: str, a: tuple[int, ...]) -> list[int]:
    from . import NUMBERS, SPECS, translate_args

    return translate_args(s, SPECS[NUMBERS[name]], a)


@syscall("ppoll", INOUT("fds", lambda a: 8 * a[1]), "nfds", INOUT("tmo", 16), PTR("sigmask"),
         "sigsetsize", blocking=True)
def sys_ppoll(s: Session, a: tuple[int, ...]) -> int:
    h = _translated(s, "ppoll", a)
    return _masked_wait(s, a[3], a[4], lambda: host_blocking(s, 271, h[0], h[1], h[2], 0, 8))


@syscall("epoll_pwait", FD("epfd"), OUT("events", lambda a: 12 * a[2]), "maxevents", "timeout",
         PTR("sigmask"), "sigsetsize", blocking=True)
def sys_epoll_pwait(s: Session, a: tuple[int, ...]) -> int:
    h = _translated(s, "epoll_pwait", a)
    return _masked_wait(s, a[4], a[5], lambda: host_blocking(s, 281, *h[:4], 0, 8))


@syscall("pselect6", "nfds", INOUT("readfds", _FDSET), INOUT("writefds", _FDSET),
         INOUT("exceptfds", _FDSET), INOUT("timeout", 16), PTR("sigmask"), blocking=True)
def sys_pselect6(s: Session, a: tuple[int, ...]) -> int:
    h = _translated(s, "pselect6", a)
    ss = size = 0
    if a[5]:
        # the 6th argument points to {const sigset_t *ss; size_t ss_len}
        ss, size = struct.unpack("<QQ", s.aspace.read(a[5], 16))
    return _masked_wait(s, ss, size, lambda: host_blocking(s, 270, *h[:5], 0))


# sockets
syscall("socket", "domain", "type", "protocol")
syscall("socketpair", "domain", "type", "protocol", OUT("sv", 8))
syscall("connect", FD("sockfd"), IN("addr", "addrlen"), "addrlen", blocking=True)
syscall("bind", FD("sockfd"), IN("addr", "addrlen"), "addrlen")
syscall("listen", FD("sockfd"), "backlog")
syscall("shutdown", FD("sockfd"), "how")
syscall("sendto", FD("sockfd"), IN("buf", "len"), "len", "flags", IN("dest_addr", "addrlen"),
        "addrlen", blocking=True)
syscall("setsockopt", FD("sockfd"), "level", "optname", IN("optval", "optlen"), "optlen")


def _addrlen_size(s: Session, p: int) -> int:
    return int.from_bytes(s.aspace.read(p, 4), "little") if p else 0


def _with_addrlen(s: Session, nr: int, a: tuple[int, ...], addr_i: int, len_i: int) -> int:
    h = list(a)
    addr, lenp = a[addr_i], a[len_i]
    if lenp:
        n = _addrlen_size(s, lenp)
        if addr and not s.aspace.check(addr, n, 8):
            raise Fault
        if not s.aspace.check(lenp, 4, 8):
            raise Fault
        h[len_i] = s.aspace.host(lenp)
    if addr:
        h[addr_i] = s.aspace.host(addr)
    return h


@syscall("accept", FD("sockfd"), PTR("addr"), PTR("addrlen"), blocking=True)
def sys_accept(s: Session, a: tuple[int, ...]) -> int:
    return host_blocking(s, 43, *_with_addrlen(s, 43, a, 1, 2)[:3])


@syscall("accept4", FD("sockfd"), PTR("addr"), PTR("addrlen"), "flags", blocking=True)
def sys_accept4(s: Session, a: tuple[int, ...]) -> int:
    return host_blocking(s, 288, *_with_addrlen(s, 288, a, 1, 2)[:4])


@syscall("getsockname", FD("sockfd"), PTR("addr"), PTR("addrlen"))
def sys_getsockname(s: Session, a: tuple[int, ...]) -> int:
    return host_syscall(51, *_with_addrlen(s, 51, a, 1, 2)[:3])


@syscall("getpeername", FD("sockfd"), PTR("addr"), PTR("addrlen"))
def sys_getpeername(s: Session, a: tuple[int, ...]) -> int:
    return host_syscall(52, *_with_addrlen(s, 52, a, 1, 2)[:3])


@syscall("getsockopt", FD("sockfd"), "level", "optname", PTR("optval"), PTR("optlen"))
def sys_getsockopt(s: Session, a: tuple[int, ...]) -> int:
    return host_syscall(55, *_with_addrlen(s, 55, a, 3, 4)[:5])


@syscall("recvfrom", FD("sockfd"), OUT("buf", "len", True), "len", "flags", PTR("src_addr"),
         PTR("addrlen"), blocking=True)
def sys_recvfrom(s: Session, a: tuple[int, ...]) -> int:
    if a[1] and not s.aspace.check(a[1], a[2], 8):
        raise Fault
    h = _with_addrlen(s, 45, a, 4, 5)
    h[1] = s.aspace.host(a[1]) if a[1] else 0
    return host_blocking(s, 45, *h[:6])


# sendmsg/recvmsg: a struct msghdr points to a name, an iovec array and control data; the
# host gets a copy with host addresses, and recvmsg's results (name and control lengths,
# flags) are copied back into the client's msghdr.
_MSGHDR = struct.Struct("<QI4xQQQQi4x")  # name, namelen, iov, iovlen, control, controllen, flags


def _host_msghdr(s: Session, msg: int, receiving: bool) -> tuple[ctypes.Array, list, tuple]:
    from .fs import _iov

    raw = s.aspace.read(msg, _MSGHDR.size)
    name, namelen, iov, iovlen, control, controllen, flags = _MSGHDR.unpack(raw)
    need = 8 if receiving else 1
    if name and namelen and not s.aspace.check(name, namelen, need):
        raise Fault
    if control and controllen and not s.aspace.check(control, controllen, need):
        raise Fault
    try:
        host_iov, spans = _iov(s, iov, iovlen, receiving)
    except OSError as e:
        raise Fault from e
    iov_buf = ctypes.create_string_buffer(host_iov, len(host_iov) or 1)
    hdr = ctypes.create_string_buffer(_MSGHDR.pack(
        s.aspace.host(name) if name else 0, namelen, ctypes.addressof(iov_buf), iovlen,
        s.aspace.host(control) if control else 0, controllen, flags), _MSGHDR.size)
    return hdr, [iov_buf], (spans, raw)


@syscall("sendmsg", FD("sockfd"), PTR("msg"), "flags", blocking=True)
def sys_sendmsg(s: Session, a: tuple[int, ...]) -> int:
    try:
        hdr, keep, _ = _host_msghdr(s, a[1], False)
    except MemoryError:
        return -errno.EFAULT
    return host_blocking(s, 46, a[0], ctypes.addressof(hdr), a[2])


@syscall("recvmsg", FD("sockfd"), PTR("msg"), "flags", blocking=True)
def sys_recvmsg(s: Session, a: tuple[int, ...]) -> int:
    try:
        hdr, keep, (spans, raw) = _host_msghdr(s, a[1], True)
    except MemoryError:
        return -errno.EFAULT
    r = host_blocking(s, 47, a[0], ctypes.addressof(hdr), a[2])
    if r >= 0:
        _, namelen, _, _, _, controllen, flags = _MSGHDR.unpack(hdr.raw)
        name, _, iov, iovlen, control, _, _ = _MSGHDR.unpack(raw)
        s.aspace.write(a[1], _MSGHDR.pack(name, namelen, iov, iovlen, control, controllen, flags))
        if s.aspace.code_pages:
            for base, length in spans:
                s.aspace.code_written(base, length)
    return r
