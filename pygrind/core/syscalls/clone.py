"""New threads and processes: clone, fork, vfork, execve, and waiting for children.

- A thread (clone with CLONE_VM|CLONE_THREAD, as pthread_create makes) is a new host
  thread of pygrind, scheduled by core/threads.py.
- A process (fork, vfork, clone without CLONE_VM, and CLONE_VM|CLONE_VFORK as
  posix_spawn makes) is a real fork of pygrind: the child goes on running the client
  under pygrind, with its own pid in pygrind's messages. A vfork child gets a copy of
  memory rather than the parent's (as under Valgrind); the parent waits until it execs
  or exits, and then takes back the writes it made to the parent's stack, which is
  where vfork users (posix_spawn's error report) leave their results.
- execve runs the new program natively (Valgrind's --trace-children=no), or under
  pygrind with the same options when --trace-children=yes.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
import sys
import warnings
from contextlib import nullcontext
from typing import TYPE_CHECKING

from ..state import FS_CONST, RAX, RSP, GuestState
from . import CSTR, OUT, PTR, host_syscall, syscall

if TYPE_CHECKING:
    from ..session import Session

CSIGNAL = 0xFF
CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND = 0x100, 0x200, 0x400, 0x800
CLONE_PIDFD, CLONE_VFORK, CLONE_PARENT, CLONE_THREAD = 0x1000, 0x4000, 0x8000, 0x10000
CLONE_NEWNS, CLONE_SYSVSEM, CLONE_SETTLS = 0x20000, 0x40000, 0x80000
CLONE_PARENT_SETTID, CLONE_CHILD_CLEARTID = 0x100000, 0x200000
CLONE_DETACHED, CLONE_UNTRACED, CLONE_CHILD_SETTID = 0x400000, 0x800000, 0x1000000
SIGCHLD = 17

syscall("wait4", "pid", OUT("wstatus", 4), "options", OUT("rusage", 144), blocking=True)
syscall("waitid", "idtype", "id", OUT("infop", 128), "options", OUT("rusage", 144), blocking=True)


def _put_tid(s: Session, addr: int, tid: int) -> None:
    if addr:
        try:
            s.aspace.write(addr, struct.pack("<i", tid))
        except MemoryError:
            pass


@syscall("clone", "flags", PTR("stack"), PTR("parent_tid"), PTR("child_tid"), "tls")
def sys_clone(s: Session, a: tuple[int, ...]) -> int:
    flags, stack, ptid, ctid, tls = a[:5]
    if flags & CLONE_VM and not flags & CLONE_VFORK:
        if not flags & CLONE_THREAD or not flags & CLONE_SIGHAND:
            s.warn_once(("clone", flags), f"WARNING: clone flags {flags:#x} (a process sharing "
                        "memory without being a thread) are not supported")
            return -errno.EINVAL
        return _new_thread(s, flags, stack, ptid, ctid, tls)
    return _fork(s, flags, stack, ptid, ctid)


@syscall("fork")
def sys_fork(s: Session, a: tuple[int, ...]) -> int:
    return _fork(s, SIGCHLD, 0, 0, 0)


@syscall("vfork")
def sys_vfork(s: Session, a: tuple[int, ...]) -> int:
    return _fork(s, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0)


def _new_thread(s: Session, flags: int, stack: int, ptid: int, ctid: int, tls: int) -> int:
    parent = s.thread
    st = GuestState()
    st.copy_from(parent.state)
    st.put(RAX, 0)
    if stack:
        st.put(RSP, stack)
    if flags & CLONE_SETTLS:
        st.put(FS_CONST, tls)
    s.tool.thread_created(st.addr)
    th = s.start_thread(st, parent.sigmask)
    if flags & CLONE_CHILD_CLEARTID:
        th.clear_child_tid = ctid
    if flags & CLONE_PARENT_SETTID:
        _put_tid(s, ptid, th.tid)
    if flags & CLONE_CHILD_SETTID:
        _put_tid(s, ctid, th.tid)
    return th.tid


def _fork(s: Session, flags: int, stack: int, ptid: int, ctid: int) -> int:
    if flags & CSIGNAL != SIGCHLD:
        s.warn_once(("clone-signal", flags & CSIGNAL),
                    f"WARNING: clone with exit signal {flags & CSIGNAL} is not supported")
        return -errno.EINVAL
    vfork = bool(flags & CLONE_VFORK)
    th = s.thread
    s.translator.save_cache()
    back_r = back_w = -1
    if vfork:
        back_r, back_w = os.pipe2(os.O_CLOEXEC)
        parent_sp = th.state.get(RSP)
    opt = s.translator.optimizer
    with warnings.catch_warnings(), opt.paused() if opt is not None else nullcontext():
        warnings.simplefilter("ignore", DeprecationWarning)  # "multi-threaded fork"
        try:
            pid = os.fork()
        except OSError as e:
            return -e.errno
    if pid == 0:
        s.after_fork_child(th)
        if vfork:
            os.close(back_r)
            s.vfork_report = (back_w, parent_sp)
        if flags & CLONE_CHILD_SETTID:
            _put_tid(s, ctid, os.getpid())
        if flags & CLONE_CHILD_CLEARTID:
            th.clear_child_tid = ctid
        if stack:
            th.state.put(RSP, stack)
        return 0
    if flags & CLONE_PARENT_SETTID:
        _put_tid(s, ptid, pid)
    if vfork:
        os.close(back_w)
        _vfork_wait(s, back_r)
    return pid


def _stack_region(s: Session, sp: int) -> tuple[int, int] | None:
    """From sp to the end of the mapping that holds it: the parent's live stack."""
    m = s.aspace.find(sp)
    if m is None:
        return None
    return sp, m.end


