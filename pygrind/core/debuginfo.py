"""Symbol and source-line information for client code addresses.

The loader registers every ELF object it maps into the client with
:meth:`DebugInfo.add_object`; error reporting then turns client addresses
into :class:`Frame` objects with :meth:`DebugInfo.describe` and prints them
with :func:`format_frame`, which reproduces Valgrind's layout exactly::

    at 0x109145: deref (null.c:4)
    by 0x109164: main (null.c:8)
    by 0x4882249: (below main) (libc_start_call_main.h:58)
    by 0x109080: _start (in /tmp/prog)
    at 0x1234567: ???

Everything is lazy: registering an object only records its address range.
The first time an address inside it is described, its function symbols are
read (with ``struct`` straight from the file: several times faster than
pyelftools for libc-sized tables) and, when the object has DWARF, the line
table of just the compilation unit containing the address is decoded with
pyelftools (``.debug_aranges`` tells which unit).  Results are cached per
file, so every later lookup is a couple of bisections.

Separate debug files are found through the build-id
(``/usr/lib/debug/.build-id/xx/yyyy.debug``) and ``.gnu_debuglink``
(next to the object, in its ``.debug`` subdirectory, or under
``/usr/lib/debug``), as gdb and Valgrind do.  This is what gives libc
frames their source lines when ``libc6-dbg`` is installed.

Conventions shared with the core:

* The address shown for a caller frame is the return address minus one,
  exactly as Valgrind prints it; the stack walker is expected to pass that
  value to :meth:`DebugInfo.describe` for every frame but the first.
* Valgrind names objects by their real path (symlinks resolved), so
  :meth:`DebugInfo.add_object` resolves the path it is given.
* Valgrind stops a stack trace after ``main`` or the first "below main"
  frame unless ``--show-below-main=yes``; :func:`is_trace_end` tells the
  stack walker where to stop.
"""

from __future__ import annotations

import ctypes
import io
import lzma
import os
import struct
import subprocess
import zlib
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

__all__ = [
    "BELOW_MAIN",
    "DebugInfo",
    "Frame",
    "Symbol",
    "demangle",
    "format_frame",
    "is_below_main_name",
    "is_trace_end",
]

#: Name Valgrind substitutes for the libc start-up functions that call main.
BELOW_MAIN = "(below main)"

DEFAULT_DEBUG_DIRS: tuple[str, ...] = ("/usr/lib/debug",)


# ---------------------------------------------------------------------------
# Public data types and formatting


@dataclass(frozen=True, slots=True)
class Frame:
    """What is known about one client code address."""

    addr: int
    fn: str | None = None
    file: str | None = None
    line: int | None = None
    dirname: str | None = None
    obj: str | None = None
    #: True when ``fn`` is a libc start-up function (shown as "(below main)"
    #: unless the registry was built with ``show_below_main=True``).
    below_main: bool = False


@dataclass(frozen=True, slots=True)
class Symbol:
    """A function symbol of a loaded object, at its client address."""

    name: str
    addr: int
    size: int
    obj: str
    #: STT_GNU_IFUNC: ``addr`` is the resolver that returns the real code.
    ifunc: bool = False


def format_frame(frame: Frame, first: bool, fullpath: bool = False) -> str:
    """Return Valgrind's text for one stack-trace line (without ``==pid==``).

    ``first`` selects ``at`` (the innermost frame) or ``by`` (callers).
    ``fullpath`` prefixes the file with its directory, as Valgrind's
    ``--fullpath-after=`` (with an empty argument) does.
    """
    word = "at" if first else "by"
    text = f"{word} 0x{frame.addr:X}: {frame.fn if frame.fn is not None else '???'}"
    if frame.file is not None and frame.line is not None:
        name = frame.file
        if fullpath and frame.dirname:
            name = f"{frame.dirname}/{name}"
        return f"{text} ({name}:{frame.line})"
    if frame.obj is not None:
        return f"{text} (in {frame.obj})"
    return text


def is_below_main_name(name: str) -> bool:
    """Whether ``name`` is one of the functions that run before ``main``."""
    if name in ("__libc_start_main", "__libc_start_call_main",
                "generic_start_main", "_start"):
        return True
    return name.startswith(("__libc_start_main@", "__libc_start_call_main@",
                            "generic_start_main."))


def is_trace_end(frame: Frame) -> bool:
    """Whether Valgrind (default ``--show-below-main=no``) cuts the trace here.

    The frame itself is still printed; the frames after it are not.
    """
    return frame.below_main or frame.fn == "main"


# ---------------------------------------------------------------------------
# C++ demangling (the GNU demangler in libstdc++, which is what c++filt and
# Valgrind use too)

_demangler: object = None  # None: not tried yet; False: unavailable


def _load_demangler() -> object:
    global _demangler
    if _demangler is None:
        try:
            lib = ctypes.CDLL("libstdc++.so.6")
            fn = lib.__cxa_demangle
            fn.restype = ctypes.c_void_p
            fn.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p,
                           ctypes.POINTER(ctypes.c_int)]
            libc = ctypes.CDLL(None)
            free = libc.free
            free.argtypes = [ctypes.c_void_p]
            free.restype = None
            _demangler = (fn, free)
        except (OSError, AttributeError):
            _demangler = False
    return _demangler


