"""Tools end to end: lackey's counts, the example tool of docs/writing-a-tool.md, the
banner, --log-file. loop_asm.S executes a known number of instructions and branches."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def loop_asm(pg, progs_dir):
    return pg.build([progs_dir / "loop_asm.S"], flags=["-nostdlib", "-static"], name="loop_asm")


def _count(stderr: bytes, label: str) -> int:
    m = re.search(rf"{label}\s+([\d,]+)", stderr.decode())
    assert m, f"no '{label}' line in:\n{stderr.decode()}"
    return int(m.group(1).replace(",", ""))


def test_lackey_counts_instructions_and_branches_exactly(pg, loop_asm):
    r = pg.run_pygrind([loop_asm], tool="lackey", quiet=False)
    assert r.returncode == 0 and r.stdout == b"done!\n", pg.explain_run(r, "lackey")
    # 1 + 1000 * (dec, jnz) + 8 instructions; 1000 jnz of which 999 jump back
    assert _count(r.stderr, "guest instrs:") == 2009
    assert _count(r.stderr, "total:") == 1000
    assert _count(r.stderr, "taken:") == 999
    assert b"Exit code:       0" in r.stderr


def test_lackey_agrees_with_valgrind_on_instruction_count(pg, loop_asm):
    if not shutil.which("valgrind"):
        pytest.skip("valgrind is not installed")
    ours = pg.run_pygrind([loop_asm], tool="lackey", quiet=False)
    theirs = pg.run(["valgrind", "--tool=lackey", loop_asm])
    assert _count(ours.stderr, "guest instrs:") == _count(theirs.stderr, "guest instrs:")


def test_lackey_counts_calls_to_main(pg, prog):
    exe = prog("hello.c", link="no-pie")
    r = pg.run_pygrind([exe], tool="lackey", quiet=False)
    assert b"Counted 1 call to main()" in r.stderr, pg.explain_run(r, "lackey")


def test_lackey_detailed_counts_table(pg, loop_asm):
    r = pg.run_pygrind([loop_asm], tool="lackey", quiet=False, opts=["--detailed-counts=yes"])
    text = r.stderr.decode()
    assert "IR-level counts by type:" in text
    rows = dict(re.findall(r"==\d+==    (I\d+|F\d+|V\d+|D\d+)\s+([\d,]+\s+[\d,]+\s+[\d,]+)", text))
    assert set(rows) >= {"I1", "I8", "I16", "I32", "I64", "I128", "F32", "F64", "V128"}
    # the loop's only memory access is none: the program loads and stores nothing
    loads, stores, alu = (int(x.replace(",", "")) for x in rows["I32"].split())
    assert loads == 0 and stores == 0 and alu >= 1000  # one Sub32 per dec


def test_lackey_rejects_unknown_tool_option(pg, loop_asm):
    r = pg.run_pygrind([loop_asm], tool="lackey", opts=["--no-such-option=yes"])
    assert r.returncode == 1 and r.stderr.decode().count("\n") == 1


def test_example_tool_from_the_docs_counts_like_lackey(pg, loop_asm):
    r = pg.run_pygrind([loop_asm], tool="examples.count:CountTool", quiet=False, cwd=REPO)
    assert r.returncode == 0 and r.stdout == b"done!\n", pg.explain_run(r, "count tool")
    assert _count(r.stderr, "instructions:") == 2009
    assert "syscall write: 1" in r.stderr.decode()


def test_tool_from_a_file_path(pg, loop_asm, tmp_path):
    tool = tmp_path / "mytool.py"
    tool.write_text(
        "from pygrind.tool import Tool\n"
        "class Mine(Tool):\n"
        "    description = 'Mine, a test tool'\n"
        "    def fini(self, exitcode):\n"
        "        self.msg(f'mine saw exit {exitcode}')\n")
    r = pg.run_pygrind([loop_asm], tool=f"{tool}:Mine", quiet=False)
    assert "Mine, a test tool" in r.stderr.decode()
    assert "mine saw exit 0" in r.stderr.decode()


def test_banner_layout_and_quiet(pg, loop_asm):
    loud = pg.run_pygrind([loop_asm], tool="none", quiet=False)
    lines = loud.stderr.decode().splitlines()
    pid = re.match(r"==(\d+)== ", lines[0]).group(1)
    assert all(line.startswith(f"=={pid}== ") for line in lines)
    assert lines[0].endswith("Nulgrind, the minimal pygrind tool")
    assert any(f"Command: {loop_asm}" in line for line in lines)
    quiet = pg.run_pygrind([loop_asm], tool="none", quiet=True)
    assert quiet.stderr == b"" and quiet.stdout == b"done!\n"


def test_log_file_gets_the_messages_with_the_pid(pg, loop_asm, tmp_path):
    r = pg.run_pygrind([loop_asm], tool="lackey", quiet=False,
                       opts=[f"--log-file={tmp_path}/log.%p"])
    assert r.stderr == b"" and r.stdout == b"done!\n"
    logs = list(tmp_path.glob("log.*"))
    assert len(logs) == 1
    text = logs[0].read_text()
    pid = logs[0].name.split(".")[1]
    assert re.search(rf"=={pid}==\s+guest instrs:\s+2,009\n", text), text
