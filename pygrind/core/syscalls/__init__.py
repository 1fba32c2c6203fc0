"""System calls: the Linux x86-64 ABI, emulated for the client.

Each syscall is declared once, with its arguments (`Arg`): which are plain integers,
which point to client memory the kernel reads (`in`) or writes (`out`), and how big
that memory is. From the declaration the core derives both the checks (a bad pointer
gives -EFAULT, as the kernel would) and, for most calls, the whole implementation: the
pointers are translated to host addresses and the host kernel does the work
(`passthrough`). Calls that touch the address space, the process model or pygrind's own
resources have handlers of their own, one module per family:

    fs      files, directories, descriptors, I/O
    mm      mmap, munmap, mprotect, mremap, brk, madvise
    proc    identity, exit, limits, arch_prctl, thread-setup calls, futex
    clone   new threads and processes: clone, fork, vfork, execve
    signal  dispositions, masks, the alternate stack, waiting for and sending signals
    time    clocks and sleeping
    misc    terminals (ioctl), polling, random, sysinfo

Tools see the declarations (`SPECS`) to check syscall arguments (memcheck's "Syscall
param write(buf) points to uninitialised byte(s)").
"""

from __future__ import annotations

import ctypes
import errno
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .numbers import NAMES, NUMBERS

if TYPE_CHECKING:
    from ..session import Session

_libc = ctypes.CDLL(None, use_errno=True)
_raw_syscall = _libc.syscall
_raw_syscall.restype = ctypes.c_long
_raw_syscall.argtypes = [ctypes.c_long] + [ctypes.c_ulong] * 6


def host_syscall(nr: int, *args: int) -> int:
    """Make a real system call; returns the result or -errno, as the kernel ABI does."""
    a = [x & 0xFFFFFFFFFFFFFFFF for x in args] + [0] * (6 - len(args))
    r = _raw_syscall(nr, *a)
    if r == -1:
        e = ctypes.get_errno()
        if e:
            return -e
    return r


def host_blocking(session: Session, nr: int, *args: int) -> int:
    """A host system call that may block: the big lock is let go meanwhile, so the
    client's other threads run (one of them may be what unblocks it). A signal for the
    client makes it fail with EINTR, even one that arrives just before it starts (the
    core then runs the handler, and restarts the call or not, as the kernel would)."""
    from .. import signals

    if signals.has_deliverable(session, session.thread):
        return -errno.EINTR
    a = [x & 0xFFFFFFFFFFFFFFFF for x in args] + [0] * (6 - len(args))
    with session.blocking():
        return session.host_signals.syscall(nr, *a)


@dataclass(frozen=True)
class Arg:
    """One syscall argument.

    kind: "int" (a value), "fd", "in" (client memory the kernel reads), "out" (memory the
    kernel writes), "inout", "cstr" (a NUL-terminated string the kernel reads), "ptr" (an
    address the kernel does not dereference, or one a custom handler deals with).
    size: for in/out/inout, the byte count: an int, or the name of another argument, or
    a function of the argument tuple; for "out", `size_from_result` says that only the
    first `result` bytes were written (read, recvfrom...).
    """

    name: str
    kind: str = "int"
    size: int | str | Callable[[tuple[int, ...]], int] | None = None
    size_from_result: bool = False
    optional: bool = True  # a NULL pointer is allowed (passed through as NULL)


@dataclass
class Spec:
    nr: int
    name: str
    args: tuple[Arg, ...]
    handler: Callable[[Session, tuple[int, ...]], int] | None = None
    blocking: bool = False
    arg_index: dict[str, int] = field(default_factory=dict)

    def size_of(self, arg: Arg, args: tuple[int, ...]) -> int:
        s = arg.size
        if s is None:
            return 0
        if isinstance(s, int):
            return s
        if isinstance(s, str):
            return args[self.arg_index[s]]
        return s(args)


SPECS: dict[int, Spec] = {}


