"""pygrind on things it cannot run: each gives Valgrind's exit status and exactly one line
on stderr, starting with "pygrind: ", and never a Python traceback.

Statuses (Valgrind's, and the shell's): 127 for a program that is not there, 126 for one
that cannot be run, 1 for a bad option.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

PROGS = Path(__file__).resolve().parent / "progs"


def _make_exec(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    path.chmod(0o755)
    return path


def elf64_header(machine: int, *, etype: int = 2, phnum: int = 1) -> bytes:
    """A plausible ELF64 little-endian executable: header, one PT_LOAD, some code bytes."""
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    ehdr = ident + struct.pack("<HHIQQQIHHHHHH", etype, machine, 1, 0x400078, 64, 0, 0, 64, 56,
                               phnum, 64, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, 0x400000, 0x400000, 0x100, 0x100, 0x1000)
    body = ehdr + phdr * phnum
    return body + b"\x90" * (0x100 - len(body))


def elf32_header(machine: int) -> bytes:
    """A plausible ELF32 little-endian executable (EI_CLASS=1)."""
    ident = b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)
    ehdr = ident + struct.pack("<HHIIIIIHHHHHH", 2, machine, 1, 0x8048054, 52, 0, 0, 52, 32, 1,
                               40, 0, 0)
    phdr = struct.pack("<IIIIIIII", 1, 0, 0x8048000, 0x8048000, 0x80, 0x80, 5, 0x1000)
    body = ehdr + phdr
    return body + b"\x90" * (0x80 - len(body))


def build_32bit(pg, tmp_path: Path) -> tuple[Path, str]:
    """A real 32-bit x86 ELF if gcc can make one here, else a crafted header."""
    attempts = [
        ([PROGS / "hello.c"], ["-m32", "-O1"]),
        ([PROGS / "tiny32.c"], ["-m32", "-nostdlib", "-static", "-O1"]),
    ]
    for srcs, flags in attempts:
        try:
            exe = pg.build(srcs, flags=flags, name=f"{srcs[0].stem}-m32", on_error="raise")
            return exe, "built with gcc " + " ".join(flags)
        except pg.BuildError:
            continue
    return _make_exec(tmp_path / "crafted32", elf32_header(3)), "crafted ELF32 header"


def bad_program(kind: str, pg, tmp_path: Path) -> tuple[list[str], int]:
    """The command line (after pygrind's own options) for each kind of bad input, and the
    exit status expected."""
    if kind == "missing-path":
        return [str(tmp_path / "no" / "such-program")], 127
    if kind == "missing-in-path":
        return ["pygrind-no-such-program-anywhere"], 127
    if kind == "directory":
        d = tmp_path / "a-directory"
        d.mkdir()
        d.chmod(0o755)
        return [str(d)], 126
    if kind == "text-file":
        p = _make_exec(tmp_path / "notes.txt",
                       b"\x01\x02 this is not a program: neither an ELF nor a #! script\n" * 3)
        return [str(p)], 126
    if kind == "not-executable":
        src = Path("/bin/true").read_bytes()
        p = tmp_path / "true-without-x"
        p.write_bytes(src)
        p.chmod(0o644)  # no execute bit: even root cannot run it
        return [str(p)], 126
    if kind == "elf-32bit":
        exe, _how = build_32bit(pg, tmp_path)
        return [str(exe)], 126
    if kind == "elf-arm":
        return [str(_make_exec(tmp_path / "arm-prog", elf32_header(40)))], 126
    if kind == "elf-aarch64":
        return [str(_make_exec(tmp_path / "aarch64-prog", elf64_header(183)))], 126
    if kind == "elf-truncated":
        head = Path("/bin/true").read_bytes()[:100]
        return [str(_make_exec(tmp_path / "true-truncated", head))], 126
    if kind == "elf-header-only":
        return [str(_make_exec(tmp_path / "header-only", elf64_header(62)[:64]))], 126
    if kind == "elf-relocatable":
        if shutil.which("gcc") is None:
            pytest.skip("needs gcc")
        obj = pg.build([PROGS / "hello.c"], flags=["-c"], name="hello-object")
        p = _make_exec(tmp_path / "hello.o", obj.read_bytes())
        return [str(p)], 126
    if kind == "unknown-option":
        return ["--no-such-option=yes", "/bin/true"], 1
    if kind == "unknown-tool":
        return ["--tool=no-such-tool", "/bin/true"], 1
    if kind in BAD_VALUES:
        return [BAD_VALUES[kind], "/bin/true"], 1
    raise AssertionError(kind)


#: core options given a value they do not take
BAD_VALUES = {"bad-time-slice": "--time-slice=1", "bad-trace-children": "--trace-children=maybe",
              "bad-register-updates": "--vex-iropt-register-updates=some",
              "bad-jit-optimize": "--jit-optimize=later", "bad-jit-threshold": "--jit-threshold=x",
              "bad-jit-first-tier": "--jit-first-tier=llvm"}
_OPTION_KINDS = {"unknown-option", "unknown-tool", *BAD_VALUES}


KINDS = ["missing-path", "missing-in-path", "directory", "text-file", "not-executable",
         "elf-32bit", "elf-arm", "elf-aarch64", "elf-truncated", "elf-header-only",
         "elf-relocatable", "unknown-option", "unknown-tool", "bad-time-slice",
         "bad-trace-children", "bad-register-updates", "bad-jit-optimize", "bad-jit-threshold",
         "bad-jit-first-tier"]


@pytest.mark.parametrize("quiet", [True, False], ids=["q", "verbose"])
@pytest.mark.parametrize("kind", KINDS)
def test_bad_input(pg, tmp_path, kind, quiet):
    args, expected = bad_program(kind, pg, tmp_path)
    opts = ["-q"] if quiet else []
    argv = [pg.PYGRIND, *opts, *args]
    if kind not in _OPTION_KINDS:
        argv = [pg.PYGRIND, *opts, "--tool=none", *args]
    r = pg.run(argv, timeout=60, cwd=tmp_path, under_pygrind=True)
    err = r.stderr.decode(errors="replace")
    lines = err.splitlines()
    problems = []
    if r.returncode != expected:
        problems.append(f"exit status: expected exit {expected}, got {r.status()}")
    if "Traceback" in err:
        problems.append("a Python traceback on stderr")
    if len(lines) != 1:
        problems.append(f"expected exactly one line on stderr, got {len(lines)}")
    if not lines or not lines[0].startswith("pygrind: "):
        problems.append('the (first) stderr line does not start with "pygrind: "')
    if r.stdout:
        problems.append(f"unexpected stdout: {r.stdout[:200]!r}")
    if problems:
        pytest.fail(f"bad input '{kind}': " + "; ".join(problems) + "\n"
                    + pg.explain_run(r, "pygrind"), pytrace=False)


def test_crafted_headers_are_what_they_claim(tmp_path):
    """Keep the crafted inputs honest: the kernel itself refuses to execute them."""
    for name, data in [("arm", elf32_header(40)), ("aarch64", elf64_header(183)),
                       ("header-only", elf64_header(62)[:64])]:
        p = _make_exec(tmp_path / name, data)
        with pytest.raises(OSError):
            subprocess.run([str(p)], capture_output=True, timeout=10)
