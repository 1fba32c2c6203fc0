"""ELF validation and the initial process image."""

import os
import struct
import subprocess

import pytest

from pygrind.core import loader
from pygrind.core.aspace import AddressSpace
from pygrind.core.errors import UserError


def _elf_header(ei_class=2, machine=62, etype=2, phnum=1):
    ident = b"\x7fELF" + bytes([ei_class, 1, 1]) + bytes(9)
    return ident + struct.pack("<HHIQQQIHHHHHH", etype, machine, 1, 0x401000, 64, 0, 0, 64, 56,
                               phnum, 64, 0, 0)


@pytest.mark.parametrize("content,message", [
    (b"hello world\n", "not an ELF"),
    (b"\x7fELF\x02\x01", "truncated ELF header"),
    (_elf_header(ei_class=1), "32-bit"),
    (_elf_header(machine=183), "AArch64"),
    (_elf_header(machine=40), "ARM"),
    (_elf_header(), "program headers past end of file"),
])
def test_bad_elves_are_rejected_with_a_reason(tmp_path, content, message):
    p = tmp_path / "prog"
    p.write_bytes(content)
    with pytest.raises(UserError, match=message) as e:
        loader.read_elf(str(p))
    assert e.value.status == 126


def test_missing_program_is_127(tmp_path):
    with pytest.raises(UserError) as e:
        loader.resolve_program(str(tmp_path / "nope"))
    assert e.value.status == 127


def test_script_follows_shebang(tmp_path):
    s = tmp_path / "s.sh"
    s.write_text("#!/bin/sh -e\necho hi\n")
    path, argv = loader.interpret_script(str(s), [str(s), "a"])
    assert path == "/bin/sh" and argv == ["/bin/sh", "-e", str(s), "a"]


def test_initial_stack_has_argv_envp_auxv(tmp_path):
    src = tmp_path / "t.c"
    src.write_text("int main(){return 0;}\n")
    exe = tmp_path / "t"
    subprocess.run(["gcc", "-o", str(exe), str(src)], check=True)
    a = AddressSpace()
    prog = loader.load_program(a, str(exe), [str(exe), "x", "yz"], ["A=1"])
    rd = lambda addr: struct.unpack("<Q", a.read(addr, 8))[0]  # noqa: E731
    sp = prog.rsp
    assert sp % 16 == 0
    assert rd(sp) == 3
    assert a.read_cstr(rd(sp + 16)) == b"x"
    assert rd(sp + 32) == 0
    assert a.read_cstr(rd(sp + 40)) == b"A=1"
    assert rd(sp + 48) == 0
    aux = {}
    p = sp + 56
    while True:
        k, v = rd(p), rd(p + 8)
        if k == 0:
            break
        aux[k] = v
        p += 16
    assert aux[loader.AT_ENTRY] == prog.exe.entry
    assert aux[loader.AT_BASE] == prog.interp.start
    assert aux[loader.AT_PAGESZ] == 4096
    assert len(a.read(aux[loader.AT_RANDOM], 16)) == 16
    assert prog.exe.bias == loader.PIE_BASE  # gcc builds PIE by default here
    assert prog.entry == prog.interp.entry
    assert os.path.basename(prog.interp.path).startswith("ld-linux")
