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


def _first(bits: bytes, want_zero: bool) -> int:
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
        bad = _first(native.abits(p, n), True)
        if bad >= 0:
            _param_error(tool, f"Syscall param {spec.name}({a.name}) points to unaddressable byte(s)",
                         p + bad)
            continue
        if a.kind == "in" or a.kind == "cstr":
            bad = _first(native.vbits(p, n), True)
            if bad >= 0 and tool.undef_errors:
                _param_error(tool, f"Syscall param {spec.name}({a.name}) points to uninitialised "
                             "byte(s)", p + bad)


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
