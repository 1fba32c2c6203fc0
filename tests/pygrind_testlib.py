"""Shared machinery of the end-to-end and CPU tests: build C/C++ test programs, run them
natively and under pygrind, compare the two runs.

Used by tests/e2e and tests/cpu through their conftest.py, which hand it to tests as the
`pg` fixture (a `Harness`). Not a test module itself.

Environment knobs:
  PYGRIND_TEST_TIMEOUT_SCALE  multiply every timeout (e.g. 3 on a slow machine)
  PYGRIND_TEST_BACKEND        run pygrind with --backend=<this> (default: pygrind's own);
                              jit also compiles every block with LLVM after its first
                              run; vex is the JIT with its own defaults
  PYGRIND_TEST_JIT_OPTIMIZE   run pygrind with --jit-optimize=<this> (yes/no)
"""

from __future__ import annotations

import difflib
import fcntl
import hashlib
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BUILD_DIR = REPO / "tests" / "e2e" / "_build"
#: The console script installed next to the interpreter that runs the tests.
PYGRIND = os.path.join(os.path.dirname(sys.executable), "pygrind")
TIMEOUT_SCALE = float(os.environ.get("PYGRIND_TEST_TIMEOUT_SCALE", "1") or "1")

#: The environment every program gets, natively and under pygrind: small and fixed,
#: so that the two runs see the same thing and nothing of the test runner leaks in.
BASE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LC_ALL": "C",
    "LANG": "C",
    "TZ": "UTC",
    "HOME": "/nonexistent-pygrind-test-home",
    "TERM": "dumb",
}

_MAX_TEXT = 4000  # characters of stderr / stdout shown in an assertion message


# --------------------------------------------------------------------------- building

_toolchain_ids: dict[str, str] = {}


def _toolchain_id(compiler: str) -> str:
    if compiler not in _toolchain_ids:
        path = shutil.which(compiler)
        if path is None:
            pytest.skip(f"{compiler} is not installed")
        try:
            out = subprocess.run([path, "--version"], capture_output=True, timeout=60).stdout
        except (OSError, subprocess.SubprocessError) as e:
            pytest.skip(f"{compiler} does not run: {e}")
        _toolchain_ids[compiler] = path + "\0" + out.decode(errors="replace").splitlines()[0]
    return _toolchain_ids[compiler]


class BuildError(Exception):
    """A compiler or linker failed (its stderr is the message)."""


def build(sources, *, flags=(), cxx: bool | None = None, name: str | None = None,
          on_error: str = "fail") -> Path:
    """Compile `sources` (paths; C, or C++ when `cxx` or any source ends in .cc/.cpp)
    with gcc/g++ and `flags`; return the path of the executable.

    The output goes to tests/e2e/_build/<name>-<hash>, the hash covering the compiler,
    the flags and the sources' contents: a rebuild happens only when one changes, and
    concurrent builds (pytest -n) of the same thing are safe (each writes a temporary file
    and renames it into place atomically). `on_error` is "fail", "skip" (the toolchain
    cannot do it here, e.g. a link mode) or "raise" (BuildError).
    """
    srcs = [Path(s) for s in ([sources] if isinstance(sources, str | Path) else sources)]
    if cxx is None:
        cxx = any(s.suffix in (".cc", ".cpp", ".cxx") for s in srcs)
    compiler = "g++" if cxx else "gcc"
    h = hashlib.sha256()
    h.update(_toolchain_id(compiler).encode())
    for f in flags:
        h.update(b"\0flag\0" + str(f).encode())
    for s in srcs:
        h.update(b"\0src\0" + s.name.encode() + b"\0" + s.read_bytes())
    stem = name or srcs[0].stem
    out = BUILD_DIR / f"{stem}-{h.hexdigest()[:16]}"
    if out.exists():
        return out
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"{out.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    cmd = [compiler, *map(str, srcs), "-o", str(tmp), *map(str, flags)]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=300 * TIMEOUT_SCALE)
    except subprocess.TimeoutExpired:
        proc = None
    if proc is None or proc.returncode != 0 or not tmp.exists():
        tmp.unlink(missing_ok=True)
        err = "timed out" if proc is None else proc.stderr.decode(errors="replace")
        msg = f"build failed: {' '.join(cmd)}\n{truncate(err)}"
        if on_error == "skip":
            pytest.skip(msg)
        if on_error == "raise":
            raise BuildError(msg)
        pytest.fail(msg, pytrace=False)
    os.replace(tmp, out)
    return out


