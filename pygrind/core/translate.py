"""Translation: guest code at an address -> lifted, instrumented, compiled block.

Each block is lifted once (pyvex), handed to the tool, compiled by the backend and kept
in the translation table until the code under it is unmapped, made non-executable or
written to (see AddressSpace.code_written).
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..backend.ref import runtime
from ..tool import BlockInfo
from . import vexlib
from .aspace import LIMIT, P_X, PAGE, PAGE_SHIFT, AddressSpace
from .codecache import CodeCache
from .errors import ClientFault, UserError

if TYPE_CHECKING:
    import pyvex

    from .session import Session

#: Bytes offered to the lifter per block; VEX stops earlier (at ~50 instructions or a branch).
MAX_BLOCK_BYTES = 1000

#: Runs of a block of the vex tier before LLVM compiles it. Its code is of Valgrind's
#: own quality, so only code that is really hot repays LLVM's compile time (and a short
#: run, such as a program's start-up, should not pay for importing pyvex at all).
VEX_HOT = 50_000
#: blocks per module that the optimizer's thread compiles for the libVEX tier
PROMOTE_MODULE = 4

BlockFn = Callable[[bytearray, memoryview, memoryview, int], tuple[int, int]]


def instruments(tool: object) -> bool:
    """Does the tool change the IR of blocks (then every block needs pyvex's IR)?"""
    from ..tool import Tool

    return type(tool).instrument is not Tool.instrument


def lift_bytes(code: bytes, pc: int) -> pyvex.IRSB:
    """pyvex's IR of the block at the start of `code` (guest address pc). Any thread may
    call it: libVEX, which pyvex and the libVEX tier share, is used by one at a time."""
    import pyvex  # imported on the first block that is not in the code cache

    from ..backend import precision

    # VEX's own register-update rule: every register precise at each instruction when
    # the user asked for precise registers at faults
    cross = not precision.all_registers_precise()
    with vexlib.LOCK:
        try:
            return pyvex.lift(code, pc, pyvex.ARCH_AMD64, opt_level=1, cross_insn_opt=cross)
        except pyvex.PyVEXError:
            return pyvex.lift(code[:1], pc, pyvex.ARCH_AMD64, opt_level=1, cross_insn_opt=cross)


def _source_digest(cls: type) -> str:
    import hashlib
    import inspect

    try:
        return hashlib.sha256(open(inspect.getfile(cls), "rb").read()).hexdigest()[:16]
    except (OSError, TypeError):
        return "?"


class Translation:
    __slots__ = ("addr", "size", "fn", "line_addrs", "n_insns", "source", "native")

    def __init__(self, addr: int, size: int, fn: BlockFn | None, line_addrs: list[int],
                 n_insns: int, source: str, native: int = 0) -> None:
        self.native = native
        self.addr = addr
        self.size = size
        self.fn = fn
        self.line_addrs = line_addrs
        self.n_insns = n_insns
        self.source = source


class Translator:
    """The translation table and the lift-instrument-compile pipeline."""

    def __init__(self, session: Session, aspace: AddressSpace) -> None:
        self.session = session
        self.aspace = aspace
        self.table: dict[int, Translation] = {}
        #: compiled functions only, for the dispatcher's fast lookup
        self.fns: dict[int, BlockFn] = {}
        self._by_page: dict[int, list[int]] = defaultdict(list)
        self.globals = runtime.make_globals(aspace)
        self.globals["C"] = session.counters.values
        aspace.on_code_change = self.invalidate
        #: the JIT (None with --backend=ref)
        self.jit = None
        if session.options.backend == "jit":
            from ..backend.llvm.runtime import JitRuntime
            from .codecache import cache_root

            self.jit = JitRuntime(aspace, session.counters.address,
                                  str(cache_root()) if session.options.code_cache else None)
        #: libVEX's own code generator: the first tier when the tool adds no
        #: instrumentation (None: not used); vex_pcs are the blocks it runs now
        self.vex = None
        self.vex_pcs: set[int] = set()
        opts = session.options
        self.vex_hot = opts.jit_hot if opts.jit_hot_set else VEX_HOT
        native_tool = session.tool.native_tier
        if self.jit is not None and (opts.first_tier == "vex" or native_tool) and (
                native_tool or not instruments(session.tool)):
            from ..backend import vexcg
            from .codecache import cache_root

            self.vex = vexcg.load(aspace, self.jit, str(cache_root()))
        if native_tool:
            if self.vex is None:
                raise UserError(f"{session.tool.name} needs pygrind's libVEX tier (built by `make "
                                "venv` with a C compiler), which could not be loaded here")
            session.tool.native_ready(self.vex.lib)
            # the tool's instrumentation exists in that tier only: its blocks stay there
            self.vex_hot = 1 << 62
        #: the JIT's optimising tier (None: --jit-optimize=no or no JIT)
        self.optimizer = None
        if self.jit is not None and session.options.jit_optimize:
            from ..backend.llvm.optimizer import Optimizer

            self.optimizer = Optimizer()
        self.jit_optimized = 0
        #: first-version modules not yet hot enough to optimise: (count slot, cache key,
        #: names, helpers, IR text)
        self._candidates: list[tuple] = []
        self.jit_blocks = 0
        self.promotions = 0
        #: promotion jobs not finished: id(job) -> their blocks' keys; and the blocks an
        #: earlier run left so (None: not read yet)
        self._promoting: dict[int, set[bytes]] = {}
        self._pending: set[bytes] | None = None
        self.jit_loaded = 0
        self._native_funcs: dict[str, int] = {}
        self._modules_tried: set[str] = set()
        self.jit_seconds = 0.0
        #: guest pc -> native code, for blocks the JIT compiled
        self.native: dict[int, int] = {}
        self.jit_fallbacks = 0
        #: code object filename -> Translation, to map faults back to guest addresses
        self.by_filename: dict[str, Translation] = {}
        self.blocks_lifted = 0
        #: saved translations (None: not opened yet; False: not cacheable / turned off)
        self.cache: CodeCache | None | bool = None
        self.lift_seconds = 0.0
        self.compile_seconds = 0.0

    def _fetch(self, pc: int) -> bytes:
        """The guest bytes at pc, up to the end of executable memory."""
        aspace = self.aspace
        if not (0 <= pc < LIMIT) or not aspace.pt[pc >> PAGE_SHIFT] & P_X:
            f = ClientFault(11, aspace.segv_code(pc), pc, "exec")
            f.pc = pc
            raise f
        end = pc
        limit = pc + MAX_BLOCK_BYTES
        while end < limit:
            nxt = (end & ~(PAGE - 1)) + PAGE
            end = min(nxt, limit)
            if end >= LIMIT or not aspace.pt[end >> PAGE_SHIFT] & P_X:
                break
        return bytes(aspace.mem[pc:end])

    def _cache_object(self, pc: int) -> tuple[str, int] | None:
        """The (file, load base) whose saved translations may hold pc, if any."""
        m = self.aspace.find(pc)
        if m is None or not m.inode or not m.name.startswith("/"):
            return None
        return (m.name, m.start - m.offset)

    def _install(self, pc: int, size: int, fn: BlockFn | None, line_addrs: list[int],
                 n_insns: int, source: str, filename: str, native: int = 0) -> BlockFn | None:
        tr = Translation(pc, max(size, 1), fn, line_addrs, n_insns, source, native)
        self.table[pc] = tr
        if fn is not None:
            self.fns[pc] = fn
        self.by_filename[filename] = tr
        end = pc + max(size, 1)
        for p in range(pc >> PAGE_SHIFT, ((end - 1) >> PAGE_SHIFT) + 1):
            self._by_page[p].append(pc)
        self.aspace.mark_code(pc, end)
        return fn

    def _lift(self, pc: int) -> pyvex.IRSB:
        return lift_bytes(self._fetch(pc), pc)

    def _block_key(self, pc: int) -> bytes:
        size = self.table[pc].size
        digest = hashlib.sha1(self.aspace.mem[pc:pc + size]).digest()[:12]
        return pc.to_bytes(8, "little") + size.to_bytes(4, "little") + digest

    def try_native(self, pc: int) -> bool:
        """Link native code that an earlier run compiled for this very block (same
        address, same guest bytes), loading its saved module if needed."""
        if not self.cache or pc not in self.table:
            return False
        idx = self.cache.native_index()
        if not idx:
            return False
        ent = idx.get(self._block_key(pc))
        if ent is None:
            return False
        module, name = ent
        code = self._native_funcs.get(name)
        if code is None and module not in self._modules_tried:
            self._modules_tried.add(module)
            saved = self.cache.get_native(module)
            if saved is not None:
                addrs = self.jit.load(saved)
                if addrs is not None:
                    for a, n in saved[0].items():
                        self._native_funcs[n] = addrs[a]
                    code = self._native_funcs.get(name)
                    if len(saved) > 3 and saved[3] and self.optimizer is not None:
                        # a first version not optimised yet: a candidate here too
                        self._optimise(module, saved[0], saved[1], saved[3])
        if code is None:
            return False
        self._link_native({pc: code})
        self.jit_loaded += 1
        return True

    def compile_hot(self, pcs: list[int]) -> None:
        """Compile hot blocks natively, as one LLVM module (LLVM's fixed cost is per
        module), and link them into the dispatch table. A block the JIT cannot compile
        keeps its reference translation. With the code cache on, the module's object
        code is saved, and an index maps each block (address and guest bytes) to it, so
        that a later run links the native code the first time it meets the block."""
        from ..backend.llvm.irgen import Unsupported

        t0 = time.perf_counter()
        pcs = [a for a in pcs if (a not in self.native or a in self.vex_pcs) and a in self.table]
        if not pcs:
            return
        key = None
        if self.cache:
            h = hashlib.sha256()
            for a in pcs:
                h.update(self._block_key(a))
            key = h.hexdigest()[:24]
        batch = []
        for a in pcs:
            try:
                irsb = self._lift(a)
            except ClientFault:
                continue
            irsb = self.session.tool.instrument(irsb, BlockInfo(a, irsb.size, self.session))
            batch.append((a, irsb))
        try:
            addrs, saved = self.jit.compile(batch, key)
            if saved is not None:
                self.cache.put_native(key, saved)
                self.cache.add_native_index({self._block_key(a): (key, n)
                                             for a, n in saved[0].items()})
            if self.optimizer is not None:
                names, helpers, text = self.jit.last_text
                for a, n in names.items():
                    self._native_funcs[n] = addrs[a]
                self._optimise(key if saved is not None else None, names, helpers, text)
        except Unsupported:
            addrs = {}
            for a, irsb in batch:
                try:
                    addrs.update(self.jit.compile([(a, irsb)])[0])
                except Unsupported:
                    self.jit_fallbacks += 1
        self._link_native(addrs)
        self.jit_blocks += len(addrs)
        self.jit_seconds += time.perf_counter() - t0

    def promote(self, pcs: list[int]) -> None:
        """Hot blocks of the libVEX tier go to LLVM on the optimizer's thread: lifted by
        pyvex, compiled with optimisation, and linked in place of libVEX's code when
        ready (take_optimized), while that code goes on running. Without the optimizer,
        they are compiled here and now."""
        if self.optimizer is None or any(a not in self.vex_pcs for a in pcs):
            self.compile_hot(pcs)  # (blocks of the Python tier are compiled here and now)
            return
        todo = [(a, bytes(self.aspace.mem[a:a + self.table[a].size]), self.native[a])
                for a in pcs]
        # small modules: each is linked (and saved) as soon as it is done, so even a run
        # that ends soon keeps some, and the next run goes on with the rest (see
        # _pending_hot); optimising costs 3-10 ms a block, the module itself little
        for i in range(0, len(todo), PROMOTE_MODULE):
            self._promote_module(todo[i:i + PROMOTE_MODULE])

    def _promote_module(self, items: list[tuple[int, bytes, int]]) -> None:
        from ..backend.llvm.optimizer import Job
        from ..backend.llvm.runtime import module_text

        key = None
        if self.cache:
            keys = {self._block_key(a) for a, _, _ in items}
            key = hashlib.sha256(b"".join(sorted(keys))).hexdigest()[:24]
        self.promotions += 1
        suffix = f"{key}o" if key else f"p{self.promotions}o"

        def prepare() -> tuple[dict[int, str], list, str]:
            return module_text([(a, lift_bytes(code, a)) for a, code, _ in items], suffix, None)

        job = Job(key, {}, {}, [], "", prepare=prepare, expect={a: stub for a, _, stub in items})
        self.optimizer.submit(job)
        self.jit_blocks += len(items)
        if self.cache:
            self._promoting[id(job)] = keys

    def _optimise(self, key: str | None, names: dict[int, str], helpers: list, text: str) -> None:
        """A module becomes a candidate for the optimiser (see poll_hot_modules)."""
        from ..backend.llvm.runtime import module_slot

        tag = next(iter(names.values())).rsplit("_", 1)[1]
        self._candidates.append((module_slot(tag), key, names, helpers, text))

    def poll_hot_modules(self) -> None:
        """Hand the optimiser the candidate modules whose blocks have run OPTIMIZE_AT
        times in all (at time-slice ends: cheap, and often enough for what is hot)."""
        from ..backend.llvm.optimizer import OPTIMIZE_AT, optimised_job

        counts = self.jit.mod_counts
        waiting = []
        for cand in self._candidates:
            slot, key, names, helpers, text = cand
            if counts[slot] >= OPTIMIZE_AT:
                self.optimizer.submit(optimised_job(key, names, helpers, text))
            else:
                waiting.append(cand)
        self._candidates = waiting

    def take_optimized(self) -> None:
        """Link the optimiser's finished modules in place of the first versions (for the
        blocks that still have them: a block invalidated meanwhile keeps whatever it has
        now) and save them in the code cache for later runs."""
        for job, obj in self.optimizer.take():
            self._promoting.pop(id(job), None)
            if obj is None:
                continue
            saved = (job.names, job.helpers, obj)
            addrs = self.jit.load(saved)
            if addrs is None:
                continue
            relink, index = {}, {}
            for a, n in job.names.items():
                self._native_funcs[n] = addrs[a]
                if job.expect is not None:
                    first = job.expect[a]  # unless its code changed meanwhile
                else:
                    first = self._native_funcs.get(job.first[a])
                if first is not None and self.native.get(a) == first:
                    relink[a] = addrs[a]
                    if a in self.table:
                        index[self._block_key(a)] = (job.key + "o", n) if job.key else None
            self._link_native(relink)
            self.jit_optimized += len(relink)
            if job.key and self.cache:
                self.cache.put_native(job.key + "o", saved)
                self.cache.add_native_index({k: v for k, v in index.items() if v is not None})

    def _link_native(self, addrs: dict[int, int]) -> None:
        for a, code in addrs.items():
            if a in self.vex_pcs:
                # blocks chained to the libVEX code go through the table again
                self.vex.unchain(self.native[a])
                self.vex_pcs.discard(a)
            self.native[a] = code
            self.jit.engine.link(a, code)

    def translate_vex(self, pc: int) -> bool:
        """Translate with libVEX's code generator (see backend/vexcg) and link the block
        into the dispatch table, or LLVM code an earlier run compiled for it. False if
        the tier declined the block."""
        self._open_cache()
        obj = self._cache_object(pc) if self.cache else None
        if obj is not None:
            obj = ("vexcg:" + obj[0], obj[1])
            e = self.cache.get(obj, pc, self.aspace.mem)
            if e is not None:
                guest, code, relocs, n_insns = e
                stub = self.vex.install(code, relocs, pc, self.vex_hot)
                if stub:
                    return self._install_vex(pc, len(guest), n_insns, stub)
        r = self.vex.translate(pc, self.vex_hot)
        if r is None:
            return False
        stub, size, n_insns, image = r
        if obj is not None and image is not None:
            self.cache.put(obj, pc, (bytes(self.aspace.mem[pc:pc + size]), *image, n_insns))
        return self._install_vex(pc, size, n_insns, stub)

    def _install_vex(self, pc: int, size: int, n_insns: int, stub: int) -> bool:
        self._install(pc, size, None, [], n_insns, "", f"<pygrind block {pc:#x}>", native=stub)
        if not self.try_native(pc):
            self.native[pc] = stub
            self.vex_pcs.add(pc)
            self.jit.engine.link(pc, stub)
            if self.cache and self._block_key(pc) in self._pending_hot():
                self.vex.set_count(stub, 1)  # hot last time: reported at its first run
        return True

    def _pending_hot(self) -> set[bytes]:
        if self._pending is None:
            self._pending = self.cache.pending_hot()
        return self._pending

    def _open_cache(self) -> None:
        if self.cache is None and self.session.options.code_cache:
            key = self.session.tool.cache_key()
            if key is not None:
                # the tool's own code shapes its instrumentation too, and so does the
                # register-update rule
                from ..backend import precision

                key += "|" + _source_digest(type(self.session.tool)) + "|" + precision.REGISTER_UPDATES
                if self.vex is not None:
                    key += "|" + self.vex.identity
            self.cache = CodeCache(self.session.options.backend, key) if key is not None else False

    def translate(self, pc: int, irsb: pyvex.IRSB | None = None, lift_time: float = 0.0) -> BlockFn:
        self._open_cache()
        obj = self._cache_object(pc) if self.cache else None
        filename = f"<pygrind block {pc:#x}>"
        if obj is not None:
            e = self.cache.get(obj, pc, self.aspace.mem)
            if e is not None:
                guest, code, line_addrs, ccalls = e
                ns: dict[str, object] = {}
                self._add_globals({ident: vexlib.helper(name, n) for ident, (name, n) in ccalls.items()})
                exec(code, self.globals, ns)
                return self._install(pc, len(guest), ns["blk"], line_addrs, 0, "", filename)
        t0 = time.perf_counter()
        if irsb is None:
            irsb = self._lift(pc)
            t1 = time.perf_counter()
            size = irsb.size
            n_insns = irsb.instructions
            irsb = self.session.tool.instrument(irsb, BlockInfo(pc, size, self.session))
        else:  # lifted and instrumented already (a block the JIT passed on)
            t1 = time.perf_counter()
            t0 = t1 - lift_time
            size, n_insns = irsb.size, irsb.instructions
        from ..backend.ref import codegen

        cb = codegen.compile_irsb(irsb)
        ns = {}
        pycode = compile(cb.source, filename, "exec")
        self._add_globals(cb.helpers)
        exec(pycode, self.globals, ns)
        fn = ns["blk"]
        t2 = time.perf_counter()
        self.lift_seconds += t1 - t0
        self.compile_seconds += t2 - t1
        self.blocks_lifted += 1
        if obj is not None and size > 0 and len(cb.ccalls) == len(cb.helpers):
            # only blocks whose helpers can be found again by name are saved
            self.cache.put(obj, pc, (bytes(self.aspace.mem[pc:pc + size]), pycode,
                                     cb.line_addrs, cb.ccalls))
        return self._install(pc, size, fn, cb.line_addrs, n_insns, cb.source, filename)

    def _add_globals(self, helpers: dict[str, object]) -> None:
        """Blocks share one globals dict; helper identifiers are unique per object."""
        g = self.globals
        for k, v in helpers.items():
            if g.setdefault(k, v) is not v:
                raise RuntimeError(f"helper name clash in generated code: {k}")

    def save_cache(self) -> None:
        if self.cache:
            self.cache.save()
            if self._promoting or self._pending:
                # blocks still being compiled (or hot before and not met this time)
                self.cache.save_pending_hot(set().union(self._pending or (), *self._promoting.values()))

    def invalidate(self, start: int, end: int) -> None:
        """Drop every translation with code in [start, end)."""
        for p in range(start >> PAGE_SHIFT, ((end - 1) >> PAGE_SHIFT) + 1):
            for a in self._by_page.pop(p, ()):
                tr = self.table.pop(a, None)
                if tr is not None:
                    self.fns.pop(a, None)
                    if a in self.vex_pcs:
                        self.vex.unchain(self.native[a])
                        self.vex_pcs.discard(a)
                    if self.jit is not None:
                        self.jit.engine.unlink(a)
                if self.native.pop(a, None) is not None and self.jit is not None:
                    self.jit.engine.unlink(a)
                    self.by_filename.pop(f"<pygrind block {a:#x}>", None)

    def fault_pc(self, tb) -> int | None:
        """Guest address of the instruction whose code raised, from a traceback."""
        found = None
        while tb is not None:
            tr = self.by_filename.get(tb.tb_frame.f_code.co_filename)
            if tr is not None:
                line = tb.tb_lineno
                if 1 <= line <= len(tr.line_addrs):
                    found = tr.line_addrs[line - 1]
            tb = tb.tb_next
        return found
