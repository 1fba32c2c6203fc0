"""Fixtures for the end-to-end tests.

`pg`: the shared machinery of tests/pygrind_testlib.py (build programs, run them natively
and under pygrind, compare). `prog`: build one of the programs in progs/ in a chosen link
mode. `run_dirs`: two fresh directories, one per run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_TESTS = str(Path(__file__).resolve().parent.parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

import pygrind_testlib  # noqa: E402

PROGS = Path(__file__).resolve().parent / "progs"


@pytest.fixture(scope="session")
def pg(pytestconfig) -> pygrind_testlib.Harness:
    """Build programs, run them natively and under pygrind, compare them."""
    return pygrind_testlib.Harness(pytestconfig)


#: gcc flags of each way to link a program.
LINK_FLAGS = {
    "static": ["-static"],
    "static-pie": ["-fPIE", "-static-pie"],
    "pie": ["-fPIE", "-pie"],
    "no-pie": ["-fno-pie", "-no-pie"],
}


@pytest.fixture(scope="session")
def progs_dir() -> Path:
    return PROGS


@pytest.fixture(scope="session")
def prog(pg):
    """prog("name.c", link="pie", cflags=("-O2",), libs=()) -> path of the built program.

    C++ sources (.cc) are built with g++. Link modes: static, static-pie, pie (dynamic,
    the default), no-pie (dynamic, fixed address).
    """

    def _prog(src: str, *, link: str = "pie", cflags=("-O2",), libs=()) -> Path:
        path = PROGS / src
        if not path.exists():
            pytest.fail(f"no such test program: {path}", pytrace=False)
        flags = [*cflags, "-g", "-Wall", *LINK_FLAGS[link], *libs]
        # A link mode the toolchain cannot do here is the machine's limit, not pygrind's.
        on_error = "skip" if link in ("static", "static-pie") else "fail"
        return pg.build([path], flags=flags, name=f"{path.stem}-{link}", on_error=on_error)

    return _prog


@pytest.fixture
def run_dirs(tmp_path) -> tuple[Path, Path]:
    """Two fresh, empty directories: one for the native run, one for the pygrind run."""
    a, b = tmp_path / "native", tmp_path / "pygrind"
    a.mkdir()
    b.mkdir()
    return a, b
