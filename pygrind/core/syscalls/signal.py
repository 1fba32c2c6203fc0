"""Signal syscalls. For now pygrind only records the client's dispositions and masks;
delivery to client handlers comes with the process-model work (issue 4)."""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from . import PTR, syscall

if TYPE_CHECKING:
    from ..session import Session

NSIG = 64
SIGKILL, SIGSTOP = 9, 19
SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK = 0, 1, 2
_SIGACTION_SIZE = 32  # handler, flags, restorer, mask (8 bytes of kernel sigset)


@syscall("rt_sigaction", "sig", PTR("act"), PTR("oact"), "sigsetsize")
def sys_rt_sigaction(s: Session, a: tuple[int, ...]) -> int:
    sig, act, oact, size = a[:4]
    if size != 8 or not 1 <= sig <= NSIG:
        return -errno.EINVAL
    new = s.aspace.read(act, _SIGACTION_SIZE) if act else None
    if new is not None and sig in (SIGKILL, SIGSTOP):
        return -errno.EINVAL
    old = s.sigactions.get(sig, bytes(_SIGACTION_SIZE))
    if oact:
        s.aspace.write(oact, old)
    if new is not None:
        s.sigactions[sig] = new
        from .. import signals

        signals.client_set_disposition(s, sig)
    return 0


@syscall("rt_sigprocmask", "how", PTR("set"), PTR("oset"), "sigsetsize")
def sys_rt_sigprocmask(s: Session, a: tuple[int, ...]) -> int:
    how, set_, oset, size = a[:4]
    if size != 8:
        return -errno.EINVAL
    th = s.thread
    new = int.from_bytes(s.aspace.read(set_, 8), "little") if set_ else None
    if oset:
        s.aspace.write(oset, th.sigmask.to_bytes(8, "little"))
    if new is not None:
        never = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1))
        if how == SIG_BLOCK:
            th.sigmask |= new
        elif how == SIG_UNBLOCK:
            th.sigmask &= ~new
        elif how == SIG_SETMASK:
            th.sigmask = new
        else:
            return -errno.EINVAL
        th.sigmask &= ~never & 0xFFFFFFFFFFFFFFFF
    return 0


@syscall("sigaltstack", PTR("ss"), PTR("old_ss"))
def sys_sigaltstack(s: Session, a: tuple[int, ...]) -> int:
    ss, old = a[:2]
    th = s.thread
    if old:
        s.aspace.write(old, th.altstack)
    if ss:
        th.altstack = s.aspace.read(ss, 24)
    return 0
