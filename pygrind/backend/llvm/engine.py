"""The JIT's machinery: LLVM (through llvmlite), the context shared with compiled code,
the native dispatcher, and the few callbacks from native code into Python.

Compiled blocks and the dispatcher share a context (`Ctx`, below). The dispatcher is a
native loop: it looks the guest PC up in a direct-mapped table of (pc, code) pairs,
calls the block, and goes on with the PC it returns, until a block asks for the core
(a system call, a fault, a client request), the table misses, or the budget of blocks
runs out. Python sees one ctypes call per such event, not per block.
"""

from __future__ import annotations

import ctypes
import functools
import threading

import llvmlite.binding as llvm

#: direct-mapped dispatch table size (entries of 16 bytes: guest pc, code address)
TABLE_BITS = 18
TABLE_SIZE = 1 << TABLE_BITS

# Ctx.exit_kind values (5 and 6 are set by libVEX-generated code: see backend/vexcg)
EXIT_NONE, EXIT_JUMPKIND, EXIT_FAULT, EXIT_MISS, EXIT_BUDGET = 0, 1, 2, 3, 4
EXIT_VEXTRC = 5  # a libVEX block ended asking for the core; Ctx.jk holds libVEX's TRC code
EXIT_HOT = 6  # a libVEX block has run often enough for LLVM; it did not run this time


class Ctx(ctypes.Structure):
    """Shared between Python, the dispatcher and compiled blocks (offsets are ABI)."""

    _fields_ = [
        ("exit_kind", ctypes.c_uint64),  # 0
        ("jk", ctypes.c_uint64),  # 8: jump kind code when exit_kind == EXIT_JUMPKIND
        ("fault_pc", ctypes.c_uint64),  # 16
        ("next_pc", ctypes.c_uint64),  # 24
        ("mem", ctypes.c_uint64),  # 32: host address of client address 0
        ("pt", ctypes.c_uint64),  # 40: page table
        ("counters", ctypes.c_uint64),  # 48: tool counters (uint64 array)
        ("table", ctypes.c_uint64),  # 56: dispatch table
        ("budget", ctypes.c_uint64),  # 64: blocks left before returning to Python
        ("modcounts", ctypes.c_uint64),  # 72: per-module execution counts (uint64 array)
        # 80: while libVEX-made code runs, the address of its event counter (an int32 that
        # ends a chain of its blocks at 0; see backend/vexcg), else 0
        ("vex_counter", ctypes.c_uint64),
        ("spare", ctypes.c_uint64 * 5),
    ]


CTX_OFFSETS = {name: getattr(Ctx, name).offset for name, _ in Ctx._fields_}

#: ends every line of a block's run-counting code (an LLVM IR comment; see irgen)
COUNT_MARK = " ; pg-count"

_DISPATCHER_IR = f"""
define i64 @pg_dispatch(ptr %S, ptr %C, i64 %pc0) {{
entry:
  %tabpp = getelementptr i8, ptr %C, i64 {CTX_OFFSETS['table']}
  %tab = load ptr, ptr %tabpp
  %budp = getelementptr i8, ptr %C, i64 {CTX_OFFSETS['budget']}
  br label %loop
loop:
  %pc = phi i64 [ %pc0, %entry ], [ %next, %cont ]
  %sh = lshr i64 %pc, {TABLE_BITS}
  %mix = xor i64 %pc, %sh
  %h = and i64 %mix, {TABLE_SIZE - 1}
  %e = getelementptr {{i64, ptr}}, ptr %tab, i64 %h
  %epc = load i64, ptr %e
  %hit = icmp eq i64 %epc, %pc
  br i1 %hit, label %run, label %miss
run:
  %fnp = getelementptr {{i64, ptr}}, ptr %e, i32 0, i32 1
  %fn = load ptr, ptr %fnp
  %next = call i64 %fn(ptr %S, ptr %C)
  %ek = load i64, ptr %C
  %stop = icmp ne i64 %ek, 0
  br i1 %stop, label %out, label %cont
cont:
  %b = load volatile i64, ptr %budp
  %b1 = sub i64 %b, 1
  store volatile i64 %b1, ptr %budp
  %z = icmp eq i64 %b1, 0
  br i1 %z, label %budget, label %loop
budget:
  store i64 {EXIT_BUDGET}, ptr %C
  ret i64 %next
miss:
  store i64 {EXIT_MISS}, ptr %C
  ret i64 %pc
out:
  ret i64 %next
}}
"""


def _dispatcher_object(cache_dir: str | None) -> bytes:
    """The optimised dispatcher, kept on disk (10 ms to make, and every start needs it);
    the file name covers the IR and the LLVM version."""
    import hashlib
    from pathlib import Path

    from ...core.codecache import write_atomically

    path = None
    if cache_dir is not None:
        key = hashlib.sha256(f"{_DISPATCHER_IR}|{llvm.llvm_version_info}".encode()).hexdigest()[:20]
        path = Path(cache_dir) / f"dispatcher-{key}.o"
        try:
            return path.read_bytes()
        except OSError:
            pass
    obj = optimized_object(_DISPATCHER_IR)
    if path is not None:
        write_atomically(path, obj)
    return obj


def table_index(pc: int) -> int:
    return (pc ^ (pc >> TABLE_BITS)) & (TABLE_SIZE - 1)


_local = threading.local()


