"""Tests for pygrind.core.unwind: CFI decoding and stack traces checked against gdb.

Small C programs are built at test time, run under gdb in batch mode and
stopped in their innermost function; a gdb Python hook records gdb's own
backtrace (frame pcs), the registers, the whole ``[stack]`` mapping and
``/proc/PID/maps``.  The Unwinder then walks the same stack offline and
must find the same return addresses.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from pygrind.core.debuginfo import DebugInfo
from pygrind.core.unwind import (
    OFFSET,
    RBP,
    RIP,
    RSP,
    UNDEFINED,
    CfiSection,
    ObjectCfi,
    Unwinder,
    eval_expression,
)

LIBC = "/lib/x86_64-linux-gnu/libc.so.6"

# -- programs -------------------------------------------------------------------

REC_C = r"""
#include <stdio.h>
#include <stdlib.h>
volatile int sink;

__attribute__((noinline)) int leaf(int x)
{
    sink += x;
    return sink * 2;
}

__attribute__((noinline)) int level3(int x)
{
    int r = leaf(x + 1);
    sink += r;
    return r + 3;
}

__attribute__((noinline)) int level2(int x)
{
    /* alloca makes gcc keep a frame pointer (CFA based on rbp) even at -O2 */
    char *buf = __builtin_alloca((size_t)(x & 7) * 16 + 16);
    buf[0] = (char)x;
    int r = level3(x + buf[0]);
    sink += r + buf[0];
    return r + 2;
}

__attribute__((noinline)) int level1(int x)
{
    int r = level2(x + 1);
    sink += r;
    return r + 1;
}

int main(int argc, char **argv)
{
    (void)argv;
    printf("%d\n", level1(argc));
    return 0;
}
"""

QSORT_C = r"""
#include <stdio.h>
#include <stdlib.h>
volatile int sink;

__attribute__((noinline)) int leaf(int x)
{
    sink += x;
    return sink;
}

__attribute__((noinline)) static int cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    leaf(x);
    sink += y;
    return (x > y) - (x < y);
}

int main(void)
{
    int v[] = {5, 3, 9, 1, 7, 2, 8};
    qsort(v, sizeof v / sizeof v[0], sizeof v[0], cmp);
    printf("%d\n", v[0]);
    return 0;
}
"""

PLT_C = r"""
#include <stdio.h>
int main(void)
{
    puts("hi");
    return 0;
}
"""

# The gdb side: record gdb's backtrace, registers, stack and maps at each stop.
GDB_HOOK = r"""
import gdb, json, os

_snaps = []

def snap():
    inf = gdb.selected_inferior()
    frame = gdb.newest_frame()
    regs = {r: int(frame.read_register(r)) & 0xFFFFFFFFFFFFFFFF
            for r in ("rip", "rsp", "rbp")}
    pcs = []
    while frame is not None:
        # Inline and tail-call frames are gdb's reconstructions from DWARF
        # (no frame of their own on the stack): Valgrind does not show them.
        if frame.type() not in (gdb.INLINE_FRAME, gdb.TAILCALL_FRAME):
            pcs.append(frame.pc())
        frame = frame.older()
    with open("/proc/%d/maps" % inf.pid) as f:
        maps = f.read()
    lo = hi = 0
    for line in maps.splitlines():
        if line.endswith("[stack]"):
            lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
    n = len(_snaps)
    path = os.environ["UNWIND_OUT"] + ".%d.stack" % n
    with open(path, "wb") as f:
        f.write(inf.read_memory(lo, hi - lo).tobytes())
    _snaps.append({"regs": regs, "pcs": pcs, "maps": maps, "stack": [lo, hi],
                   "stack_file": path})

def save():
    with open(os.environ["UNWIND_OUT"], "w") as f:
        json.dump(_snaps, f)
