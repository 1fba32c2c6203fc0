"""The JIT's optimising tier: hot modules compiled again with LLVM's optimisations, on a
thread of their own, while the client goes on running the fast-to-make first version
(blocks of the libVEX tier are lifted and compiled there from the start: see
Translator.promote).

Optimising costs about 3 ms a block (five times the first compile), which would make a
cold run much slower if the client waited for it; on the optimizer's thread it overlaps
with the client (llvmlite releases the GIL while LLVM works). The core takes finished
objects at its next stop (`take`), links them in place of the first version and saves
them in the code cache, so later runs start with optimised code. The thread never runs
client code and blocks every signal, and it runs at a lower priority than the client.
"""

from __future__ import annotations

import os
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .engine import COUNT_MARK, optimized_object

#: Block runs (summed over a module) before a module is optimised: about a millisecond
#: of native running. Optimising costs about 3 ms a block of background CPU, so what
#: runs less than this is left as it is (with --jit-threshold=1 that is most modules).
OPTIMIZE_AT = 200_000


@dataclass
class Job:
    key: str | None           # the first version's code-cache key (None: not cached)
    names: dict[int, str]     # guest pc -> function name in `text` (the optimised names)
    first: dict[int, str]     # guest pc -> function name of the first version
    helpers: list             # libVEX helpers the module calls
    text: str                 # LLVM IR of the module
    #: for blocks with no first version (the libVEX tier's, see Translator.promote):
    #: makes (names, helpers, text) on the thread, and the code each pc must still have
    #: for the result to replace it
    prepare: Callable[[], tuple[dict[int, str], list, str]] | None = None
    expect: dict[int, int] | None = None


class Optimizer:
    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._lock = threading.Lock()
        #: held by the thread while it works in LLVM (see paused)
        self._busy = threading.Lock()
        self._thread: threading.Thread | None = None
        #: finished (job, object or None if LLVM failed); read without the lock by the core
        self.done: list[tuple[Job, bytes | None]] = []
        self.submitted = 0
        self.finished = 0

    def submit(self, job: Job) -> None:
        if self._thread is None or not self._thread.is_alive():  # also after a fork
            self._thread = threading.Thread(target=self._run, daemon=True, name="jit-optimizer")
            self._thread.start()
        self.submitted += 1
        self._jobs.put(job)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Around a fork: the thread is made to stand between two jobs, so that the child
        does not inherit LLVM's or the allocator's locks held by a thread it lacks."""
        with self._busy:
            yield

    def take(self) -> list[tuple[Job, bytes | None]]:
        with self._lock:
            out, self.done = self.done, []
        self.finished += len(out)
        return out

    def _run(self) -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except OSError:
            pass
        while True:
            job = self._jobs.get()
            with self._busy:
                try:
                    if job.prepare is not None:
                        job.names, job.helpers, job.text = job.prepare()
                    obj = optimized_object(job.text)
                except Exception:  # a module LLVM rejects at O2 keeps its first version
                    obj = None
                with self._lock:
                    self.done.append((job, obj))


def optimised_job(key: str | None, names: dict[int, str], helpers: list, text: str) -> Job:
    """The job for a first-version module: its functions renamed (suffix "o"), so that
    both versions can live in the one engine."""
    new = {pc: n + "o" for pc, n in names.items()}
    for n in names.values():
        text = text.replace(f"@{n}(", f"@{n}o(")
    # the optimised version need not count its runs
    text = "\n".join(ln for ln in text.split("\n") if not ln.endswith(COUNT_MARK))
    return Job(key, new, dict(names), list(helpers), text)
