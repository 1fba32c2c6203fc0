"""End-to-end: real programs nobody here wrote (coreutils, grep, sed, awk, find, tar,
gzip, python3), run natively and under `pygrind -q --tool=none` on files the test makes;
stdout bytes and the exit status must be identical.

Pipelines are never used: each step runs on its own, under pygrind, reading and writing
files, and the steps are chained through those files. Every run has TZ=UTC and LC_ALL=C,
and the files have fixed contents and fixed modification times.

The reference backend runs roughly 1-3 million guest instructions per second, so the
bigger inputs are marked slow (`pytest -m "not slow"` leaves them out).
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

TIMEOUT = 240        # one pygrind run of a small real program
SLOW_TIMEOUT = 900   # one pygrind run marked slow (python3 may take minutes)
FIXED_TIME = 1_577_934_245  # 2020-01-02 03:04:05 UTC: older than 6 months, so ls shows a year


def tool(name: str) -> str:
    path = shutil.which(name, path="/usr/bin:/bin")
    if path is None:
        pytest.skip(f"{name} is not installed")
    return os.path.realpath(path) if name != "awk" else path


def _lines(n: int, seed: int) -> str:
    r = random.Random(seed)
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
             "kappa", "lambda", "mu"]
    out = []
    for i in range(n):
        out.append(f"{r.randrange(10**8):08d} {r.choice(words)}{r.randrange(100)} "
                   f"{r.randrange(-5000, 5000)} {r.random() * 1000:.3f} line{i}\n")
    return "".join(out)


def _set_times(root: Path) -> None:
    """Fixed mtimes (and atimes) for everything under root, root included; symlinks
    themselves too. Deepest first, since changing a directory's entries moves its mtime."""
    paths = sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True) + [root]
    for i, p in enumerate(paths):
        t = FIXED_TIME + 3600 * (i % 7)
        os.utime(p, (t, t), follow_symlinks=False)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """A directory of inputs with fixed contents and times:
    lines.txt (2,000 lines), lines10k.txt (10,000), blob.bin (64 KiB), tree/ (a small
    directory tree), and above it a parent whose times are fixed too."""
    top = tmp_path_factory.mktemp("real") / "data"
    top.mkdir()
    (top / "lines.txt").write_text(_lines(2000, 1))
    (top / "lines10k.txt").write_text(_lines(10_000, 2))
    (top / "blob.bin").write_bytes(random.Random(3).randbytes(64 * 1024))
    tree = top / "tree"
    for d in ["a", "a/b", "a/b/c", "empty", "z"]:
        (tree / d).mkdir(parents=True)
    for i, (name, size) in enumerate([("README", 120), ("a/one.txt", 1), ("a/two.txt", 4000),
                                      ("a/b/three.c", 777), ("a/b/c/deep.txt", 5000),
                                      ("z/last.bin", 65536), ("a/.hidden", 10),
                                      ("with space.txt", 33)]):
        (tree / name).write_bytes(bytes((j * (i + 3)) % 251 for j in range(size)))
    os.chmod(tree / "a/b/three.c", 0o600)
    os.chmod(tree / "z/last.bin", 0o755)
    (tree / "link-to-readme").symlink_to("README")
    _set_times(top)
    return top


def same(pg, argv, *, timeout=TIMEOUT, **kw):
    return pg.check_same(argv, timeout=timeout, what=" ".join(str(a) for a in argv), **kw)


# ------------------------------------------------------------------ coreutils

def test_true(pg):
    native, _ = same(pg, [tool("true")])
    assert native.returncode == 0


def test_false(pg):
    native, _ = same(pg, [tool("false")])
    assert native.returncode == 1


def test_echo(pg):
    same(pg, [tool("echo"), "hello", "world", "  spaced  ", "", "\u00e9t\u00e9"])
    same(pg, [tool("echo"), "-e", "tab\there\\nnewline\\x41\\0101"])


