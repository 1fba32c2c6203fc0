"""Tests for pygrind.core.debuginfo: symbols, DWARF lines, Valgrind's format."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pygrind.core.debuginfo import (
    BELOW_MAIN,
    DebugInfo,
    Frame,
    demangle,
    format_frame,
    is_below_main_name,
    is_trace_end,
)

PIE_BIAS = 0x555555554000
LIBC = "/lib/x86_64-linux-gnu/libc.so.6"

needs_gcc = pytest.mark.skipif(
    shutil.which("gcc") is None or shutil.which("addr2line") is None
    or shutil.which("nm") is None or shutil.which("objdump") is None,
    reason="needs gcc and binutils",
)

HELPER_H = """\
static inline int twice(int x)
{
    int y = x * 2;
    return y;
}
"""

PROG_C = """\
#include <stdio.h>
#include <stdlib.h>
#include "helper.h"

int deref(int *p)
{
    return *p;
}

static int counter(int n)
{
    int s = 0;
    for (int i = 0; i < n; i++)
        s += twice(i);
    return s;
}

int main(int argc, char **argv)
{
    int *p = malloc(sizeof *p);
    *p = argc;
    printf("%d\\n", counter(argc));
    printf("%d\\n", deref(p));
    free(p);
    (void)argv;
    return 0;
}
"""

INLINE_C = """\
#include <stdlib.h>
static inline __attribute__((always_inline)) int inner(int *p)
{
    return *p + 1;
}
static inline __attribute__((always_inline)) int middle(int *p)
{
    return inner(p) * 3;
}
__attribute__((noinline)) int outer(int *p)
{
    return middle(p) + 7;
}
int main(int argc, char **argv)
{
    int *p = malloc(sizeof *p);
    *p = argc;
    (void)argv;
    return outer(p);
}
"""

PROG_CC = """\
namespace ns {
struct K {
    int f(int *p) { return *p + 1; }
};
}
int main() { int v = 1; ns::K k; return k.f(&v); }
"""


def _run(*cmd: str | os.PathLike[str]) -> str:
    return subprocess.run([str(c) for c in cmd], check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture(scope="session")
def progs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc")
    d = tmp_path_factory.mktemp("dbgprogs")
    (d / "prog.c").write_text(PROG_C)
    (d / "helper.h").write_text(HELPER_H)
    out = {
        "pie": d / "prog_pie",
        "nopie": d / "prog_nopie",
        "nog": d / "prog_nog",
        "dwarf4": d / "prog_dwarf4",
    }
    flags = {
        "pie": ["-g", "-O0", "-fPIE", "-pie"],
        "nopie": ["-g", "-O0", "-fno-pie", "-no-pie"],
        "nog": ["-O0"],
        "dwarf4": ["-gdwarf-4", "-O0", "-fno-pie", "-no-pie"],
    }
    for key, path in out.items():
        subprocess.run(["gcc", *flags[key], "prog.c", "-o", path.name], cwd=d, check=True)
    # Separate debug info: everything stripped, found through .gnu_debuglink.
    if shutil.which("objcopy") and shutil.which("strip"):
        debug = d / "prog_split.debug"
        split = d / "prog_split"
        _run("objcopy", "--only-keep-debug", out["pie"], debug)
        _run("strip", "--strip-all", "-o", split, out["pie"])
        subprocess.run(["objcopy", f"--add-gnu-debuglink={debug.name}", split.name],
                       cwd=d, check=True)
        out["split"] = split
    (d / "inline.c").write_text(INLINE_C)
    subprocess.run(["gcc", "-g", "-O2", "inline.c", "-o", "prog_inline"], cwd=d, check=True)
    out["inline"] = d / "prog_inline"
    if shutil.which("g++"):
        (d / "prog.cc").write_text(PROG_CC)
        subprocess.run(["g++", "-g", "-O0", "prog.cc", "-o", "prog_cxx"], cwd=d, check=True)
        out["cxx"] = d / "prog_cxx"
    return out


def _nm(path: Path, dynamic: bool = False) -> dict[str, tuple[int, int]]:
    """name -> (value, size) of the text symbols ``nm`` reports."""
    args = ["nm", "-S", "--defined-only"] + (["-D"] if dynamic else []) + [str(path)]
    table: dict[str, tuple[int, int]] = {}
    for line in _run(*args).splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "TtWwi":
            table.setdefault(parts[3], (int(parts[0], 16), int(parts[1], 16)))
        elif len(parts) == 3 and parts[1] in "TtWwi":
            table.setdefault(parts[2], (int(parts[0], 16), 0))
    return table


def _insn_addrs(path: Path, func: str) -> list[int]:
    """Addresses of every instruction of ``func`` (link-time addresses)."""
    text = _run("objdump", "-d", f"--disassemble={func}", path)
    return [int(m.group(1), 16) for m in re.finditer(r"^\s+([0-9a-f]+):\t", text, re.M)]


def _addr2line(path: Path, addrs: list[int]) -> list[tuple[str, str, int | None]]:
    """(function, file basename, line) per address, as addr2line sees them."""
    out = _run("addr2line", "-f", "-e", path, *[hex(a) for a in addrs]).splitlines()
    result = []
    for fn, where in zip(out[0::2], out[1::2], strict=True):
        where = where.split(" (discriminator")[0]
        file, _, line = where.rpartition(":")
        result.append((fn, os.path.basename(file),
                       int(line) if line.isdigit() and line != "0" else None))
    return result


def _register(path: Path, bias: int) -> DebugInfo:
    """Map ``path`` as the loader would: PIE at ``bias``, non-PIE at 0x400000."""
    di = DebugInfo()
    start = bias if bias else 0x400000
    di.add_object(str(path), bias, start, start + 0x100000)
    return di


# ---------------------------------------------------------------------------
# Formatting


def test_format_frame_shapes() -> None:
    assert format_frame(Frame(0x4005D4, "main", "prog.c", 12, "/src", "/tmp/a.out"),
                        True) == "at 0x4005D4: main (prog.c:12)"
    assert format_frame(Frame(0x48E1D09, BELOW_MAIN, "libc-start.c", 308, None, "/lib/libc"),
                        False) == "by 0x48E1D09: (below main) (libc-start.c:308)"
    assert format_frame(Frame(0x401136, "foo", obj="/tmp/a.out"),
                        True) == "at 0x401136: foo (in /tmp/a.out)"
    assert format_frame(Frame(0x401136, None, obj="/tmp/a.out"),
                        False) == "by 0x401136: ??? (in /tmp/a.out)"
    assert format_frame(Frame(0x1234567), True) == "at 0x1234567: ???"
    # Uppercase hex digits, no zero padding, lowercase "0x".
    assert format_frame(Frame(0xABC), False) == "by 0xABC: ???"
    assert format_frame(Frame(0x0), True) == "at 0x0: ???"


def test_format_frame_fullpath() -> None:
    frame = Frame(0x10, "f", "x.c", 3, "/home/me/src", "/bin/x")
    assert format_frame(frame, True, fullpath=True) == "at 0x10: f (/home/me/src/x.c:3)"
    assert format_frame(frame, True) == "at 0x10: f (x.c:3)"


def test_below_main_names() -> None:
    for name in ("__libc_start_main", "__libc_start_main@@GLIBC_2.34",
                 "__libc_start_call_main", "generic_start_main.isra.0", "_start"):
        assert is_below_main_name(name), name
    for name in ("main", "__libc_start_mainx", "start", "_start_thread"):
        assert not is_below_main_name(name), name
    assert is_trace_end(Frame(1, "main"))
    assert is_trace_end(Frame(1, BELOW_MAIN, below_main=True))
    assert not is_trace_end(Frame(1, "foo"))


def test_demangle() -> None:
    assert demangle("main") == "main"
    assert demangle("_ZN2ns1K1fEPi") == "ns::K::f(int*)"
    assert demangle("_Znwm") == "operator new(unsigned long)"
    assert demangle("_Znwm@@GLIBCXX_3.4") == "operator new(unsigned long)@@GLIBCXX_3.4"
    assert demangle("_ZN3foo3barEv.cold") == "foo::bar() [clone .cold]"
    assert demangle("_Znot_really_mangled") == "_Znot_really_mangled"


# ---------------------------------------------------------------------------
# Symbols and lines of compiled programs


@needs_gcc
@pytest.mark.parametrize("kind,bias", [("pie", PIE_BIAS), ("nopie", 0), ("dwarf4", 0)])
def test_lines_match_addr2line(progs: dict[str, Path], kind: str, bias: int) -> None:
    prog = progs[kind]
    di = _register(prog, bias)
    addrs: list[int] = []
    for func in ("main", "deref", "counter", "twice"):
        found = _insn_addrs(prog, func)
        assert found, func
        addrs += found
    in_twice = set(_insn_addrs(prog, "twice"))
    expected = _addr2line(prog, addrs)
    for vaddr, (fn, file, line) in zip(addrs, expected, strict=True):
        frame = di.describe(vaddr + bias)
        assert frame.addr == vaddr + bias
        assert frame.obj == str(prog.resolve())
        assert frame.fn == fn, hex(vaddr)
        assert frame.line == line, hex(vaddr)
        if vaddr in in_twice:
            # binutils 2.40's addr2line names the CU's own file for rows that
            # use DWARF 5's default file register (1 = helper.h here);
            # readelf, gdb and Valgrind all say helper.h.
            assert frame.file == "helper.h", hex(vaddr)
        else:
            assert frame.file == file, hex(vaddr)
        assert frame.dirname == str(prog.parent)


@needs_gcc
def test_describe_main_exact_text(progs: dict[str, Path]) -> None:
    prog = progs["pie"]
    di = _register(prog, PIE_BIAS)
    value, _size = _nm(prog)["main"]
    addr = PIE_BIAS + value + 4
    (fn, file, line), = _addr2line(prog, [value + 4])
    assert (fn, file) == ("main", "prog.c")
    assert format_frame(di.describe(addr), True) == f"at 0x{addr:X}: main (prog.c:{line})"
    assert format_frame(di.describe(addr), False) == f"by 0x{addr:X}: main (prog.c:{line})"


@needs_gcc
def test_without_debug_info_names_the_object(progs: dict[str, Path]) -> None:
    prog = progs["nog"]
    di = _register(prog, PIE_BIAS)
    symbols = _nm(prog)
    for name in ("main", "deref", "counter", "twice", "_start"):
        value, size = symbols[name]
        for off in {0, max(size - 1, 0)}:
            frame = di.describe(PIE_BIAS + value + off)
            assert frame.file is None and frame.line is None
            expected = BELOW_MAIN if name == "_start" else name
            assert frame.fn == expected
            assert format_frame(frame, False) == (
                f"by 0x{PIE_BIAS + value + off:X}: {expected} (in {prog.resolve()})")
    # Valgrind's --show-below-main=yes keeps the real name.
    shown = DebugInfo(show_below_main=True)
    shown.add_object(str(prog), PIE_BIAS, PIE_BIAS, PIE_BIAS + 0x100000)
    frame = shown.describe(PIE_BIAS + symbols["_start"][0])
    assert frame.fn == "_start" and frame.below_main


@needs_gcc
def test_unknown_addresses(progs: dict[str, Path]) -> None:
    prog = progs["nopie"]
    di = _register(prog, 0)
    assert format_frame(di.describe(0x1234567), True) == "at 0x1234567: ???"
    # Inside the object but in no function: the ELF header.
    lo = min(v for v, _ in _nm(prog).values())
    frame = di.describe(0x400000)
    assert 0x400000 < lo
    assert frame.fn is None and frame.obj == str(prog.resolve())
    assert format_frame(frame, False) == f"by 0x400000: ??? (in {prog.resolve()})"


@needs_gcc
def test_registration_is_lazy_and_remove_range(progs: dict[str, Path]) -> None:
    prog = progs["pie"]
    di = DebugInfo()
    di.add_object(str(prog), PIE_BIAS, PIE_BIAS + 0x1000, PIE_BIAS + 0x2000)
    (obj,) = {id(m.obj): m.obj for m in di._maps}.values()
    assert not obj._loaded  # nothing read until an address is described
    assert di.describe(PIE_BIAS + 0x5000) == Frame(PIE_BIAS + 0x5000)
    assert not obj._loaded
    main = PIE_BIAS + _nm(prog)["main"][0]
    assert di.describe(main).fn == "main"
    assert obj._loaded
    # munmap of a hole splits the mapping; the rest still resolves.
    di.remove_range(main, main + 1)
    assert di.describe(main) == Frame(main)
    assert di.describe(main + 1).fn == "main"
    di.remove_range(PIE_BIAS, PIE_BIAS + 0x10000)
    assert di.describe(main + 1) == Frame(main + 1)
    assert di.find_symbol("main") is None
    assert di.loaded_objects() == []


@needs_gcc
def test_same_file_twice_shares_cache(progs: dict[str, Path]) -> None:
    prog = progs["nopie"]
    di = DebugInfo()
    di.add_object(str(prog), 0, 0x400000, 0x401000)
    di.add_object(str(prog), 0, 0x401000, 0x402000)
    assert len({id(m.obj) for m in di._maps}) == 1
    assert di.loaded_objects() == [(str(prog.resolve()), 0)]


@needs_gcc
def test_find_symbol_in_program(progs: dict[str, Path]) -> None:
    prog = progs["pie"]
    di = _register(prog, PIE_BIAS)
    symbols = _nm(prog)
    assert di.find_symbol("deref") == PIE_BIAS + symbols["deref"][0]
    assert di.symbol_address("main") == PIE_BIAS + symbols["main"][0]
    assert di.find_symbol("main", "prog_pie") == PIE_BIAS + symbols["main"][0]
    assert di.find_symbol("main", "libc.so") is None
    assert di.find_symbol("no_such_function") is None
    listed = {s.name: s for s in di.symbols_of("prog_pie")}
    assert listed["counter"].addr == PIE_BIAS + symbols["counter"][0]
    assert listed["counter"].size == symbols["counter"][1]
    assert listed["counter"].obj == str(prog.resolve())


@needs_gcc
def test_separate_debug_file_via_debuglink(progs: dict[str, Path]) -> None:
    if "split" not in progs:
        pytest.skip("needs objcopy and strip")
    split, full = progs["split"], progs["pie"]
    assert _nm(split) == {} or "main" not in _nm(split)  # really stripped
    di = _register(split, PIE_BIAS)
    value, _ = _nm(full)["main"]
    (_fn, file, line), = _addr2line(full, [value + 8])
    frame = di.describe(PIE_BIAS + value + 8)
    assert (frame.fn, frame.file, frame.line) == ("main", file, line)
    assert frame.obj == str(split.resolve())
    assert di.debug_file_of(str(split)) == str(split.parent / "prog_split.debug")


@needs_gcc
def test_separate_debug_file_via_build_id(progs: dict[str, Path], tmp_path: Path) -> None:
    if "split" not in progs:
        pytest.skip("needs objcopy and strip")
    notes = _run("readelf", "-n", progs["split"])
    match = re.search(r"Build ID: ([0-9a-f]+)", notes)
    if match is None:
        pytest.skip("no build-id")
    build_id = match.group(1)
    root = tmp_path / "debugroot"
    target = root / ".build-id" / build_id[:2] / (build_id[2:] + ".debug")
    target.parent.mkdir(parents=True)
    shutil.copy(progs["split"].parent / "prog_split.debug", target)
    alone = tmp_path / "alone"
    shutil.copy(progs["split"], alone)  # its debuglink target is not beside it
    di = DebugInfo(debug_dirs=(str(root),))
    di.add_object(str(alone), PIE_BIAS, PIE_BIAS, PIE_BIAS + 0x100000)
    value, _ = _nm(progs["pie"])["deref"]
    frame = di.describe(PIE_BIAS + value)
    assert frame.fn == "deref" and frame.file == "prog.c"
    assert di.debug_file_of(str(alone)) == str(target)


@needs_gcc
def test_cxx_names_are_demangled(progs: dict[str, Path]) -> None:
    if "cxx" not in progs:
        pytest.skip("needs g++")
    prog = progs["cxx"]
    di = _register(prog, PIE_BIAS)
    value, _ = _nm(prog)["_ZN2ns1K1fEPi"]
    (_fn, file, line), = _addr2line(prog, [value + 4])
    addr = PIE_BIAS + value + 4
    assert format_frame(di.describe(addr), True) == (
        f"at 0x{addr:X}: ns::K::f(int*) ({file}:{line})")
    assert di.find_symbol("_ZN2ns1K1fEPi") == PIE_BIAS + value
    raw = DebugInfo(demangle=False)
    raw.add_object(str(prog), PIE_BIAS, PIE_BIAS, PIE_BIAS + 0x100000)
    assert raw.describe(addr).fn == "_ZN2ns1K1fEPi"


@needs_gcc
def test_inlined_frames_match_addr2line(progs: dict[str, Path]) -> None:
    prog = progs["inline"]
    di = _register(prog, PIE_BIAS)
    addrs = _insn_addrs(prog, "outer")
    text = _run("addr2line", "-i", "-f", "-e", prog, *[hex(a) for a in addrs])
    # addr2line -i prints (function, file:line) pairs for each inline level,
    # innermost first; every chain here ends with the real function, outer.
    lines = text.splitlines()
    chains: list[list[tuple[str, int | None]]] = []
    chain: list[tuple[str, int | None]] = []
    for fn, where in zip(lines[0::2], lines[1::2], strict=True):
        line = where.split(" (discriminator")[0].rpartition(":")[2]
        chain.append((fn, int(line) if line.isdigit() and line != "0" else None))
        if fn == "outer":
            chains.append(chain)
            chain = []
    assert len(chains) == len(addrs) and not chain
    assert any(len(c) == 3 for c in chains)  # inner <- middle <- outer exists
    for addr, chain in zip(addrs, chains, strict=True):
        frames = di.describe_inlined(addr + PIE_BIAS)
        assert [(f.fn, f.line) for f in frames] == chain, hex(addr)
        assert all(f.addr == addr + PIE_BIAS for f in frames)
        assert frames[-1].fn == di.describe(addr + PIE_BIAS).fn == "outer"
        assert all(f.file in ("inline.c", None) for f in frames)
    deepest = next(a for a, c in zip(addrs, chains, strict=True) if len(c) == 3) + PIE_BIAS
    frames = di.describe_inlined(deepest)
    text = [format_frame(f, i == 0) for i, f in enumerate(frames)]
    assert text[0] == f"at 0x{deepest:X}: inner (inline.c:{frames[0].line})"
    assert text[1] == f"by 0x{deepest:X}: middle (inline.c:8)"
    assert text[2] == f"by 0x{deepest:X}: outer (inline.c:12)"
    # describe() is the --read-inline-info=no view: symbol + line-table line.
    single = di.describe(deepest)
    assert (single.fn, single.line) == ("outer", frames[0].line)


@needs_gcc
def test_describe_inlined_without_inlining(progs: dict[str, Path]) -> None:
    prog = progs["pie"]
    di = _register(prog, PIE_BIAS)
    main = PIE_BIAS + _nm(prog)["main"][0] + 4
    assert di.describe_inlined(main) == [di.describe(main)]
    assert di.describe_inlined(0x1234) == [Frame(0x1234)]
    nog = _register(progs["nog"], PIE_BIAS)
    main = PIE_BIAS + _nm(progs["nog"])["main"][0]
    assert nog.describe_inlined(main) == [nog.describe(main)]


# ---------------------------------------------------------------------------
# libc


needs_libc = pytest.mark.skipif(not os.path.exists(LIBC) or shutil.which("nm") is None,
                                reason="needs glibc and nm")


@needs_libc
def test_libc_find_symbol_matches_nm() -> None:
    bias = 0x4858000
    di = DebugInfo()
    di.add_object(LIBC, bias, bias, bias + 0x200000)
    dyn = {name.split("@")[0]: v for name, (v, _s) in _nm(Path(LIBC), dynamic=True).items()}
    for name in ("malloc", "free", "calloc", "realloc", "memcpy", "strlen", "__libc_start_main"):
        assert di.find_symbol(name) == bias + dyn[name], name
        assert di.find_symbol(name, "libc.so") == bias + dyn[name], name
    assert di.find_symbol("malloc", "ld-linux") is None
    frame = di.describe(bias + dyn["malloc"] + 1)
    assert frame.fn == "malloc"
    assert frame.obj == os.path.realpath(LIBC)
    listed = {s.name: s for s in di.symbols_of("libc.so")}
    assert listed["memcpy"].ifunc and not listed["malloc"].ifunc
    # Aliases at one address: the shortest name wins, as in Valgrind.
    assert di.describe(bias + dyn["strdup"]).fn == "strdup"


@needs_libc
def test_libc_below_main_and_source_lines_with_libc6_dbg() -> None:
    bias = 0x4858000
    di = DebugInfo()
    di.add_object(LIBC, bias, bias, bias + 0x200000)
    start_main = di.find_symbol("__libc_start_main")
    assert start_main is not None
    frame = di.describe(start_main + 0x10)
    assert frame.fn == BELOW_MAIN and frame.below_main and is_trace_end(frame)
    if di.debug_file_of(LIBC) is None:
        pytest.skip("libc6-dbg not installed: no libc source lines")
    assert frame.file == "libc-start.c" and frame.line
    shown = DebugInfo(show_below_main=True)
    shown.add_object(LIBC, bias, bias, bias + 0x200000)
    assert shown.describe(start_main + 0x10).fn == "__libc_start_main@@GLIBC_2.34"
    strdup = di.find_symbol("strdup")
    assert strdup is not None
    frame = di.describe(strdup + 0x19)
    assert frame.fn == "strdup" and frame.file == "strdup.c"
    assert frame.dirname is not None and frame.dirname.endswith("string")
