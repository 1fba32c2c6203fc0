"""End-to-end: threads, signal delivery, fork/vfork/execve/posix_spawn, run natively and
under `pygrind -q --tool=none`; stdout bytes and the exit status must be identical.

Our own programs (tests/e2e/progs/threads.c, stdthread.cc, signals.c, forks.c) take a
mode argument; each mode prints only what does not depend on scheduling or timing (no
addresses, pids or times) and exits 0 when its own checks pass, so a failure shows either
as a difference from the native run or as a "FAILED: ..." line. A few modes end on
purpose by dying of a signal; the table below says which, and each test first checks that
the native run ended as intended (the program itself is right) before comparing.

Then real programs that start threads or processes: sort --parallel, python3's threading,
shells running pipelines, xargs, timeout, make. Children are not followed: they run
natively once they exec (pygrind's default, like Valgrind's --trace-children=no); a
forked child that has not exec'd yet still runs under pygrind.
"""

from __future__ import annotations

import os
import random
import shutil

import pytest

TIMEOUT = 180        # one pygrind run of a small program of ours or a small real one
SLOW_TIMEOUT = 1800  # one pygrind run marked slow (sort of 200,000 lines, python3)

#: Flags that build a program with POSIX threads.
PTHREAD = ("-O2", "-pthread")


def check(pg, exe, args=(), *, timeout=TIMEOUT, **kw):
    what = " ".join([exe.name.rsplit("-", 1)[0], *map(str, args)])
    return pg.check_same([exe, *args], timeout=timeout, what=what, **kw)


#: Modes whose handlers read or change registers other than rsp/rbp of a faulting
#: instruction: as under Valgrind, they need every register exact at memory accesses.
PRECISE_OPTS = {"ucontext": ("--vex-iropt-register-updates=allregs-at-mem-access",)}


def check_mode(pg, exe, mode, status):
    """Run `exe mode` both ways; the native run must end with `status` (negative: killed
    by that signal) and, when it exits 0, must not have printed a FAILED line."""
    native, under = check(pg, exe, [mode], opts=PRECISE_OPTS.get(mode, ()))
    assert native.returncode == status, f"native {exe.name} {mode}: {native.status()}"
    assert b"FAILED" not in native.stdout, native.stdout.decode(errors="replace")
    return native, under


# ------------------------------------------------------------------ threads

THREAD_MODES = ["counter", "condvar", "tls", "once", "detached", "join_retval", "pthread_kill",
                "sigwait"]


@pytest.mark.parametrize("mode", THREAD_MODES)
def test_threads(pg, prog, mode):
    """pthread_create/join, mutexes, condition variables, barriers, semaphores,
    pthread_once, __thread variables, detached threads, return values."""
    check_mode(pg, prog("threads.c", cflags=PTHREAD), mode, 0)


@pytest.mark.parametrize("mode", ["counter", "condvar", "pthread_kill"])
def test_threads_short_time_slice(pg, prog, mode):
    """The scheduler switching threads every 50 blocks: same results (a stress test of
    the hand-over at block boundaries, in native code and in Python)."""
    exe = prog("threads.c", cflags=PTHREAD)
    native, _ = check(pg, exe, [mode], opts=("--time-slice=50",))
    assert native.returncode == 0


@pytest.mark.parametrize("mode", ["counter", "tls"])
def test_threads_static(pg, prog, mode):
    """The same in a static program: its own copy of libpthread, TLS set up by the
    program itself rather than by ld.so."""
    check_mode(pg, prog("threads.c", link="static", cflags=PTHREAD), mode, 0)


def test_cxx_std_thread(pg, prog):
    """std::thread, std::mutex, std::atomic, thread_local (libstdc++ over pthreads)."""
    native, _ = check(pg, prog("stdthread.cc", cflags=PTHREAD))
    assert native.returncode == 0 and native.stdout.endswith(b"ok\n"), native.stdout


# ------------------------------------------------------------------ signals

SIGNAL_MODES = [
    ("raise", 0),
    ("alarm", 0),
    ("segv", 0),
    ("siginfo", 0),
    ("mask", 0),
    ("altstack", 0),
    ("stackoverflow", 0),
    ("ucontext", 0),
    ("nodefer", 0),
    ("resethand", -12),      # the second SIGUSR2 takes the default action
    ("sigsuspend", 0),
    ("fpe", 0),
    ("restart", 0),
    ("eintr", 0),
    ("abort", -6),
    ("abort_handler", -6),   # the handler returns; abort() then dies of SIGABRT anyway
    ("pselect", 0),
]


@pytest.mark.parametrize("mode,status", SIGNAL_MODES, ids=[m for m, _ in SIGNAL_MODES])
def test_signals(pg, prog, mode, status):
    """Client signal handlers: sigaction flags (SA_SIGINFO, SA_ONSTACK, SA_NODEFER,
    SA_RESETHAND, SA_RESTART), siginfo of faults and of sigqueue/kill/raise, the signal
    mask, sigsuspend, the alternate stack, handlers that edit the ucontext, timers."""
    check_mode(pg, prog("signals.c"), mode, status)


