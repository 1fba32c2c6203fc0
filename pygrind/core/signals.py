"""Signals: the client's dispositions, masks and pending sets, and their delivery.

Where signals come from:
  - The host kernel (kill from another process, timers, Ctrl-C, SIGCHLD, kill to the
    client's own pid). pygrind's host handler for them is a few bytes of machine code
    (below): it records the signal and its siginfo in a pending word and makes the JIT's
    dispatcher stop within a block. Python's own signal machinery is not involved, so
    the signal is seen at once by whichever client thread runs next, and a blocking system
    call in the host thread that took it returns EINTR, as it would for the client.
  - Client code: faults (SIGSEGV, SIGFPE, SIGILL, SIGTRAP, SIGBUS) are raised by the
    generated code and delivered at the faulting instruction.
  - pygrind itself, on the client's behalf: tgkill/tkill to a client thread, SIGPIPE
    with EPIPE, kill of the client's own pid with a signal the host must not take.

Each host thread blocks what its client thread blocks (among the asynchronous signals),
so the host kernel picks the thread, keeps blocked signals pending, and wakes sigsuspend,
pause and sigtimedwait as it would for the client.

Delivery happens at block boundaries and after system calls (`deliver`): a handler gets a
kernel-layout frame (`sigframe`), an ignored signal is dropped, a default action kills
the client (with Valgrind's report) or stops it.
"""

from __future__ import annotations

import ctypes
import errno
import mmap
import os
import signal as pysignal
import struct
from typing import TYPE_CHECKING

from . import sigframe
from .errors import ClientFault, ClientKilled
from .state import RAX

if TYPE_CHECKING:
    from .session import Session
    from .threads import Thread

SIG_DFL, SIG_IGN = 0, 1
SA_SIGINFO, SA_ONSTACK, SA_RESTART = 0x4, 0x08000000, 0x10000000
SA_NODEFER, SA_RESETHAND, SA_RESTORER = 0x40000000, 0x80000000, 0x04000000
SIGKILL, SIGSTOP, SIGPIPE, SIGSEGV = 9, 19, 13, 11
#: pygrind's own: wakes a client thread out of a blocking call (never the client's)
WAKE_SIG = 64
SI_USER, SI_KERNEL, SI_TKILL = 0, 0x80, -6

#: Signals whose default action is to do nothing.
DEFAULT_IGNORE = {pysignal.SIGCHLD, pysignal.SIGURG, pysignal.SIGWINCH, pysignal.SIGCONT}
#: Signals whose default action stops the process (the host kernel does it to pygrind).
DEFAULT_STOP = {pysignal.SIGTSTP, pysignal.SIGTTIN, pysignal.SIGTTOU}
#: Synchronous signals: raised by generated code. Their host dispositions stay the
#: default, so that a crash of pygrind itself is not mistaken for the client's.
SYNC = {pysignal.SIGSEGV, pysignal.SIGBUS, pysignal.SIGILL, pysignal.SIGFPE, pysignal.SIGTRAP}
#: Signals the client cannot catch or block.
UNCATCHABLE = {SIGKILL, SIGSTOP}
#: Signals to the client's own process that pygrind delivers itself instead of asking
#: the host (whose disposition for them is pygrind's, not the client's).
IN_PROCESS = SYNC | {SIGPIPE, WAKE_SIG}
#: Syscalls that fail with EINTR after a handler ran even with SA_RESTART (signal(7)).
NEVER_RESTART = {"pause", "rt_sigsuspend", "rt_sigtimedwait", "poll", "ppoll", "select",
                 "pselect6", "epoll_wait", "epoll_pwait", "nanosleep", "clock_nanosleep",
                 "semtimedop", "msgrcv", "msgsnd", "io_getevents"}

ALL = (1 << 64) - 1


def bit(sig: int) -> int:
    return 1 << (sig - 1)


def sigset(mask: int) -> set[int]:
    """The host signal numbers in a kernel sigset word (those Python can name)."""
    valid = pysignal.valid_signals()
    return {s for s in range(1, 65) if mask >> (s - 1) & 1 and s in valid}


