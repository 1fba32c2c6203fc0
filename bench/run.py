"""Benchmark runner: native vs Valgrind vs pygrind (cold and warm code cache), as a table.

    .venv/bin/python bench/run.py [--tool=none] [--backend=jit] [--repeat=N] [NAME ...]

Each case is a command line. It is timed natively, under `valgrind --tool=TOOL` (skipped
when Valgrind is not installed) and under pygrind twice: cold (a fresh, empty code cache)
and warm (the same cache, filled by the cold run). Speed goals are checked here, by people
reading the table, never by timed assertions in tests.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYGRIND = os.path.join(os.path.dirname(sys.executable), "pygrind")

#: our own programs and their arguments, sized for about 0.3-1 s natively here
OWN = {
    "intloop": ["200000000"],
    "fploop": ["90000000"],
    "memstream": ["33554432"],
    "ptrchase": ["4000000"],
    "mallocchurn": ["20000000"],
    "strings": ["300000"],
}
CPU_BOUND = set(OWN)


def _build(src: str, out: str) -> str:
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
        subprocess.run(["gcc", "-O2", "-o", out, src, "-lm"], check=True)
    return out


def _data(workdir: str) -> dict[str, str]:
    lines = os.path.join(workdir, "lines.txt")
    if not os.path.exists(lines):
        with open(lines, "w") as f:
            x = 12345
            for _ in range(200_000):
                x = (x * 1103515245 + 12345) & 0x7FFFFFFF
                f.write(f"{x:010d} line\n")
    big = os.path.join(workdir, "20MB.bin")
    if not os.path.exists(big):
        with open(big, "wb") as f:
            x = 1
            chunk = bytearray()
            for _ in range(20 << 20 >> 3):
                x = (x * 6364136223846793005 + 1442695040888963407) & (2**64 - 1)
                chunk += (x >> 40).to_bytes(3, "little") + b"text\n"[: (x >> 8) % 5 + 1]
                if len(chunk) > 1 << 20:
                    f.write(chunk)
                    chunk.clear()
            f.write(chunk)
    return {"lines": lines, "big": big}


def cases(workdir: str) -> dict[str, list[str]]:
    out = {}
    for name, args in OWN.items():
        exe = _build(os.path.join(HERE, "progs", f"{name}.c"), os.path.join(workdir, name))
        out[name] = [exe, *args]
    d = _data(workdir)
    out.update({
        "sha256sum-20MB": ["/usr/bin/sha256sum", d["big"]],
        "gzip-20MB": ["/bin/gzip", "-c", d["big"]],
        "sort-200k": ["/usr/bin/sort", d["lines"]],
        "python3-sum": ["/usr/bin/python3", "-c", "sum(i*i for i in range(3*10**6))"],
        "true": ["/bin/true"],
        "ls-la-usr-lib": ["/bin/ls", "-la", "/usr/lib"],
    })
    return out


def timed(cmd: list[str], repeat: int, env: dict | None = None) -> float | None:
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        full = {**os.environ, **(env or {})}
        # pygrind as installed runs from .pyc files; a shell that forbids writing them
        # (PYTHONDONTWRITEBYTECODE) would time Python recompiling pygrind at every start
        full.pop("PYTHONDONTWRITEBYTECODE", None)
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=full)
        dt = time.perf_counter() - t0
        if r.returncode < 0:
            return None
        best = dt if best is None else min(best, dt)
    return best


def _geomean(xs: list[float]) -> float | None:
    xs = [x for x in xs if x]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tool", default="none")
    ap.add_argument("--backend", default="jit")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    workdir = os.path.join(tempfile.gettempdir(), "pygrind-bench")
    os.makedirs(workdir, exist_ok=True)
    valgrind = shutil.which("valgrind")

    def f(x: float | None, w: int) -> str:
        return f"{x:>{w}.2f}" if x is not None else f"{'-':>{w}}"

    print(f"tool={args.tool} backend={args.backend}")
    print(f"{'case':<16} {'native':>7} {'valgrind':>9} {'pg cold':>8} {'pg warm':>8} "
          f"{'cold/vg':>8} {'warm/vg':>8}")
    ratios = {"cpu_warm": [], "cpu_cold": []}
    for name, cmd in cases(workdir).items():
        if args.names and name not in args.names:
            continue
        nat = timed(cmd, args.repeat)
        vg = timed([valgrind, f"--tool={args.tool}", "-q", *cmd], args.repeat) if valgrind else None
        pg_cmd = [PYGRIND, f"--tool={args.tool}", f"--backend={args.backend}", "-q", *cmd]
        with tempfile.TemporaryDirectory(prefix="pygrind-bench-cache-") as cache:
            env = {"XDG_CACHE_HOME": cache}
            cold = timed(pg_cmd, 1, env)
            warm = timed(pg_cmd, args.repeat, env)
        rc = cold / vg if cold and vg else None
        rw = warm / vg if warm and vg else None
        if name in CPU_BOUND:
            ratios["cpu_cold"].append(rc)
            ratios["cpu_warm"].append(rw)
        print(f"{name:<16} {f(nat, 7)} {f(vg, 9)} {f(cold, 8)} {f(warm, 8)} {f(rc, 8)} {f(rw, 8)}",
              flush=True)
    print(f"geometric mean pygrind/valgrind over our CPU-bound programs: cold "
          f"{f(_geomean(ratios['cpu_cold']), 0)}, warm {f(_geomean(ratios['cpu_warm']), 0)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
