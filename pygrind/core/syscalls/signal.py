"""Signal syscalls: dispositions, masks, the alternate stack, waiting for signals, and
sending them. Delivery itself is core/signals.py."""

from __future__ import annotations

import errno
import os
import struct
from typing import TYPE_CHECKING

from .. import signals
from ..sigframe import SS_AUTODISARM, SS_DISABLE, SS_ONSTACK, altstack_flags, on_altstack
from ..state import RSP
from . import IN, OUT, PTR, host_blocking, host_syscall, syscall

if TYPE_CHECKING:
    from ..session import Session

NSIG = 64
SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK = 0, 1, 2
_SIGACTION_SIZE = 32  # handler, flags, restorer, mask (8 bytes of kernel sigset)
MINSIGSTKSZ = 2048


@syscall("rt_sigaction", "sig", PTR("act"), PTR("oact"), "sigsetsize")
def sys_rt_sigaction(s: Session, a: tuple[int, ...]) -> int:
    sig, act, oact, size = a[:4]
    if size != 8 or not 1 <= sig <= NSIG:
        return -errno.EINVAL
    new = s.aspace.read(act, _SIGACTION_SIZE) if act else None
    if new is not None and (sig in signals.UNCATCHABLE or sig == signals.WAKE_SIG):
        return -errno.EINVAL
    old = s.sigactions.get(sig, bytes(_SIGACTION_SIZE))
    if oact:
        s.aspace.write(oact, old)
    if new is not None:
        handler, flags, restorer, mask = struct.unpack("<QQQQ", new)
        # SIGKILL and SIGSTOP can never be blocked, handler or not
        mask &= ~(signals.bit(signals.SIGKILL) | signals.bit(signals.SIGSTOP))
        s.sigactions[sig] = struct.pack("<QQQQ", handler, flags, restorer, mask)
        signals.client_set_disposition(s, sig)
        if handler == signals.SIG_IGN or (handler == signals.SIG_DFL and sig in signals.DEFAULT_IGNORE):
            # POSIX: setting a pending signal to be ignored discards it
            s.proc_pending.pop(sig, None)
            for th in s.threads.values():
                th.pending.pop(sig, None)
    return 0


def _new_mask(how: int, cur: int, new: int) -> int | None:
    if how == SIG_BLOCK:
        return cur | new
    if how == SIG_UNBLOCK:
        return cur & ~new
    if how == SIG_SETMASK:
        return new
    return None


@syscall("rt_sigprocmask", "how", PTR("set"), PTR("oset"), "sigsetsize")
def sys_rt_sigprocmask(s: Session, a: tuple[int, ...]) -> int:
    how, set_, oset, size = a[:4]
    if size != 8:
        return -errno.EINVAL
    th = s.thread
    new = int.from_bytes(s.aspace.read(set_, 8), "little") if set_ else None
    if new is not None and how not in (SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK):
        return -errno.EINVAL
    if oset:
        s.aspace.write(oset, th.sigmask.to_bytes(8, "little"))
    if new is not None:
        signals.set_mask(th, _new_mask(how, th.sigmask, new))
    return 0


@syscall("rt_sigpending", OUT("set", 8), "sigsetsize")
def sys_rt_sigpending(s: Session, a: tuple[int, ...]) -> int:
    if a[1] != 8:
        return -errno.EINVAL
    import signal as pysignal

    th = s.thread
    host = 0
    for sig in pysignal.sigpending():
        host |= signals.bit(sig)
    ours = 0
    for sig in list(th.pending) + list(s.proc_pending):
        ours |= signals.bit(sig)
    s.aspace.write(a[0], ((host | ours) & th.sigmask).to_bytes(8, "little"))
    return 0


@syscall("sigaltstack", PTR("ss"), PTR("old_ss"))
def sys_sigaltstack(s: Session, a: tuple[int, ...]) -> int:
    ss, old = a[:2]
    th = s.thread
    sp = th.state.get(RSP)
    new = s.aspace.read(ss, 24) if ss else None
    if old:
        ss_sp, _, ss_size = th.altstack
        s.aspace.write(old, struct.pack("<QiiQ", ss_sp, altstack_flags(th, sp), 0, ss_size))
    if new is not None:
        ss_sp, flags, _, size = struct.unpack("<QiiQ", new)
        if on_altstack(th, sp):
            return -errno.EPERM
        mode = flags & ~SS_AUTODISARM
        if mode not in (0, SS_ONSTACK, SS_DISABLE):
            return -errno.EINVAL
        if mode == SS_DISABLE:
            th.altstack = (0, SS_DISABLE, 0)
        else:
            if size < MINSIGSTKSZ:
                return -errno.ENOMEM
            th.altstack = (ss_sp, flags & SS_AUTODISARM, size)
    return 0