@pytest.mark.parametrize("mode", ["segv", "ucontext"])
def test_signals_static(pg, prog, mode):
    check_mode(pg, prog("signals.c", link="static"), mode, 0)


@pytest.mark.parametrize("mode", ["poll", "epoll", "signalfd", "timerfd", "thread", "sendmsg"])
def test_event_descriptors(pg, prog, mode):
    """poll/select on a pipe, epoll over an eventfd and a pipe, signalfd, timerfd, a
    thread waking a poll() through an eventfd, sendmsg/recvmsg with SCM_RIGHTS."""
    check_mode(pg, prog("eventfds.c", cflags=PTHREAD), mode, 0)


# ------------------------------------------------------------------ processes

FORK_MODES = ["fork_wait", "pipe", "exec", "exec_env", "exec_fail", "spawn", "spawn_missing",
              "child_signal", "vfork", "wait_many", "sigchld", "system", "popen"]


@pytest.mark.parametrize("mode", FORK_MODES)
def test_forks(pg, prog, mode):
    """fork (the child goes on under pygrind), vfork, execve (the new program runs
    natively), posix_spawn (clone(CLONE_VM|CLONE_VFORK) in glibc), wait statuses,
    SIGCHLD, system() and popen()."""
    check_mode(pg, prog("forks.c"), mode, 0)


@pytest.mark.parametrize("mode", ["fork_wait", "exec", "spawn"])
def test_forks_static(pg, prog, mode):
    check_mode(pg, prog("forks.c", link="static"), mode, 0)


# ------------------------------------------------------------------ real programs

def tool(name: str) -> str:
    path = shutil.which(name, path="/usr/bin:/bin")
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


def same(pg, argv, *, timeout=TIMEOUT, **kw):
    return pg.check_same(argv, timeout=timeout, what=" ".join(str(a) for a in argv), **kw)


@pytest.mark.slow
def test_sort_parallel(pg, tmp_path):
    """GNU sort with 4 threads and a 1 MiB buffer on 200,000 lines: worker threads and
    temporary files (in tmp_path) merged at the end."""
    r = random.Random(7)
    words = ["red", "green", "blue", "cyan", "magenta", "yellow", "black", "white"]
    lines = [f"{r.randrange(10**9):09d} {r.choice(words)} {i}\n" for i in range(200_000)]
    data = tmp_path / "lines.txt"
    data.write_text("".join(lines))
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    native, _ = same(pg, [tool("sort"), "--parallel=4", "-S", "1M", "-T", tmp, data],
                     timeout=SLOW_TIMEOUT)
    assert native.stdout == "".join(sorted(lines)).encode()


PY_THREADS = """\
import threading
lock = threading.Lock()
results = []
def work(k):
    s = sum(i * i for i in range(1000 * (k + 1)))
    with lock:
        results.append((k, s))
threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for k, s in sorted(results):
    print(k, s)
print("threads:", len(results))
"""


@pytest.mark.slow
def test_python3_threading(pg):
    """CPython's threading: 8 threads taking turns on the GIL and a Lock."""
    python = "/usr/bin/python3"
    if not os.path.exists(python):
        pytest.skip("no /usr/bin/python3")
    native, _ = same(pg, [python, "-c", PY_THREADS], timeout=SLOW_TIMEOUT)
    assert native.stdout.endswith(b"threads: 8\n")


def test_bash_pipeline_loop(pg):
    """bash forks for each pipeline; the forked children run `echo` (a builtin) under
    pygrind and exec cat natively."""
    native, _ = same(pg, [tool("bash"), "-c", "for i in 1 2 3; do echo $i | cat; done"])
    assert native.stdout == b"1\n2\n3\n"


def test_sh_ls_wc(pg, tmp_path):
    d = tmp_path / "dir"
    d.mkdir()
    for i in range(7):
        (d / f"file{i}.txt").write_text(f"{i}\n")
    native, _ = same(pg, [tool("sh"), "-c", f"ls {d} | wc -l"])
    assert native.stdout.strip() == b"7"


def test_sh_subshell_status(pg):
    """$? of a child that exits 3, a subshell, command substitution, `wait` for a
    background job."""
    native, _ = same(pg, [tool("sh"), "-c",
                          "(exit 3); echo status $?; x=$(echo sub); echo $x; "
                          "sleep 0.05 & wait $!; echo waited $?; exit 4"])
    assert native.returncode == 4


def test_xargs(pg, tmp_path):
    """xargs reads stdin (a file) and runs echo once per two words."""
    words = tmp_path / "words.txt"
    words.write_text("one two three\nfour five\nsix seven\n")
    native, _ = same(pg, [tool("xargs"), "-n", "2", "echo"], stdin=words)
    assert native.stdout == b"one two\nthree four\nfive six\nseven\n"


