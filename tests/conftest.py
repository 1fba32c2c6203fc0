"""Shared pytest configuration for pygrind's tests."""

import sys
from pathlib import Path

# Make `import pygrind` work however pytest is invoked (there is no installed
# package or pyproject.toml yet).
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "slow: long-running test (minutes); deselect with -m 'not slow'",
    )