def masked_wait(s: Session, mask: int, call) -> int:
    """rt_sigsuspend, ppoll, pselect6, epoll_pwait: the thread's mask is `mask` while the
    host call waits, as with sigsuspend: a handler it lets in runs with that mask and
    returns to the old one (kept in its frame); if the call ends otherwise, the old mask
    is back at once. (The host thread's mask mirrors the client's, so the host call
    needs no mask of its own.)"""
    th = s.thread
    if th.saved_mask is None:
        th.saved_mask = th.sigmask
    signals.set_mask(th, mask)
    r = call()
    if r != -errno.EINTR:
        signals.set_mask(th, th.saved_mask)
        th.saved_mask = None
    return r


@syscall("rt_sigsuspend", IN("mask", 8), "sigsetsize", blocking=True)
def sys_rt_sigsuspend(s: Session, a: tuple[int, ...]) -> int:
    if a[1] != 8:
        return -errno.EINVAL
    mask = int.from_bytes(s.aspace.read(a[0], 8), "little")
    import ctypes

    # rt_sigsuspend must be given a mask: the host's version of the same one
    buf = ctypes.create_string_buffer(signals.host_mask(mask).to_bytes(8, "little"), 8)
    return masked_wait(s, mask, lambda: host_blocking(s, 130, ctypes.addressof(buf), 8))


@syscall("pause", blocking=True)
def sys_pause(s: Session, a: tuple[int, ...]) -> int:
    return host_blocking(s, 34)


@syscall("rt_sigtimedwait", IN("set", 8), OUT("info", 128), IN("timeout", 16), "sigsetsize",
         blocking=True)
def sys_rt_sigtimedwait(s: Session, a: tuple[int, ...]) -> int:
    set_, info, timeout, size = a[:4]
    if size != 8:
        return -errno.EINVAL
    want = int.from_bytes(s.aspace.read(set_, 8), "little")
    th = s.thread
    signals.take_recorded(s)
    for pend in (th.pending, s.proc_pending):
        ready = [sig for sig in pend if want & signals.bit(sig)]
        if ready:
            sig = min(ready)
            inf = pend.pop(sig)
            if info:
                s.aspace.write(info, inf)
            return sig
    import ctypes

    wbuf = ctypes.create_string_buffer(signals.host_mask(want).to_bytes(8, "little"), 8)
    return host_blocking(s, 128, ctypes.addressof(wbuf), s.aspace.host(info) if info else 0,
                         s.aspace.host(timeout) if timeout else 0, 8)


@syscall("kill", "pid", "sig")
def sys_kill(s: Session, a: tuple[int, ...]) -> int:
    pid, sig = _signed(a[0]), a[1]
    if not 0 <= sig <= NSIG:
        return -errno.EINVAL
    if pid == os.getpid() and signals.kill_self(s, sig):
        return 0
    return host_syscall(62, pid, sig)


@syscall("tgkill", "tgid", "tid", "sig")
def sys_tgkill(s: Session, a: tuple[int, ...]) -> int:
    if _signed(a[0]) == os.getpid():
        r = signals.tkill(s, a[1], a[2])
        if r is not None:
            return r
    return host_syscall(234, *a[:3])


@syscall("tkill", "tid", "sig")
def sys_tkill(s: Session, a: tuple[int, ...]) -> int:
    r = signals.tkill(s, a[0], a[1])
    return r if r is not None else host_syscall(200, *a[:2])


def _signed(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v


# Timers and signal file descriptors: the host kernel does them (its signals come back
# through pygrind's handler; a signalfd reads signals the client keeps blocked, which
# the host thread blocks too).
syscall("timer_create", "clockid", IN("sevp", 64), OUT("timerid", 4))
syscall("timer_settime", "timerid", "flags", IN("new", 32), OUT("old", 32))
syscall("timer_gettime", "timerid", OUT("curr", 32))
syscall("timer_getoverrun", "timerid")
syscall("timer_delete", "timerid")
syscall("signalfd4", "fd", IN("mask", 8), "sizemask", "flags")
syscall("signalfd", "fd", IN("mask", 8), "sizemask")
syscall("rt_sigqueueinfo", "tgid", "sig", IN("info", 128))