def test_timeout_not_reached(pg):
    """timeout forks and execs sleep, then waits for it (its timer never fires)."""
    native, _ = same(pg, [tool("timeout"), "5", tool("sleep"), "0.1"])
    assert native.returncode == 0


def test_timeout_expires(pg):
    """timeout's timer signal arrives while it waits; it kills sleep with SIGTERM and
    exits 124."""
    native, _ = same(pg, [tool("timeout"), "0.2", tool("sleep"), "5"])
    assert native.returncode == 124


MAKEFILE = """\
all: first second
\t@echo all done

first:
\techo building first

second: first
\techo building second; exit 0
"""


def test_make(pg, tmp_path):
    """make runs each recipe line through /bin/sh in a child (and prints the lines)."""
    mk = tmp_path / "Makefile.test"
    mk.write_text(MAKEFILE)
    native, _ = same(pg, [tool("make"), "-f", mk], cwd=tmp_path)
    assert native.stdout.endswith(b"all done\n")


def test_make_silent_failure(pg, tmp_path):
    """A recipe that fails: make reports it and exits 2."""
    mk = tmp_path / "Makefile.fail"
    mk.write_text("all:\n\t@echo before\n\t@exit 3\n\t@echo never\n")
    native, _ = same(pg, [tool("make"), "-s", "-f", mk], cwd=tmp_path)
    assert native.returncode == 2


# ------------------------------------------------------------------ pygrind's own options

def test_trace_children(pg):
    """--trace-children=yes: programs started by execve run under pygrind too (each
    with its own banner and pid), and the output is still the native one."""
    sh, cat = tool("sh"), tool("cat")
    argv = [sh, "-c", f"echo hi | {cat}; {cat} /nonexistent-file; echo status $?"]
    native = pg.run(argv)
    under = pg.run_pygrind(argv, quiet=False, opts=("--trace-children=yes",), timeout=TIMEOUT)
    pg.assert_same(native, under, what="sh -c ... --trace-children=yes")
    err = under.stderr.decode(errors="replace")
    commands = [ln.split("Command: ", 1)[1] for ln in err.splitlines() if "Command: " in ln]
    assert len(commands) == 3, err  # sh, then each cat
    assert sum(c.startswith(os.path.realpath(cat)) or c.startswith(cat) for c in commands) == 2, err
    pids = {ln.split("==")[1] for ln in err.splitlines() if ln.startswith("==")}
    assert len(pids) >= 3, err


def test_trace_children_exec_fails(pg, prog):
    """A failing execve returns its errno to the client even when children are traced
    (pygrind checks before replacing itself)."""
    check(pg, prog("forks.c"), ["exec_fail"], opts=("--trace-children=yes",))


def test_log_file_per_process(pg, prog, tmp_path):
    """--log-file with %p: a forked child writes its own log, named with its own pid."""
    logs = tmp_path / "logs"
    logs.mkdir()
    exe = prog("forks.c")
    native = pg.run([exe, "fork_wait"])
    under = pg.run_pygrind([exe, "fork_wait"], quiet=False,
                           opts=(f"--log-file={logs}/pg.%p",), timeout=TIMEOUT)
    pg.assert_same(native, under, what="forks fork_wait --log-file=%p")
    files = sorted(logs.iterdir())
    assert len(files) == 2, files
    for f in files:
        pid = f.name.split(".")[-1]
        lines = f.read_text().splitlines()
        assert lines and all(ln.startswith(f"=={pid}==") for ln in lines), (f, lines)


def test_child_silent_after_fork(pg, prog, tmp_path):
    exe = prog("forks.c")
    log = tmp_path / "pg.log"
    under = pg.run_pygrind([exe, "fork_wait"], quiet=False,
                           opts=(f"--log-file={log}", "--child-silent-after-fork=yes"),
                           timeout=TIMEOUT)
    assert under.returncode == 0, under.stderr
    pids = {ln.split("==")[1] for ln in log.read_text().splitlines() if ln.startswith("==")}
    assert len(pids) == 1, log.read_text()


def test_killed_from_outside(pg, prog, tmp_path):
    """SIGTERM from another process while the client waits in pause(): the default
    action ends it with Valgrind's report, and pygrind dies of the same signal."""
    import signal
    import subprocess
    import time

    exe = prog("signals.c")
    argv = pg.pygrind_argv([exe, "wait_for_term"], quiet=False)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + TIMEOUT
        # the program prints "waiting" once its handler-free pause() is reached
        line = proc.stdout.readline()
        assert line == b"waiting\n", (line, proc.stderr.read())
        while time.monotonic() < deadline and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(1)
            except subprocess.TimeoutExpired:
                pass
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    err = proc.stderr.read().decode(errors="replace")
    assert proc.returncode == -signal.SIGTERM, err
    assert "Process terminating with default action of signal 15 (SIGTERM)" in err, err