def siginfo(sig: int, code: int, *, addr: int | None = None, pid: int = 0, uid: int = 0) -> bytes:
    """A siginfo_t: si_signo, si_errno, si_code, then si_addr (faults) or (si_pid, si_uid)."""
    head = struct.pack("<iii4x", sig, 0, code)
    body = struct.pack("<Q", addr) if addr is not None else struct.pack("<iI", pid, uid)
    return (head + body).ljust(128, b"\0")


def client_action(s: Session, sig: int) -> tuple[int, int, int, int]:
    """The client's sigaction for sig: (handler, flags, restorer, mask)."""
    act = s.sigactions.get(sig)
    if act is None:
        return SIG_DFL, 0, 0, 0
    return struct.unpack("<QQQQ", act)


def client_handler(s: Session, sig: int) -> int:
    return client_action(s, sig)[0]


# --------------------------------------------------------------------- the host side

_libc = ctypes.CDLL(None, use_errno=True)


class _SigAction(ctypes.Structure):
    _fields_ = [("handler", ctypes.c_void_p), ("mask", ctypes.c_uint64 * 16),
                ("flags", ctypes.c_int), ("restorer", ctypes.c_void_p)]


_STUB_AT = 256  # offset of the syscall stub in the code page
# offsets within the stub (see _stub_code)
_STUB_WINDOW, _STUB_SYSCALL, _STUB_EINTR = 0x21, 0x27, 0x2A


def _stub_code(word: int) -> bytes:
    """x86-64 code of `long stub(long nr, long a1, ..., long a6)`: a system call that
    fails with EINTR, without being made, if a signal was recorded before it started.
    Checking the record and then making the call leaves a window in which a signal
    would be recorded but the call would still block; the handler closes it by moving
    an interrupted stub whose pc is in [check, syscall] to the EINTR exit."""
    q = struct.Struct("<Q").pack
    code = b"".join([
        b"\x48\x89\xf8",                  # mov rax, rdi          (the number)
        b"\x48\x89\xf7",                  # mov rdi, rsi
        b"\x48\x89\xd6",                  # mov rsi, rdx
        b"\x48\x89\xca",                  # mov rdx, rcx
        b"\x4d\x89\xc2",                  # mov r10, r8
        b"\x4d\x89\xc8",                  # mov r8, r9
        b"\x4c\x8b\x4c\x24\x08",          # mov r9, [rsp+8]
        b"\x49\xbb" + q(word),             # movabs r11, word
        b"\x49\x83\x3b\x00",              # window: cmp qword [r11], 0
        b"\x75\x03",                      # jne eintr
        b"\x0f\x05",                      # syscall
        b"\xc3",                          # ret
        b"\x48\xc7\xc0\xfc\xff\xff\xff",  # eintr: mov rax, -EINTR
        b"\xc3",                          # ret
    ])
    assert code[_STUB_WINDOW:_STUB_WINDOW + 4] == b"\x49\x83\x3b\x00"
    assert code[_STUB_SYSCALL:_STUB_SYSCALL + 2] == b"\x0f\x05"
    assert code[_STUB_EINTR:_STUB_EINTR + 3] == b"\x48\xc7\xc0"
    return code