"""

SETTINGS = ["set pagination off", "set confirm off", "set backtrace past-main on",
            "set backtrace past-entry on", "set debuginfod enabled off"]

SNAP = "python snap()"


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    flags: tuple[str, ...]
    commands: tuple[str, ...]  # gdb commands after start-up; SNAP records a stop


_LEAF = ("break leaf", "run", SNAP)
_PLT = ("break *'puts@plt'", "run", SNAP, "stepi", SNAP, "stepi", SNAP, "stepi", SNAP,
        "stepi", SNAP)

CASES = [
    Case("O0_g_pie", REC_C, ("-O0", "-g", "-pie", "-fPIE"), _LEAF),
    Case("O2_g_pie", REC_C, ("-O2", "-g", "-pie", "-fPIE"), _LEAF),
    Case("O2_nopie_nog", REC_C, ("-O2", "-no-pie", "-fno-pie"), _LEAF),
    Case("O2_omitfp", REC_C, ("-O2", "-g", "-fomit-frame-pointer"), _LEAF),
    Case("O0_omitfp_nog", REC_C, ("-O0", "-fomit-frame-pointer"), _LEAF),
    # Only .debug_frame for the program's own code.
    Case("O0_debug_frame", REC_C, ("-O0", "-g", "-fno-asynchronous-unwind-tables"), _LEAF),
    # No CFI at all for the program's own code: the frame-pointer fallback.
    Case("O0_no_cfi", REC_C, ("-O0", "-fno-asynchronous-unwind-tables", "-fno-unwind-tables",
                              "-fno-omit-frame-pointer"), _LEAF),
    Case("qsort_O2", QSORT_C, ("-O2", "-g"), _LEAF),
    Case("qsort_O0_nopie", QSORT_C, ("-O0", "-no-pie", "-fno-pie"), _LEAF),
    # Stops in the lazy-binding PLT: entry, push, jmp, PLT0, PLT0's jmp.
    Case("plt_lazy", PLT_C, ("-O0", "-no-pie", "-fno-pie", "-Wl,-z,lazy"), _PLT),
]


@dataclass
class Snapshot:
    case: str
    exe: Path
    regs: dict[str, int]
    pcs: list[int]
    maps: list[tuple[int, int, int, str]]  # start, end, file offset, path
    stack: tuple[int, int]
    stack_data: bytes

    def debuginfo(self) -> DebugInfo:
        di = DebugInfo()
        biases: dict[str, int] = {}
        for start, _end, offset, path in self.maps:
            if offset == 0 and path not in biases:
                biases[path] = start - _first_load_base(path)
        for start, end, _offset, path in self.maps:
            if path in biases:
                di.add_object(path, biases[path], start, end)
        return di

    def reader(self):  # noqa: ANN201
        lo, hi = self.stack
        files: dict[str, bytes] = {}

        def read_u64(addr: int) -> int | None:
            if lo <= addr and addr + 8 <= hi:
                return struct.unpack_from("<Q", self.stack_data, addr - lo)[0]
            for start, end, offset, path in self.maps:
                if start <= addr and addr + 8 <= end:
                    if path not in files:
                        files[path] = Path(path).read_bytes()
                    pos = addr - start + offset
                    data = files[path]
                    if pos + 8 <= len(data):
                        return struct.unpack_from("<Q", data, pos)[0]
                    return None
            return None

        return read_u64


def _first_load_base(path: str) -> int:
    """ELF address of file offset 0 (p_vaddr - p_offset of the first PT_LOAD)."""
    with open(path, "rb") as f:
        head = f.read(64)
        phoff, = struct.unpack_from("<Q", head, 32)
        phentsize, phnum = struct.unpack_from("<HH", head, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    for i in range(phnum):
        p_type, _flags, p_offset, p_vaddr = struct.unpack_from("<IIQQ", table, i * phentsize)
        if p_type == 1:
            return p_vaddr - p_offset
    return 0


def _parse_maps(text: str) -> list[tuple[int, int, int, str]]:
    out = []
    for line in text.splitlines():
        parts = line.split(None, 5)
        if len(parts) < 6 or not parts[5].startswith("/"):
            continue
        start, end = (int(x, 16) for x in parts[0].split("-"))
        out.append((start, end, int(parts[2], 16), parts[5].strip()))
    return out


def _build_and_capture(case: Case, d: Path) -> list[Snapshot]:
    src = d / f"{case.name}.c"
    src.write_text(case.source)
    exe = d / case.name
    subprocess.run(["gcc", *case.flags, "-o", str(exe), str(src)], check=True,
                   capture_output=True)
    hook = d / "hook.py"
    out = d / f"{case.name}.json"
    args = ["gdb", "-nx", "-batch", "-ex", f"source {hook}"]
    for cmd in (*SETTINGS, *case.commands, "python save()", "kill"):
        args += ["-ex", cmd]
    env = dict(os.environ, UNWIND_OUT=str(out))
    env.pop("LD_BIND_NOW", None)
    proc = subprocess.run([*args, str(exe)], capture_output=True, text=True, env=env,
                          timeout=60, stdin=subprocess.DEVNULL)
    if not out.exists():
        raise RuntimeError(f"gdb failed for {case.name}:\n{proc.stdout}\n{proc.stderr}")
    snaps = []
    for raw in json.loads(out.read_text()):
        snaps.append(Snapshot(case.name, exe, raw["regs"], raw["pcs"], _parse_maps(raw["maps"]),
                              tuple(raw["stack"]), Path(raw["stack_file"]).read_bytes()))
    return snaps


@pytest.fixture(scope="session")
def captures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Snapshot]]:
    if shutil.which("gdb") is None or shutil.which("gcc") is None:
        pytest.skip("needs gdb and gcc")
    d = tmp_path_factory.mktemp("unwind")
    (d / "hook.py").write_text(GDB_HOOK)
    # A quick probe: gdb may be unable to trace (no ptrace permission).
    probe = subprocess.run(["gdb", "-nx", "-batch", "-ex", "run", "/bin/true"],
                           capture_output=True, text=True, timeout=60,
                           stdin=subprocess.DEVNULL)
    if "exited normally" not in probe.stdout + probe.stderr:
        pytest.skip("gdb cannot run programs here")
    # gdb spends most of its time waiting on the inferior: overlap generously.
    with ThreadPoolExecutor(max_workers=len(CASES)) as pool:
        results = list(pool.map(lambda c: _build_and_capture(c, d), CASES))
    return {case.name: snaps for case, snaps in zip(CASES, results, strict=True)}


def _unwind(snap: Snapshot, limits: bool = True, max_frames: int = 50) -> list[int]:
    unwinder = Unwinder(snap.debuginfo())
    return unwinder.stack_trace(snap.regs["rip"], snap.regs["rsp"], snap.regs["rbp"],
                                snap.reader(), max_frames=max_frames,
                                stack_limits=snap.stack if limits else None)


def _fmt(pcs: list[int], di: DebugInfo) -> str:
    return "\n".join(f"  {pc:#x} {di.describe(pc if i == 0 else pc - 1).fn}"
                     for i, pc in enumerate(pcs))


# -- stack traces against gdb ----------------------------------------------------

@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_matches_gdb(captures: dict[str, list[Snapshot]], name: str) -> None:
    snaps = captures[name]
    assert snaps, "gdb recorded no stop"
    for snap in snaps:
        ours = _unwind(snap)
        di = snap.debuginfo()
        assert ours == snap.pcs, (f"{name} at {snap.regs['rip']:#x}\nours:\n{_fmt(ours, di)}"
                                  f"\ngdb:\n{_fmt(snap.pcs, di)}")


def test_expected_shape(captures: dict[str, list[Snapshot]]) -> None:
    """The traces go where they should: through main down to _start, and
    through libc for the qsort callback."""
    for name in ("O0_g_pie", "O2_nopie_nog", "O0_no_cfi"):
        snap = captures[name][0]
        di = snap.debuginfo()
        fns = [di.describe(pc if i == 0 else pc - 1).fn for i, pc in enumerate(_unwind(snap))]
        assert fns[:5] == ["leaf", "level3", "level2", "level1", "main"], fns
        assert snap.pcs[-1] == _unwind(snap)[-1]
        assert len(fns) >= 7
    snap = captures["qsort_O2"][0]
    di = snap.debuginfo()
    trace = _unwind(snap)
    objects = [di.object_at(pc) for pc in trace]
    libc = os.path.realpath(LIBC)
    first_libc = objects.index(libc)
    assert objects[0] == objects[1] == str(snap.exe.resolve())  # leaf, cmp
    assert str(snap.exe.resolve()) in objects[first_libc:]      # back into main


def test_without_stack_limits(captures: dict[str, list[Snapshot]]) -> None:
    for name in ("O2_g_pie", "O0_no_cfi", "qsort_O2"):
        snap = captures[name][0]
        assert _unwind(snap, limits=False) == snap.pcs


def test_max_frames(captures: dict[str, list[Snapshot]]) -> None:
    snap = captures["O0_g_pie"][0]
    assert _unwind(snap, max_frames=3) == snap.pcs[:3]
    assert _unwind(snap, max_frames=1) == [snap.regs["rip"]]
    assert _unwind(snap, max_frames=0) == []


def test_stack_limits_cut_the_walk(captures: dict[str, list[Snapshot]]) -> None:
    snap = captures["O0_g_pie"][0]
    unwinder = Unwinder(snap.debuginfo())
    rsp = snap.regs["rsp"]
    # At -O0 leaf's frame is [saved rbp, return address]: with only those
    # two words inside the limits the walk stops in level3.
    trace = unwinder.stack_trace(snap.regs["rip"], rsp, snap.regs["rbp"], snap.reader(),
                                 max_frames=50, stack_limits=(rsp, rsp + 16))
    assert trace == snap.pcs[:2]
    trace = unwinder.stack_trace(snap.regs["rip"], rsp, snap.regs["rbp"], snap.reader(),
                                 max_frames=50, stack_limits=(rsp, rsp + 8))
    assert trace == [snap.regs["rip"]]
    # rsp outside the limits: nothing but the pc.
    trace = unwinder.stack_trace(snap.regs["rip"], rsp, snap.regs["rbp"], snap.reader(),
                                 stack_limits=(rsp + 4096, rsp + 8192))
    assert trace == [snap.regs["rip"]]


def test_unreadable_stack_gives_one_frame(captures: dict[str, list[Snapshot]]) -> None:
    snap = captures["O2_g_pie"][0]
    unwinder = Unwinder(snap.debuginfo())
    trace = unwinder.stack_trace(snap.regs["rip"], snap.regs["rsp"], snap.regs["rbp"],
                                 lambda a: None)
    assert trace == [snap.regs["rip"]]


def test_cfi_rows_agree_with_pyelftools(captures: dict[str, list[Snapshot]]) -> None:
    """Row by row, our decoder says what pyelftools says (where it can)."""
    from elftools.dwarf.callframe import FDE, RegisterRule
    from elftools.elf.elffile import ELFFile

    kinds = {RegisterRule.OFFSET: OFFSET, RegisterRule.UNDEFINED: UNDEFINED}
    paths = [str(captures["O2_g_pie"][0].exe), str(captures["O0_debug_frame"][0].exe),
             "/lib64/ld-linux-x86-64.so.2"]
    checked = 0
    for path in paths:
        if not os.path.exists(path):
            continue
        ours = ObjectCfi(path)
        with open(path, "rb") as f:
            dwarf = ELFFile(f).get_dwarf_info()
            entries = list(dwarf.EH_CFI_entries()) if dwarf.has_EH_CFI() else []
            if dwarf.has_CFI():
                entries += list(dwarf.CFI_entries())
        for entry in entries:
            if not isinstance(entry, FDE):
                continue
            try:
                table = entry.get_decoded().table
            except Exception:  # pyelftools 0.33 chokes on DW_CFA_GNU_args_size
                continue
            start = entry["initial_location"]
            for row in table:
                mine = ours.row_at(row["pc"])
                assert mine is not None, (path, hex(row["pc"]))
                cfa = row["cfa"]
                if cfa.expr is None:
                    assert (mine.cfa_expr, mine.cfa_reg, mine.cfa_offset) == \
                        (None, cfa.reg, cfa.offset), (path, hex(row["pc"]), hex(start))
                else:
                    assert mine.cfa_expr is not None
                for reg in (RBP, RIP, 3, 12, 13, 14, 15):
                    rule = row.get(reg)
                    got = mine.rules.get(reg)
                    if rule is None or rule.type not in kinds:
                        continue
                    assert got is not None and got[0] == kinds[rule.type], (path, hex(row["pc"]))
                    if rule.type == RegisterRule.OFFSET:
                        assert got[1] == rule.arg
                checked += 1
    assert checked > 100


# -- pieces without gdb ----------------------------------------------------------

def _plt_cfa(rip_offset: int) -> int | None:
    # DW_OP_breg7 8; DW_OP_breg16 0; lit15; and; lit11; ge; lit3; shl; plus
    expr = bytes([0x77, 0x08, 0x80, 0x00, 0x3F, 0x1A, 0x3B, 0x2A, 0x33, 0x24, 0x22])
    return eval_expression(expr, {RSP: 0x7000, RIP: 0x401030 + rip_offset}, lambda a: None)


def test_plt_expression() -> None:
    assert _plt_cfa(0) == 0x7008    # before the push
    assert _plt_cfa(6) == 0x7008
    assert _plt_cfa(11) == 0x7010   # after the push
    assert _plt_cfa(15) == 0x7010
    assert _plt_cfa(16) == 0x7008   # next entry


def test_expression_ops() -> None:
    def ev(ops: list[int], regs: dict[int, int | None] | None = None,
           mem: dict[int, int] | None = None, push: int | None = None) -> int | None:
        memory = mem or {}
        return eval_expression(bytes(ops), regs or {}, memory.get, push)

    assert ev([0x31, 0x32, 0x1C]) == (1 - 2) & ((1 << 64) - 1)        # minus wraps
    assert ev([0x08, 0xFF, 0x23, 0x01]) == 0x100                      # const1u, plus_uconst
    assert ev([0x09, 0xFE, 0x35, 0x1E]) == (-10) & ((1 << 64) - 1)    # const1s, mul
    assert ev([0x77, 0x10, 0x06], {RSP: 0x100}, {0x110: 0x1234}) == 0x1234  # deref
    assert ev([0x77, 0x10, 0x06], {RSP: 0x100}, {}) is None           # unreadable
    assert ev([0x76, 0x00], {RSP: 1}) is None                         # unknown rbp
    assert ev([0x23, 0x08], push=0x1000) == 0x1008                    # CFA pushed first
    assert ev([0x32, 0x33, 0x16, 0x1C]) == 1                          # swap
    assert ev([0x30, 0x28, 0x01, 0x00, 0x31, 0x32]) == 2              # bra not taken
    assert ev([0x2F, 0x01, 0x00, 0x31, 0x32]) == 2                    # skip
    assert ev([0x22]) is None                                         # stack underflow
    assert ev([0x2F, 0xFD, 0xFF]) is None                             # endless loop
    assert ev([0x11, 0x7F, 0x31, 0x2D]) == 1                          # consts -1 < 1 (signed)
    assert ev([0x11, 0x7C, 0x32, 0x26]) == (-1) & ((1 << 64) - 1)     # shra keeps the sign
    assert ev([0x5F]) is None                                         # DW_OP_reg15: not CFI


def _uleb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def test_synthetic_eh_frame() -> None:
    """A hand-made .eh_frame: CIE + FDE with remember/restore_state and
    advance_loc forms, indexed by walking (no .eh_frame_hdr)."""
    vaddr = 0x2000
    cie_body = (b"\x01" + b"zR\0" + _uleb(1) + b"\x78" + _uleb(16) + _uleb(1) + b"\x1b"
                + b"\x0c\x07\x08" + b"\x90\x01")  # def_cfa rsp+8; offset rip at cfa-8
    cie_body += b"\0" * (-(len(cie_body) + 8) % 8)
    cie = struct.pack("<II", len(cie_body) + 4, 0) + cie_body
    fde_pos = len(cie)
    func = 0x1000
    insns = (b"\x41" + b"\x0e\x10" + b"\x86\x02"     # +1: cfa rsp+16, rbp at cfa-16
             + b"\x43" + b"\x0d\x06"                 # +4: cfa register rbp
             + b"\x0a"                               # remember_state
             + b"\x02\x20" + b"\x0c\x07\x08"         # +0x24: cfa rsp+8 (epilogue)
             + b"\xc6"                               # restore rbp
             + b"\x41" + b"\x0b")                    # +0x25: restore_state
    # The pc-relative start is relative to where the field is, i.e. fde_pos + 8.
    start_field = func - (vaddr + fde_pos + 8)
    fde_body = struct.pack("<iI", start_field, 0x40) + _uleb(0) + insns
    fde_body += b"\0" * (-(len(fde_body) + 8) % 8)
    fde = struct.pack("<II", len(fde_body) + 4, fde_pos + 4) + fde_body
    data = cie + fde + b"\0\0\0\0"
    sec = CfiSection(data, vaddr, True)
    sec.index_by_walking()
    assert len(sec) == 1
    assert sec.find(func - 1) is None and sec.find(func + 0x40) is None

    def row(pc: int):  # noqa: ANN202
        fde_entry = sec.find(pc)
        assert fde_entry is not None
        return sec.row_at(fde_entry, pc)

    r = row(func)
    assert (r.cfa_reg, r.cfa_offset, r.rules) == (RSP, 8, {RIP: (OFFSET, -8)})
    r = row(func + 1)
    assert (r.cfa_reg, r.cfa_offset, r.rules[RBP]) == (RSP, 16, (OFFSET, -16))
    r = row(func + 0x23)
    assert (r.cfa_reg, r.cfa_offset) == (RBP, 16)
    r = row(func + 0x24)
    assert (r.cfa_reg, r.cfa_offset) == (RSP, 8) and RBP not in r.rules
    r = row(func + 0x30)
    assert (r.cfa_reg, r.cfa_offset, r.rules[RBP]) == (RBP, 16, (OFFSET, -16))


class _Memory:
    def __init__(self) -> None:
        self.words: dict[int, int] = {}

    def __call__(self, addr: int) -> int | None:
        return self.words.get(addr)


def test_frame_pointer_fallback_and_unknown_code() -> None:
    """Code in no known object: the rbp chain; and a call to address 0
    takes the word at rsp as the return address."""
    di = DebugInfo()
    unwinder = Unwinder(di)
    mem = _Memory()
    # JIT-like code at 0x10000 (readable, no CFI); frames at 0x7f00.. chained by rbp.
    for a in range(0x10000, 0x10100, 8):
        mem.words[a] = 0x90909090
    mem.words[0x7F00] = 0x7F40      # saved rbp
    mem.words[0x7F08] = 0x10010     # return address
    mem.words[0x7F40] = 0x7F80
    mem.words[0x7F48] = 0x10020
    mem.words[0x7F80] = 0
    mem.words[0x7F88] = 0           # end of the chain
    trace = unwinder.stack_trace(0x10005, 0x7EE0, 0x7F00, mem, stack_limits=(0x7000, 0x8000))
    assert trace == [0x10005, 0x10010, 0x10020]
    # A return address in unmapped memory stops the walk.
    mem.words[0x7F48] = 0xDEAD0000
    trace = unwinder.stack_trace(0x10005, 0x7EE0, 0x7F00, mem, stack_limits=(0x7000, 0x8000))
    assert trace == [0x10005, 0x10010]
    # rbp that does not look like a frame pointer: stop.
    assert unwinder.stack_trace(0x10005, 0x7EE0, 0x7EE3, mem) == [0x10005]
    assert unwinder.stack_trace(0x10005, 0x7EE0, 0x100, mem) == [0x10005]


def test_call_through_null_pointer() -> None:
    if not os.path.exists(LIBC):
        pytest.skip("needs libc")
    di = DebugInfo()
    base = 0x7F0000000000
    di.add_object(LIBC, base, base, base + 0x200000)
    unwinder = Unwinder(di)
    mem = _Memory()
    ret = di.find_symbol("qsort") or base + 0x1000
    mem.words[0x7F00] = ret + 5
    trace = unwinder.stack_trace(0, 0x7F00, 0, mem, max_frames=2,
                                 stack_limits=(0x7000, 0x8000))
    assert trace == [0, ret + 5]


def test_libc_first_use_latency() -> None:
    if not os.path.exists(LIBC):
        pytest.skip("needs libc")
    di = DebugInfo()
    base = 0x7F0000000000
    di.add_object(LIBC, base, base, base + 0x200000)
    qsort = di.find_symbol("qsort")
    assert qsort is not None
    unwinder = Unwinder(di)
    t0 = time.perf_counter()
    row = unwinder.row_at(qsort + 4)
    elapsed = time.perf_counter() - t0
    assert row is not None and row.rules[RIP] == (OFFSET, -8)
    assert unwinder.cfi_of(os.path.realpath(LIBC)).fde_count() > 1000
    assert elapsed < 0.3, f"first use of libc's CFI took {elapsed:.3f} s"
