"""Fixtures for the CPU tests: `pg`, the shared machinery of tests/pygrind_testlib.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_TESTS = str(Path(__file__).resolve().parent.parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

import pygrind_testlib  # noqa: E402


@pytest.fixture(scope="session")
def pg(pytestconfig) -> pygrind_testlib.Harness:
    """Build programs, run them natively and under pygrind, compare them."""
    return pygrind_testlib.Harness(pytestconfig)