def _handler_code(slots: int, word: int, budget: int, stub: int, counter: int) -> bytes:
    """x86-64 code of the host handler, `void h(int sig, siginfo_t *info, void *uc)`:
    if the interrupted pc is in the stub's window, resume at its EINTR exit; copy *info
    to slots[sig - 1], set bit sig - 1 of *word atomically, then *budget = 1 (the JIT's
    dispatcher counts it down to 0 and returns at the next block) and, if *counter is
    not 0, **counter = 0 (a chain of libVEX-made blocks stops at its next block)."""
    q = struct.Struct("<Q").pack
    rip = b"\xa8\x00\x00\x00"  # uc_mcontext.rip: 40 + 16 * 8 into the ucontext
    return b"".join([
        b"\x48\x8b\x82" + rip,             # mov rax, [rdx+168]
        b"\x48\xb9" + q(stub + _STUB_WINDOW),       # movabs rcx, window start
        b"\x48\x39\xc8",                  # cmp rax, rcx
        b"\x72\x20",                      # jb record
        b"\x48\xb9" + q(stub + _STUB_SYSCALL + 1),  # movabs rcx, just past the syscall's start
        b"\x48\x39\xc8",                  # cmp rax, rcx
        b"\x73\x11",                      # jae record
        b"\x48\xb9" + q(stub + _STUB_EINTR),        # movabs rcx, the EINTR exit
        b"\x48\x89\x8a" + rip,             # mov [rdx+168], rcx
        # record:
        b"\x8d\x4f\xff",                  # lea ecx, [rdi-1]
        b"\xb8\x01\x00\x00\x00",          # mov eax, 1
        b"\x48\xd3\xe0",                  # shl rax, cl
        b"\x49\x89\xc8",                  # mov r8, rcx
        b"\x49\xc1\xe0\x07",              # shl r8, 7            (128 bytes a slot)
        b"\x49\xb9" + q(slots),           # movabs r9, slots
        b"\x4d\x01\xc1",                  # add r9, r8
        b"\x4c\x89\xcf",                  # mov rdi, r9
        b"\xb9\x10\x00\x00\x00",          # mov ecx, 16
        b"\xfc",                          # cld
        b"\xf3\x48\xa5",                  # rep movsq            (rsi = info)
        b"\x48\xba" + q(word),            # movabs rdx, word
        b"\xf0\x48\x09\x02",              # lock or [rdx], rax
        b"\x48\xba" + q(budget),          # movabs rdx, budget
        b"\x48\xc7\x02\x01\x00\x00\x00",  # mov qword [rdx], 1
        b"\x48\xba" + q(counter),         # movabs rdx, counter
        b"\x48\x8b\x02",                  # mov rax, [rdx]
        b"\x48\x85\xc0",                  # test rax, rax
        b"\x74\x06",                      # jz done
        b"\xc7\x00\x00\x00\x00\x00",      # mov dword [rax], 0
        b"\xc3",                          # done: ret
    ])


class HostSignals:
    """pygrind's host signal handler and what it records."""

    def __init__(self, budget_address: int | None = None,
                 counter_address: int | None = None) -> None:
        # the pending word; a spare budget; a spare counter pointer (always 0)
        self._cells = (ctypes.c_uint64 * 3)()
        self._slots = ctypes.create_string_buffer(64 * 128)
        #: the pending word, as Python reads it in the dispatch loops
        self.word = memoryview(self._cells).cast("B").cast("Q")
        word_addr = ctypes.addressof(self._cells)
        budget = budget_address if budget_address is not None else word_addr + 8
        counter = counter_address if counter_address is not None else word_addr + 16
        self._page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        base = ctypes.addressof(ctypes.c_char.from_buffer(self._page))
        self._handler = base
        stub = base + _STUB_AT
        self._page.write(_handler_code(ctypes.addressof(self._slots), word_addr, budget, stub,
                                       counter))
        self._page.seek(_STUB_AT)
        self._page.write(_stub_code(word_addr))
        #: a blocking system call that no recorded signal can slip past (see _stub_code)
        self.syscall = ctypes.CFUNCTYPE(ctypes.c_long, *[ctypes.c_long] * 7)(stub)

    def set_disposition(self, sig: int, kind: str) -> None:
        """kind: "record" (pygrind's handler), "ignore" or "default"."""
        act = _SigAction()
        act.handler = {"record": self._handler, "ignore": SIG_IGN, "default": SIG_DFL}[kind]
        act.flags = SA_SIGINFO if kind == "record" else 0
        for i in range(16):
            act.mask[i] = ALL  # one handler at a time: the slots are not reentrant
        _libc.sigaction(sig, ctypes.byref(act), None)

    def collect(self) -> list[tuple[int, bytes]]:
        """Take the recorded signals (and their siginfo) and clear the record."""
        old = pysignal.pthread_sigmask(pysignal.SIG_BLOCK, pysignal.valid_signals())
        try:
            w = self.word[0]
            self.word[0] = 0
            out = [(s, self._slots.raw[(s - 1) * 128:s * 128]) for s in range(1, 65) if w >> (s - 1) & 1]
        finally:
            pysignal.pthread_sigmask(pysignal.SIG_SETMASK, old)
        return out


def host_kind(s: Session, sig: int) -> str | None:
    """The host disposition that mirrors the client's for sig (None: pygrind's own)."""
    if sig in SYNC or sig in UNCATCHABLE or sig == SIGPIPE or sig == WAKE_SIG:
        return None
    h = client_handler(s, sig)
    if h == SIG_IGN:
        return "ignore"
    if h == SIG_DFL and (sig in DEFAULT_IGNORE or sig in DEFAULT_STOP):
        return "default"  # the host kernel discards or stops, as for the client
    return "record"


