"""Process identity, exit, limits and the calls glibc makes while setting up a thread."""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from ..errors import ClientExit, ThreadExit
from ..state import FS_CONST, GS_CONST
from . import CSTR, IN, OUT, PTR, enosys, host_blocking, host_syscall, syscall

if TYPE_CHECKING:
    from ..session import Session

for _n in ("getpid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getpgrp", "setsid",
           "umask", "getpriority", "setpriority", "personality", "sync"):
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
    # The last thread's exit ends the process, with its status.
    if len(s.threads) <= 1:
        raise ClientExit(a[0] & 0xFF)
    raise ThreadExit(a[0] & 0xFF)


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


@syscall("sched_yield")
def sys_sched_yield(s: Session, a: tuple[int, ...]) -> int:
    # let the other client threads run now (a spinning thread waits for one of them)
    s.sched.yield_to_others(s.thread)
    return 0


@syscall("gettid")
def sys_gettid(s: Session, a: tuple[int, ...]) -> int:
    return s.thread.tid


FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP = 0, 1, 3, 4, 5
FUTEX_LOCK_PI, FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_CMP_REQUEUE_PI = 6, 9, 11, 12
FUTEX_LOCK_PI2 = 13
_FUTEX_TIMEOUT_IS_POINTER = {FUTEX_WAIT, FUTEX_LOCK_PI, FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI,
                             FUTEX_LOCK_PI2}
_FUTEX_HAS_UADDR2 = {FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP, FUTEX_WAIT_REQUEUE_PI,
                     FUTEX_CMP_REQUEUE_PI}
_FUTEX_BLOCKS = {FUTEX_WAIT, FUTEX_LOCK_PI, FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_LOCK_PI2}


@syscall("futex", PTR("uaddr"), "op", "val", "timeout", PTR("uaddr2"), "val3", blocking=True)
def sys_futex(s: Session, a: tuple[int, ...]) -> int:
    """The host kernel does the futex on the client word's host address: every client
    thread is a host thread of this process, and a shared futex (pthread_join's, or
    one in memory shared with another process) keys on the same page as natively."""
    uaddr, op, val, timeout, uaddr2, val3 = a
    cmd = op & 0x7F
    mem = s.aspace
    if uaddr & 3 or not mem.check(uaddr, 4, 1):
        return -errno.EFAULT if not uaddr & 3 else -errno.EINVAL
    h_timeout = timeout
    if cmd in _FUTEX_TIMEOUT_IS_POINTER and timeout:
        if not mem.check(timeout, 16, 1):
            return -errno.EFAULT
        h_timeout = mem.host(timeout)
    h_uaddr2 = uaddr2
    if cmd in _FUTEX_HAS_UADDR2:
        if not mem.check(uaddr2, 4, 1):
            return -errno.EFAULT
        h_uaddr2 = mem.host(uaddr2)
    args = (mem.host(uaddr), op, val, h_timeout, h_uaddr2, val3)
    if cmd in _FUTEX_BLOCKS:
        return host_blocking(s, 202, *args)
    return host_syscall(202, *args)
