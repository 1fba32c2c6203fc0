"""Process identity, exit, limits and the calls glibc makes while setting up a thread."""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from ..errors import ClientExit
from ..state import FS_CONST, GS_CONST
from . import CSTR, IN, OUT, PTR, enosys, host_syscall, syscall

if TYPE_CHECKING:
    from ..session import Session

for _n in ("getpid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getpgrp", "setsid",
           "umask", "sched_yield", "getpriority", "setpriority", "personality", "sync"):
    syscall(_n, *["a0", "a1", "a2"][: {"umask": 1, "getpriority": 2, "setpriority": 3,
                                        "personality": 1}.get(_n, 0)])
syscall("getpgid", "pid")
syscall("setpgid", "pid", "pgid")
syscall("getsid", "pid")
syscall("setuid", "uid")
syscall("setgid", "gid")
syscall("setreuid", "ruid", "euid")
syscall("setregid", "rgid", "egid")
syscall("setresuid", "ruid", "euid", "suid")
syscall("setresgid", "rgid", "egid", "sgid")
syscall("getresuid", OUT("ruid", 4), OUT("euid", 4), OUT("suid", 4))
syscall("getresgid", OUT("rgid", 4), OUT("egid", 4), OUT("sgid", 4))
syscall("getgroups", "size", OUT("list", lambda a: 4 * a[0]))
syscall("setgroups", "size", IN("list", lambda a: 4 * a[0]))
syscall("uname", OUT("buf", 390))
syscall("sysinfo", OUT("info", 112))
syscall("getrlimit", "resource", OUT("rlim", 16))
syscall("setrlimit", "resource", IN("rlim", 16))
syscall("prlimit64", "pid", "resource", IN("new_limit", 16), OUT("old_limit", 16))
syscall("getrusage", "who", OUT("usage", 144))
syscall("times", OUT("buf", 32))
syscall("getcpu", OUT("cpu", 4), OUT("node", 4), PTR("tcache"))
syscall("sched_getaffinity", "pid", "len", OUT("mask", "len"))
syscall("sched_setaffinity", "pid", "len", IN("mask", "len"))
syscall("sched_getparam", "pid", OUT("param", 4))
syscall("sched_getscheduler", "pid")
syscall("sched_get_priority_max", "policy")
syscall("sched_get_priority_min", "policy")
syscall("capget", IN("hdrp", 8), OUT("datap", 24))
syscall("prctl", "option", "a2", "a3", "a4", "a5")
syscall("chroot", CSTR("path"))
syscall("wait4", "pid", OUT("wstatus", 4), "options", OUT("rusage", 144), blocking=True)
syscall("kill", "pid", "sig")
syscall("getrandom", OUT("buf", "count"), "count", "flags")
# Not needed by glibc, which falls back when told ENOSYS.
enosys("rseq", "clone3", "io_uring_setup", "pkey_alloc")

ARCH_SET_GS, ARCH_SET_FS, ARCH_GET_FS, ARCH_GET_GS = 0x1001, 0x1002, 0x1003, 0x1004
ARCH_GET_CPUID, ARCH_SET_CPUID = 0x1011, 0x1012


@syscall("exit_group", "status")
def sys_exit_group(s: Session, a: tuple[int, ...]) -> int:
    raise ClientExit(a[0] & 0xFF)


@syscall("exit", "status")
def sys_exit(s: Session, a: tuple[int, ...]) -> int:
    # One client thread for now (threads are issue 4): exit ends the process.
    raise ClientExit(a[0] & 0xFF)


@syscall("arch_prctl", "code", PTR("addr"))
def sys_arch_prctl(s: Session, a: tuple[int, ...]) -> int:
    code, addr = a[0], a[1]
    st = s.thread.state
    if code == ARCH_SET_FS:
        st.put(FS_CONST, addr)
        return 0
    if code == ARCH_SET_GS:
        st.put(GS_CONST, addr)
        return 0
    if code in (ARCH_GET_FS, ARCH_GET_GS):
        val = st.get(FS_CONST if code == ARCH_GET_FS else GS_CONST)
        s.aspace.write(addr, val.to_bytes(8, "little"))
        return 0
    if code == ARCH_GET_CPUID:
        return 1
    return -errno.EINVAL


@syscall("set_tid_address", PTR("tidptr"))
def sys_set_tid_address(s: Session, a: tuple[int, ...]) -> int:
    s.thread.clear_child_tid = a[0]
    return s.thread.tid


@syscall("set_robust_list", PTR("head"), "len")
def sys_set_robust_list(s: Session, a: tuple[int, ...]) -> int:
    s.thread.robust_list = a[0]
    return 0


@syscall("gettid")
def sys_gettid(s: Session, a: tuple[int, ...]) -> int:
    return s.thread.tid


@syscall("tgkill", "tgid", "tid", "sig")
def sys_tgkill(s: Session, a: tuple[int, ...]) -> int:
    return s.send_signal_to_self(a[2]) if a[1] == s.thread.tid else host_syscall(234, *a[:3])


@syscall("tkill", "tid", "sig")
def sys_tkill(s: Session, a: tuple[int, ...]) -> int:
    return s.send_signal_to_self(a[1]) if a[0] == s.thread.tid else host_syscall(200, *a[:2])


@syscall("futex", PTR("uaddr"), "op", "val", PTR("timeout"), PTR("uaddr2"), "val3")
def sys_futex(s: Session, a: tuple[int, ...]) -> int:
    # With one client thread nobody else can wake a waiter: WAIT returns at once
    # (EAGAIN when the value differs), WAKE wakes nobody. Issue 4 brings real futexes.
    op = a[1] & 0x7F
    FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET = 0, 1, 9, 10  # noqa: N806
    if op in (FUTEX_WAIT, FUTEX_WAIT_BITSET):
        cur = int.from_bytes(s.aspace.read(a[0], 4), "little")
        return -errno.EAGAIN if cur != a[2] & 0xFFFFFFFF else -errno.ETIMEDOUT
    if op in (FUTEX_WAKE, FUTEX_WAKE_BITSET):
        return 0
    return -errno.ENOSYS


def _string_array(s: Session, addr: int) -> list[bytes]:
    out: list[bytes] = []
    while addr:
        p = int.from_bytes(s.aspace.read(addr, 8), "little")
        if not p:
            break
        out.append(s.aspace.read_cstr(p, 1 << 17))
        addr += 8
        if len(out) > 1 << 16:
            raise OSError(errno.E2BIG, "too many arguments")
    return out


@syscall("execve", CSTR("path"), PTR("argv"), PTR("envp"))
def sys_execve(s: Session, a: tuple[int, ...]) -> int:
    # Children are not traced yet (--trace-children=yes comes with issue 4): the new
    # program replaces pygrind and runs natively, as under Valgrind's default.
    import ctypes
    import os

    from .. import signals

    try:
        path = s.aspace.read_cstr(a[0], 4096)
        argv = _string_array(s, a[1])
        envp = _string_array(s, a[2])
    except MemoryError:
        return -errno.EFAULT
    except OSError as e:
        return -e.errno
    if not os.path.exists(path):
        return -errno.ENOENT
    cargv = (ctypes.c_char_p * (len(argv) + 1))(*argv, None)
    cenvp = (ctypes.c_char_p * (len(envp) + 1))(*envp, None)
    s.before_exec()
    signals.prepare_exec(s)
    r = host_syscall(59, ctypes.cast(ctypes.c_char_p(path), ctypes.c_void_p).value or 0,
                     ctypes.addressof(cargv), ctypes.addressof(cenvp))
    # Still here: the exec failed; take pygrind's signal handling back.
    signals.install(s)
    return r