def install(s: Session) -> None:
    """Take over the host dispositions of every signal that can reach the client."""
    hs = s.host_signals
    for sig in range(1, 65):
        kind = host_kind(s, sig)
        if kind is not None:
            hs.set_disposition(sig, kind)
    hs.set_disposition(WAKE_SIG, "record")
    hs.set_disposition(SIGPIPE, "ignore")  # EPIPE comes back; SIGPIPE is raised for the client


def client_set_disposition(s: Session, sig: int) -> None:
    """The client changed sig's action: mirror it on the host."""
    kind = host_kind(s, sig)
    if kind is not None:
        s.host_signals.set_disposition(sig, kind)


_NOT_MIRRORED = ALL & ~sum(bit(s) for s in SYNC | UNCATCHABLE | {SIGPIPE, WAKE_SIG})


def host_mask(mask: int) -> int:
    """The host's version of a client signal mask: the client's blocking of signals the
    host leaves to pygrind (faults, SIGPIPE, pygrind's wake-up) is pygrind's business."""
    return mask & _NOT_MIRRORED


def mirror_mask(mask: int) -> None:
    """Block in the calling host thread what its client thread blocks, among the
    signals the host delivers to pygrind's handler."""
    pysignal.pthread_sigmask(pysignal.SIG_SETMASK, sigset(host_mask(mask)))


def set_mask(th: Thread, mask: int) -> None:
    """The current thread's signal mask changes (SIGKILL/SIGSTOP cannot be blocked)."""
    mask &= ALL & ~(bit(SIGKILL) | bit(SIGSTOP))
    if mask != th.sigmask:
        th.sigmask = mask
        mirror_mask(mask)


def prepare_exec(s: Session) -> None:
    """Just before a native execve: give the new program the dispositions and mask the
    client would pass on (ignored signals stay ignored across exec; handled ones reset)."""
    for sig in range(1, 65):
        if sig in UNCATCHABLE or sig not in pysignal.valid_signals():
            continue
        s.host_signals.set_disposition(sig, "ignore" if client_handler(s, sig) == SIG_IGN else "default")
    pysignal.pthread_sigmask(pysignal.SIG_SETMASK, sigset(s.thread.sigmask))


# --------------------------------------------------------------------- sending

def send(s: Session, target: Thread | None, sig: int, info: bytes) -> None:
    """Make sig pending for a client thread (or, target None, for the process)."""
    if target is None:
        s.proc_pending.setdefault(sig, info)
    else:
        target.pending.setdefault(sig, info)
    for th in s.threads.values():
        if th is not s.thread and (target is None or th is target):
            # it may be blocked in a host system call: interrupt that, and have it look
            from .syscalls import host_syscall

            host_syscall(234, os.getpid(), th.tid, WAKE_SIG)


def kill_self(s: Session, sig: int) -> bool:
    """kill() of the client's own pid: the host delivers most signals back to pygrind's
    handler; those whose host disposition is pygrind's own are made pending here (True),
    the rest are left to the host (False)."""
    if sig not in IN_PROCESS:
        return False
    send(s, None, sig, siginfo(sig, SI_USER, pid=os.getpid(), uid=os.getuid()))
    return True


def tkill(s: Session, tid: int, sig: int) -> int | None:
    """tgkill/tkill aimed at a client thread of this process (None: not ours)."""
    th = s.threads.get(tid)
    if th is None:
        return None
    if not 0 <= sig <= 64:
        return -errno.EINVAL
    if sig:
        send(s, th, sig, siginfo(sig, SI_TKILL, pid=os.getpid(), uid=os.getuid()))
    return 0


# --------------------------------------------------------------------- delivery

def take_recorded(s: Session) -> None:
    """Move what the host handler recorded to the process's pending signals (pygrind's
    wake-up signal only interrupted a call: there is nothing to deliver for it)."""
    if s.host_signals.word[0]:
        for sig, info in s.host_signals.collect():
            if sig != WAKE_SIG:
                s.proc_pending.setdefault(sig, info)


