"""The first tier for blocks no tool instruments: libVEX's own code generator.

See vexcg.c for what the C side does. Here: loading it, handing it the address space's
layout and the JIT's callbacks, and translating blocks. A block it declines (an op or
statement it does not handle, an undecodable instruction) goes to the Python tier.
"""

from __future__ import annotations

import ctypes
import os
import time
from typing import TYPE_CHECKING

from ...core import jumpkinds, vexlib
from ...core.aspace import P_R, P_R2, P_W, P_W2, P_WREAL, P_X, SPACE_BITS
from .. import precision
from ..llvm.engine import TABLE_BITS

if TYPE_CHECKING:
    from pathlib import Path

    from ...core.aspace import AddressSpace
    from ..llvm.runtime import JitRuntime


class _Config(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in (
        "mem_base", "page_table", "space_bits", "ctx", "mem_slow", "hostaddr", "cas_slow",
        "div_fault", "precise", "p_r", "p_w", "p_r2", "p_w2", "p_x", "p_wreal", "table_bits")]


class _Result(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in (
        "size", "n_insns", "status", "portable", "image", "code_len", "relocs", "n_relocs")]


#: why a block was declined (pgv_result.status)
DECLINED = {1: "libVEX failed", 2: "unsupported", 3: "undecodable", 4: "not executable"}

#: libVEX's TRC codes (libvex_trc_values.h) -> pygrind's jump kinds
TRC_JUMPKINDS = {
    73: jumpkinds.SYSCALL, 87: jumpkinds.SIGSEGV, 85: jumpkinds.SIGTRAP,
    69: jumpkinds.NODECODE, 65: jumpkinds.CLIENTREQ,
    # yield, emulation warning, no-redir, invalidate icache, boring: nothing to do
    67: jumpkinds.BORING, 63: jumpkinds.BORING, 81: jumpkinds.BORING, 61: jumpkinds.BORING,
    95: jumpkinds.BORING,
}


class VexCodegen:
    def __init__(self, lib: ctypes.CDLL, ops_table: Path, aspace: AddressSpace,
                 jit: JitRuntime) -> None:
        self.lib = lib
        lib.pgv_translate.argtypes = [ctypes.c_uint64, ctypes.c_uint64, ctypes.POINTER(_Result)]
        lib.pgv_translate.restype = ctypes.c_uint64
        lib.pgv_init.argtypes = [ctypes.POINTER(_Config)]
        lib.pgv_init.restype = ctypes.c_int
        lib.pgv_set_count.argtypes = [ctypes.c_uint64, ctypes.c_uint64]
        lib.pgv_set_count.restype = None
        lib.pgv_set_ops.argtypes = [ctypes.c_char_p, ctypes.c_uint64]
        lib.pgv_set_ops.restype = None
        lib.pgv_install.argtypes = [ctypes.c_char_p, ctypes.c_uint64, ctypes.c_char_p,
                                    ctypes.c_uint64, ctypes.c_uint64, ctypes.c_uint64]
        lib.pgv_install.restype = ctypes.c_uint64
        lib.pgv_unchain.argtypes = [ctypes.c_uint64]
        lib.pgv_unchain.restype = None
        #: restore the jumps chained to a block's code (see vexcg.c: chaining)
        self.unchain = lib.pgv_unchain
        #: set the runs left before a block is reported hot
        self.set_count = lib.pgv_set_count
        cbs = jit.callback_addresses()
        cfg = _Config(
            mem_base=aspace.base, page_table=jit.engine.ctx.pt, space_bits=SPACE_BITS,
            ctx=ctypes.addressof(jit.engine.ctx), mem_slow=cbs["pg_mem_slow"],
            hostaddr=cbs["pg_hostaddr"], cas_slow=cbs["pg_cas_slow"],
            div_fault=cbs["pg_div_fault"],
            precise=precision.CHOICES.index(precision.REGISTER_UPDATES),
            p_r=P_R, p_w=P_W, p_r2=P_R2, p_w2=P_W2, p_x=P_X, p_wreal=P_WREAL,
            table_bits=TABLE_BITS)
        #: sizeof(VexGuestAMD64State), or < 0 if libVEX could not be initialised
        self.state_size = lib.pgv_init(ctypes.byref(cfg))
        ops = ops_table.read_bytes()
        lib.pgv_set_ops(ops, len(ops))
        self._res = _Result()
        self.blocks = 0
        self.loaded = 0
        #: what the saved code depends on besides pygrind's sources: this library and
        #: the libVEX it calls into (relocations are offsets into both)
        st = os.stat(vexlib.library()._name)
        self.identity = f"{os.path.basename(lib._name)}|{st.st_size}|{st.st_mtime_ns}"
        self.declined: dict[str, int] = {}
        self.seconds = 0.0

    def translate(self, pc: int, count: int) -> tuple[int, int, int, tuple | None] | None:
        """(entry stub, guest size, instructions, portable image or None) of the block
        at pc, or None; the image, (code, relocations), is what `install` takes in a
        later run. `count` runs make the block hot."""
        t0 = time.perf_counter()
        res = self._res
        with vexlib.LOCK:
            stub = self.lib.pgv_translate(pc, count, res)
        self.seconds += time.perf_counter() - t0
        if not stub:
            why = DECLINED.get(res.status, str(res.status))
            self.declined[why] = self.declined.get(why, 0) + 1
            return None
        self.blocks += 1
        image = None
        if res.portable:
            image = (ctypes.string_at(res.image, res.code_len),
                     ctypes.string_at(res.relocs, 4 * res.n_relocs))
        return stub, res.size, res.n_insns, image

    def install(self, code: bytes, relocs: bytes, pc: int, count: int) -> int:
        """Entry stub of a block's code saved by an earlier run (0: out of memory)."""
        self.loaded += 1
        return self.lib.pgv_install(code, len(code), relocs, len(relocs) // 4, pc, count)

    def code_bytes(self) -> int:
        return ctypes.c_uint64.in_dll(self.lib, "pgv_code_bytes").value

    def chained(self) -> int:
        return ctypes.c_uint64.in_dll(self.lib, "pgv_chained").value


def load(aspace: AddressSpace, jit: JitRuntime, cache_dir: str | None) -> VexCodegen | None:
    """The tier, or None if its library cannot be built or loaded here."""
    from . import build

    path = build.library_path(cache_dir)
    if path is None:
        return None
    try:
        vexlib.library()  # libpyvex first, so that the loader finds it by its soname
        lib = ctypes.CDLL(str(path))
        cg = VexCodegen(lib, path.with_suffix(".ops"), aspace, jit)
    except OSError:
        return None
    if cg.state_size < 0:
        return None
    return cg
