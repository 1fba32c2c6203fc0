"""Asynchronous signals aimed at the client (Ctrl-C, kill, SIGPIPE, timers).

pygrind owns the host's signal dispositions. Until client handlers are run (issue 4), a
signal the client leaves at its default action kills the client the way the kernel
would, but through pygrind: the report is printed, the tool's results are written,
and only then does pygrind die of the same signal. A signal the client ignores is
ignored by the host too. Synchronous faults (SIGSEGV...) do not come here: generated
code raises them as ClientFault.
"""

from __future__ import annotations

import signal as pysignal
from typing import TYPE_CHECKING

from .errors import ClientKilled

if TYPE_CHECKING:
    from .session import Session

SIG_DFL, SIG_IGN = 0, 1
#: Signals whose default action is to do nothing (the rest terminate or stop).
DEFAULT_IGNORE = {pysignal.SIGCHLD, pysignal.SIGURG, pysignal.SIGWINCH, pysignal.SIGCONT}
#: Signals pygrind never takes over: the stop family keeps its kernel meaning, and
#: SIGKILL/SIGSTOP cannot be caught.
_UNTOUCHED = {pysignal.SIGKILL, pysignal.SIGSTOP, pysignal.SIGTSTP, pysignal.SIGTTIN,
              pysignal.SIGTTOU, pysignal.SIGCONT}
# Synchronous signals: raised by generated code, not by the host kernel at pygrind.
_SYNC = {pysignal.SIGSEGV, pysignal.SIGBUS, pysignal.SIGILL, pysignal.SIGFPE, pysignal.SIGTRAP}


def client_handler(session: Session, sig: int) -> int:
    """The client's disposition for `sig`: SIG_DFL, SIG_IGN or a handler address."""
    act = session.sigactions.get(sig)
    return int.from_bytes(act[:8], "little") if act else SIG_DFL


def _on_signal(session: Session):
    def handler(sig: int, frame) -> None:
        h = client_handler(session, sig)
        if h == SIG_IGN or (h == SIG_DFL and sig in DEFAULT_IGNORE):
            return
        session._warn_handler(sig, h)
        raise ClientKilled(sig)

    return handler


def catchable() -> list[int]:
    return [s for s in range(1, pysignal.NSIG)
            if s not in _UNTOUCHED and s not in _SYNC and s != pysignal.SIGPIPE
            and s in pysignal.valid_signals()]


def install(session: Session) -> None:
    """Take over the host dispositions of the signals that can reach the client."""
    h = _on_signal(session)
    for sig in catchable():
        if sig in DEFAULT_IGNORE:
            continue
        try:
            pysignal.signal(sig, h)
        except (OSError, ValueError):
            pass  # reserved by the C library (e.g. 32, 33): the client cannot use them either


def client_set_disposition(session: Session, sig: int) -> None:
    """The client changed `sig`'s action: mirror SIG_IGN on the host (so that blocking
    calls are not interrupted by a signal the client ignores)."""
    if sig not in catchable() or sig in DEFAULT_IGNORE:
        return
    h = client_handler(session, sig)
    try:
        pysignal.signal(sig, pysignal.SIG_IGN if h == SIG_IGN else _on_signal(session))
    except (OSError, ValueError):
        pass


def prepare_exec(session: Session) -> None:
    """Just before a native execve: give the new program the dispositions and mask the
    client would pass on (ignored signals stay ignored across exec; handled ones reset)."""
    for sig in range(1, pysignal.NSIG):
        if sig in (pysignal.SIGKILL, pysignal.SIGSTOP) or sig not in pysignal.valid_signals():
            continue
        try:
            ign = client_handler(session, sig) == SIG_IGN
            pysignal.signal(sig, pysignal.SIG_IGN if ign else pysignal.SIG_DFL)
        except (OSError, ValueError):
            pass
    mask = session.thread.sigmask
    pysignal.pthread_sigmask(pysignal.SIG_SETMASK,
                             [s for s in range(1, 65) if mask >> (s - 1) & 1 and s in pysignal.valid_signals()])
