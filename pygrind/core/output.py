"""pygrind's own messages, in Valgrind's layout: every line prefixed with `==PID== `.

They go to a descriptor of pygrind's own (a duplicate of stderr, or --log-file), kept
at a high number so that the client, which shares the descriptor table, can close or
reuse 0, 1, 2 freely without silencing or corrupting pygrind's report.
"""

from __future__ import annotations

import fcntl
import os

#: Lowest descriptor number pygrind uses for itself (Valgrind keeps its own high too).
OWN_FD_BASE = 1000


def move_high(fd: int) -> int:
    """Duplicate `fd` to pygrind's reserved range (close-on-exec) and close the original."""
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, OWN_FD_BASE)
    os.close(fd)
    return new


def expand_log_name(template: str, pid: int) -> str:
    """Valgrind's --log-file substitutions: %p (pid), %q{VAR} (environment), %% (a %)."""
    out = []
    i = 0
    while i < len(template):
        c = template[i]
        if c == "%" and i + 1 < len(template):
            n = template[i + 1]
            if n == "p":
                out.append(str(pid))
                i += 2
                continue
            if n == "%":
                out.append("%")
                i += 2
                continue
            if n == "q" and template[i + 2:i + 3] == "{":
                end = template.find("}", i + 3)
                if end > 0:
                    out.append(os.environ.get(template[i + 3:end], ""))
                    i = end + 1
                    continue
        out.append(c)
        i += 1
    return "".join(out)


class Output:
    """Where pygrind's messages go."""

    def __init__(self, log_file: str | None = None, quiet: bool = False, verbose: int = 0) -> None:
        self.pid = os.getpid()
        self.quiet = quiet
        self.verbose = verbose
        self.log_file = log_file
        self.silent = False
        if log_file:
            path = expand_log_name(log_file, self.pid)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        else:
            fd = os.dup(2)
        self.fd = move_high(fd)
        self._warned: set[object] = set()

    def after_fork(self, pid: int, silent: bool = False) -> None:
        """In a forked child: its own pid in the prefix, and its own log file when the
        name has %p (otherwise parent and child share the descriptor, as in Valgrind)."""
        self.pid = pid
        self.silent = silent
        if self.log_file and "%p" in self.log_file:
            path = expand_log_name(self.log_file, pid)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            except OSError:
                return
            old = self.fd
            self.fd = move_high(fd)
            os.close(old)

    def write(self, text: str) -> None:
        if self.silent:
            return
        data = text.encode(errors="replace")
        while data:
            try:
                n = os.write(self.fd, data)
            except InterruptedError:
                continue
            except OSError:
                return
            data = data[n:]

    def msg(self, line: str = "") -> None:
        """One line with the ==PID== prefix."""
        self.write(f"=={self.pid}== {line}\n")

    def lines(self, text: str) -> None:
        for line in text.split("\n"):
            self.msg(line)

    def user(self, line: str = "") -> None:
        """A message the user asked for or must see: silenced by -q only if informational."""
        if not self.quiet:
            self.msg(line)

    def warn_once(self, key: object, line: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            self.msg(line)