def test_ls_la(pg, data):
    same(pg, [tool("ls"), "-la", data / "tree"], cwd=data)


def test_ls_recursive(pg, data):
    same(pg, [tool("ls"), "-laR", "--full-time", "tree"], cwd=data)


def test_ls_missing_file(pg, data):
    """ls of a missing file: exit 2 and a message on stderr."""
    native, under = same(pg, [tool("ls"), "-l", "tree/README", "no-such-file"], cwd=data)
    assert native.returncode == 2
    assert under.stderr.endswith(native.stderr), (native.stderr, under.stderr)


def test_cat_wc_head_tail(pg, data):
    same(pg, [tool("cat"), "lines.txt", "tree/README"], cwd=data)
    same(pg, [tool("wc"), "lines.txt", "blob.bin"], cwd=data)
    same(pg, [tool("head"), "-n", "25", "lines.txt"], cwd=data)
    same(pg, [tool("tail"), "-c", "1000", "lines.txt"], cwd=data)


def test_sort_small(pg, data):
    same(pg, [tool("sort"), "lines.txt"], cwd=data)


@pytest.mark.slow
def test_sort_10k(pg, data):
    same(pg, [tool("sort"), "lines10k.txt"], cwd=data, timeout=SLOW_TIMEOUT)
    same(pg, [tool("sort"), "-n", "-r", "-k3,3", "-t", " ", "lines10k.txt"], cwd=data,
         timeout=SLOW_TIMEOUT)
    same(pg, [tool("sort"), "-u", "-k2,2", "lines10k.txt"], cwd=data, timeout=SLOW_TIMEOUT)


def test_sha256sum(pg, data):
    native, _ = same(pg, [tool("sha256sum"), "blob.bin", "tree/README"], cwd=data)
    assert native.stdout.count(b"\n") == 2


def test_md5sum_check(pg, data, tmp_path):
    """md5sum -c reads a checksum file and opens each file it names."""
    native = pg.run([tool("md5sum"), "tree/README", "lines.txt"], cwd=data)
    sums = tmp_path / "sums.md5"
    sums.write_bytes(native.stdout)
    same(pg, [tool("md5sum"), "-c", sums], cwd=data)


# ------------------------------------------------------------------ gzip

def test_gzip_then_gunzip(pg, data, tmp_path):
    """gzip -c FILE, then gunzip -c of that output: each step separately under pygrind."""
    native, _ = same(pg, [tool("gzip"), "-c", "lines.txt"], cwd=data)
    gz = tmp_path / "lines.txt.gz"
    gz.write_bytes(native.stdout)
    native2, _ = same(pg, [tool("gzip"), "-d", "-c", gz])
    assert native2.stdout == (data / "lines.txt").read_bytes()
    # gunzip is a script (#!/bin/sh) calling gzip -d: it needs exec; test it on its own
    gunzip = shutil.which("gunzip")
    if gunzip:
        same(pg, [gunzip, "-c", gz])


def test_gzip_binary_levels(pg, data):
    same(pg, [tool("gzip"), "-1", "-c", "blob.bin"], cwd=data)
    same(pg, [tool("gzip"), "-9", "-n", "-c", "tree/a/two.txt"], cwd=data)


def test_gzip_corrupt_input(pg, tmp_path):
    """gzip -d on garbage: an error message and exit status 1."""
    bad = tmp_path / "bad.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage garbage garbage")
    native, _ = same(pg, [tool("gzip"), "-d", "-c", bad])
    assert native.returncode != 0


# ------------------------------------------------------------------ text tools

def test_grep(pg, data):
    same(pg, [tool("grep"), "-n", "gamma1", "lines.txt"], cwd=data)
    same(pg, [tool("grep"), "-c", "-E", "^[0-9]{8} (alpha|beta)[0-9]+ -", "lines.txt"], cwd=data)
    same(pg, [tool("grep"), "-v", "-i", "LINE1", "lines.txt"], cwd=data)
    same(pg, [tool("grep"), "-r", "-l", "-a", "x", "tree"], cwd=data)


