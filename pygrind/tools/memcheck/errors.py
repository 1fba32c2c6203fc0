"""Memcheck's error manager: records each error once, with Valgrind's words, layout and
deduplication, to the text log and (--xml=yes) in Valgrind's XML protocol 4.

Two errors are the same when they are of the same kind, with the same details (size,
read or write, syscall parameter) and the same first four frames (Valgrind's
"medium resolution"); a repeat is only counted. After --error-limit's thresholds
(1,000 different errors, 10,000,000 in all) nothing more is shown.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from ...core.debuginfo import Frame, format_frame, is_trace_end

if TYPE_CHECKING:
    from ...core.session import Session

#: frames compared to tell errors apart
MATCH_FRAMES = 4
MAX_CONTEXTS = 1000
MAX_ERRORS = 10_000_000


def commas(n: int) -> str:
    return f"{n:,}"


@dataclasses.dataclass
class Error:
    kind: str                         # XML kind: InvalidRead, UninitCondition...
    what: str                         # the first line
    frames: tuple[int, ...]           # where: the pc, then return addresses
    aux: list[tuple[str, tuple[int, ...] | None]] = dataclasses.field(default_factory=list)
    key: tuple = ()                   # details that tell errors of a kind apart
    tid: int = 1
    xwhat: dict[str, str] | None = None  # leak records: <xwhat> fields
    count: int = 1
    unique: int = 0


class ErrorManager:
    def __init__(self, session: Session, *, num_callers: int, error_limit: bool,
                 xml_file: str | None, tool_name: str = "memcheck") -> None:
        self.session = session
        self.out = session.out
        self.num_callers = num_callers
        self.error_limit = error_limit
        self.errors: dict[tuple, Error] = {}
        self.order: list[Error] = []
        self.total = 0
        self._frame_cache: dict[tuple[int, bool], str] = {}
        self._frame_info: dict[int, Frame] = {}
        self._stopped = False
        self._warned_many = False
        self.xml = None
        self.started = time.monotonic()
        if xml_file is not None:
            from ...core.output import expand_log_name

            self.xml = open(expand_log_name(xml_file, session.out.pid), "w", encoding="utf-8")  # noqa: SIM115
            self._xml_preamble(tool_name)

    # -- frames ---------------------------------------------------------------------------

    def frame(self, addr: int, first: bool) -> Frame:
        key = addr if first else -addr
        fr = self._frame_info.get(key)
        if fr is None:
            # a caller's frame is shown at the call (return address - 1), as Valgrind's
            fr = self.session.debuginfo.describe(addr if first else addr - 1)
            self._frame_info[key] = fr
        return fr

    def trace(self, frames: Sequence[int]) -> list[Frame]:
        """The frames shown: up to --num-callers, ending at main (as Valgrind)."""
        shown = []
        for i, a in enumerate(frames[:self.num_callers]):
            fr = self.frame(a, i == 0)
            shown.append(fr)
            if is_trace_end(fr):
                break
        return shown

    def trace_lines(self, frames: Sequence[int]) -> list[str]:
        return ["   " + format_frame(fr, i == 0) for i, fr in enumerate(self.trace(frames))]

    # -- recording -------------------------------------------------------------------------

    def add(self, err: Error, counted: bool = True) -> bool:
        """Record an error; True if it was new (and shown). An error not `counted` (a
        leak record of a kind that is not an error) is shown only."""
        if not counted:
            self.show(err)
            return True
        self.total += 1
        k = (err.kind, err.key, err.frames[:MATCH_FRAMES])
        old = self.errors.get(k)
        if old is not None:
            old.count += 1
            return False
        if self._stopped:
            return False
        if self.error_limit and (len(self.errors) >= MAX_CONTEXTS or self.total >= MAX_ERRORS):
            self._stopped = True
            self.out.msg()
            limit = MAX_CONTEXTS if len(self.errors) >= MAX_CONTEXTS else MAX_ERRORS
            self.out.msg(f"More than {commas(limit)} different errors detected.  "
                         "I'm not reporting any more.")
            self.out.msg("Final error counts will be inaccurate.  Go fix your program!")
            self.out.msg("Rerun with --error-limit=no to disable this cutoff.  Note")
            self.out.msg("that errors may occur in your program without prior warning from")
            self.out.msg("Valgrind, because errors are no longer being reported.")
            self.out.msg()
            return False
        err.unique = len(self.order)
        self.errors[k] = err
        self.order.append(err)
        self.show(err)
        return True

    def show(self, err: Error) -> None:
        if self.xml is not None:
            self._xml_error(err)
            return
        out = self.out
        out.msg(err.what)
        for line in self.trace_lines(err.frames):
            out.msg(line)
        for text, frames in err.aux:
            out.msg(" " + text)
            if frames:
                for line in self.trace_lines(frames):
                    out.msg(line)
        out.msg()

    def contexts(self) -> int:
        return len(self.order)

    def summary(self, extra_errors: int = 0, extra_contexts: int = 0) -> str:
        return (f"ERROR SUMMARY: {commas(self.total + extra_errors)} errors from "
                f"{commas(self.contexts() + extra_contexts)} contexts (suppressed: 0 from 0)")

    # -- XML (Valgrind's protocol 4) -------------------------------------------------------

    def _x(self, text: str) -> None:
        self.xml.write(text)

    def _xml_preamble(self, tool: str) -> None:
        import os
        import sys

        s = self.session
        lines = [s.tool.description or tool,
                 "Copyright (C) 2026, the pygrind developers; GNU GPL'd (GPL-2.0-or-later).",
                 "Using pygrind and LibVEX (pyvex); rerun with -h for copyright info",
                 "Command: " + " ".join(s.argv)]
        x = ['<?xml version="1.0"?>\n\n<valgrindoutput>\n\n<protocolversion>4</protocolversion>\n',
             f"<protocoltool>{tool}</protocoltool>\n\n<preamble>\n"]
        x += [f"  <line>{escape(line)}</line>\n" for line in lines]
        x.append(f"</preamble>\n\n<pid>{os.getpid()}</pid>\n<ppid>{os.getppid()}</ppid>\n"
                 f"<tool>{tool}</tool>\n\n<args>\n  <vargv>\n    <exe>{escape(sys.argv[0])}</exe>\n")
        x += [f"    <arg>{escape(a)}</arg>\n" for a in s.options.raw]
        x.append(f"  </vargv>\n  <argv>\n    <exe>{escape(s.argv[0])}</exe>\n")
        x += [f"    <arg>{escape(a)}</arg>\n" for a in s.argv[1:]]
        x.append("  </argv>\n</args>\n\n")
        x.append(self._xml_status("RUNNING"))
        self._x("".join(x))
        self.xml.flush()

    def _xml_status(self, state: str) -> str:
        t = time.monotonic() - self.started
        h, rem = divmod(t, 3600)
        m, sec = divmod(rem, 60)
        stamp = f"00:{int(h):02d}:{int(m):02d}:{sec:06.3f} "
        return f"<status>\n  <state>{state}</state>\n  <time>{stamp}</time>\n</status>\n\n"

    def _xml_stack(self, frames: Sequence[int]) -> str:
        x = ["  <stack>\n"]
        for fr in self.trace(frames):
            x.append(f"    <frame>\n      <ip>0x{fr.addr:X}</ip>\n")
            if fr.obj:
                x.append(f"      <obj>{escape(fr.obj)}</obj>\n")
            if fr.fn:
                x.append(f"      <fn>{escape(fr.fn)}</fn>\n")
            if fr.file is not None and fr.line is not None:
                if fr.dirname:
                    x.append(f"      <dir>{escape(fr.dirname)}</dir>\n")
                x.append(f"      <file>{escape(fr.file)}</file>\n      <line>{fr.line}</line>\n")
            x.append("    </frame>\n")
        x.append("  </stack>\n")
        return "".join(x)

    def _xml_error(self, err: Error) -> None:
        x = [f"<error>\n  <unique>0x{err.unique:x}</unique>\n  <tid>{err.tid}</tid>\n",
             f"  <kind>{err.kind}</kind>\n"]
        if err.xwhat is not None:
            x.append("  <xwhat>\n")
            x.append(f"    <text>{escape(err.what)}</text>\n")
            for k, v in err.xwhat.items():
                x.append(f"    <{k}>{escape(v)}</{k}>\n")
            x.append("  </xwhat>\n")
        else:
            x.append(f"  <what>{escape(err.what)}</what>\n")
        x.append(self._xml_stack(err.frames))
        for text, frames in err.aux:
            x.append(f"  <auxwhat>{escape(text)}</auxwhat>\n")
            if frames:
                x.append(self._xml_stack(frames))
        x.append("</error>\n\n")
        self._x("".join(x))
        self.xml.flush()

    def xml_status_finished(self) -> None:
        if self.xml is not None:
            self._x(self._xml_status("FINISHED"))

    def xml_finish(self) -> None:
        """The closing records: status, error counts (leak records are not counted
        there, as in Valgrind), end of document."""
        if self.xml is None:
            return
        x = ["<errorcounts>\n"]
        for err in self.order:
            if err.kind.startswith("Leak_"):
                continue
            x.append(f"  <pair>\n    <count>{err.count}</count>\n"
                     f"    <unique>0x{err.unique:x}</unique>\n  </pair>\n")
        x.append("</errorcounts>\n\n<suppcounts>\n</suppcounts>\n\n</valgrindoutput>\n\n")
        self._x("".join(x))
        self.xml.close()
        self.xml = None
