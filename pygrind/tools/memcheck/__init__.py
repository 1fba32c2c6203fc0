"""Memcheck: a memory error detector, as Valgrind's, on pygrind's native path.

Where things are:
  native/mc_translate.c  the instrumentation pass (V bits, A checks, shadow call stack),
                         run inside libVEX's pipeline by the libVEX tier
  native/mc_heap.c       malloc/free/new/delete replaced natively; block records;
                         allocation stacks; the leak scan
  native.py              shadow memory and the native functions, from Python
  errors.py              error records, deduplication, text and XML output
  heap.py                which client functions are replaced
  leaks.py               the leak report
  syscalls.py            syscall arguments checked against their declarations

Python runs when an error is reported, at system calls, when objects are loaded, and at
exit; never per block, access or allocation.
"""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING

from ...tool import Tool
from . import heap, leaks, syscalls
from .errors import Error, ErrorManager, commas
from .native import (
    ERR_ADDR,
    ERR_COND,
    ERR_FISHY,
    ERR_FREE,
    ERR_MISMATCH,
    ERR_OVERLAP,
    ERR_VALUE,
    Native,
)

if TYPE_CHECKING:
    from ...core.session import Session

_BOOL = ("yes", "no")
_LEAK_KINDS = ("definite", "indirect", "possible", "reachable")

#: fishy-value reports (mc_heap.c's FISHY_*): (function, argument)
_FISHY = [("malloc", "size"), ("calloc", "nmemb"), ("calloc", "size"), ("realloc", "size"),
          ("memalign", "size"), ("__builtin_new", "size"), ("__builtin_vec_new", "size"),
          ("posix_memalign", "size"), ("aligned_alloc", "size"), ("valloc", "size")]


def _kinds(opt: str, v: str) -> frozenset[str]:
    if v == "all":
        return frozenset(_LEAK_KINDS)
    if v == "none":
        return frozenset()
    ks = frozenset(v.split(","))
    if not ks <= set(_LEAK_KINDS):
        from ...core.errors import UserError

        raise UserError(f"Bad option: --{opt}={v} (a list of definite, indirect, possible, "
                        "reachable; or all, none)")
    return ks


