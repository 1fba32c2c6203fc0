"""Clocks, timers and sleeping: the host kernel answers (no vDSO is offered)."""

from __future__ import annotations

from . import FD, IN, OUT, syscall

syscall("clock_gettime", "clockid", OUT("tp", 16))
syscall("clock_getres", "clockid", OUT("res", 16))
syscall("gettimeofday", OUT("tv", 16), OUT("tz", 8))
syscall("time", OUT("tloc", 8))
syscall("nanosleep", IN("req", 16), OUT("rem", 16), blocking=True)
syscall("clock_nanosleep", "clockid", "flags", IN("req", 16), OUT("rem", 16), blocking=True)
syscall("alarm", "seconds")
syscall("getitimer", "which", OUT("curr", 32))
syscall("setitimer", "which", IN("new", 32), OUT("old", 32))
syscall("timerfd_create", "clockid", "flags")
syscall("timerfd_settime", FD(), "flags", IN("new", 32), OUT("old", 32))
syscall("timerfd_gettime", FD(), OUT("curr", 32))
