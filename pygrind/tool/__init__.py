"""The tool API: what a pygrind tool sees of the core.

A tool subclasses `Tool` and gets, for each superblock about to be compiled, the lifted
VEX IR (`pyvex.IRSB`); it returns the block to run, usually the same one with
statements added. What IR cannot express (a counter bump, a call into Python) is said
with the intrinsics in `pygrind.tool.intrinsics`, which each backend lowers itself: inline
native code in the JIT, plain Python in the reference backend. Hooks tell the tool when
the client starts, makes a system call and exits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .intrinsics import AddCounter, CallPython, Counters, Intrinsic

if TYPE_CHECKING:
    import pyvex

    from ..core.session import Session

__all__ = ["Tool", "BlockInfo", "AddCounter", "CallPython", "Counters", "Intrinsic",
           "syscall_name"]


def syscall_name(sysno: int) -> str:
    """The Linux x86-64 name of system call `sysno` ("write"), or its number as text."""
    from ..core.syscalls.numbers import NAMES

    return NAMES.get(sysno, str(sysno))


class BlockInfo:
    """What the core knows about a block being instrumented."""

    __slots__ = ("addr", "size", "session")

    def __init__(self, addr: int, size: int, session: Session) -> None:
        self.addr = addr
        self.size = size
        self.session = session

    def symbol(self) -> str | None:
        """Name of the function containing the block, if symbols say."""
        return self.session.describe_fn(self.addr)


class Tool:
    """Base class of every tool. Override what you need; the defaults do nothing."""

    #: The name given to --tool=
    name: str = "none"
    #: One line for the banner, as Valgrind's tools have ("Nulgrind, the minimal Valgrind tool")
    description: str = ""
    #: The tool instruments natively: a pass in C built into the libVEX tier (see
    #: backend/vexcg/pgv.h and tools/memcheck/native/), plugged in by `native_ready`.
    #: Its blocks never go through `instrument`, and stay in that tier.
    native_tier: bool = False

    def __init__(self, session: Session) -> None:
        self.session = session
        self.counters: Counters = session.counters

    def cache_key(self) -> str | None:
        """A string naming everything that shapes this tool's instrumentation (its name
        and options), so that blocks it instrumented can be saved and reused across runs;
        None (the default) if its instrumentation is not reproducible (it calls Python
        functions, or allocates state while instrumenting)."""
        return None

    def msg(self, line: str = "") -> None:
        """Print one line of the tool's report, with Valgrind's ==PID== prefix."""
        self.session.out.msg(line)

    @classmethod
    def options(cls) -> dict[str, str]:
        """Tool options this tool accepts (`--name=value`), with their defaults."""
        return {}

    def set_option(self, name: str, value: str) -> None:
        """Called for each tool option given on the command line (already validated)."""

    def start(self) -> None:
        """The client is loaded and about to run its first instruction."""

    def native_ready(self, lib: object) -> None:
        """(native_tier tools) The libVEX tier's library (a ctypes.CDLL, holding the
        tool's native code) is loaded; no block has been translated yet."""

    def thread_created(self, state_addr: int) -> None:
        """A client thread was made; its guest state buffer is at host `state_addr`."""

    def object_loaded(self, path: str, start: int, end: int) -> None:
        """Code of the ELF object at `path` was mapped at client [start, end); its symbols
        are known to `session.debuginfo`."""

    def object_unloaded(self, start: int, end: int) -> None:
        """Client [start, end), which held code of an object, was unmapped."""

    def instrument(self, irsb: pyvex.IRSB, info: BlockInfo) -> pyvex.IRSB:
        """Return the block to compile in place of `irsb` (may modify it in place)."""
        return irsb

    def pre_syscall(self, sysno: int, args: tuple[int, ...]) -> None:
        """The client is about to make system call `sysno` with `args`."""

    def post_syscall(self, sysno: int, args: tuple[int, ...], result: int) -> None:
        """System call `sysno` returned `result` (negative errno on failure)."""

    def memory_fault(self, addr: int, size: int, write: bool, pc: int) -> None:
        """A client access of `size` bytes (0: unknown) at `addr`, by the instruction at
        `pc`, faults: the client gets a SIGSEGV next."""

    def before_exit(self, status: int) -> int | None:
        """The client called exit_group(status) for the first time: a client address to
        run instead (code that calls exit_group again when done), or None."""
        return None

    def fini(self, exitcode: int) -> int | None:
        """The client has exited with `exitcode`: print results here. A number returned
        is pygrind's exit status instead (memcheck's --error-exitcode)."""
        return None
