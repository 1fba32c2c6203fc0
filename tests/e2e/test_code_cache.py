"""End-to-end: the code cache. A program runs twice under pygrind with the same cache
directory; the second run installs the code the first one saved (machine code of the
libVEX tier, relocated; LLVM modules; Python code objects) and must behave exactly as
the native run does. (The other end-to-end tests run without a usable cache.)
"""

from __future__ import annotations

import re

import pytest

TIMEOUT = 180


def _stats(run) -> dict[str, int]:
    """The counts pygrind's -v summary gives for the libVEX tier (empty if not used)."""
    m = re.search(rb"vex tier: (\d+) blocks translated .*?, (\d+) loaded from the cache",
                  run.stderr)
    return {"translated": int(m[1]), "loaded": int(m[2])} if m else {}


@pytest.mark.parametrize("src,args,link", [
    ("hello.c", ["one", "two"], "pie"),
    ("hello.c", ["three"], "static"),
    ("smc.c", [], "pie"),
    ("mmap.c", ["fault"], "pie"),
])
def test_second_run_from_the_cache(pg, prog, tmp_path, src, args, link):
    exe = prog(src, link=link)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}

    def argv(i: int) -> list:
        if src != "mmap.c":
            return [exe, *args]
        d = tmp_path / f"run{i}"  # mmap DIR fault: a fresh directory for each run
        d.mkdir()
        return [exe, d, *args]

    native = pg.run(argv(0), timeout=60, env=env)
    cold = pg.run_pygrind(argv(1), quiet=False, opts=["-v"], timeout=TIMEOUT, env=env)
    warm = pg.run_pygrind(argv(2), quiet=False, opts=["-v"], timeout=TIMEOUT, env=env)
    what = f"{exe.name} {' '.join(args)}"
    pg.assert_same(native, cold, what=f"{what} (cold cache)")
    pg.assert_same(native, warm, what=f"{what} (warm cache)")
    first, second = _stats(cold), _stats(warm)
    if first:  # the libVEX tier ran (not with --backend=ref)
        assert first["translated"] > 100, cold.stderr
        assert second["loaded"] > 100, warm.stderr
        assert second["translated"] < first["translated"], warm.stderr