# --------------------------------------------------------------------------- running

@dataclass
class Run:
    """One finished (or timed-out) process."""

    argv: list[str]
    returncode: int | None  # None when it timed out; negative: killed by that signal
    stdout: bytes
    stderr: bytes
    seconds: float
    timeout: float
    under_pygrind: bool = False
    cwd: str | None = None
    stdin: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    def status(self) -> str:
        """The exit status in words: "exit 0", "killed by SIGSEGV", "timed out"."""
        if self.returncode is None:
            return f"timed out after {self.timeout:.0f} s (killed)"
        if self.returncode < 0:
            try:
                name = signal.Signals(-self.returncode).name
            except ValueError:
                name = f"signal {-self.returncode}"
            return f"killed by {name}"
        return f"exit {self.returncode}"

    def command(self) -> str:
        s = " ".join(_shquote(a) for a in self.argv)
        if self.stdin:
            s += f" < {self.stdin}"
        return s


def _shquote(a: str) -> str:
    if a and all(c.isalnum() or c in "@%+=:,./-_" for c in a):
        return a
    return "'" + a.replace("'", "'\\''") + "'"


def run(argv, *, timeout: float = 60, cwd=None, env: dict | None = None, stdin=None,
        under_pygrind: bool = False) -> Run:
    """Run `argv` to completion (or `timeout` seconds, scaled, then kill its whole process
    group) and capture stdout and stderr. `stdin` is None (empty input), a path to read
    from, or bytes. `env` is added to BASE_ENV."""
    argv = [str(a) for a in argv]
    full_env = dict(BASE_ENV)
    if env:
        full_env.update(env)
    timeout = timeout * TIMEOUT_SCALE
    stdin_name = None
    if stdin is None:
        stdin_f, input_bytes = subprocess.DEVNULL, None
    elif isinstance(stdin, bytes):
        stdin_f, input_bytes = subprocess.PIPE, stdin
    else:
        stdin_name = str(stdin)
        stdin_f, input_bytes = open(stdin, "rb"), None  # closed below
    t0 = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdin=stdin_f, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=cwd, env=full_env,
                                start_new_session=True)
    except OSError as e:
        if stdin_name:
            stdin_f.close()
        pytest.fail(f"cannot start {argv[0]}: {e}", pytrace=False)
    try:
        out, err = proc.communicate(input_bytes, timeout=timeout)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate()
        rc = None
    finally:
        if stdin_name:
            stdin_f.close()
        _kill_group(proc)  # whatever the program left behind in its group
    return Run(argv, rc, out, err, time.monotonic() - t0, timeout, under_pygrind,
               str(cwd) if cwd else None, stdin_name)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def pygrind_argv(argv, *, tool: str | None = "none", quiet: bool = True, opts=()) -> list[str]:
    """The command line that runs `argv` under pygrind."""
    cmd = [PYGRIND]
    if quiet:
        cmd.append("-q")
    if tool is not None:
        cmd.append(f"--tool={tool}")
    backend = os.environ.get("PYGRIND_TEST_BACKEND")
    if backend == "vex":
        # the JIT with its defaults: blocks the tool leaves alone run as libVEX's code
        # (backend/vexcg) until they are very hot
        cmd.append("--backend=jit")
    elif backend:
        cmd.append(f"--backend={backend}")
        if backend == "jit":
            # compile every block natively after its first run, so that the tests run
            # native code and not only the JIT's reference tier
            cmd.append("--jit-threshold=1")
    optimize = os.environ.get("PYGRIND_TEST_JIT_OPTIMIZE")
    if optimize:
        cmd.append(f"--jit-optimize={optimize}")
    return cmd + list(opts) + [str(a) for a in argv]