def has_deliverable(s: Session, th: Thread) -> bool:
    """Is a signal pending that th would take now (recorded by the host handler, or
    pending here and not blocked)?"""
    if s.host_signals.word[0]:
        return True
    return any(not th.sigmask & bit(sig) for sig in th.pending) or any(
        not th.sigmask & bit(sig) for sig in s.proc_pending)


def _pick(s: Session, th: Thread) -> tuple[int, bytes] | None:
    cands = [sig for sig in th.pending if not th.sigmask & bit(sig)]
    if cands:
        sig = min(cands)
        return sig, th.pending.pop(sig)
    cands = [sig for sig in s.proc_pending if not th.sigmask & bit(sig)]
    if cands:
        sig = min(cands)
        return sig, s.proc_pending.pop(sig)
    return None


def deliver(s: Session, th: Thread, pc: int,
            interrupted: tuple[int, int, str] | None = None) -> int:
    """Deliver what is pending and unblocked to the running thread, which is about to
    go on at pc. `interrupted` = (address of the syscall instruction, its number and
    name) when
    a system call just failed with EINTR. Returns the pc to go on at."""
    take_recorded(s)
    ran_handler = False
    while (p := _pick(s, th)) is not None:
        sig, info = p
        handler, flags, restorer, mask = client_action(s, sig)
        if handler == SIG_IGN or (handler == SIG_DFL and sig in DEFAULT_IGNORE):
            continue
        if handler == SIG_DFL:
            if sig in DEFAULT_STOP:
                os.kill(os.getpid(), SIGSTOP)
                continue
            raise ClientKilled(sig)
        if interrupted is not None and not ran_handler:
            sc_pc, nr, name = interrupted
            if flags & SA_RESTART and name not in NEVER_RESTART:
                pc = sc_pc
                th.state.put(RAX, nr)
        pc = _run_handler(s, th, sig, info, pc, (handler, flags, restorer, mask))
        ran_handler = True
    if interrupted is not None and not ran_handler:
        # nothing the client sees happened: the kernel restarts the call
        sc_pc, nr, name = interrupted
        th.state.put(RAX, nr)
        pc = sc_pc
    return pc


def _run_handler(s: Session, th: Thread, sig: int, info: bytes, pc: int,
                 action: tuple[int, int, int, int], fault: ClientFault | None = None) -> int:
    handler, flags, restorer, mask = action
    if not flags & SA_RESTORER:
        # x86-64 has no kernel-provided return path: the kernel fails the delivery
        raise ClientKilled(SIGSEGV)
    saved = th.saved_mask if th.saved_mask is not None else th.sigmask
    th.saved_mask = None
    trapno = err = cr2 = 0
    if fault is not None:
        trapno = {11: 14, 7: 14, 8: 0, 4: 6, 5: 3}.get(sig, 0)
        if sig == SIGSEGV:
            if fault.code == SI_KERNEL:
                trapno = 13
            else:
                cr2 = fault.addr
                err = 4 | (1 if fault.code == 2 else 0)
    try:
        sigframe.push(s.aspace, th, sig=sig, info=info, pc=pc, handler=handler,
                      onstack=bool(flags & SA_ONSTACK), restorer=restorer, saved_mask=saved, trapno=trapno, err=err, cr2=cr2)
    except MemoryError:
        raise ClientKilled(SIGSEGV) from None
    set_mask(th, th.sigmask | mask | (0 if flags & SA_NODEFER else bit(sig)))
    if flags & SA_RESETHAND:
        s.sigactions.pop(sig, None)
        client_set_disposition(s, sig)
    return handler


def deliver_fault(s: Session, th: Thread, f: ClientFault) -> int:
    """A synchronous signal at the faulting instruction f.pc. As the kernel does, a
    blocked or ignored fault signal takes its default action."""
    action = client_action(s, f.signo)
    handler = action[0]
    if handler in (SIG_DFL, SIG_IGN) or th.sigmask & bit(f.signo):
        raise ClientKilled(f.signo, f)
    info = siginfo(f.signo, f.code, addr=f.addr or 0)
    return _run_handler(s, th, f.signo, info, f.pc or 0, action, f)


def sigreturn(s: Session, th: Thread) -> int:
    """rt_sigreturn: back to the interrupted code. Returns its pc."""
    try:
        pc, mask = sigframe.pop(s.aspace, th)
    except MemoryError:
        raise ClientKilled(SIGSEGV) from None
    set_mask(th, mask)
    return pc
