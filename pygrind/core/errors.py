"""Exceptions that cross module boundaries in the core."""

from __future__ import annotations


class UserError(Exception):
    """A mistake in what the user asked for (bad option, missing or unusable program).

    Reported as one line, `pygrind: <message>`, with a non-zero exit status; never a
    traceback. `status` is the exit status (Valgrind's: 127 for a program that is not
    found, 126 for one that cannot be run, 1 for a bad option).
    """

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


class ClientFault(Exception):
    """The client did something that the kernel answers with a synchronous signal."""

    def __init__(self, signo: int, code: int = 0, addr: int = 0, detail: str = "") -> None:
        super().__init__(signo, code, addr)
        self.signo = signo
        self.code = code
        self.addr = addr
        self.detail = detail
        #: Guest address of the faulting instruction, filled in by the dispatcher.
        self.pc: int | None = None
        #: Bytes of the memory access that faulted (0: not known, or not an access).
        self.size = 0


class ClientExit(Exception):
    """The client called exit_group (or its last thread exited)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class ClientKilled(Exception):
    """The client dies of a signal whose default action terminates it."""

    def __init__(self, signo: int, fault: ClientFault | None = None) -> None:
        super().__init__(signo)
        self.signo = signo
        self.fault = fault


# si_code values for SIGSEGV, SIGFPE, SIGILL (from the kernel's siginfo.h)
SEGV_MAPERR, SEGV_ACCERR = 1, 2
FPE_INTDIV = 1
ILL_ILLOPC, ILL_ILLOPN = 1, 2
SI_KERNEL = 0x80


class ThreadExit(Exception):
    """One client thread called exit while others go on."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status