def optimized_object(text: str) -> bytes:
    """Compile a module of LLVM IR text with optimisation: a few IR passes that keep
    guest registers in host registers within a block (and across a block's own loop),
    then codegen at O2. About 3 ms a block, so it runs on the optimizer's thread; it may
    run on any thread (each has its own LLVM context and target machine)."""
    if not hasattr(_local, "tm"):
        _init_llvm()
        target = llvm.Target.from_default_triple()
        _local.tm = target.create_target_machine(opt=2, codemodel="jitdefault")
        _local.context = llvm.create_context()
        _local.pto = llvm.create_pipeline_tuning_options(speed_level=2)
    mod = llvm.parse_assembly(text, context=_local.context)
    pb = llvm.create_pass_builder(_local.tm, _local.pto)
    mpm = llvm.create_new_module_pass_manager()
    mpm.add_sroa_pass()
    mpm.add_instruction_combine_pass()
    mpm.add_simplify_cfg_pass()
    mpm.add_new_gvn_pass()
    mpm.add_dead_store_elimination_pass()
    mpm.add_instruction_combine_pass()
    mpm.run(mod, pb)
    return _local.tm.emit_object(mod)


@functools.cache
def _init_llvm() -> llvm.TargetMachine:
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    llvm.initialize_native_asmparser()  # for the few ops rendered as x86 instructions
    target = llvm.Target.from_default_triple()
    return target.create_target_machine(opt=0, codemodel="jitdefault")


class Engine:
    """One MCJIT engine per session: modules are added to it and never removed (blocks
    that are invalidated are unlinked from the dispatch table; their code stays)."""

    def __init__(self, cache_dir: str | None = None) -> None:
        self.tm = _init_llvm()
        empty = llvm.parse_assembly("")
        self.ee = llvm.create_mcjit_compiler(empty, self.tm)
        self.lock = threading.Lock()
        self._symbols: set[str] = set()
        self._keep: list[object] = []
        self.table = (ctypes.c_uint64 * (2 * TABLE_SIZE))()
        self.ctx = Ctx()
        self.ctx.table = ctypes.addressof(self.table)
        self.modules = 0
        # every slot's pc all ones: no guest pc is (one memset, not a Python loop)
        ctypes.memset(self.table, 0xFF, ctypes.sizeof(self.table))
        self._runtime_symbols()
        # the dispatcher runs between every two blocks: worth LLVM's full optimisation
        mod = self.load_object(_dispatcher_object(cache_dir), ["pg_dispatch"])
        self.dispatch = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p, ctypes.c_void_p,
                                         ctypes.c_uint64)(mod["pg_dispatch"])

    def _runtime_symbols(self) -> None:
        """LLVM lowers 128-bit division to libgcc calls; MCJIT finds only what the
        process has loaded, so load libgcc_s and name them."""
        try:
            libgcc = ctypes.CDLL("libgcc_s.so.1")
        except OSError:
            return
        for name in ("__divti3", "__modti3", "__udivti3", "__umodti3", "__multi3"):
            fn = getattr(libgcc, name, None)
            if fn is not None:
                self.add_symbol(name, ctypes.cast(fn, ctypes.c_void_p).value, libgcc)

    def add_symbol(self, name: str, address: int, keep: object = None) -> None:
        """Make `name` resolvable by compiled code (a libVEX helper, a callback)."""
        if name not in self._symbols:
            llvm.add_symbol(name, address)
            self._symbols.add(name)
            if keep is not None:
                self._keep.append(keep)

    def compile_ir(self, text: str, names: list[str]) -> dict[str, int]:
        """Compile a module of LLVM IR text; returns the addresses of `names`."""
        mod = llvm.parse_assembly(text)
        with self.lock:
            self.ee.add_module(mod)
            self.ee.finalize_object()
            self.modules += 1
            return {n: self.ee.get_function_address(n) for n in names}

    def compile_object(self, text: str) -> bytes:
        """Compile a module of LLVM IR text to an object file (kept for later runs), fast:
        no IR passes, codegen at O0 (the optimizer redoes hot modules; see optimizer.py)."""
        mod = llvm.parse_assembly(text)
        return self.tm.emit_object(mod)

    def load_object(self, obj: bytes, names: list[str]) -> dict[str, int]:
        """Link an object file into the engine; returns the addresses of `names`."""
        with self.lock:
            self.ee.add_object_file(llvm.ObjectFileRef.from_data(obj))
            self.ee.finalize_object()
            self.modules += 1
            return {n: self.ee.get_function_address(n) for n in names}

    def link(self, pc: int, code: int) -> None:
        """Point the dispatch table's slot for pc at native code."""
        i = table_index(pc)
        self.table[2 * i] = pc
        self.table[2 * i + 1] = code

    def unlink(self, pc: int) -> None:
        """Take pc's native code out of the table (its translation was dropped: the guest
        code changed). Chains look targets up in the table, so none goes there again;
        native code running now (a block looping on itself, maybe the very one) is made
        to return to the dispatcher at its next block by a budget of 1."""
        i = table_index(pc)
        if self.table[2 * i] == pc:
            self.table[2 * i] = 0xFFFFFFFFFFFFFFFF
            self.table[2 * i + 1] = 0
        self.ctx.budget = 1
        if self.ctx.vex_counter:
            ctypes.c_int32.from_address(self.ctx.vex_counter).value = 0