class Memcheck(Tool):
    name = "memcheck"
    description = "Memcheck, a memory error detector"
    native_tier = True

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.leak_check = "summary"
        self.show_kinds = frozenset({"definite", "possible"})
        self.error_kinds = frozenset({"definite", "possible"})
        self.freelist_vol = 20_000_000
        self.malloc_fill = -1
        self.free_fill = -1
        self.redzone = 16
        self.num_callers = 12
        self.error_limit = True
        self.error_exitcode = 0
        self.xml_file: str | None = None
        self.xml = False
        self.undef_errors = True
        self.native: Native | None = None
        self.errors: ErrorManager | None = None
        #: client ranges holding heap blocks (mapped for the heap: not leak-scan roots)
        self.arenas: list[tuple[int, int]] = []
        self._tids: dict[int, int] = {}
        self._internal: str | None = None
        #: client/mc_replace_strmem.c's functions, by name (client addresses)
        self.replacements: dict[str, int] = {}
        self.overlap_stub: int | None = None
        self.replacement_object = ""

    @classmethod
    def options(cls) -> dict[str, str]:
        return {"leak-check": "summary", "show-leak-kinds": "definite,possible",
                "errors-for-leak-kinds": "definite,possible", "show-reachable": "no",
                "leak-resolution": "high", "freelist-vol": "20000000",
                "freelist-big-blocks": "1000000", "malloc-fill": "", "free-fill": "",
                "redzone-size": "16", "num-callers": "12", "error-limit": "yes",
                "error-exitcode": "0", "xml": "no", "xml-file": "", "undef-value-errors": "yes",
                "partial-loads-ok": "yes", "track-origins": "no", "keep-stacktraces":
                "alloc-and-free", "expensive-definedness-checks": "auto",
                "show-mismatched-frees": "yes", "workaround-gcc296-bugs": "no",
                "show-below-main": "no", "exit-on-first-error": "no"}

    def set_option(self, name: str, value: str) -> None:
        from ...core.errors import UserError

        def bad(why: str) -> UserError:
            return UserError(f"Bad option: --{name}={value} ({why})")

        def boolean() -> bool:
            if value not in _BOOL:
                raise bad("expected yes or no")
            return value == "yes"

        def number(least: int = 0, most: int = 1 << 62) -> int:
            try:
                n = int(value, 0)
            except ValueError:
                raise bad("expected a number") from None
            if not least <= n <= most:
                raise bad(f"expected a number from {least} to {most}")
            return n

        if name == "leak-check":
            if value not in ("no", "summary", "full", "yes"):
                raise bad("choose no, summary or full")
            self.leak_check = "full" if value == "yes" else value
        elif name == "show-leak-kinds":
            self.show_kinds = _kinds(name, value)
        elif name == "errors-for-leak-kinds":
            self.error_kinds = _kinds(name, value)
        elif name == "show-reachable":
            if boolean():
                self.show_kinds = frozenset(_LEAK_KINDS)
        elif name == "leak-resolution":
            if value not in ("low", "med", "high"):
                raise bad("choose low, med or high")
        elif name == "freelist-vol":
            self.freelist_vol = number()
        elif name == "freelist-big-blocks":
            number()
        elif name in ("malloc-fill", "free-fill"):
            n = number(0, 255)
            if name == "malloc-fill":
                self.malloc_fill = n
            else:
                self.free_fill = n
        elif name == "redzone-size":
            self.redzone = (number(0, 4096) + 15) & ~15 or 16
        elif name == "num-callers":
            self.num_callers = number(1, 500)
        elif name == "error-limit":
            self.error_limit = boolean()
        elif name == "error-exitcode":
            self.error_exitcode = number(0, 255)
        elif name == "xml":
            self.xml = boolean()
        elif name == "xml-file":
            self.xml_file = value
        elif name == "undef-value-errors":
            self.undef_errors = boolean()
        elif name == "track-origins":
            if boolean():
                self.session.out.warn_once(
                    "track-origins", "warning: --track-origins=yes is not supported yet: "
                    "uninitialised values are reported without their origin")
        elif name in ("partial-loads-ok", "show-mismatched-frees", "workaround-gcc296-bugs",
                      "show-below-main", "exit-on-first-error"):
            boolean()
        elif name == "keep-stacktraces":
            if value not in ("alloc", "free", "alloc-and-free", "alloc-then-free", "none"):
                raise bad("choose alloc, free, alloc-and-free, alloc-then-free or none")
        elif name == "expensive-definedness-checks":
            if value not in ("no", "auto", "yes"):
                raise bad("choose no, auto or yes")

    def cache_key(self) -> str:
        # replaced functions jump to the replacement object's code: its build is part
        # of every such block
        return f"memcheck|{self.redzone}|{self.replacement_object}"

    # -- start-up ----------------------------------------------------------------------------

    def native_ready(self, lib: object) -> None:
        from ...core.errors import UserError

        if self.xml and not self.xml_file:
            raise UserError("--xml=yes needs --xml-file=<file> (pygrind writes XML to a file only)")
        if self.xml:
            # as Valgrind: with XML, the text log stays quiet
            self.session.options.quiet = True
        self.native = Native(lib, self._report, self._grow, freelist_vol=self.freelist_vol,
                             malloc_fill=self.malloc_fill, free_fill=self.free_fill,
                             num_callers=self.num_callers, redzone=self.redzone)
        self.errors = ErrorManager(self.session, num_callers=self.num_callers,
                                   error_limit=self.error_limit,
                                   xml_file=self.xml_file if self.xml else None)
        aspace = self.session.aspace
        aspace.on_map_change = self.native.reset
        aspace.on_core_write = self.native.make_defined
        self.thread_created(self.session.thread.state.addr)
        self.replacements = heap.map_replacements(self)

    def thread_created(self, state_addr: int) -> None:
        if self.native is not None:
            self.native.lib.mc_thread_init(state_addr)

    def object_loaded(self, path: str, start: int, end: int) -> None:
        if self.native is not None:
            heap.redirect_object(self, path, start, end)

    def object_unloaded(self, start: int, end: int) -> None:
        if self.native is not None:
            self.native.lib.mc_drop_redirects(start, end)

    # -- callbacks from native code ------------------------------------------------------

    def _grow(self, size: int, *_: int) -> int:
        """Client memory for heap blocks (called by mc_heap.c when its region is full)."""
        try:
            from ...core.aspace import MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE

            aspace = self.session.aspace
            a = aspace.find_free(size)
            if a is None:
                return 0
            aspace.map(a, size, 3, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
            self.arenas.append((a, a + size))
            return a
        except Exception:  # noqa: BLE001 - never let an exception into native code
            self._internal_error()
            return 0

    def _report(self, kind: int, a: int, b: int, c: int, d: int, e: int) -> int:
        try:
            self._on_error(kind, a, b, c, d, e)
        except Exception:  # noqa: BLE001 - never let an exception into native code
            self._internal_error()
        return 0

    def _internal_error(self) -> None:
        if self._internal is None:
            import tempfile

            fd, path = tempfile.mkstemp(prefix="pygrind-memcheck-", suffix=".txt")
            with open(fd, "w") as fh:
                fh.write(traceback.format_exc())
            self._internal = path
            self.msg(f"pygrind: internal error in memcheck's error reporting (traceback saved "
                     f"to {path})")

    def tid(self) -> int:
        t = self.session.thread.tid
        n = self._tids.get(t)
        if n is None:
            n = self._tids[t] = len(self._tids) + 1
        return n

    def stack_here(self, pc: int) -> tuple[int, ...]:
        return tuple(self.native.stack(self.session.thread.state.addr, pc, self.num_callers))

    def _on_error(self, kind: int, a: int, b: int, c: int, d: int, e: int) -> None:
        if kind in (ERR_COND, ERR_VALUE) and not self.undef_errors:
            return
        frames = self.stack_here(c)
        if kind == ERR_ADDR:
            err = Error("InvalidWrite" if d else "InvalidRead",
                        f"Invalid {'write' if d else 'read'} of size {b}", frames,
                        self.describe_address(a), key=(b, d))
        elif kind == ERR_COND:
            err = Error("UninitCondition",
                        "Conditional jump or move depends on uninitialised value(s)", frames)
        elif kind == ERR_VALUE:
            err = Error("UninitValue", f"Use of uninitialised value of size {b}", frames, key=(b,))
        elif kind == ERR_FREE:
            err = Error("InvalidFree", "Invalid free() / delete / delete[] / realloc()", frames,
                        self.describe_address(a))
        elif kind == ERR_MISMATCH:
            err = Error("MismatchedFree", "Mismatched free() / delete / delete []", frames,
                        self.describe_address(a))
        elif kind == ERR_FISHY:
            fn, arg = _FISHY[d] if d < len(_FISHY) else ("?", "?")
            v = a - (1 << 64) if a >> 63 else a
            err = Error("FishyValue", f"Argument '{arg}' of function {fn} has a fishy "
                        f"(possibly negative) value: {v}", frames, key=(d,))
        elif kind == ERR_OVERLAP:
            fn, with_len = heap.OVERLAP_FUNCTIONS[e] if e < len(heap.OVERLAP_FUNCTIONS) else ("?", 1)
            name = fn[2:] if fn.startswith("__") else fn
            args = f"{a:#x}, {b:#x}" + (f", {d}" if with_len else "")
            # (the first frame is the report stub: the error is in its caller)
            err = Error("Overlap", f"Source and destination overlap in {name}({args})",
                        frames[1:] or frames, key=(e,))
        else:
            return
        err.tid = self.tid()
        self.errors.add(err)

    def memory_fault(self, addr: int, size: int, write: bool, pc: int) -> None:
        # as Valgrind: the access is reported, then the signal is delivered
        if self.native is not None:
            self._on_error(ERR_ADDR, addr, size or 1, pc, int(write), 0)

    # -- addresses ------------------------------------------------------------------------

    def describe_address(self, a: int) -> list[tuple[str, tuple[int, ...] | None]]:
        """Valgrind's "Address 0x... is ..." lines, with their stacks."""
        b = self.native.describe(a)
        if b is not None:
            if a < b.data:
                rel = f"{commas(b.data - a)} bytes before"
            elif a >= b.data + b.size:
                rel = f"{commas(a - b.data - b.size)} bytes after"
            else:
                rel = f"{commas(a - b.data)} bytes inside"
            alloc = tuple(self.native.ec(b.alloc_ec)) or None
            if b.freed == 1:
                return [(f"Address {a:#x} is {rel} a block of size {commas(b.size)} free'd",
                         tuple(self.native.ec(b.free_ec)) or None),
                        ("Block was alloc'd at", alloc)]
            return [(f"Address {a:#x} is {rel} a block of size {commas(b.size)} alloc'd", alloc)]
        st = self.session.thread.state
        from ...core.state import RSP

        sp = st.get(RSP)
        m = self.session.aspace.find(a)
        ms = self.session.aspace.find(sp)
        if m is not None and ms is not None and m is ms:
            line = f"Address {a:#x} is on thread {self.tid()}'s stack"
            if a < sp:
                return [(line, None), (f"{commas(sp - a)} bytes below stack pointer", None)]
            return [(line, None)]
        sym = self.session.debuginfo.data_symbol_at(a)
        if sym is not None:
            name, off = sym
            return [(f'Address {a:#x} is {commas(off)} bytes inside data symbol "{name}"', None)]
        return [(f"Address {a:#x} is not stack'd, malloc'd or (recently) free'd", None)]

    # -- system calls ------------------------------------------------------------------------

    def pre_syscall(self, sysno: int, args: tuple[int, ...]) -> None:
        if self.native is not None:
            syscalls.check(self, sysno, args)

    def post_syscall(self, sysno: int, args: tuple[int, ...], result: int) -> None:
        if self.native is not None:
            syscalls.wrote(self, sysno, args, result)

    # -- the end ------------------------------------------------------------------------------

    def before_exit(self, status: int) -> int | None:
        """Run glibc's and libstdc++'s freeres first, as Valgrind does: buffers that
        glibc keeps until exit would otherwise be counted in use."""
        if self.native is None:
            return None
        return heap.freeres_stub(self, status)

    def fini(self, exitcode: int) -> int | None:
        if self.errors is None:
            return None
        errs = self.errors
        out = self.session.out
        quiet = self.session.options.quiet
        errs.xml_status_finished()
        in_use, blocks, allocs, frees, allocated = self.native.heap_stats()
        if not quiet:
            out.msg("HEAP SUMMARY:")
            out.msg(f"    in use at exit: {commas(in_use)} bytes in {commas(blocks)} blocks")
            out.msg(f"  total heap usage: {commas(allocs)} allocs, {commas(frees)} frees, "
                    f"{commas(allocated)} bytes allocated")
            out.msg()
        if self.leak_check != "no" and blocks:
            leaks.report(self, quiet)
        elif not quiet and not blocks:
            out.msg("All heap blocks were freed -- no leaks are possible")
            out.msg()
        if not quiet:
            out.msg("For lists of detected and suppressed errors, rerun with: -s")
            out.msg(errs.summary())
        errs.xml_finish()
        # --error-exitcode: the exit status when errors were found
        if self.error_exitcode and errs.total:
            return self.error_exitcode
        return None
