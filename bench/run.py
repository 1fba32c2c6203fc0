"""Benchmark runner: native vs pygrind vs Valgrind, for the same tool, as a table.

    .venv/bin/python bench/run.py [--tool=none] [--repeat=N] [NAME ...]

Each case is a command line; the runner times it natively, under pygrind and under
Valgrind (skipped when Valgrind is not installed) and prints seconds and ratios. Speed
goals are checked here, by people reading the table, never by timed assertions in tests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYGRIND = os.path.join(os.path.dirname(sys.executable), "pygrind")


def _build(src: str, out: str, flags: list[str]) -> str:
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
        subprocess.run(["gcc", "-O2", *flags, "-o", out, src], check=True)
    return out


def cases(workdir: str) -> dict[str, list[str]]:
    progs = os.path.join(HERE, "progs")
    built = {}
    for name in sorted(os.listdir(progs)):
        if name.endswith(".c"):
            stem = name[:-2]
            built[stem] = [_build(os.path.join(progs, name), os.path.join(workdir, stem), ["-lm"])]
    data = os.path.join(workdir, "lines.txt")
    if not os.path.exists(data):
        with open(data, "w") as f:
            x = 12345
            for _ in range(20000):
                x = (x * 1103515245 + 12345) & 0x7FFFFFFF
                f.write(f"{x:010d} line\n")
    built.update({
        "true": ["/bin/true"],
        "ls-usr-lib": ["/bin/ls", "-la", "/usr/lib"],
        "sort-20k": ["/usr/bin/sort", data],
        "sha256sum-20k": ["/usr/bin/sha256sum", data],
        "python3-pass": ["/usr/bin/python3", "-c", "pass"],
    })
    return built


def timed(cmd: list[str], repeat: int) -> float | None:
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        dt = time.perf_counter() - t0
        if r.returncode < 0:
            return None
        best = dt if best is None else min(best, dt)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tool", default="none")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    workdir = os.path.join(tempfile.gettempdir(), "pygrind-bench")
    os.makedirs(workdir, exist_ok=True)
    valgrind = shutil.which("valgrind")
    rows = []
    print(f"{'case':<16} {'native s':>9} {'valgrind s':>11} {'pygrind s':>10} "
          f"{'pg/native':>10} {'pg/vg':>8}")
    for name, cmd in cases(workdir).items():
        if args.names and name not in args.names:
            continue
        nat = timed(cmd, args.repeat)
        vg = timed([valgrind, f"--tool={args.tool}", "-q", *cmd], args.repeat) if valgrind else None
        pg = timed([PYGRIND, f"--tool={args.tool}", "-q", *cmd], args.repeat)
        rows.append((name, nat, vg, pg))

        def f(x: float | None, w: int) -> str:
            return f"{x:>{w}.3f}" if x is not None else f"{'-':>{w}}"

        r1 = pg / nat if pg and nat else None
        r2 = pg / vg if pg and vg else None
        print(f"{name:<16} {f(nat, 9)} {f(vg, 11)} {f(pg, 10)} {f(r1, 10)} {f(r2, 8)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
