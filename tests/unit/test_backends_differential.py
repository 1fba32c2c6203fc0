"""Backend against backend: recorded blocks (lifted from the C library and python3) run
through the reference backend and the JIT from the same random guest state and memory;
the next PC, the jump kind, any fault, every byte of the guest state and of the memory
they touch must be the same."""

from __future__ import annotations

import ctypes
import random
import subprocess

import pytest

pyvex = pytest.importorskip("pyvex")

from jit_shared import DATA, DATA_SIZE, shared_runtime  # noqa: E402

from pygrind.backend.llvm import irgen  # noqa: E402
from pygrind.backend.llvm.engine import EXIT_FAULT, EXIT_JUMPKIND, optimized_object  # noqa: E402
from pygrind.backend.llvm.optimizer import optimised_job  # noqa: E402
from pygrind.backend.llvm.runtime import JitRuntime  # noqa: E402,F401 - the runtime type
from pygrind.backend.ref import codegen, runtime  # noqa: E402
from pygrind.core import jumpkinds  # noqa: E402
from pygrind.core.errors import ClientFault  # noqa: E402
from pygrind.core.state import GPRS, RIP, STATE_SIZE, YMM0, YMM_STRIDE, GuestState  # noqa: E402

LIBS = ["/lib/x86_64-linux-gnu/libc.so.6", "/usr/bin/python3"]
BLOCKS_PER_LIB = 150


def _recorded_blocks() -> list[tuple[str, int, bytes]]:
    """Blocks at the start of exported functions (a fixed, deterministic sample)."""
    out = []
    for path in LIBS:
        try:
            syms = subprocess.run(["nm", "-D", "--defined-only", path], capture_output=True,
                                  text=True, check=True).stdout
            data = open(path, "rb").read()
        except (OSError, subprocess.CalledProcessError):
            continue
        addrs = sorted({int(line.split()[0], 16) for line in syms.splitlines()
                        if " T " in line or " t " in line})
        rng = random.Random(path)
        for a in sorted(rng.sample(addrs, min(BLOCKS_PER_LIB, len(addrs)))):
            # non-PIE python3 links at 0x400000; libc (PIE) at 0: file offset = vaddr - base
            base = 0x400000 if a >= 0x400000 and path.endswith("python3") else 0
            off = a - base
            if 0 <= off < len(data):
                out.append((path, a, data[off:off + 800]))
    return out


BLOCKS = _recorded_blocks()


@pytest.fixture(scope="module")
def world():
    aspace, jit, counters = shared_runtime()
    g = runtime.make_globals(aspace)
    g["C"] = counters.values
    return aspace, jit, g


def _random_state(rng: random.Random) -> GuestState:
    st = GuestState()
    for off in GPRS.values():
        st.put(off, DATA + rng.randrange(4096, DATA_SIZE - 4096) if rng.random() < 0.85
               else rng.getrandbits(64))
    for i in range(16):
        off = YMM0 + i * YMM_STRIDE
        st.buf[off:off + 16] = rng.randbytes(16)
    return st


def _run_ref(g, irsb, st: GuestState):
    cb = codegen.compile_irsb(irsb)
    ns: dict = {}
    exec(compile(cb.source, "<diff>", "exec"), {**g, **cb.helpers}, ns)
    try:
        pc, jk = ns["blk"](st.buf, st.q, st.i, st.addr)
        return ("ok", pc, jk)
    except ClientFault as f:
        return ("fault", f.signo, f.addr)
    except ZeroDivisionError:
        return ("fault", 8, None)


def _run_jit(jit: JitRuntime, irsb, st: GuestState, name: str, optimized: bool = False):
    addrs, _ = jit.compile([(irsb.addr, irsb)])
    if optimized:
        # the optimising tier's version of the same module (see optimizer.py)
        names, helpers, text = jit.last_text
        job = optimised_job(None, names, helpers, text)
        addrs = jit.load((job.names, job.helpers, optimized_object(job.text)))
    fn = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p, ctypes.c_void_p)(addrs[irsb.addr])
    ctx = jit.engine.ctx
    ctx.exit_kind = 0
    ctx.budget = 0  # a block that loops on itself goes round once, as the reference does
    pc = fn(st.addr, ctypes.addressof(ctx))
    if ctx.exit_kind == EXIT_FAULT:
        f, jit.pending_fault = jit.pending_fault, None
        return ("fault", f.signo, None if f.signo == 8 else f.addr)
    jk = ctx.jk if ctx.exit_kind == EXIT_JUMPKIND else jumpkinds.BORING
    return ("ok", pc, jk)


@pytest.mark.skipif(not BLOCKS, reason="no system libraries to record blocks from")
@pytest.mark.parametrize("optimized", [False, True], ids=["first", "optimized"])
@pytest.mark.parametrize("path,addr,code", BLOCKS, ids=[f"{p.split('/')[-1]}@{a:#x}" for p, a, _ in BLOCKS])
def test_backends_agree_on_recorded_block(world, path, addr, code, optimized):
    aspace, jit, g = world
    try:
        irsb = pyvex.lift(code, addr, pyvex.ARCH_AMD64, opt_level=1)
    except pyvex.PyVEXError:
        pytest.skip("not decodable")
    if irsb.jumpkind == "Ijk_NoDecode" and irsb.size == 0:
        pytest.skip("not decodable")
    rng = random.Random(addr)
    state0 = _random_state(rng)
    mem0 = rng.randbytes(DATA_SIZE)

    aspace.mem[DATA:DATA + DATA_SIZE] = mem0
    st_ref = GuestState()
    st_ref.copy_from(state0)
    ref = _run_ref(g, irsb.deep_copy() if hasattr(irsb, "deep_copy") else _relift(code, addr), st_ref)
    mem_ref = bytes(aspace.mem[DATA:DATA + DATA_SIZE])

    aspace.mem[DATA:DATA + DATA_SIZE] = mem0
    st_jit = GuestState()
    st_jit.copy_from(state0)
    try:
        jit_res = _run_jit(jit, _relift(code, addr), st_jit, f"d_{addr:x}", optimized)
    except irgen.Unsupported as e:
        pytest.skip(f"the JIT does not compile this block: {e}")
    mem_jit = bytes(aspace.mem[DATA:DATA + DATA_SIZE])

    assert jit_res == ref
    # RIP is carried by the dispatcher, not stored by either backend in mid-block
    diff = [o for o in range(STATE_SIZE) if st_ref.buf[o] != st_jit.buf[o] and not RIP <= o < RIP + 8]
    assert not diff, f"guest state differs at offsets {diff[:16]}"
    if mem_ref != mem_jit:
        first = next(i for i in range(DATA_SIZE) if mem_ref[i] != mem_jit[i])
        pytest.fail(f"memory differs first at {DATA + first:#x}")


def _relift(code: bytes, addr: int):
    return pyvex.lift(code, addr, pyvex.ARCH_AMD64, opt_level=1)