def _demangle_with_cxxfilt(name: str) -> str:
    try:
        out = subprocess.run(["c++filt", name], capture_output=True, text=True,
                             timeout=5, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return name
    return out or name


_demangle_cache: dict[str, str] = {}


def demangle(name: str) -> str:
    """Demangle an Itanium C++ symbol name; other names come back unchanged.

    A symbol version suffix (``@GLIBCXX_3.4``) is kept after the demangled
    name.
    """
    if not name.startswith("_Z"):
        return name
    cached = _demangle_cache.get(name)
    if cached is not None:
        return cached
    base, at, version = name.partition("@")
    impl = _load_demangler()
    result = base
    if impl:
        fn, free = impl  # type: ignore[misc]
        status = ctypes.c_int(0)
        ptr = fn(base.encode("utf-8", "surrogateescape"), None, None,
                 ctypes.byref(status))
        if ptr:
            try:
                if status.value == 0:
                    result = ctypes.string_at(ptr).decode("utf-8", "replace")
            finally:
                free(ptr)
    else:
        result = _demangle_with_cxxfilt(base)
    result = result + at + version
    _demangle_cache[name] = result
    return result


# ---------------------------------------------------------------------------
# A small ELF reader: headers, sections, notes and symbol tables via struct.

_SHT_SYMTAB = 2
_SHT_NOTE = 7
_SHT_NOBITS = 8
_SHT_DYNSYM = 11
_SHF_COMPRESSED = 0x800
_PT_LOAD = 1
_PF_X = 1
_STT_OBJECT = 1
_STT_FUNC = 2
_STT_TLS = 6
_STT_GNU_IFUNC = 10
_SHN_UNDEF = 0
_SHN_LORESERVE = 0xFF00
_SHN_XINDEX = 0xFFFF
_NT_GNU_BUILD_ID = 3


_RawSym = tuple[int, int, str, int, int]  # value, size, name, binding, type


@dataclass(slots=True)
class _Section:
    name: str
    type: int
    flags: int
    addr: int
    offset: int
    size: int
    link: int


class _ElfImage:
    """Just enough ELF parsing for symbols, notes and segment layout."""

    def __init__(self, stream: BinaryIO) -> None:
        self._f = stream
        ident = self._read(0, 16)
        if len(ident) < 16 or ident[:4] != b"\x7fELF":
            raise ValueError("not an ELF file")
        self.is64 = ident[4] == 2
        end = "<" if ident[5] == 1 else ">"
        self.end = end
        if self.is64:
            hdr = struct.unpack(end + "HHIQQQIHHHHHH", self._read(16, 48))
        else:
            hdr = struct.unpack(end + "HHIIIIIHHHHHH", self._read(16, 36))
        (self.e_type, _machine, _version, _entry, phoff, shoff, _flags,
         _ehsize, phentsize, phnum, shentsize, shnum, shstrndx) = hdr
        self.sections: list[_Section] = []
        self.by_name: dict[str, _Section] = {}
        self.exec_ranges: list[tuple[int, int]] = []
        self._read_segments(phoff, phentsize, phnum)
        self._read_sections(shoff, shentsize, shnum, shstrndx)

    def _read(self, offset: int, size: int) -> bytes:
        self._f.seek(offset)
        return self._f.read(size)

    def _read_segments(self, phoff: int, entsize: int, num: int) -> None:
        if not phoff or not num:
            return
        raw = self._read(phoff, entsize * num)
        for i in range(num):
            chunk = raw[i * entsize:(i + 1) * entsize]
            if self.is64:
                p_type, p_flags, _off, vaddr, _pa, _fsz, memsz, _al = struct.unpack(
                    self.end + "IIQQQQQQ", chunk[:56])
            else:
                p_type, _off, vaddr, _pa, _fsz, memsz, p_flags, _al = struct.unpack(
                    self.end + "IIIIIIII", chunk[:32])
            if p_type == _PT_LOAD and p_flags & _PF_X and memsz:
                self.exec_ranges.append((vaddr, vaddr + memsz))
        self.exec_ranges.sort()

    def _read_sections(self, shoff: int, entsize: int, num: int, strndx: int) -> None:
        if not shoff:
            return
        fmt = self.end + ("IIQQQQIIQQ" if self.is64 else "IIIIIIIIII")
        fmt_size = struct.calcsize(fmt)
        if num == 0 or strndx == _SHN_XINDEX:
            first = struct.unpack(fmt, self._read(shoff, fmt_size))
            if num == 0:
                num = first[5]
            if strndx == _SHN_XINDEX:
                strndx = first[6]
        raw = self._read(shoff, entsize * num)
        rows = [struct.unpack(fmt, raw[i * entsize:i * entsize + fmt_size])
                for i in range(num) if len(raw) >= i * entsize + fmt_size]
        names = b""
        if 0 <= strndx < len(rows):
            names = self._read(rows[strndx][4], rows[strndx][5])
        for row in rows:
            name_off, sh_type, flags, addr, offset, size, link = row[:7]
            stop = names.find(b"\0", name_off)
            name = names[name_off:stop if stop >= 0 else None].decode("latin-1")
            sec = _Section(name, sh_type, flags, addr, offset, size, link)
            self.sections.append(sec)
            self.by_name.setdefault(name, sec)

    def has_data(self, name: str) -> bool:
        sec = self.by_name.get(name)
        return sec is not None and sec.type != _SHT_NOBITS and sec.size > 0

    def section_data(self, sec: _Section) -> bytes:
        if sec.type == _SHT_NOBITS:
            return b""
        data = self._read(sec.offset, sec.size)
        if sec.flags & _SHF_COMPRESSED:
            hdr = "IIQQ" if self.is64 else "III"
            skip = struct.calcsize(hdr)
            if struct.unpack(self.end + hdr, data[:skip])[0] != 1:  # ELFCOMPRESS_ZLIB
                return b""
            data = zlib.decompress(data[skip:])
        return data

    def build_id(self) -> bytes | None:
        for sec in self.sections:
            if sec.type != _SHT_NOTE:
                continue
            data = self.section_data(sec)
            pos = 0
            while pos + 12 <= len(data):
                namesz, descsz, ntype = struct.unpack(self.end + "III", data[pos:pos + 12])
                name_end = pos + 12 + ((namesz + 3) & ~3)
                desc_end = name_end + ((descsz + 3) & ~3)
                if (ntype == _NT_GNU_BUILD_ID
                        and data[pos + 12:pos + 12 + namesz].rstrip(b"\0") == b"GNU"):
                    return data[name_end:name_end + descsz]
                pos = desc_end
        return None

    def debuglink(self) -> tuple[str, int] | None:
        sec = self.by_name.get(".gnu_debuglink")
        if sec is None or sec.type == _SHT_NOBITS:
            return None
        data = self.section_data(sec)
        stop = data.find(b"\0")
        if stop <= 0:
            return None
        crc_at = (stop + 4) & ~3
        if crc_at + 4 > len(data):
            return None
        crc = struct.unpack(self.end + "I", data[crc_at:crc_at + 4])[0]
        return os.fsdecode(data[:stop]), crc

    def function_symbols(self, sh_type: int,
                         kinds: tuple[int, ...] = (_STT_FUNC, _STT_GNU_IFUNC)) -> list[_RawSym]:
        """Defined STT_FUNC / STT_GNU_IFUNC symbols (or of other `kinds`): (value, size,
        name, bind, type)."""
        out: list[_RawSym] = []
        for sec in self.sections:
            if sec.type != sh_type or sec.type == _SHT_NOBITS or not sec.size:
                continue
            if not 0 <= sec.link < len(self.sections):
                continue
            data = self.section_data(sec)
            strtab = self.section_data(self.sections[sec.link])
            if self.is64:
                fmt, size = self.end + "IBBHQQ", 24
                count = len(data) // size
                rows = struct.iter_unpack(fmt, data[:count * size])
                items = ((n, info, shndx, value, sz) for n, info, _o, shndx, value, sz in rows)
            else:
                fmt, size = self.end + "IIIBBH", 16
                count = len(data) // size
                rows = struct.iter_unpack(fmt, data[:count * size])
                items = ((n, info, shndx, value, sz) for n, value, sz, info, _o, shndx in rows)
            find = strtab.find
            for name_off, info, shndx, value, sym_size in items:
                kind = info & 0xF
                if kind not in kinds:
                    continue
                if shndx == _SHN_UNDEF or (_SHN_LORESERVE <= shndx < _SHN_XINDEX):
                    continue
                stop = find(b"\0", name_off)
                if stop <= name_off:
                    continue
                name = strtab[name_off:stop].decode("utf-8", "replace")
                out.append((value, sym_size, name, info >> 4, kind))
        return out


def _name_rank(name: str) -> tuple[int, int, str]:
    """Sort key choosing among aliases at one address (smaller is better).

    Like Valgrind: the shortest name ignoring any version suffix wins
    (``strdup`` over ``__strdup``), then the default version ``@@`` over a
    non-default ``@`` one over no version, then alphabetical order.
    """
    base, at, rest = name.partition("@")
    if not at:
        version = 2
    elif rest.startswith("@"):
        version = 0
    else:
        version = 1
    return (len(base), version, name)


# Preference of symbol bindings for name lookups: GLOBAL, then WEAK, then
# LOCAL (a static function may share its name with others).
_BIND_PREFERENCE = {1: 0, 2: 1, 0: 2}


class _SymbolTable:
    """Function symbols of one file, sorted by address, plus a name index."""

    def __init__(self, raw: list[_RawSym],
                 exec_ranges: list[tuple[int, int]]) -> None:
        self.raw = raw
        best: dict[int, tuple[int, str]] = {}
        for value, size, name, _bind, _kind in raw:
            prev = best.get(value)
            if prev is None:
                best[value] = (size, name)
            else:
                psize, pname = prev
                keep = pname if _name_rank(pname) <= _name_rank(name) else name
                best[value] = (max(psize, size), keep)
        starts = sorted(best)
        self.starts: list[int] = starts
        self.names: list[str] = [best[a][1] for a in starts]
        ends: list[int] = []
        for i, start in enumerate(starts):
            size = best[start][0]
            if size:
                ends.append(start + size)
                continue
            # Size 0: runs up to the next symbol, but not past its segment.
            limit = starts[i + 1] if i + 1 < len(starts) else None
            for lo, hi in exec_ranges:
                if lo <= start < hi:
                    limit = hi if limit is None else min(limit, hi)
                    break
            ends.append(limit if limit is not None else start + 1)
        self.ends: list[int] = ends
        self._by_name: dict[str, tuple[int, int]] | None = None

    @property
    def by_name(self) -> dict[str, tuple[int, int]]:
        """name -> (value, size); a versioned name ("malloc@@GLIBC_2.2.5")
        also answers for its base name, the default version ("@@") first."""
        if self._by_name is None:
            ranked: dict[str, tuple[tuple[int, int], int, int]] = {}
            for value, size, name, bind, _kind in self.raw:
                pref = _BIND_PREFERENCE.get(bind, 3)
                base, at, rest = name.partition("@")
                keys = [(name, (pref, 0))]
                if at:
                    keys.append((base, (pref, 1 if rest.startswith("@") else 2)))
                for key, rank in keys:
                    held = ranked.get(key)
                    if held is None or rank < held[0]:
                        ranked[key] = (rank, value, size)
            self._by_name = {k: (v, s) for k, (_r, v, s) in ranked.items()}
        return self._by_name

    def lookup(self, vaddr: int) -> str | None:
        i = bisect_right(self.starts, vaddr) - 1
        # Look back a little in case of nested or overlapping symbols.
        for j in range(i, max(i - 8, -1), -1):
            if vaddr < self.ends[j]:
                return self.names[j]
        return None


# pyelftools is imported only when an object has DWARF.


_Where = tuple[str, str | None, int]  # (file basename, dirname, line)
_Row = tuple[int, _Where | None]


class _LineTable:
    """Sorted address -> (file, dirname, line) rows from DWARF .debug_line."""

    def __init__(self, rows: list[_Row]) -> None:
        # End-of-sequence markers (None) sort before a row at the same address
        # so that the row starting the next sequence wins the lookup.
        rows.sort(key=lambda r: (r[0], r[1] is not None))
        self.addrs: list[int] = [r[0] for r in rows]
        self.vals: list[_Where | None] = [r[1] for r in rows]

    def lookup(self, vaddr: int) -> _Where | None:
        i = bisect_right(self.addrs, vaddr) - 1
        if i < 0:
            return None
        return self.vals[i]


def _decode(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return str(value)


def _join_dir(base: str | None, rel: str) -> str:
    if not rel or rel.startswith("/") or not base:
        return rel or (base or "")
    return f"{base.rstrip('/')}/{rel}"


@dataclass(slots=True)
class _Inline:
    """One DW_TAG_inlined_subroutine instance: code of ``name`` inlined into
    its caller, called from ``call`` (file, dirname, line) of the caller."""

    ranges: list[tuple[int, int]]
    depth: int
    name: str
    call: tuple[str, str | None, int] | None


_INLINE_CONTAINERS = frozenset({
    "DW_TAG_subprogram", "DW_TAG_lexical_block", "DW_TAG_inlined_subroutine",
    "DW_TAG_namespace", "DW_TAG_module", "DW_TAG_try_block", "DW_TAG_catch_block",
    "DW_TAG_entry_point",
})


class _CompUnit:
    """Line table, file names and (lazily) inline records of one DWARF unit."""

    def __init__(self, dwarf, cu, exec_ranges: list[tuple[int, int]]) -> None:  # noqa: ANN001
        self.dwarf = dwarf
        self.cu = cu
        self.exec_ranges = exec_ranges
        self.sequences: list[tuple[int, int]] = []
        self._inlines: list[_Inline] | None = None
        self._base: int | None = None  # DW_AT_low_pc of the unit, for range lists
        self._program = dwarf.line_program_for_CU(cu)
        self._comp_dir: str | None = None
        try:
            attr = cu.get_top_DIE().attributes.get("DW_AT_comp_dir")
            if attr is not None:
                self._comp_dir = _decode(attr.value)
        except Exception:  # e.g. a string in a dwz alt file we do not read
            self._comp_dir = None
        if self._comp_dir and self._comp_dir.startswith("./"):
            self._comp_dir = self._comp_dir[2:]
        self._files: dict[int, tuple[str, str | None] | None] = {}
        self.table = _LineTable(self._rows())

    def _in_exec(self, vaddr: int) -> bool:
        if not self.exec_ranges:
            return True
        return any(lo <= vaddr < hi for lo, hi in self.exec_ranges)

    def file(self, index: int) -> tuple[str, str | None] | None:
        """(basename, dirname) of entry ``index`` of the unit's file table.

        Directories are joined the way Valgrind does it: a relative
        directory is put under the unit's DW_AT_comp_dir, and a leading
        "./" is dropped (so glibc's "./string" unit gives "string/./string").
        """
        if index in self._files:
            return self._files[index]
        program = self._program
        result = None
        if program is not None:
            version = program["version"]
            files = program["file_entry"]
            dirs = program["include_directory"]
            pos = index if version >= 5 else index - 1
            if 0 <= pos < len(files):
                entry = files[pos]
                name = _decode(entry.name)
                dir_index = entry.dir_index
                comp_dir = self._comp_dir
                if version >= 5:
                    directory = _decode(dirs[dir_index]) if dir_index < len(dirs) else ""
                    directory = _join_dir(comp_dir, directory)
                elif dir_index == 0:
                    directory = comp_dir or ""
                else:
                    directory = (_decode(dirs[dir_index - 1])
                                 if dir_index - 1 < len(dirs) else "")
                    directory = _join_dir(comp_dir, directory)
                if "/" in name:
                    head, _, name = name.rpartition("/")
                    directory = head if head.startswith("/") else _join_dir(directory, head)
                if directory.startswith("./"):
                    directory = directory[2:]
                result = (name, directory or None)
        self._files[index] = result
        return result

    def _rows(self) -> list[_Row]:
        if self._program is None:
            return []
        out: list[_Row] = []
        seq: list[_Row] = []
        for entry in self._program.get_entries():
            state = entry.state
            if state is None:
                continue
            addr = state.address
            if state.end_sequence:
                if seq and seq[-1][0] == addr:
                    seq.pop()  # zero-length last row
                # Sequences of code the linker discarded start at 0 (or at a
                # tombstone); keep only those inside executable segments.
                if seq and self._in_exec(seq[0][0]):
                    out.extend(seq)
                    out.append((addr, None))
                    self.sequences.append((seq[0][0], addr))
                seq = []
                continue
            info = None
            if state.line:
                where = self.file(state.file)
                if where is not None:
                    info = (where[0], where[1], state.line)
            if seq and seq[-1][0] == addr:
                seq[-1] = (addr, info)  # the last row at an address wins
            else:
                seq.append((addr, info))
        return out

    # -- inlined calls ------------------------------------------------------
    def inlines_at(self, vaddr: int) -> list[_Inline]:
        """Inlined calls covering ``vaddr``, outermost first."""
        if self._inlines is None:
            self._inlines = []
            try:
                self._collect(self.cu.get_top_DIE(), 0)
            except Exception:  # keep whatever was read before the problem
                pass
        hits = [rec for rec in self._inlines
                if any(lo <= vaddr < hi for lo, hi in rec.ranges)]
        hits.sort(key=lambda rec: rec.depth)
        return hits

    def _collect(self, die, depth: int) -> None:  # noqa: ANN001
        for child in die.iter_children():
            tag = child.tag
            if tag not in _INLINE_CONTAINERS:
                continue
            inner = depth
            if tag == "DW_TAG_inlined_subroutine":
                ranges = self._die_ranges(child)
                if ranges:
                    self._inlines.append(_Inline(ranges, depth, self._die_name(child),
                                                 self._call_site(child)))
                inner = depth + 1
            if child.has_children:
                self._collect(child, inner)

    def _die_ranges(self, die) -> list[tuple[int, int]]:  # noqa: ANN001
        attrs = die.attributes
        low = attrs.get("DW_AT_low_pc")
        if low is not None:
            high = attrs.get("DW_AT_high_pc")
            if high is None:
                return [(low.value, low.value + 1)]
            end = high.value
            if not high.form.startswith("DW_FORM_addr"):
                end += low.value  # DWARF 4+: high_pc as an offset from low_pc
            return [(low.value, end)]
        ranges = attrs.get("DW_AT_ranges")
        if ranges is None:
            return []
        if self._base is None:
            top = self.cu.get_top_DIE().attributes.get("DW_AT_low_pc")
            self._base = top.value if top is not None else 0
        base = self._base
        out: list[tuple[int, int]] = []
        for entry in self.dwarf.range_lists().get_range_list_at_offset(ranges.value, cu=self.cu):
            if hasattr(entry, "base_address"):
                base = entry.base_address
            elif entry.is_absolute:
                out.append((entry.begin_offset, entry.end_offset))
            else:
                out.append((base + entry.begin_offset, base + entry.end_offset))
        return out

    @staticmethod
    def _die_name(die) -> str:  # noqa: ANN001
        seen = 0
        while die is not None and seen < 8:
            seen += 1
            name = die.attributes.get("DW_AT_name")
            if name is not None:
                return _decode(name.value)
            for ref in ("DW_AT_abstract_origin", "DW_AT_specification"):
                if ref in die.attributes:
                    die = die.get_DIE_from_attribute(ref)
                    break
            else:
                break
        return "???"

    def _call_site(self, die) -> tuple[str, str | None, int] | None:  # noqa: ANN001
        attrs = die.attributes
        line = attrs.get("DW_AT_call_line")
        index = attrs.get("DW_AT_call_file")
        if line is None or index is None or not line.value:
            return None
        where = self.file(index.value)
        if where is None:
            return None
        return (where[0], where[1], line.value)


class _Dwarf:
    """Lazy, per-compilation-unit reading of an object's DWARF."""

    def __init__(self, path: str, exec_ranges: list[tuple[int, int]]) -> None:
        self.path = path
        self.exec_ranges = exec_ranges
        self._dwarf = None
        self._failed = False
        self._aranges = None
        self._units: dict[int, _CompUnit | None] = {}
        # Units that .debug_aranges does not list, indexed by their sequences.
        self._extra_starts: list[int] | None = None
        self._extra: list[tuple[int, int, _CompUnit]] = []

    def _info(self):  # noqa: ANN202
        if self._dwarf is None and not self._failed:
            try:
                from elftools.elf.elffile import ELFFile

                with open(self.path, "rb") as f:
                    # pyelftools copies the debug sections into memory here,
                    # so the file can be closed afterwards.
                    self._dwarf = ELFFile(f).get_dwarf_info(follow_links=False)
                try:
                    self._aranges = self._dwarf.get_aranges()
                except Exception:  # malformed optional section: scan units
                    self._aranges = None
            except Exception:  # unreadable DWARF means no line info
                self._failed = True
        return self._dwarf

    def _unit(self, offset: int) -> _CompUnit | None:
        if offset not in self._units:
            try:
                self._units[offset] = _CompUnit(self._dwarf, self._dwarf.get_CU_at(offset),
                                                self.exec_ranges)
            except Exception:  # a broken unit has no lines
                self._units[offset] = None
        return self._units[offset]

    def unit_at(self, vaddr: int) -> _CompUnit | None:
        dwarf = self._info()
        if dwarf is None:
            return None
        if self._aranges is not None:
            try:
                offset = self._aranges.cu_offset_at_addr(vaddr)
            except Exception:
                offset = None
            unit = self._unit(offset) if offset is not None else None
            if unit is not None:
                if unit.table.lookup(vaddr) is not None:
                    return unit
                other = self._extra_unit_at(vaddr)
                return other if other is not None else unit
        return self._extra_unit_at(vaddr)

    def _extra_unit_at(self, vaddr: int) -> _CompUnit | None:
        if self._extra_starts is None:
            covered: set[int] = set()
            if self._aranges is not None:
                covered = {e.info_offset for e in self._aranges.entries}
            extra: list[tuple[int, int, _CompUnit]] = []
            try:
                for cu in self._dwarf.iter_CUs():
                    if cu.cu_offset in covered:
                        continue
                    unit = self._unit(cu.cu_offset)
                    if unit is not None:
                        extra += [(lo, hi, unit) for lo, hi in unit.sequences]
            except Exception:  # keep whatever was decoded
                pass
            extra.sort(key=lambda e: e[0])
            self._extra = extra
            self._extra_starts = [e[0] for e in extra]
        i = bisect_right(self._extra_starts, vaddr) - 1
        if i >= 0 and vaddr < self._extra[i][1]:
            return self._extra[i][2]
        return None

    def line_at(self, vaddr: int) -> _Where | None:
        unit = self.unit_at(vaddr)
        return unit.table.lookup(vaddr) if unit is not None else None


def _file_crc32(path: str) -> int:
    crc = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc & 0xFFFFFFFF


class _ObjectFile:
    """Cached, lazily-read information about one ELF file on disk."""

    def __init__(self, path: str, debug_dirs: tuple[str, ...]) -> None:
        self.path = path
        self.debug_dirs = debug_dirs
        self._loaded = False
        self._debug_path: str | None = None
        self._symbols: _SymbolTable | None = None
        self._dwarf: _Dwarf | None = None

    # -- loading ------------------------------------------------------------
    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        raw: list[_RawSym] = []
        debug_lines = False
        try:
            with open(self.path, "rb") as f:
                image = _ElfImage(f)
                self._debug_path = self._find_debug_file(image.build_id(), image.debuglink())
                # Symbols: .symtab of the object, else of its debug file,
                # else the MiniDebugInfo one, else .dynsym.
                raw = image.function_symbols(_SHT_SYMTAB)
                if self._debug_path is not None:
                    try:
                        with open(self._debug_path, "rb") as df:
                            debug_image = _ElfImage(df)
                            if not raw:
                                raw = debug_image.function_symbols(_SHT_SYMTAB)
                            debug_lines = debug_image.has_data(".debug_line")
                    except (OSError, ValueError, struct.error, zlib.error):
                        self._debug_path = None
                if not raw and image.has_data(".gnu_debugdata"):
                    raw = self._minidebuginfo_symbols(image)
                if not raw:
                    raw = image.function_symbols(_SHT_DYNSYM)
        except (OSError, ValueError, struct.error, zlib.error):
            return
        self._symbols = _SymbolTable(raw, image.exec_ranges)
        dwarf_path = None
        if image.has_data(".debug_line"):
            dwarf_path = self.path
        elif debug_lines:
            dwarf_path = self._debug_path
        if dwarf_path is not None:
            self._dwarf = _Dwarf(dwarf_path, image.exec_ranges)

    @staticmethod
    def _minidebuginfo_symbols(image: _ElfImage) -> list[_RawSym]:
        try:
            packed = image.section_data(image.by_name[".gnu_debugdata"])
            inner = io.BytesIO(lzma.decompress(packed))
            return _ElfImage(inner).function_symbols(_SHT_SYMTAB)
        except (lzma.LZMAError, ValueError, struct.error, KeyError):
            return []

    def _find_debug_file(self, build_id: bytes | None,
                         link: tuple[str, int] | None) -> str | None:
        if build_id and len(build_id) >= 2:
            hexid = build_id.hex()
            for root in self.debug_dirs:
                cand = os.path.join(root, ".build-id", hexid[:2], hexid[2:] + ".debug")
                if os.path.isfile(cand) and self._same_build_id(cand, build_id):
                    return cand
        if link is not None:
            name, crc = link
            real = os.path.realpath(self.path)
            here = os.path.dirname(real)
            cands = [os.path.join(here, name), os.path.join(here, ".debug", name)]
            cands += [os.path.join(root, here.lstrip("/"), name) for root in self.debug_dirs]
            for cand in cands:
                if not os.path.isfile(cand) or os.path.realpath(cand) == real:
                    continue
                try:
                    if _file_crc32(cand) == crc:
                        return cand
                except OSError:
                    continue
        return None

    @staticmethod
    def _same_build_id(path: str, build_id: bytes) -> bool:
        try:
            with open(path, "rb") as f:
                return _ElfImage(f).build_id() == build_id
        except (OSError, ValueError, struct.error, zlib.error):
            return False

    # -- queries ------------------------------------------------------------
    @property
    def debug_path(self) -> str | None:
        self._load()
        return self._debug_path

    def symbols(self) -> _SymbolTable:
        self._load()
        if self._symbols is None:
            self._symbols = _SymbolTable([], [])
        return self._symbols

    def function_at(self, vaddr: int) -> str | None:
        return self.symbols().lookup(vaddr)

    def line_at(self, vaddr: int) -> _Where | None:
        self._load()
        if self._dwarf is None:
            return None
        return self._dwarf.line_at(vaddr)

    def inlines_at(self, vaddr: int) -> list[_Inline]:
        self._load()
        if self._dwarf is None:
            return []
        unit = self._dwarf.unit_at(vaddr)
        return unit.inlines_at(vaddr) if unit is not None else []


@dataclass(slots=True)
class _Mapping:
    start: int
    end: int
    bias: int
    path: str
    obj: _ObjectFile
    seq: int


class DebugInfo:
    """Registry of the ELF objects mapped in the client, for describing addresses.

    ``show_below_main`` mirrors Valgrind's ``--show-below-main``: when False
    (the default) libc start-up functions are named ``(below main)``.
    ``demangle`` mirrors ``--demangle``.
    """

    _CACHE_LIMIT = 65536

    def __init__(self, *, show_below_main: bool = False, demangle: bool = True,
                 debug_dirs: tuple[str, ...] | list[str] = DEFAULT_DEBUG_DIRS) -> None:
        self.show_below_main = show_below_main
        self.demangle = demangle
        self.debug_dirs = tuple(debug_dirs)
        self._maps: list[_Mapping] = []  # sorted by start, non-overlapping
        self._starts: list[int] = []
        self._files: dict[tuple[str, int, int, int], _ObjectFile] = {}
        self._seq = 0
        self._frames: dict[int, Frame] = {}
        self._inlined: dict[int, list[Frame]] = {}
        #: path -> sorted (value, size, name) of its data symbols (data_symbol_at)
        self._data_syms: dict[str, list[tuple[int, int, str]]] = {}

    # -- registration -------------------------------------------------------
    def add_object(self, path: str, load_bias: int, start: int, end: int) -> None:
        """Record that ``path`` is mapped at client addresses [start, end).

        Client address = ELF virtual address + ``load_bias``.  A new mapping
        replaces whatever overlapped it (as mmap with MAP_FIXED does).
        Several calls for the same object (one per segment) are fine.
        """
        if end <= start:
            return
        real = os.path.realpath(path)
        self.remove_range(start, end)
        self._seq += 1
        mapping = _Mapping(start, end, load_bias, real, self._object_file(real), self._seq)
        i = bisect_right(self._starts, start)
        self._maps.insert(i, mapping)
        self._starts.insert(i, start)

    def remove_range(self, start: int, end: int) -> None:
        """Forget whatever is mapped in [start, end) (munmap)."""
        if end <= start:
            return
        kept: list[_Mapping] = []
        changed = False
        for m in self._maps:
            if m.end <= start or m.start >= end:
                kept.append(m)
                continue
            changed = True
            if m.start < start:
                kept.append(_Mapping(m.start, start, m.bias, m.path, m.obj, m.seq))
            if m.end > end:
                kept.append(_Mapping(end, m.end, m.bias, m.path, m.obj, m.seq))
        if changed:
            kept.sort(key=lambda m: m.start)
            self._maps = kept
            self._starts = [m.start for m in kept]
        self._frames.clear()
        self._inlined.clear()

    def _object_file(self, real: str) -> _ObjectFile:
        try:
            st = os.stat(real)
            key = (real, st.st_dev, st.st_ino, st.st_mtime_ns)
        except OSError:
            key = (real, 0, 0, 0)
        obj = self._files.get(key)
        if obj is None:
            obj = _ObjectFile(real, self.debug_dirs)
            self._files[key] = obj
        return obj

    def _mapping_at(self, addr: int) -> _Mapping | None:
        i = bisect_right(self._starts, addr) - 1
        if i >= 0 and addr < self._maps[i].end:
            return self._maps[i]
        return None

    # -- describing addresses ----------------------------------------------
    def describe(self, addr: int) -> Frame:
        """Say which function, source line and object ``addr`` belongs to."""
        frame = self._frames.get(addr)
        if frame is not None:
            return frame
        frame = self._describe(addr)
        if len(self._frames) >= self._CACHE_LIMIT:
            self._frames.clear()
        self._frames[addr] = frame
        return frame

    def _describe(self, addr: int) -> Frame:
        mapping = self._mapping_at(addr)
        if mapping is None:
            return Frame(addr)
        vaddr = addr - mapping.bias
        fn = mapping.obj.function_at(vaddr)
        below = False
        if fn is not None:
            below = is_below_main_name(fn)
            if below and not self.show_below_main:
                fn = BELOW_MAIN
            elif self.demangle:
                fn = demangle(fn)
        where = mapping.obj.line_at(vaddr)
        if where is None:
            return Frame(addr, fn, None, None, None, mapping.path, below)
        name, dirname, line = where
        return Frame(addr, fn, name, line, dirname, mapping.path, below)

    def describe_inlined(self, addr: int) -> list[Frame]:
        """Like :meth:`describe`, but expanded into one frame per inlined call.

        This is Valgrind's default ``--read-inline-info=yes`` view: when
        ``addr`` lies in code inlined from other functions, the innermost
        inlined function comes first (with the line-table location), then
        each caller with the location of its inlined call, and last the
        real function (symbol name).  All frames carry the same address;
        the first one is printed with ``at`` only if it is the first of the
        whole stack trace.  Without inlining this is ``[describe(addr)]``.
        """
        frames = self._inlined.get(addr)
        if frames is not None:
            return frames
        base = self.describe(addr)
        frames = [base]
        mapping = self._mapping_at(addr)
        if mapping is not None:
            try:
                chain = mapping.obj.inlines_at(addr - mapping.bias)
            except Exception:  # inline info is a bonus; never fail on it
                chain = []
            if chain:
                obj = mapping.path
                frames = [Frame(addr, chain[-1].name, base.file, base.line, base.dirname, obj)]
                for level in range(len(chain) - 2, -1, -1):
                    frames.append(self._call_frame(addr, chain[level].name,
                                                   chain[level + 1].call, obj, False))
                frames.append(self._call_frame(addr, base.fn, chain[0].call, obj,
                                               base.below_main))
        if len(self._inlined) >= self._CACHE_LIMIT:
            self._inlined.clear()
        self._inlined[addr] = frames
        return frames

    @staticmethod
    def _call_frame(addr: int, fn: str | None, call: _Where | None, obj: str,
                    below_main: bool) -> Frame:
        if call is None:
            return Frame(addr, fn, None, None, None, obj, below_main)
        return Frame(addr, fn, call[0], call[2], call[1], obj, below_main)

    def data_symbol_at(self, addr: int) -> tuple[str, int] | None:
        """(name, offset) of the data symbol (a global or static variable) of a loaded
        object that holds client address `addr`, if any."""
        for path, bias in self.loaded_objects():
            table = self._data_syms.get(path)
            if table is None:
                table = []
                try:
                    with open(path, "rb") as f:
                        image = _ElfImage(f)
                        raw = image.function_symbols(_SHT_SYMTAB, (_STT_OBJECT,)) or \
                            image.function_symbols(_SHT_DYNSYM, (_STT_OBJECT,))
                    table = sorted((v, size, name) for v, size, name, _b, _k in raw if size)
                except (OSError, ValueError, struct.error, zlib.error):
                    pass
                self._data_syms[path] = table
            v = addr - bias
            i = bisect_right(table, (v, 1 << 64, "")) - 1
            if i >= 0 and table[i][0] <= v < table[i][0] + table[i][1]:
                return table[i][2], v - table[i][0]
        return None

    def object_at(self, addr: int) -> str | None:
        """The (real) path of the object mapped at ``addr``, if any."""
        mapping = self._mapping_at(addr)
        return mapping.path if mapping is not None else None

    def object_bias_at(self, addr: int) -> tuple[str, int] | None:
        """(real path, load bias) of the object mapped at ``addr``, if any."""
        mapping = self._mapping_at(addr)
        return (mapping.path, mapping.bias) if mapping is not None else None

    # -- symbol lookups ------------------------------------------------------
    def _objects(self) -> list[_Mapping]:
        """One mapping per distinct (object, bias), in load order."""
        seen: set[tuple[int, int]] = set()
        out: list[_Mapping] = []
        for m in sorted(self._maps, key=lambda m: m.seq):
            key = (id(m.obj), m.bias)
            if key not in seen:
                seen.add(key)
                out.append(m)
        return out

    def loaded_objects(self) -> list[tuple[str, int]]:
        """(path, load bias) of every registered object, in load order."""
        return [(m.path, m.bias) for m in self._objects()]

    def find_symbol(self, name: str, obj_substring: str | None = None) -> int | None:
        """Client address of function ``name`` (mangled, version optional).

        Objects are searched in load order; ``obj_substring`` restricts the
        search to objects whose path contains it (e.g. ``"libc.so"``).
        """
        for m in self._objects():
            if obj_substring is not None and obj_substring not in m.path:
                continue
            hit = m.obj.symbols().by_name.get(name)
            if hit is not None:
                return hit[0] + m.bias
        return None

    def symbol_address(self, name: str) -> int | None:
        """Client address of function ``name`` in any loaded object."""
        return self.find_symbol(name)

    def symbols_of(self, obj_substring: str) -> list[Symbol]:
        """All function symbols of the loaded objects whose path contains
        ``obj_substring``, at their client addresses, sorted by address.
        Aliases are all listed (names as in the symbol table, mangled)."""
        return list(self.iter_symbols(obj_substring))

    def iter_symbols(self, obj_substring: str | None = None) -> Iterator[Symbol]:
        for m in self._objects():
            if obj_substring is not None and obj_substring not in m.path:
                continue
            for value, size, name, _bind, kind in sorted(m.obj.symbols().raw):
                yield Symbol(name, value + m.bias, size, m.path, kind == _STT_GNU_IFUNC)

    def debug_file_of(self, path: str) -> str | None:
        """The separate debug file used for ``path`` (for diagnostics)."""
        return self._object_file(os.path.realpath(path)).debug_path