def run_pygrind(argv, *, tool: str | None = "none", quiet: bool = True, opts=(),
                timeout: float = 120, **kw) -> Run:
    """Run `argv` under pygrind (`pygrind -q --tool=none argv...`)."""
    if not os.path.exists(PYGRIND):
        pytest.fail(f"the pygrind console script is missing: {PYGRIND} "
                    "(pip install -e . in the venv)", pytrace=False)
    return run(pygrind_argv(argv, tool=tool, quiet=quiet, opts=opts), timeout=timeout,
               under_pygrind=True, **kw)


# --------------------------------------------------------------------------- comparing

def truncate(text: str, limit: int = _MAX_TEXT, keep_tail: bool = True) -> str:
    """Shorten long text, keeping its head and (where tracebacks are) its tail."""
    if len(text) <= limit:
        return text
    if not keep_tail:
        return text[:limit] + f"\n[... {len(text) - limit} more characters]"
    head = limit // 3
    tail = limit - head
    return (text[:head] + f"\n[... {len(text) - limit} characters left out ...]\n"
            + text[-tail:])


def _indent(text: str, prefix: str = "    ") -> str:
    return "".join(prefix + line + "\n" for line in text.splitlines()) or prefix + "(empty)\n"


def _show_bytes(b: bytes) -> str:
    return b.decode("utf-8", errors="backslashreplace")


def describe_stdout_diff(expected: bytes, actual: bytes, exp_name="native",
                         act_name="pygrind", max_lines: int = 40) -> str:
    """Say where two outputs part: byte offset, line, and a short unified diff."""
    n = 0
    limit = min(len(expected), len(actual))
    while n < limit and expected[n] == actual[n]:
        n += 1
    line_no = expected.count(b"\n", 0, n) + 1
    lines = [f"stdout differs at byte {n} (line {line_no}); "
             f"{exp_name} wrote {len(expected)} bytes, {act_name} {len(actual)}"]
    a = _show_bytes(expected).splitlines(keepends=True)
    b = _show_bytes(actual).splitlines(keepends=True)
    diff = list(difflib.unified_diff(a, b, exp_name, act_name, n=2))
    if not diff and expected != actual:
        lines.append(f"  (differ only in line endings / final newline: "
                     f"{expected[-20:]!r} vs {actual[-20:]!r})")
    for d in diff[:max_lines]:
        d = d.rstrip("\n")
        lines.append("  " + (d if len(d) <= 300 else d[:300] + "..."))
    if len(diff) > max_lines:
        lines.append(f"  [... {len(diff) - max_lines} more diff lines]")
    return "\n".join(lines)


def explain_run(r: Run, label: str) -> str:
    """Everything worth knowing about one run, for an assertion message."""
    where = f" (cwd {r.cwd})" if r.cwd else ""
    return (f"{label}: {r.command()}{where}\n  status: {r.status()}, {r.seconds:.1f} s\n"
            f"  stderr ({len(r.stderr)} bytes):\n"
            + _indent(truncate(_show_bytes(r.stderr))))


def has_traceback(r: Run) -> bool:
    return b"Traceback (most recent call last)" in r.stderr


def same_run_problems(native: Run, pg: Run, *, compare_stdout: bool = True) -> list[str]:
    """What differs between a native run and a pygrind run ([] when they agree)."""
    problems = []
    if pg.timed_out:
        problems.append(f"pygrind timed out after {pg.timeout:.0f} s")
    elif native.returncode != pg.returncode:
        problems.append(f"exit status differs: native {native.status()}, "
                        f"pygrind {pg.status()}")
    if compare_stdout and native.stdout != pg.stdout:
        problems.append(describe_stdout_diff(native.stdout, pg.stdout))
    if has_traceback(pg) and not has_traceback(native):
        problems.append("pygrind printed a Python traceback")
    return problems