def vfork_send_back(s: Session) -> None:
    """In a vfork child, at exec or exit: hand the parent what its stack now holds
    (natively the child would have written the parent's memory itself)."""
    rep = getattr(s, "vfork_report", None)
    if rep is None:
        return
    fd, sp = rep
    region = _stack_region(s, sp)
    if region is None:
        return
    start, end = region
    try:
        data = s.aspace.read(start, end - start)
        os.write(fd, struct.pack("<QQ", start, len(data)))
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
    except (MemoryError, OSError):
        pass


def _vfork_wait(s: Session, fd: int) -> None:
    """The vfork parent: suspended until the child execs or exits (the pipe closes on
    both), then it takes back the child's last report of the parent's stack."""
    chunks = []
    with s.blocking():
        while True:
            try:
                b = os.read(fd, 1 << 20)
            except InterruptedError:
                continue
            if not b:
                break
            chunks.append(b)
    os.close(fd)
    raw = b"".join(chunks)
    last = None
    i = 0
    while i + 16 <= len(raw):
        start, n = struct.unpack_from("<QQ", raw, i)
        if i + 16 + n > len(raw):
            break
        last = (start, raw[i + 16:i + 16 + n])
        i += 16 + n
    if last is not None:
        start, data = last
        try:
            cur = s.aspace.read(start, len(data))
        except MemoryError:
            return
        # write back only what differs, a page at a time (most of it did not change)
        for off in range(0, len(data), 4096):
            if data[off:off + 4096] != cur[off:off + 4096]:
                try:
                    s.aspace.write(start + off, data[off:off + 4096])
                except MemoryError:
                    pass


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


def _exec_error(path: bytes) -> int:
    """What execve would fail with, checked before pygrind replaces itself (once it has,
    no error can come back to the client)."""
    try:
        st = os.stat(path)
    except OSError as e:
        return -e.errno
    import stat

    if stat.S_ISDIR(st.st_mode) or not stat.S_ISREG(st.st_mode) or not os.access(path, os.X_OK):
        return -errno.EACCES
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError as e:
        return -e.errno
    if head != b"\x7fELF" and head[:2] != b"#!":
        return -errno.ENOEXEC
    return 0


@syscall("execve", CSTR("path"), PTR("argv"), PTR("envp"))
def sys_execve(s: Session, a: tuple[int, ...]) -> int:
    from .. import signals

    try:
        path = s.aspace.read_cstr(a[0], 4096)
        argv = _string_array(s, a[1])
        envp = _string_array(s, a[2])
    except MemoryError:
        return -errno.EFAULT
    except OSError as e:
        return -e.errno
    err = _exec_error(path)
    if err:
        return err
    if s.options.trace_children:
        # the new program runs under pygrind, with the same options and its own argv[0]
        argv0 = argv[0] if argv else path
        new_argv = [sys.executable.encode(), b"-m", b"pygrind",
                    *(o.encode() for o in s.options.raw), b"--argv0=" + argv0, b"--", path,
                    *argv[1:]]
        exe = sys.executable.encode()
    else:
        new_argv, exe = argv, path
    cargv = (ctypes.c_char_p * (len(new_argv) + 1))(*new_argv, None)
    cenvp = (ctypes.c_char_p * (len(envp) + 1))(*envp, None)
    s.before_exec()
    vfork_send_back(s)
    signals.prepare_exec(s)
    r = host_syscall(59, ctypes.cast(ctypes.c_char_p(exe), ctypes.c_void_p).value or 0,
                     ctypes.addressof(cargv), ctypes.addressof(cenvp))
    # Still here: the exec failed; take pygrind's signal handling back.
    signals.install(s)
    signals.mirror_mask(s.thread.sigmask)
    return r