def test_grep_no_match(pg, data):
    native, _ = same(pg, [tool("grep"), "no such text", "lines.txt"], cwd=data)
    assert native.returncode == 1


def test_sed(pg, data):
    same(pg, [tool("sed"), "-e", "s/alpha/ALPHA/g", "-e", "/beta/d", "-e", "5,10p", "lines.txt"],
         cwd=data)
    same(pg, [tool("sed"), "-n", "-E", r"s/^([0-9]+) ([a-z]+)([0-9]+).*/\3 \2 \1/p", "lines.txt"],
         cwd=data)


def test_awk(pg, data):
    awk = tool("awk")
    same(pg, [awk, "{ s += $3; n[$2]++ } END { print s, NR; for (k in n) c++; print c }",
              "lines.txt"], cwd=data)
    same(pg, [awk, "BEGIN { printf \"%.6f %.10g %d %s\\n\", atan2(1, 1) * 4, exp(1), "
                   "int(-3.7), substr(\"hello\", 2, 3) }"])
    same(pg, [awk, "-F", " ", "$3 > 4000 { printf \"%s:%08.2f\\n\", $2, $4 }", "lines.txt"],
         cwd=data)


# ------------------------------------------------------------------ find, tar

def test_find(pg, data):
    same(pg, [tool("find"), "tree"], cwd=data)
    same(pg, [tool("find"), "tree", "-name", "*.txt", "-size", "+1k", "-printf",
              "%p %s %m %TY-%Tm-%Td %y\n"], cwd=data)
    same(pg, [tool("find"), "tree", "-type", "d", "-empty"], cwd=data)


def test_tar_create_then_list(pg, data, tmp_path):
    """tar cf - tree, then tar tf - (and tvf -) with the archive as stdin: each step on
    its own under pygrind; the archive bytes themselves must be identical."""
    native, _ = same(pg, [tool("tar"), "cf", "-", "tree"], cwd=data)
    archive = tmp_path / "tree.tar"
    archive.write_bytes(native.stdout)
    listing, _ = same(pg, [tool("tar"), "tf", "-"], stdin=archive)
    assert b"tree/a/b/c/deep.txt" in listing.stdout
    same(pg, [tool("tar"), "tvf", "-"], stdin=archive)


def test_tar_extract(pg, data, tmp_path):
    native = pg.run([tool("tar"), "cf", "-", "tree"], cwd=data)
    archive = tmp_path / "tree.tar"
    archive.write_bytes(native.stdout)
    out = tmp_path / "out"
    out.mkdir()
    pg.check_same([tool("tar"), "xf", archive, "-C", out], timeout=TIMEOUT)  # extracts twice
    listing = pg.run([tool("find"), ".", "-printf", "%p %s %m %y\n"], cwd=out / "tree")
    orig = pg.run([tool("find"), ".", "-printf", "%p %s %m %y\n"], cwd=data / "tree")
    assert sorted(listing.stdout.splitlines()) == sorted(orig.stdout.splitlines())
    for f in ["README", "a/b/c/deep.txt", "z/last.bin", "with space.txt"]:
        assert (out / "tree" / f).read_bytes() == (data / "tree" / f).read_bytes(), f


# ------------------------------------------------------------------ python

@pytest.mark.slow
def test_python3(pg):
    """CPython itself: dynamic linking of libpython, its own memory allocator, the
    interpreter loop, bignums."""
    python = "/usr/bin/python3"
    if not os.path.exists(python):
        pytest.skip("no /usr/bin/python3")
    native, _ = same(pg, [python, "-c", "print(sum(range(10**5)))"], timeout=SLOW_TIMEOUT)
    assert native.stdout == b"4999950000\n"
