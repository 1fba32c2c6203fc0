"""pygrind's host signal handler and blocking-syscall stub (machine code written by
core/signals.py): what they record, and that no recorded signal can be slept through."""

from __future__ import annotations

import ctypes
import errno
import os
import signal
import struct
import threading
import time

import pytest

from pygrind.core import signals

NR_READ, NR_WRITE = 0, 1


@pytest.fixture
def host():
    budget = (ctypes.c_uint64 * 1)(12345)
    hs = signals.HostSignals(ctypes.addressof(budget))
    hs.set_disposition(signal.SIGUSR1, "record")
    yield hs, budget
    hs.set_disposition(signal.SIGUSR1, "default")


def test_handler_records_signal_and_siginfo(host):
    hs, budget = host
    os.kill(os.getpid(), signal.SIGUSR1)
    assert hs.word[0] == 1 << (signal.SIGUSR1 - 1)
    assert budget[0] == 1  # the JIT's dispatcher stops at its next block
    (sig, info), = hs.collect()
    signo, _, code, pid = struct.unpack_from("<iii4xi", info)
    assert (sig, signo, code, pid) == (signal.SIGUSR1, signal.SIGUSR1, 0, os.getpid())  # SI_USER
    assert hs.word[0] == 0


def test_stub_makes_the_call(host):
    hs, _ = host
    r, w = os.pipe()
    try:
        buf = ctypes.create_string_buffer(b"abc")
        assert hs.syscall(NR_WRITE, w, ctypes.addressof(buf), 3, 0, 0, 0) == 3
        assert os.read(r, 10) == b"abc"
    finally:
        os.close(r)
        os.close(w)


def test_stub_does_not_start_a_call_once_a_signal_is_recorded(host):
    hs, _ = host
    r, w = os.pipe()
    try:
        hs.word[0] = 1 << (signal.SIGUSR1 - 1)
        buf = ctypes.create_string_buffer(b"abc")
        assert hs.syscall(NR_WRITE, w, ctypes.addressof(buf), 3, 0, 0, 0) == -errno.EINTR
        os.set_blocking(r, False)
        with pytest.raises(BlockingIOError):
            os.read(r, 10)  # nothing was written
    finally:
        hs.word[0] = 0
        os.close(r)
        os.close(w)


def test_signal_interrupts_a_blocked_call(host):
    hs, _ = host
    r, w = os.pipe()
    waiter = threading.get_ident()

    def poke() -> None:
        time.sleep(0.05)
        signal.pthread_kill(waiter, signal.SIGUSR1)

    t = threading.Thread(target=poke)
    try:
        t.start()
        buf = ctypes.create_string_buffer(8)
        res = hs.syscall(NR_READ, r, ctypes.addressof(buf), 8, 0, 0, 0)  # the pipe stays empty
        assert res == -errno.EINTR
        assert hs.word[0] == 1 << (signal.SIGUSR1 - 1)
    finally:
        t.join()
        hs.word[0] = 0
        os.close(r)
        os.close(w)


def test_handler_ends_a_chain_of_libvex_blocks():
    """While libVEX-made code runs, Ctx.vex_counter points at its event counter: the
    handler zeroes it, so a chain of its blocks stops at the next event check."""
    budget = (ctypes.c_uint64 * 1)(12345)
    counter = ctypes.c_int32(100000)
    pointer = (ctypes.c_uint64 * 1)(ctypes.addressof(counter))
    hs = signals.HostSignals(ctypes.addressof(budget), ctypes.addressof(pointer))
    hs.set_disposition(signal.SIGUSR2, "record")
    try:
        os.kill(os.getpid(), signal.SIGUSR2)
        assert counter.value == 0 and budget[0] == 1
        # no libVEX code running (pointer 0): nothing to zero, and nothing breaks
        pointer[0] = 0
        counter.value = 7
        os.kill(os.getpid(), signal.SIGUSR2)
        assert counter.value == 7
        hs.collect()
    finally:
        hs.set_disposition(signal.SIGUSR2, "default")
