"""Loading a client program: ELF64 x86-64 executables, their interpreter, `#!` scripts,
and the initial stack (argv, envp, auxv) as the Linux kernel builds it.

Non-PIE executables go at their linked addresses; PIE executables at PIE_BASE; the
dynamic loader named by PT_INTERP is mapped like any other mmap (top-down) and runs as
client code, doing the dynamic linking itself. No vDSO is offered (no AT_SYSINFO_EHDR),
so glibc makes real system calls for the time.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field

from .aspace import (
    MAP_ANONYMOUS,
    MAP_FIXED,
    MAP_PRIVATE,
    PAGE,
    PROT_EXEC,
    PROT_READ,
    PROT_WRITE,
    AddressSpace,
    page_down,
    page_up,
)
from .errors import UserError

PIE_BASE = 0x5555_5555_4000 & ((1 << 44) - 1)
STACK_SIZE = 8 << 20

ET_EXEC, ET_DYN = 2, 3
EM_X86_64 = 62
PT_LOAD, PT_INTERP, PT_PHDR, PT_GNU_STACK = 1, 3, 6, 0x6474E551

AT_NULL, AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE, AT_FLAGS, AT_ENTRY = 0, 3, 4, 5, 6, 7, 8, 9
AT_UID, AT_EUID, AT_GID, AT_EGID, AT_PLATFORM, AT_HWCAP, AT_CLKTCK = 11, 12, 13, 14, 15, 16, 17
AT_SECURE, AT_RANDOM, AT_HWCAP2, AT_EXECFN, AT_MINSIGSTKSZ = 23, 25, 26, 31, 51

_EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
_PHDR = struct.Struct("<IIQQQQQQ")
_MACHINES = {3: "x86 (32-bit)", 40: "ARM", 183: "AArch64", 8: "MIPS", 20: "PowerPC",
             21: "PowerPC64", 22: "S390", 243: "RISC-V"}


@dataclass
class Segment:
    type: int
    flags: int
    offset: int
    vaddr: int
    filesz: int
    memsz: int


@dataclass
class ElfImage:
    path: str
    etype: int
    entry: int
    phoff: int
    phentsize: int
    phnum: int
    segments: list[Segment]
    interp: str | None = None


@dataclass
class LoadedObject:
    """An ELF object now mapped into the client: where, and with which bias."""

    path: str
    bias: int
    start: int
    end: int
    entry: int
    phdr: int
    phnum: int


@dataclass
class Program:
    """What the loader produced: the initial register values and the mapped objects."""

    entry: int
    rsp: int
    exe: LoadedObject
    interp: LoadedObject | None
    argv: list[str]
    objects: list[LoadedObject] = field(default_factory=list)


def read_elf(path: str) -> ElfImage:
    """Parse and validate an ELF header and its program headers."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
            if len(head) < 4 or head[:4] != b"\x7fELF":
                raise UserError(f"{path}: not an ELF executable", 126)
            if len(head) < 64:
                raise UserError(f"{path}: truncated ELF header", 126)
            if head[4] != 2:
                raise UserError(f"{path}: wrong ELF class: 32-bit ELF; only x86-64 (ELF64) is supported", 126)
            if head[5] != 1:
                raise UserError(f"{path}: big-endian ELF; only x86-64 is supported", 126)
            (_, etype, machine, _, entry, phoff, _, _, _, phentsize, phnum, _, _, _) = _EHDR.unpack(head)
            if machine != EM_X86_64:
                what = _MACHINES.get(machine, f"machine {machine}")
                raise UserError(f"{path}: wrong architecture: {what}; only x86-64 is supported", 126)
            if etype not in (ET_EXEC, ET_DYN):
                raise UserError(f"{path}: not an executable (ELF type {etype})", 126)
            if phentsize != _PHDR.size or phnum == 0 or phnum > 256:
                raise UserError(f"{path}: corrupt ELF: bad program header table", 126)
            f.seek(phoff)
            raw = f.read(phentsize * phnum)
            if len(raw) != phentsize * phnum:
                raise UserError(f"{path}: truncated ELF: program headers past end of file", 126)
            size = os.fstat(f.fileno()).st_size
            segs = []
            interp = None
            for i in range(phnum):
                ptype, pflags, off, vaddr, _, filesz, memsz, _ = _PHDR.unpack_from(raw, i * phentsize)
                segs.append(Segment(ptype, pflags, off, vaddr, filesz, memsz))
                if ptype == PT_LOAD and (off + filesz > size or filesz > memsz):
                    raise UserError(f"{path}: truncated or corrupt ELF: segment {i} past end of file", 126)
                if ptype == PT_INTERP:
                    f.seek(off)
                    interp = f.read(filesz).split(b"\0")[0].decode(errors="replace")
    except OSError as e:
        raise UserError(f"{path}: {e.strerror}", 126) from None
    if not any(s.type == PT_LOAD for s in segs):
        raise UserError(f"{path}: corrupt ELF: no loadable segment", 126)
    return ElfImage(path, etype, entry, phoff, phentsize, phnum, segs, interp)


