"""Client threads and the scheduler that runs them one at a time.

Each client thread is a host thread (so a blocking system call blocks only the thread
that made it, and the thread ids the client sees are real kernel tids). Only the holder
of the *big lock* runs client code or touches pygrind's shared state (address space,
translations, the JIT's context): the scheduler hands the lock over in FIFO order, so
threads take turns deterministically. A thread gives the lock up
  - at a block boundary when its time slice is used up and another thread is waiting,
  - around a blocking system call (read on an empty pipe, futex wait, nanosleep, poll...),
  - when it exits.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .state import GuestState

#: Blocks a thread runs before it lets a waiting thread have the CPU (Valgrind's
#: scheduling quantum is 100,000 blocks too).
TIME_SLICE = 100_000


@dataclass(eq=False)
class Thread:
    """One client thread: its registers and its per-thread kernel state."""

    tid: int
    state: GuestState
    sigmask: int = 0
    #: signals sent to this thread (tgkill, faults) and not yet delivered: signo -> siginfo
    pending: dict[int, bytes] = field(default_factory=dict)
    #: sigaltstack: (ss_sp, ss_flags, ss_size); flags SS_DISABLE (2) when there is none
    altstack: tuple[int, int, int] = (0, 2, 0)
    clear_child_tid: int = 0
    robust_list: int = 0
    #: the mask to put back after a handler run from rt_sigsuspend/ppoll-like calls
    saved_mask: int | None = None


class Scheduler:
    """The big lock, handed over in FIFO order."""

    def __init__(self, on_switch) -> None:
        self._mutex = threading.Lock()
        self._owner: Thread | None = None
        self._waiters: deque[tuple[Thread, threading.Lock]] = deque()
        self._on_switch = on_switch  # called with the thread that now runs
        self.switches = 0

    def acquire(self, th: Thread) -> None:
        with self._mutex:
            if self._owner is None and not self._waiters:
                self._owner = th
                gate = None
            else:
                gate = threading.Lock()
                gate.acquire()
                self._waiters.append((th, gate))
        if gate is not None:
            gate.acquire()  # the releasing thread made us the owner before opening it
        self._on_switch(th)

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                th, gate = self._waiters.popleft()
                self._owner = th
                self.switches += 1
                gate.release()
            else:
                self._owner = None

    def others_waiting(self) -> bool:
        return bool(self._waiters)

    def yield_to_others(self, th: Thread) -> None:
        """End of a time slice: let the waiting threads run, then queue up again."""
        if self._waiters:
            self.release()
            self.acquire(th)

    @contextmanager
    def unlocked(self, th: Thread) -> Iterator[None]:
        """Around a blocking host call: other client threads run meanwhile."""
        self.release()
        try:
            yield
        finally:
            self.acquire(th)

    def reset_after_fork(self, th: Thread) -> None:
        """In a forked child only the forking thread exists, and it holds the lock."""
        self._mutex = threading.Lock()
        self._waiters = deque()
        self._owner = th
