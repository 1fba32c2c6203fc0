"""Building vexcg.c into a shared library (with the system's C compiler, against the
libVEX headers and library that pyvex ships).

`make venv` builds it into the package; a checkout without it builds it into the code
cache directory on first use. The file name carries a digest of the source and of the
compiler command, so a changed source can never load a stale library. Without a C
compiler the tier is simply unavailable, and blocks go to the Python tier.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

SOURCE = Path(__file__).with_name("vexcg.c")
#: the native passes and helpers of pygrind's tools, built into the same library (they
#: plug into vexcg's pipeline through pgv.h)
TOOL_SOURCES = sorted((SOURCE.parents[2] / "tools").glob("*/native/*.c"))
SOURCES = [SOURCE, SOURCE.with_name("pgv.h"), *TOOL_SOURCES,
           *sorted((SOURCE.parents[2] / "tools").glob("*/native/*.h"))]


def pyvex_dir() -> Path | None:
    spec = importlib.util.find_spec("pyvex")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _command(out: Path, pv: Path) -> list[str]:
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or "cc"
    # AVX_512: pyvex builds libVEX with its AVX-512 extension, which changes the layout
    # of the guest state and the numbering of IR ops: the headers must agree
    return [cc, "-O2", "-fPIC", "-shared", "-DAVX_512", "-Wall", "-Wno-unused-function",
            f"-I{pv / 'include'}", f"-I{SOURCE.parent}", "-o", str(out), str(SOURCE),
            *map(str, TOOL_SOURCES),
            f"-L{pv / 'lib'}", "-lpyvex", f"-Wl,-rpath,{pv / 'lib'}"]


def _name(pv: Path) -> str:
    h = hashlib.sha256()
    for src in SOURCES:
        h.update(src.read_bytes())
    h.update(" ".join(_command(Path("x"), pv)).encode())
    return f"vexcg-{h.hexdigest()[:16]}.so"


def library_path(cache_dir: str | None, build: bool = True) -> Path | None:
    """The built library: in the package if `make venv` built it there, else in the
    cache directory (built now if need be). None if it cannot be had."""
    pv = pyvex_dir()
    if pv is None:
        return None
    name = _name(pv)

    def make(tmp: Path) -> bool:
        r = subprocess.run(_command(tmp, pv), capture_output=True, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stderr)
            return False
        # which ops the code generator handles, found in a process of its own
        ops = tmp.with_suffix(".ops")
        r = subprocess.run([sys.executable, "-m", "pygrind.backend.vexcg.build", "--probe",
                            str(tmp), str(ops)], capture_output=True, text=True,
                           cwd=str(SOURCE.parents[3]))
        if r.returncode != 0:
            sys.stderr.write(r.stderr)
            return False
        os.replace(ops, tmp.parent / Path(name).with_suffix(".ops"))
        return True

    return _built(name, cache_dir, build, make)


def _built(name: str, cache_dir: str | None, build: bool,
           make: Callable[[Path], bool]) -> Path | None:
    """`name` in the package's _build (make venv) or the cache directory; else, if
    `build`, made there now by `make(temporary path)` and renamed into place."""
    places = [SOURCE.parent / "_build"] + ([Path(cache_dir)] if cache_dir is not None else [])
    for d in places:
        if (d / name).exists():
            return d / name
    if not build:
        return None
    for d in places:
        try:
            d.mkdir(parents=True, exist_ok=True)
            tmp = d / f".{name}.{os.getpid()}"
            if not make(tmp):
                tmp.unlink(missing_ok=True)
                return None
            os.replace(tmp, d / name)
            return d / name
        except OSError:
            continue
    return None


#: objects that tools map into the client (memcheck's string functions), built from C
CLIENT_SOURCES = sorted((SOURCE.parents[2] / "tools").glob("*/client/*.c"))

#: freestanding, position independent, no builtins or loops turned into calls: code
#: that runs as client code, mapped as it is (it has no data and no relocations)
CLIENT_FLAGS = ["-O1", "-g", "-fPIC", "-shared", "-nostdlib", "-ffreestanding", "-fno-builtin",
                "-fno-tree-loop-distribute-patterns", "-fno-tree-vectorize", "-fno-stack-protector",
                "-fcf-protection=none", "-fno-asynchronous-unwind-tables", "-Wl,-z,norelro",
                "-fno-semantic-interposition", "-Wl,-Bsymbolic", "-Wl,--hash-style=gnu", "-Wall"]


def client_object(source: Path, cache_dir: str | None, build: bool = True) -> Path | None:
    """The built client object of `source` (see CLIENT_SOURCES), built now if need be:
    in the package's _build (make venv) or else in the cache directory."""
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or "cc"
    h = hashlib.sha256(source.read_bytes())
    h.update(" ".join([cc, *CLIENT_FLAGS]).encode())
    name = f"{source.stem}-{h.hexdigest()[:16]}.so"

    def make(tmp: Path) -> bool:
        r = subprocess.run([cc, *CLIENT_FLAGS, "-o", str(tmp), str(source)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stderr)
        return r.returncode == 0

    return _built(name, cache_dir, build, make)


def probe(lib_path: str, out: str) -> None:
    """Write the op table (see pgv_probe_ops in vexcg.c) of a freshly built library."""
    import ctypes

    from ...core import vexlib

    vexlib.library()
    lib = ctypes.CDLL(lib_path)
    cfg = ctypes.create_string_buffer(8 * 32)
    if lib.pgv_init(cfg) < 0:
        sys.exit("pygrind: libVEX could not be initialised")
    buf = ctypes.create_string_buffer(8192)
    n = lib.pgv_probe_ops(buf)
    if n == 0:
        sys.exit("pygrind: probing libVEX's code generator failed")
    Path(out).write_bytes(buf.raw[:n])


if __name__ == "__main__" and sys.argv[1:2] == ["--probe"]:
    probe(sys.argv[2], sys.argv[3])
elif __name__ == "__main__":
    # `python -m pygrind.backend.vexcg.build`: build into the package (make venv)
    p = library_path(None)
    if p is None:
        sys.exit("pygrind: could not build the libVEX code generator tier (see above; without "
                 "it, blocks start in the Python tier)")
    print(p)
    for src in CLIENT_SOURCES:
        print(client_object(src, None))
