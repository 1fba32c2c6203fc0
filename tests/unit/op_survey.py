"""Survey which VEX operations pyvex emits for x86-64 code.

:func:`survey` lifts every basic block of the executable sections of a set of
binaries installed here (linear sweep: start at .text and at every function
symbol, then keep going block after block using the lifted block sizes) and
collects the names of all IR operations (``Iop_*``) and of all CCall / Dirty
helper callees seen.  Its result is recorded in ``data/ops_used.txt``.

:func:`isa_sweep` complements it: real binaries on one machine use only part
of the instruction set, so it lifts one instruction for every legacy
(non-VEX/EVEX) opcode x prefix x ModRM-form x imm8 combination and keeps those
that ``objdump`` also decodes as a valid instruction of the same length
(pyvex accepts some invalid encodings and decodes them as AVX-512 ops).
Its result is recorded in ``data/ops_isa.txt``.

Both are importable helpers (used by the ``slow`` tests in
test_ops_coverage.py) and a script that regenerates the data files::

    .venv/bin/python tests/unit/op_survey.py [--write]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyvex
from elftools.elf.elffile import ELFFile

DATA_DIR = Path(__file__).parent / "data"
DATA_FILE = DATA_DIR / "ops_used.txt"
ISA_DATA_FILE = DATA_DIR / "ops_isa.txt"

# Libraries and programs whose code the survey covers (the brief's list).
DEFAULT_BINARIES: tuple[str, ...] = (
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/lib/x86_64-linux-gnu/libm.so.6",
    "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
    "/lib/x86_64-linux-gnu/libgcc_s.so.1",
    "/lib64/ld-linux-x86-64.so.2",
    "/usr/bin/python3",
    "/bin/ls",
    "/usr/bin/sort",
    "/usr/bin/sha256sum",
    "/bin/gzip",
    "/bin/grep",
    "/bin/sed",
    "/usr/bin/gawk",
    "/usr/bin/mawk",
    "/usr/bin/find",
    "/bin/tar",
)

# Upper bound on the bytes handed to one lift call; VEX blocks are far smaller.
_WINDOW = 4096
_SHF_EXECINSTR = 0x4


def default_binaries() -> list[str]:
    """The surveyed binaries that exist here, symlinks resolved, no duplicates."""
    seen: dict[str, None] = {}
    for name in DEFAULT_BINARIES:
        if os.path.exists(name):
            seen.setdefault(os.path.realpath(name), None)
    return list(seen)


def _code_sections(elf: ELFFile) -> Iterator[tuple[int, bytes]]:
    for sec in elf.iter_sections():
        if sec["sh_flags"] & _SHF_EXECINSTR and sec["sh_type"] == "SHT_PROGBITS":
            yield sec["sh_addr"], sec.data()


def _function_starts(elf: ELFFile) -> set[int]:
    starts: set[int] = set()
    for secname in (".symtab", ".dynsym"):
        symtab = elf.get_section_by_name(secname)
        if symtab is None:
            continue
        for sym in symtab.iter_symbols():
            if sym["st_info"]["type"] == "STT_FUNC" and sym["st_value"]:
                starts.add(sym["st_value"])
    return starts


def iter_blocks(path: str) -> Iterator[pyvex.IRSB]:
    """Yield the IRSBs of a linear sweep over the code sections of ``path``."""
    with open(path, "rb") as f:
        elf = ELFFile(f)
        sections = list(_code_sections(elf))
        funcs = _function_starts(elf)
    for base, data in sections:
        end = base + len(data)
        # Restart the sweep at every function symbol so that one mis-decoded
        # run of bytes (data in code, alignment junk) cannot desynchronise
        # the rest of the section.
        starts = sorted({base} | {a for a in funcs if base <= a < end})
        starts.append(end)
        view = memoryview(data)
        for start, stop in zip(starts, starts[1:]):
            addr = start
            while addr < stop:
                off = addr - base
                try:
                    irsb = pyvex.lift(
                        bytes(view[off : off + _WINDOW]),
                        addr,
                        pyvex.ARCH_AMD64,
                        opt_level=1,
                    )
                except Exception:  # undecodable bytes: skip one and resync
                    addr += 1
                    continue
                yield irsb
                addr += irsb.size if irsb.size > 0 else 1


def _collect(irsb: pyvex.IRSB, ops: set[str], callees: set[str]) -> None:
    for stmt in irsb.statements:
        cee = getattr(stmt, "cee", None)  # Dirty
        if cee is not None:
            callees.add(cee.name)
        for expr in stmt.expressions:
            op = getattr(expr, "op", None)
            if isinstance(op, str) and op.startswith("Iop_"):
                ops.add(op)
            cee = getattr(expr, "cee", None)  # CCall
            if cee is not None:
                callees.add(cee.name)


def survey(paths: Iterable[str] | None = None) -> tuple[set[str], set[str]]:
    """Return (op names, CCall/Dirty callee names) pyvex emits for ``paths``."""
    ops: set[str] = set()
    callees: set[str] = set()
    for path in default_binaries() if paths is None else paths:
        for irsb in iter_blocks(path):
            _collect(irsb, ops, callees)
    return ops, callees


# -- ISA sweep ---------------------------------------------------------------

_PREFIXES = (b"", b"\x66", b"\xf2", b"\xf3", b"\x66\xf2", b"\x66\xf3", b"\xf0", b"\xf0\x66")
_REX = (b"", b"\x48")
_MAPS = (b"", b"\x0f", b"\x0f\x38", b"\x0f\x3a")
# one-byte opcodes that are prefixes, escapes or VEX/EVEX/XOP introducers
_SKIP_ONE_BYTE = frozenset(
    {0x0F, 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3,
     0xC4, 0xC5, 0x62, 0x8F} | set(range(0x40, 0x50)))
# pyvex 10.0.5 segfaults lifting legacy 66 0F 38 1A/1B after 66 0F 38 19
# (e.g. "66 0F 38 19 C1" then "66 0F 38 1A C1"); they are not SSE anyway
_SKIP_0F38 = frozenset({0x1A, 0x1B})
# 0F opcodes whose imm8 selects the operation (pshufd, shifts, cmpps, ...)
_IMM_0F = frozenset({0x70, 0x71, 0x72, 0x73, 0xA4, 0xAC, 0xBA, 0xC2, 0xC4, 0xC5, 0xC6})
# reg-reg (rm = rcx) and memory ([rcx]) forms for every ModRM.reg value
_MODRMS = tuple(0xC1 | r << 3 for r in range(8)) + tuple(0x01 | r << 3 for r in range(8))
_PROBE_IMMS = (0x00, 0x01, 0x02, 0x03, 0x04, 0x08, 0x40, 0x80, 0xFF)


def _lift_one(code: bytes) -> pyvex.IRSB | None:
    try:
        irsb = pyvex.lift(code, 0x400000, pyvex.ARCH_AMD64, opt_level=1, max_inst=1)
    except Exception:
        return None
    if irsb.jumpkind == "Ijk_NoDecode" or irsb.size == 0:
        return None
    return irsb


def _sweep_encodings() -> dict[bytes, tuple[set[str], set[str]]]:
    """Instruction bytes -> (ops, callees) for every encoding pyvex accepts."""
    found: dict[bytes, tuple[set[str], set[str]]] = {}

    def record(irsb: pyvex.IRSB, code: bytes) -> None:
        ops: set[str] = set()
        callees: set[str] = set()
        _collect(irsb, ops, callees)
        found.setdefault(code[: irsb.size], (ops, callees))

    pad = b"\x00" * 15
    for prefix in _PREFIXES:
        for rex in _REX:
            for opmap in _MAPS:
                for op in range(256):
                    if opmap == b"" and op in _SKIP_ONE_BYTE:
                        continue
                    if opmap == b"\x0f" and op in (0x0F, 0x38, 0x3A):
                        continue
                    if opmap == b"\x0f\x38" and op in _SKIP_0F38:
                        continue
                    x87 = opmap == b"" and 0xD8 <= op <= 0xDF
                    takes_imm = opmap == b"\x0f\x3a" or (opmap == b"\x0f" and op in _IMM_0F)
                    for modrm in range(256) if x87 else _MODRMS:
                        code = prefix + rex + opmap + bytes((op, modrm))
                        irsb = _lift_one(code + b"\x1b" + pad)
                        if irsb is not None:
                            record(irsb, code + b"\x1b" + pad)
                        if not takes_imm:
                            continue
                        group = opmap == b"\x0f" and op in (0x71, 0x72, 0x73, 0xBA)
                        if modrm not in (0xC1, 0x01) and not group:
                            continue
                        if irsb is None and all(
                            _lift_one(code + bytes((i,)) + pad) is None for i in _PROBE_IMMS
                        ):
                            continue
                        for imm in range(256):
                            irsb = _lift_one(code + bytes((imm,)) + pad)
                            if irsb is not None:
                                record(irsb, code + bytes((imm,)) + pad)
    return found


def _objdump_valid(encodings: list[bytes]) -> list[bool]:
    """Whether objdump decodes each encoding as one instruction of that length."""
    slot = 32
    blob = b"".join(e + b"\xcc" * (slot - len(e)) for e in encodings)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "code.bin")
        with open(path, "wb") as f:
            f.write(blob)
        out = subprocess.run(
            ["objdump", "-D", "-b", "binary", "-m", "i386:x86-64", "--insn-width=16", path],
            capture_output=True, text=True, check=True,
        ).stdout
    valid = [False] * len(encodings)
    line_re = re.compile(r"\s*([0-9a-f]+):\t([0-9a-f ]+)\t(.*)$")
    for line in out.splitlines():
        m = line_re.match(line)
        if not m:
            continue
        addr = int(m.group(1), 16)
        if addr % slot:
            continue
        i = addr // slot
        nbytes = len(m.group(2).split())
        valid[i] = nbytes == len(encodings[i]) and "(bad)" not in m.group(3)
    return valid


def isa_sweep() -> tuple[set[str], set[str]]:
    """Return (ops, callees) pyvex emits for valid legacy x86-64 encodings.

    Needs ``objdump`` (binutils); takes about a minute.
    """
    if shutil.which("objdump") is None:
        raise RuntimeError("isa_sweep needs objdump")
    found = _sweep_encodings()
    encodings = list(found)
    ops: set[str] = set()
    callees: set[str] = set()
    for enc, ok in zip(encodings, _objdump_valid(encodings)):
        if ok:
            ops |= found[enc][0]
            callees |= found[enc][1]
    return ops, callees


def read_data_file(path: Path = DATA_FILE) -> list[str]:
    """The recorded op list (blank lines and # comments ignored)."""
    lines = path.read_text().splitlines()
    return [s.strip() for s in lines if s.strip() and not s.startswith("#")]


def main(argv: list[str]) -> int:
    for label, fn, path in (("survey", survey, DATA_FILE), ("isa sweep", isa_sweep, ISA_DATA_FILE)):
        ops, callees = fn()
        print(f"{label}: {len(ops)} ops, {len(callees)} helper callees", file=sys.stderr)
        print("callees:", " ".join(sorted(callees)), file=sys.stderr)
        if "--write" in argv:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(op + "\n" for op in sorted(ops)))
        else:
            print("\n".join(sorted(ops)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
