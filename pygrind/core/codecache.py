"""Compiled blocks kept on disk across runs (`~/.cache/pygrind`, or $XDG_CACHE_HOME).

Lifting and compiling a block costs far more than running it a few times, and most
blocks a program runs (ld.so, libc, the program itself) are the same from one run to
the next. So translations of code in file mappings are saved per (object file, load
address) and reused when the same bytes appear at the same address again.

Staleness is ruled out twice: the cache directory's key covers everything that shapes
generated code (pygrind's version and the source of its code generator and op table,
the Python version, the backend, the tool and its options, as the tool's `cache_key()`
says), and every entry keeps the guest bytes it was made from, compared on each use.
A tool whose `cache_key()` is None is never cached. `--code-cache=no` turns it off.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from pathlib import Path

from .. import __version__

_FORMAT = 2


def _generator_digest() -> str:
    """A digest of the files whose change changes generated code."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for rel in ("backend/ops.py", "backend/opsrt.py", "backend/ref/codegen.py",
                "backend/ref/runtime.py", "backend/iropt.py", "tool/intrinsics.py",
                "backend/llvm/irgen.py", "backend/llvm/oplower.py", "backend/llvm/engine.py",
                "backend/llvm/runtime.py", "backend/vexcg/__init__.py", "core/jumpkinds.py",
                "core/codecache.py", "core/translate.py", "core/aspace.py", "core/state.py"):
        try:
            h.update((root / rel).read_bytes())
        except OSError:
            h.update(rel.encode())
    return h.hexdigest()[:16]


def write_atomically(path: Path, data: bytes) -> None:
    """Replace the file at `path` with `data` in one step (a concurrent reader sees the
    old file or the new one, never part of one), making its folder if needed. A failure
    is ignored: what the cache holds only saves time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        pass


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pygrind"


class CodeCache:
    """Per-object tables of saved translations: addr -> marshalled (guest bytes, code,
    lines, helpers). Entries stay marshalled until used: a program touches a fraction of
    a big library's saved blocks, and unmarshalling code objects is the slow part."""

    def __init__(self, backend: str, tool_key: str) -> None:
        key = hashlib.sha256(
            f"{_FORMAT}|{__version__}|{sys.version}|{backend}|{tool_key}|{_generator_digest()}".encode()
        ).hexdigest()[:20]
        self.dir = cache_root() / key
        self._tables: dict[tuple[str, int], dict[int, tuple]] = {}
        self._dirty: set[tuple[str, int]] = set()
        self.hits = 0
        self.misses = 0
        self.native_hits = 0
        self._native_index: dict[bytes, tuple[str, str]] | None = None
        self._native_new: dict[bytes, tuple[str, str]] = {}

    def _file(self, obj: tuple[str, int]) -> Path:
        path, base = obj
        name = hashlib.sha256(f"{path}|{base:x}".encode()).hexdigest()[:24]
        return self.dir / f"{name}.{os.path.basename(path)[:40]}.blocks"

    def table(self, obj: tuple[str, int]) -> dict[int, tuple]:
        t = self._tables.get(obj)
        if t is None:
            t = {}
            try:
                with open(self._file(obj), "rb") as f:
                    loaded = marshal.load(f)
                if isinstance(loaded, dict):
                    t = loaded
            except (OSError, EOFError, ValueError, TypeError):
                t = {}
            self._tables[obj] = t
        return t

    def get(self, obj: tuple[str, int], addr: int, guest: memoryview) -> tuple | None:
        """The saved entry for a block at addr, if its guest bytes still match."""
        raw = self.table(obj).get(addr)
        if raw is not None:
            try:
                e = marshal.loads(raw)
            except (EOFError, ValueError, TypeError):
                e = None
            if e is not None and guest[addr:addr + len(e[0])] == e[0]:
                self.hits += 1
                return e
        self.misses += 1
        return None

    def native_index(self) -> dict[bytes, tuple[str, str]]:
        """Guest block (address, size, digest of its bytes) -> (saved JIT module, function
        name), for every block some earlier run compiled natively."""
        if self._native_index is None:
            try:
                with open(self.dir / "native" / "index", "rb") as f:
                    idx = marshal.load(f)
                self._native_index = idx if isinstance(idx, dict) else {}
            except (OSError, EOFError, ValueError, TypeError):
                self._native_index = {}
        return self._native_index

    def add_native_index(self, entries: dict[bytes, tuple[str, str]]) -> None:
        self.native_index().update(entries)
        self._native_new.update(entries)

    def get_native(self, key: str) -> tuple | None:
        """A JIT module saved under `key` (see Translator.compile_hot), or None."""
        try:
            with open(self.dir / "native" / f"{key}.mod", "rb") as f:
                saved = marshal.load(f)
        except (OSError, EOFError, ValueError, TypeError):
            return None
        self.native_hits += 1
        return saved

    def put_native(self, key: str, saved: tuple) -> None:
        write_atomically(self.dir / "native" / f"{key}.mod", marshal.dumps(saved))

    def _save_native_index(self) -> None:
        d = self.dir / "native"
        idx = dict(self._native_new)
        try:
            with open(d / "index", "rb") as f:
                old = marshal.load(f)
            if isinstance(old, dict):
                old.update(idx)
                idx = old
        except (OSError, EOFError, ValueError, TypeError):
            pass
        write_atomically(d / "index", marshal.dumps(idx))
        self._native_new.clear()

    def pending_hot(self) -> set[bytes]:
        """Blocks (as in native_index) that an earlier run found hot but ended before
        LLVM had compiled them: a run that meets them again compiles them at once."""
        try:
            with open(self.dir / "native" / "pending", "rb") as f:
                keys = marshal.load(f)
            return keys if isinstance(keys, set) else set()
        except (OSError, EOFError, ValueError, TypeError):
            return set()

    def save_pending_hot(self, keys: set[bytes]) -> None:
        write_atomically(self.dir / "native" / "pending",
                         marshal.dumps(keys - set(self.native_index())))

    def put(self, obj: tuple[str, int], addr: int, entry: tuple) -> None:
        self.table(obj)[addr] = marshal.dumps(entry)
        self._dirty.add(obj)

    def save(self) -> None:
        """Write the tables that gained entries (atomically; concurrent runs may race,
        and then the last one wins, which is harmless)."""
        if self._native_new:
            self._save_native_index()
        if not self._dirty:
            return
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError:
            return
        for obj in self._dirty:
            dest = self._file(obj)
            table = self._tables[obj]
            try:
                # merge with what other runs saved meanwhile
                with open(dest, "rb") as f:
                    other = marshal.load(f)
                if isinstance(other, dict):
                    other.update(table)
                    table = other
            except (OSError, EOFError, ValueError, TypeError):
                pass
            write_atomically(dest, marshal.dumps(table))
        self._dirty.clear()