def syscall(name: str, *args: Arg | str, blocking: bool = False):
    """Declare a syscall; used bare (`syscall(...)`) for pass-through ones or as a
    decorator for a custom handler `fn(session, args) -> int`."""
    nr = NUMBERS[name]
    argt = tuple(a if isinstance(a, Arg) else Arg(a) for a in args)
    spec = Spec(nr, name, argt, None, blocking, {a.name: i for i, a in enumerate(argt)})
    SPECS[nr] = spec

    def register(fn: Callable[[Session, tuple[int, ...]], int]):
        spec.handler = fn
        return fn

    return register


def IN(name: str, size: int | str | Callable | None) -> Arg:  # noqa: N802 - reads as a type
    return Arg(name, "in", size)


def OUT(name: str, size: int | str | Callable | None, from_result: bool = False) -> Arg:  # noqa: N802
    return Arg(name, "out", size, from_result)


def INOUT(name: str, size: int | str | Callable | None) -> Arg:  # noqa: N802
    return Arg(name, "inout", size)


def CSTR(name: str) -> Arg:  # noqa: N802
    return Arg(name, "cstr", optional=False)


def FD(name: str = "fd") -> Arg:  # noqa: N802
    return Arg(name, "fd")


def PTR(name: str) -> Arg:  # noqa: N802
    return Arg(name, "ptr")


class Fault(Exception):
    """A client pointer given to a syscall is bad: the syscall returns -EFAULT."""


def translate_args(session: Session, spec: Spec, args: tuple[int, ...]) -> list[int]:
    """Check the pointer arguments and turn them into host addresses."""
    aspace = session.aspace
    out = list(args)
    for i, a in enumerate(spec.args):
        if a.kind in ("int", "fd"):
            continue
        p = args[i]
        if p == 0 and a.optional:
            continue
        if a.kind == "cstr":
            try:
                aspace.read_cstr(p, 1 << 16)
            except MemoryError:
                raise Fault from None
        elif a.kind in ("in", "out", "inout"):
            n = spec.size_of(a, args)
            if n and not aspace.check(p, n, 1 if a.kind == "in" else 8):
                raise Fault
        out[i] = aspace.host(p) if p else 0
    return out


def passthrough(session: Session, spec: Spec, args: tuple[int, ...]) -> int:
    try:
        hargs = translate_args(session, spec, args)
    except Fault:
        return -errno.EFAULT
    r = host_blocking(session, spec.nr, *hargs) if spec.blocking else host_syscall(spec.nr, *hargs)
    if r >= 0 and session.aspace.code_pages:
        # The kernel may have written into pages that hold translated code.
        for i, a in enumerate(spec.args):
            if a.kind in ("out", "inout") and args[i]:
                n = r if a.size_from_result else spec.size_of(a, args)
                if n > 0:
                    session.aspace.code_written(args[i], n)
    return r


def dispatch(session: Session, nr: int, args: tuple[int, ...]) -> int:
    """Run syscall `nr` for the client; returns the value for rax."""
    spec = SPECS.get(nr)
    if spec is None:
        session.warn_once(("syscall", nr),
                          f"WARNING: unhandled amd64-linux syscall: {nr} ({NAMES.get(nr, '?')})")
        return -errno.ENOSYS
    if spec.handler is not None:
        try:
            r = spec.handler(session, args)
        except Fault:
            return -errno.EFAULT
    else:
        r = passthrough(session, spec, args)
    if r == -errno.EPIPE and spec.name in _RAISES_SIGPIPE and not (
            spec.name in ("sendto", "sendmsg") and args[3 if spec.name == "sendto" else 2] & 0x4000):
        # The kernel sends SIGPIPE along with EPIPE (pygrind's host ignores SIGPIPE, so
        # the client's disposition is applied here); MSG_NOSIGNAL suppresses it.
        session.send_signal_to_self(13)
    return r


_RAISES_SIGPIPE = {"write", "writev", "pwrite64", "pwritev", "sendto", "sendmsg", "sendfile",
                   "splice"}


def enosys(*names: str) -> None:
    """Syscalls deliberately answered with -ENOSYS, quietly (glibc falls back)."""
    for n in names:
        syscall(n)(lambda s, a: -errno.ENOSYS)


# Register the families (import for their side effect of filling SPECS).
from . import clone, fs, misc, mm, proc, signal, time  # noqa: E402,F401
