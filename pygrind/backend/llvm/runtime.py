"""The JIT backend as the core uses it: compile blocks, link them into the dispatch
table, and serve the callbacks that compiled code makes into Python (slow memory
accesses, ops without a native rendering, guest addresses for libVEX helpers).

A callback cannot raise through native frames, so a fault found in one is recorded
(`pending_fault`), the context's exit_kind is set, and the block returns at once; the
dispatcher then stops and the core raises the fault where Python can.
"""

from __future__ import annotations

import ctypes
import zlib
from collections import Counter
from typing import TYPE_CHECKING

from ...core import vexlib
from ...core.aspace import LIMIT, P_R, P_WREAL
from ...core.errors import FPE_INTDIV, SEGV_MAPERR, ClientFault
from .. import ops
from . import oplower
from .engine import EXIT_FAULT, Engine

if TYPE_CHECKING:
    import pyvex

    from ...core.aspace import AddressSpace

_MEM_SLOW = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64,
                             ctypes.c_uint64, ctypes.c_void_p, ctypes.c_uint64)
_OP_FALLBACK = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_void_p,
                                ctypes.c_void_p, ctypes.c_uint64)
_HOSTADDR = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64,
                             ctypes.c_uint64, ctypes.c_uint64)
_CAS_SLOW = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64,
                             ctypes.c_uint64, ctypes.c_uint64, ctypes.c_uint64)
_DIV_FAULT = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p, ctypes.c_uint64)