def assert_same(native: Run, pg: Run, *, what: str = "", compare_stdout: bool = True) -> None:
    """Fail, with a readable account, unless the pygrind run matches the native one
    (same exit status, same stdout bytes, no traceback from pygrind)."""
    assert not native.timed_out, f"the native run timed out: {native.command()}"
    problems = same_run_problems(native, pg, compare_stdout=compare_stdout)
    if problems:
        title = f"pygrind disagrees with the native run{' of ' + what if what else ''}"
        msg = (title + ":\n" + "\n".join("- " + p for p in problems) + "\n"
               + explain_run(pg, "pygrind") + explain_run(native, "native"))
        pytest.fail(msg, pytrace=False)


def check_same(argv, *, timeout: float = 120, native_timeout: float = 60, tool: str = "none",
               opts=(), what: str = "", **kw) -> tuple[Run, Run]:
    """Run `argv` natively, then under pygrind, with the same cwd, env and stdin, and
    assert that they agree. Returns (native, pygrind) for further checks."""
    native = run(argv, timeout=native_timeout, **kw)
    pg = run_pygrind(argv, tool=tool, opts=opts, timeout=timeout, **kw)
    assert_same(native, pg, what=what or " ".join(map(str, argv)))
    return native, pg


# --------------------------------------------------------------------------- once per test run

def testrun_uid(config) -> str:
    """An id shared by every xdist worker of one pytest run (and unique to the run)."""
    wi = getattr(config, "workerinput", None)
    if wi and "testrunuid" in wi:
        return wi["testrunuid"]
    uid = getattr(config, "_pygrind_testrun_uid", None)
    if uid is None:
        uid = uuid.uuid4().hex
        config._pygrind_testrun_uid = uid
    return uid


_once_memo: dict[str, object] = {}


def once_per_run(config, key: str, fn):
    """Call fn() once per pytest run, even across xdist workers (a file lock serialises
    them and the pickled result is shared through the build dir); return its result."""
    if key in _once_memo:
        return _once_memo[key]
    _clean_build_dir()
    d = BUILD_DIR / "runs" / testrun_uid(config)
    d.mkdir(parents=True, exist_ok=True)
    safe = hashlib.sha256(key.encode()).hexdigest()[:24]
    with open(d / f"{safe}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        res_path = d / f"{safe}.pickle"
        if res_path.exists():
            with open(res_path, "rb") as f:
                result = pickle.load(f)
        else:
            result = fn()
            tmp = res_path.with_suffix(f".tmp{os.getpid()}")
            with open(tmp, "wb") as f:
                pickle.dump(result, f)
            os.replace(tmp, res_path)
    _once_memo[key] = result
    return result


_cleaned = False


def _clean_build_dir() -> None:
    """Drop shared-result folders of old runs and temporaries of killed builds."""
    global _cleaned
    if _cleaned:
        return
    _cleaned = True
    now = time.time()
    runs = BUILD_DIR / "runs"
    if runs.is_dir():
        for d in runs.iterdir():
            try:
                if now - d.stat().st_mtime > 6 * 3600:
                    shutil.rmtree(d, ignore_errors=True)
            except OSError:
                pass
    if BUILD_DIR.is_dir():
        for f in BUILD_DIR.glob("*.tmp-*"):
            try:
                if now - f.stat().st_mtime > 3600:
                    f.unlink()
            except OSError:
                pass


# --------------------------------------------------------------------------- the fixture's object

class Harness:
    """The functions above, handed to tests as the `pg` fixture."""

    BUILD_DIR = BUILD_DIR
    PYGRIND = PYGRIND
    BASE_ENV = BASE_ENV
    TIMEOUT_SCALE = TIMEOUT_SCALE
    Run = Run
    BuildError = BuildError

    def __init__(self, config):
        self.config = config

    build = staticmethod(build)
    run = staticmethod(run)
    run_pygrind = staticmethod(run_pygrind)
    pygrind_argv = staticmethod(pygrind_argv)
    assert_same = staticmethod(assert_same)
    same_run_problems = staticmethod(same_run_problems)
    check_same = staticmethod(check_same)
    explain_run = staticmethod(explain_run)
    describe_stdout_diff = staticmethod(describe_stdout_diff)
    has_traceback = staticmethod(has_traceback)
    truncate = staticmethod(truncate)

    def once_per_run(self, key: str, fn):
        return once_per_run(self.config, key, fn)