def _prot(pflags: int) -> int:
    return ((PROT_READ if pflags & 4 else 0) | (PROT_WRITE if pflags & 2 else 0)
            | (PROT_EXEC if pflags & 1 else 0))


def map_image(aspace: AddressSpace, img: ElfImage, base: int | None) -> LoadedObject:
    """Map an ELF image's PT_LOAD segments; `base` None means "anywhere" (top-down)."""
    loads = [s for s in img.segments if s.type == PT_LOAD]
    lo = page_down(min(s.vaddr for s in loads))
    hi = page_up(max(s.vaddr + s.memsz for s in loads))
    if img.etype == ET_EXEC:
        bias = 0
    else:
        if base is None:
            base = aspace.find_free(hi - lo)
            if base is None:
                raise UserError(f"{img.path}: no room in the client address space")
        bias = base - lo
    if not aspace.is_free(lo + bias, hi + bias) and img.etype == ET_EXEC:
        raise UserError(f"{img.path}: cannot map at its fixed address {lo:#x}")
    fd = os.open(img.path, os.O_RDONLY)
    real = os.path.realpath(img.path)  # the name the kernel shows in /proc/self/maps
    try:
        for s in loads:
            prot = _prot(s.flags)
            start = page_down(s.vaddr + bias)
            fstart = s.vaddr + bias + s.filesz
            end = page_up(s.vaddr + bias + s.memsz)
            file_end = page_up(fstart)
            if s.filesz:
                aspace.map(start, file_end - start, prot, MAP_PRIVATE | MAP_FIXED, fd,
                           page_down(s.offset), real)
                if s.memsz > s.filesz and fstart < file_end:
                    # The tail of the last file page belongs to .bss: zero it, as the kernel does.
                    aspace.write_unchecked(fstart, bytes(file_end - fstart))
            else:
                file_end = start
            if end > file_end:
                aspace.map(file_end, end - file_end, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                           name=real if s.filesz == 0 else "")
    finally:
        os.close(fd)
    phdr = 0
    for s in img.segments:
        if s.type == PT_PHDR:
            phdr = s.vaddr + bias
    if not phdr:
        for s in loads:
            if s.offset <= img.phoff < s.offset + s.filesz:
                phdr = s.vaddr + (img.phoff - s.offset) + bias
    return LoadedObject(img.path, bias, lo + bias, hi + bias, img.entry + bias, phdr, img.phnum)


def resolve_program(name: str) -> str:
    """Find the program as execvp would: a name without '/' is looked up in PATH."""
    if "/" not in name:
        for d in os.environ.get("PATH", "/usr/bin:/bin").split(":"):
            cand = os.path.join(d or ".", name)
            if os.path.isfile(cand) and os.access(cand, os.X_OK):
                return cand
        raise UserError(f"{name}: command not found", 127)
    if not os.path.exists(name):
        raise UserError(f"{name}: No such file or directory", 127)
    if os.path.isdir(name):
        raise UserError(f"{name}: is a directory", 126)
    if not os.access(name, os.X_OK):
        raise UserError(f"{name}: Permission denied", 126)
    return name