class JitRuntime:
    def __init__(self, aspace: AddressSpace, counters_address: int,
                 cache_dir: str | None = None) -> None:
        self.aspace = aspace
        self.engine = Engine(cache_dir)
        ctx = self.engine.ctx
        ctx.mem = aspace.base
        ctx.pt = _buffer_address(aspace.pt)
        ctx.counters = counters_address
        self.pending_fault: ClientFault | None = None
        self._op_fns: dict[int, tuple] = {}
        #: calls into the reference op from native code, by op (shown with -v: the ops
        #: worth a native rendering)
        self.fallback_counts: Counter[int] = Counter()
        # keep the callback objects alive as long as the engine
        self._cbs = [_MEM_SLOW(self._mem_slow), _OP_FALLBACK(self._op_fallback),
                     _HOSTADDR(self._hostaddr), _CAS_SLOW(self._cas_slow),
                     _DIV_FAULT(self._div_fault)]
        self._cb_names = ("pg_mem_slow", "pg_op_fallback", "pg_hostaddr", "pg_cas_slow",
                          "pg_div_fault")
        for name, cb in zip(self._cb_names, self._cbs, strict=True):
            self.engine.add_symbol(name, ctypes.cast(cb, ctypes.c_void_p).value, cb)
        #: each module's blocks count their runs in one slot (by a hash of the module's
        #: name, so that a saved module counts in the same slot in every run); the core
        #: hands a module to the optimiser once it is hot enough (see optimizer.py)
        self.mod_counts = (ctypes.c_uint64 * MOD_SLOTS)()
        ctx.modcounts = ctypes.addressof(self.mod_counts)
        self.compiled = 0
        self._tags: set[str] = set()
        #: (names, helpers, IR text) of the module `compile` made last
        self.last_text: tuple | None = None

    # -- compiling -------------------------------------------------------------------

    def compile(self, blocks: list[tuple[int, pyvex.IRSB]],
                tag: str | None = None) -> tuple[dict[int, int], tuple | None]:
        """Compile blocks (pc, instrumented IRSB) as one module; returns pc -> code address
        and the module as a reusable object (see `load`), or None when `tag` is None.
        `tag` makes the function names unique and reproducible across runs.
        Raises irgen.Unsupported if a block cannot be compiled (none of them is then)."""
        suffix = tag if tag is not None and tag not in self._tags else f"s{self.compiled}"
        self._tags.add(suffix)
        self.compiled += 1
        names, helpers, module = module_text(blocks, suffix, module_slot(suffix))
        self._add_helpers(helpers)
        obj = self.engine.compile_object(module)
        addrs = self.engine.load_object(obj, list(names.values()))
        self.last_text = (names, helpers, module)
        # saved with its IR text: a later run can optimise it (see optimizer.py)
        saved = (names, helpers, obj, module) if tag is not None and suffix == tag else None
        return {pc: addrs[n] for pc, n in names.items()}, saved

    def load(self, saved: tuple) -> dict[int, int] | None:
        """Load a module saved by `compile` in an earlier run; None if it cannot be."""
        names, helpers, obj = saved[:3]
        tags = {n.rsplit("_", 1)[1] for n in names.values()}
        if tags & self._tags:
            return None  # its names are taken in this run (it was loaded already)
        self._tags |= tags
        self._add_helpers(helpers)
        addrs = self.engine.load_object(obj, list(names.values()))
        return {pc: addrs[n] for pc, n in names.items()}

    def _add_helpers(self, helpers) -> None:
        for hname, _nargs in helpers:
            self.engine.add_symbol(hname, vexlib.address_of(hname))

    # -- callbacks from compiled code --------------------------------------------------

    def _fault(self, signo: int, code: int, addr: int, pc: int, what: str) -> None:
        f = ClientFault(signo, code, addr, what)
        f.pc = pc
        self.pending_fault = f
        self.engine.ctx.exit_kind = EXIT_FAULT

    def _segv(self, addr: int, pc: int, write: bool, size: int = 0) -> None:
        self._fault(11, self.aspace.segv_code(addr), addr, pc, "write" if write else "read")
        self.pending_fault.size = size

    def _mem_slow(self, c, addr: int, size: int, pc: int, buf: int, is_store: int) -> int:
        try:
            aspace = self.aspace
            need = P_WREAL if is_store else P_R
            end = addr + size
            bad = addr if end > LIMIT else aspace.first_bad(addr, size, need)
            if bad != end:
                self._segv(bad, pc, bool(is_store), size)
                return 1
            if is_store:
                aspace.mem[addr:end] = ctypes.string_at(buf, size)
                if aspace.code_pages:
                    aspace.code_written(addr, size)
            else:
                ctypes.memmove(buf, aspace.host(addr), size)
            return 0
        except Exception as e:  # never let an exception die in a callback
            self._fault(11, SEGV_MAPERR, addr, pc, f"internal: {e!r}")
            return 1

    def _cas_slow(self, c, addr: int, size: int, pc: int, double: int, buf: int) -> int:
        """A compare-and-swap the fast path could not do (see backend/vexcg): operands
        at buf + 32 (expected, then new at + 16; the high halves of a double CAS at
        + 8 and + 24); the old value goes to buf (high half at buf + 8)."""
        try:
            aspace = self.aspace
            end = addr + size
            bad = addr if end > LIMIT else aspace.first_bad(addr, size, P_WREAL)
            if bad == end:
                bad = aspace.first_bad(addr, size, P_R)
            if bad != end:
                self._segv(bad, pc, True, size)
                return 1
            half = size // 2 if double else size
            ops = ctypes.string_at(buf + 32, 32)
            expected = ops[0:half] + (ops[8:8 + half] if double else b"")
            new = ops[16:16 + half] + (ops[24:24 + half] if double else b"")
            old = bytes(aspace.mem[addr:end])
            if old == expected:
                aspace.mem[addr:end] = new
                if aspace.code_pages:
                    aspace.code_written(addr, size)
            ctypes.memmove(buf, old[:half], half)
            if double:
                ctypes.memmove(buf + 8, old[half:], half)
            return 0
        except Exception as e:
            self._fault(11, SEGV_MAPERR, addr, pc, f"internal: {e!r}")
            return 1

    def _div_fault(self, c, pc: int) -> int:
        """A division that traps on x86 (by zero, or a quotient too wide)."""
        self._fault(8, FPE_INTDIV, pc, pc, "divide")
        return 1

    def callback_addresses(self) -> dict[str, int]:
        """Native addresses of the callbacks into Python, by their symbol names."""
        return {n: ctypes.cast(cb, ctypes.c_void_p).value
                for n, cb in zip(self._cb_names, self._cbs, strict=True)}

    def _op_fallback(self, c, opid: int, argp: int, resp: int, pc: int) -> int:
        self.fallback_counts[opid] += 1
        try:
            entry = self._op_fns.get(opid)
            if entry is None:
                name = oplower.op_names()[opid]
                entry = (ops.op_function(name), ops.op_arg_bits(name), ops.op_result_bits(name))
                self._op_fns[opid] = entry
            fn, arg_bits, res_bits = entry
            args = []
            for k, b in enumerate(arg_bits):
                n = max((b + 7) // 8, 1)
                v = int.from_bytes(ctypes.string_at(argp + 64 * k, n), "little")
                args.append(v & 1 if b == 1 else v)
            try:
                r = fn(*args)
            except ZeroDivisionError:
                self._fault(8, FPE_INTDIV, pc, pc, "divide")
                return 1
            n = max((res_bits + 7) // 8, 1)
            ctypes.memmove(resp, r.to_bytes(n, "little"), n)
            return 0
        except Exception as e:
            self._fault(4, 0, pc, pc, f"internal: {e!r}")
            return 1

    def _hostaddr(self, c, addr: int, size: int, write: int, pc: int) -> int:
        need = P_WREAL if write else P_R
        bad = self.aspace.first_bad(addr, size, need)
        if bad != addr + size:
            self._segv(bad, pc, bool(write), size)
            return 0
        if write and self.aspace.code_pages:
            self.aspace.code_written(addr, size)
        return self.aspace.host(addr)


def module_text(blocks: list[tuple[int, pyvex.IRSB]], suffix: str,
                count_slot: int | None) -> tuple[dict[int, str], list, str]:
    """LLVM IR of a module of blocks: (pc -> function name, the libVEX helpers it calls,
    the text). Function names end in `suffix`; with `count_slot`, the blocks count
    their runs there. Raises irgen.Unsupported if a block cannot be compiled. Touches
    no engine state, so any thread may run it."""
    from . import irgen  # imports pyvex: only when something must be compiled

    funcs, helpers, decls, names = [], set(), set(), {}
    for pc, irsb in blocks:
        name = f"b_{pc:x}_{suffix}"
        text, h, d = irgen.generate(irsb, name, count_slot)
        funcs.append(text)
        helpers |= h
        decls |= d
        names[pc] = name
    helpers = _unique_helpers(helpers)
    head = [irgen.DECLS, *sorted(decls)]
    head += [f"declare i64 @{h}({', '.join(['i64'] * n)})" for h, n in sorted(helpers)]
    return names, sorted(helpers), "\n".join(head) + "\n" + "\n".join(funcs)


MOD_SLOTS = 4096


def module_slot(tag: str) -> int:
    """The execution-count slot of the module tagged `tag` (stable across runs)."""
    return zlib.crc32(tag.encode()) % MOD_SLOTS


def _buffer_address(buf) -> int:
    """Address of a writable Python buffer (the page table mmap)."""
    return ctypes.addressof(ctypes.c_char.from_buffer(buf))


def _unique_helpers(helpers: set[tuple[str, int]]) -> set[tuple[str, int]]:
    seen: dict[str, int] = {}
    for name, n in helpers:
        if seen.setdefault(name, n) != n:
            from .irgen import Unsupported

            raise Unsupported(f"helper {name} called with different arities")
    return set(seen.items())
