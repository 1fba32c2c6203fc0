"""System calls seen by memcheck, from the core's declarations (core/syscalls): before a
call, its register arguments and the memory it reads must be defined (and addressable);
after it, the memory the kernel wrote is defined."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...core.state import IP_AT_SYSCALL, R8, R9, R10, RAX, RDI, RDX, RSI
from ...core.syscalls import SPECS
from .errors import Error

if TYPE_CHECKING:
    from . import Memcheck

_ARG_REGS = (RDI, RSI, RDX, R10, R8, R9)
_SHADOW = 2704  # the first shadow copy of the guest state (V bits of the registers)


def _param_error(tool: Memcheck, what: str, addr: int | None) -> None:
    pc = tool.session.thread.state.get(IP_AT_SYSCALL)
    aux = tool.describe_address(addr) if addr is not None else []
    err = Error("SyscallParam", what, tool.stack_here(pc), aux, key=(what,))
    err.tid = tool.tid()
    tool.errors.add(err)


#: socket address arguments, checked field by field as the kernel reads them (padding
#: such as sin_zero, and a Unix socket's path after its NUL, are not read)
_SOCKADDRS = {("connect", "addr"), ("bind", "addr"), ("sendto", "dest_addr")}


def _sockaddr_parts(aspace, p: int, n: int) -> list[tuple[int, int]]:  # noqa: ANN001
    """The (address, length) pieces of a struct sockaddr the kernel reads."""
    try:
        family = int.from_bytes(aspace.read(p, 2), "little") if n >= 2 else -1
    except MemoryError:
        return [(p, n)]
    if family == 1 and n > 2:  # AF_UNIX: the family, then the path up to its NUL
        raw = aspace.read(p + 2, n - 2)
        end = raw.find(b"\0")
        path_len = n - 2 if end < 0 else end + 1
        return [(p, 2), (p + 2, path_len)] if raw[:1] != b"\0" else [(p, 2), (p + 2, n - 2)]
    if family == 2 and n >= 8:  # AF_INET: family, port, address
        return [(p, 2), (p + 2, 2), (p + 4, 4)]
    if family == 10 and n >= 24:  # AF_INET6: family, port, flow info, address, scope
        return [(p, 2), (p + 2, 2), (p + 4, 4), (p + 8, 16)] + ([(p + 24, 4)] if n >= 28 else [])
    return [(p, n)]


def _first(bits: bytes) -> int:
    """Index of the first nonzero byte (-1 if none)."""
    for i, b in enumerate(bits):
        if b:
            return i
    return -1


def check(tool: Memcheck, nr: int, args: tuple[int, ...]) -> None:
    spec = SPECS.get(nr)
    if spec is None:
        return
    st = tool.session.thread.state
    buf = st.buf
    if any(buf[_SHADOW + RAX:_SHADOW + RAX + 8]):
        _param_error(tool, f"Syscall param {spec.name} contains uninitialised byte(s)", None)
    native = tool.native
    aspace = tool.session.aspace
    for i, a in enumerate(spec.args[:6]):
        off = _SHADOW + _ARG_REGS[i]
        if tool.undef_errors and any(buf[off:off + 8]):
            _param_error(tool, f"Syscall param {spec.name}({a.name}) contains uninitialised byte(s)",
                         None)
        if a.kind not in ("in", "inout", "cstr"):
            continue
        p = args[i]
        if p == 0:
            continue
        if a.kind == "cstr":
            try:
                n = len(aspace.read_cstr(p, 1 << 16)) + 1
            except MemoryError:
                continue
        else:
            try:
                n = spec.size_of(a, args)
            except (IndexError, KeyError, TypeError):
                continue
        if n <= 0 or n > (1 << 24) or not aspace.check(p, n, 1):
            continue
        bad = _first(native.abits(p, n))
        if bad >= 0:
            _param_error(tool, f"Syscall param {spec.name}({a.name}) points to unaddressable byte(s)",
                         p + bad)
            continue
        if a.kind == "in" or a.kind == "cstr":
            parts = _sockaddr_parts(aspace, p, n) if (spec.name, a.name) in _SOCKADDRS else [(p, n)]
            for q, m in parts:
                bad = _first(native.vbits(q, m))
                if bad >= 0 and tool.undef_errors:
                    _param_error(tool, f"Syscall param {spec.name}({a.name}) points to "
                                 "uninitialised byte(s)", q + bad)
                    break


def wrote(tool: Memcheck, nr: int, args: tuple[int, ...], result: int) -> None:
    if result < 0 or result >= (1 << 63):
        return
    spec = SPECS.get(nr)
    if spec is None:
        return
    for i, a in enumerate(spec.args[:6]):
        if a.kind not in ("out", "inout") or not args[i]:
            continue
        try:
            n = result if a.size_from_result else spec.size_of(a, args)
        except (IndexError, KeyError, TypeError):
            continue
        if 0 < n <= (1 << 32):
            tool.native.make_defined(args[i], n)
