"""Rebuild the expected Valgrind reports of tests/e2e/memcheck_progs/.

For each program: build it as the tests do (gcc/g++ -O0 -g, a dynamically linked PIE, in a
temporary directory), run it under Valgrind's memcheck twice, with the tests' options and
environment (stdout a pipe, stdin /dev/null), once with --log-file and once with
--xml=yes --xml-file, and write <prog>.vg.txt and <prog>.vg.xml here, normalised by the
test module's normalise() / normalise_xml(). Prints each program's ERROR SUMMARY and leak
summary.

    /work/main/.venv/bin/python tests/e2e/memcheck_expected/regen.py [PROG...]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
E2E = HERE.parent
sys.path[:0] = [str(E2E), str(E2E.parent)]

import pygrind_testlib  # noqa: E402
import test_memcheck_vs_valgrind as t  # noqa: E402


def build(name: str, out_dir: Path) -> Path:
    src = t.source_of(name)
    compiler = "g++" if src.suffix == ".cc" else "gcc"
    exe = out_dir / name
    subprocess.run([compiler, str(src), "-o", str(exe), *t.CFLAGS], check=True)
    return exe


def valgrind(exe: Path, opts: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(["valgrind", *t.VALGRIND_OPTS, *opts, str(exe)],
                          env=dict(pygrind_testlib.BASE_ENV), stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=t.VALGRIND_TIMEOUT)


def one_line(summary: dict) -> str:
    errors, contexts = summary["error_summary"] or (None, None)
    leaks = summary["leak_summary"]
    if isinstance(leaks, dict):
        leaks = ", ".join(f"{k} {b}/{n}" for k, (b, n) in leaks.items()
                          if k != "suppressed")
    return f"ERROR SUMMARY: {errors} errors from {contexts} contexts; {leaks}"


def main(argv: list[str]) -> int:
    if not shutil.which("valgrind"):
        print("valgrind is not installed", file=sys.stderr)
        return 1
    names = argv or t.NAMES
    with tempfile.TemporaryDirectory(prefix="memcheck-regen-") as tmp:
        tmpdir = Path(tmp)
        for name in names:
            exe = build(name, tmpdir)
            log, xml = tmpdir / f"{name}.log", tmpdir / f"{name}.xml"
            r = valgrind(exe, [f"--log-file={log}"])
            valgrind(exe, ["--xml=yes", f"--xml-file={xml}"])
            text = t.normalise(log.read_text())
            (HERE / f"{name}.vg.txt").write_text(text)
            replace = {str(tmpdir): "BUILD", str(t.PROGS_DIR): "PROGS",
                       os.path.realpath(tmpdir): "BUILD"}
            (HERE / f"{name}.vg.xml").write_text(t.normalise_xml(xml.read_text(), replace))
            status = r.returncode
            print(f"{name:22} status {status:4}  {one_line(t.summarise(text))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
