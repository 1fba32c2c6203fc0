"""Intrinsics: instrumentation that VEX IR cannot say, lowered by each backend.

An intrinsic is a statement a tool inserts into an IRSB's statement list. The reference
backend asks it for Python source (`emit_python`); the JIT backend will lower the same
objects to inline native code, so a tool never depends on which backend runs it.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyvex import expr as E



class Counters:
    """64-bit counters that instrumentation bumps; tools read them at the end.

    They live in one fixed native array (never moved), so that JIT-compiled code
    bumps them with a native add at a fixed address, and the reference backend with
    an index into the same array.
    """

    CAPACITY = 1 << 20

    def __init__(self) -> None:
        self.values = array("Q", bytes(8 * self.CAPACITY))
        self.address: int = self.values.buffer_info()[0]
        self.names: list[str] = []

    def new(self, name: str = "") -> int:
        """Allocate a counter, initially 0; returns its index."""
        if len(self.names) >= self.CAPACITY:
            raise RuntimeError(f"more than {self.CAPACITY} tool counters")
        self.names.append(name)
        return len(self.names) - 1

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, index: int) -> int:
        return self.values[index]


class Intrinsic:
    """Base class of intrinsic statements."""

    def emit_python(self, gen: Any) -> None:  # gen: the reference backend's generator
        raise NotImplementedError

    def pp(self) -> None:
        print(f"   {self!r}")


class AddCounter(Intrinsic):
    """counters[index] += amount, only if `guard` (an I1 atom) is true when given."""

    def __init__(self, index: int, amount: int | E.IRExpr = 1, guard: E.IRExpr | None = None):
        self.index = index
        self.amount = amount
        self.guard = guard

    def emit_python(self, gen: Any) -> None:
        amount = self.amount if isinstance(self.amount, int) else gen.atom(self.amount)
        line = f"C[{self.index}] += {amount}"
        if self.guard is not None:
            line = f"if {gen.atom(self.guard)}: {line}"
        gen.emit(line)

    def __repr__(self) -> str:
        g = f" if {self.guard}" if self.guard is not None else ""
        return f"AddCounter({self.index}, {self.amount}){g}"


class CallPython(Intrinsic):
    """Call `fn(*args)` (args: IR atoms, passed as ints). Slow: use sparingly."""

    def __init__(self, fn: Callable[..., None], args: list[E.IRExpr],
                 guard: E.IRExpr | None = None):
        self.fn = fn
        self.args = args
        self.guard = guard

    def emit_python(self, gen: Any) -> None:
        name = f"F{id(self.fn):x}"
        gen.helpers[name] = self.fn
        line = f"{name}({', '.join(gen.atom(a) for a in self.args)})"
        if self.guard is not None:
            line = f"if {gen.atom(self.guard)}: {line}"
        gen.emit(line)

    def __repr__(self) -> str:
        return f"CallPython({getattr(self.fn, '__name__', self.fn)}, {self.args})"