def interpret_script(path: str, argv: list[str]) -> tuple[str, list[str]]:
    """Follow `#!` lines (up to a few levels) to the real ELF program and its argv."""
    for _ in range(4):
        try:
            with open(path, "rb") as f:
                head = f.read(256)
        except OSError as e:
            raise UserError(f"{path}: {e.strerror}") from None
        if not head.startswith(b"#!"):
            return path, argv
        line = head[2:].split(b"\n")[0].strip().decode(errors="replace")
        if not line:
            raise UserError(f"{path}: bad interpreter line")
        parts = line.split(None, 1)
        interp = parts[0]
        new_argv = [interp] + parts[1:] + [path] + argv[1:]
        if not os.path.exists(interp):
            raise UserError(f"{path}: bad interpreter: {interp}: No such file or directory")
        path, argv = interp, new_argv
    raise UserError(f"{path}: too many levels of #! interpreters")


def _build_stack(aspace: AddressSpace, argv: list[str], envp: list[str], auxv: list[tuple[int, int]],
                 execfn: str, hwcap: int) -> int:
    top = aspace.stack_top
    aspace.map(top - STACK_SIZE, STACK_SIZE, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, name="[stack]")
    sp = top

    def push_bytes(data: bytes) -> int:
        nonlocal sp
        sp -= len(data)
        aspace.write_unchecked(sp, data)
        return sp

    execfn_addr = push_bytes(execfn.encode() + b"\0")
    env_addrs = [push_bytes(e.encode(errors="surrogateescape") + b"\0") for e in reversed(envp)][::-1]
    arg_addrs = [push_bytes(a.encode(errors="surrogateescape") + b"\0") for a in reversed(argv)][::-1]
    platform = push_bytes(b"x86_64\0")
    sp &= ~15
    random_addr = push_bytes(os.urandom(16))
    aux = auxv + [(AT_RANDOM, random_addr), (AT_EXECFN, execfn_addr), (AT_PLATFORM, platform),
                  (AT_HWCAP, hwcap), (AT_NULL, 0)]
    words = [len(argv)] + arg_addrs + [0] + env_addrs + [0]
    for k, v in aux:
        words += [k, v]
    sp = (sp - 8 * len(words)) & ~15
    blob = b"".join(struct.pack("<Q", w & 0xFFFFFFFFFFFFFFFF) for w in words)
    aspace.write_unchecked(sp, blob)
    return sp


def load_program(aspace: AddressSpace, path: str, argv: list[str], envp: list[str],
                 hwcap: int = 0) -> Program:
    """Map `path` (following #! scripts) and build the initial stack, as execve would."""
    path = resolve_program(path)
    execfn = path
    path, argv = interpret_script(path, argv)
    img = read_elf(path)
    exe = map_image(aspace, img, None if img.etype == ET_EXEC else PIE_BASE)
    aspace.set_brk_base(exe.end)
    interp_obj = None
    entry = exe.entry
    if img.interp:
        try:
            iimg = read_elf(img.interp)
        except UserError as e:
            raise UserError(f"{path}: cannot load its interpreter: {e}") from None
        interp_obj = map_image(aspace, iimg, None)
        entry = interp_obj.entry
    auxv = [
        (AT_PHDR, exe.phdr), (AT_PHENT, _PHDR.size), (AT_PHNUM, exe.phnum), (AT_PAGESZ, PAGE),
        (AT_BASE, interp_obj.start if interp_obj else 0), (AT_FLAGS, 0), (AT_ENTRY, exe.entry),
        (AT_UID, os.getuid()), (AT_EUID, os.geteuid()), (AT_GID, os.getgid()),
        (AT_EGID, os.getegid()), (AT_SECURE, 0), (AT_CLKTCK, 100), (AT_HWCAP2, 0),
        (AT_MINSIGSTKSZ, 2048),
    ]
    rsp = _build_stack(aspace, argv, envp, auxv, execfn, hwcap)
    objs = [exe] + ([interp_obj] if interp_obj else [])
    return Program(entry, rsp, exe, interp_obj, argv, objs)


def elf_bias_for_mapping(path: str, start: int, offset: int) -> int | None:
    """Load bias of an ELF file mapped at client `start` from file `offset` (the way
    ld.so maps libraries), or None if the file is not an ELF we can place."""
    try:
        img = read_elf(path)
    except UserError:
        return None
    for s in img.segments:
        if s.type == PT_LOAD and page_down(s.offset) == offset:
            return start - page_down(s.vaddr)
    return None
