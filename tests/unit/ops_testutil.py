"""Helpers for writing VEX op test values: lanes and float bit patterns."""

from __future__ import annotations

import struct

from pygrind.backend.ops import op_function


def call(op: str, *args: int) -> int:
    """Evaluate ``Iop_<op>`` (the prefix may be omitted) on int operands."""
    return op_function(op if op.startswith("Iop_") else "Iop_" + op)(*args)


def pack(lanes: list[int], bits: int) -> int:
    """Lanes (lane 0 first; negative values allowed) into one int."""
    mask = (1 << bits) - 1
    return sum((v & mask) << (bits * i) for i, v in enumerate(lanes))


def unpack(v: int, bits: int, n: int, signed: bool = False) -> list[int]:
    """An int split into ``n`` lanes of ``bits`` (lane 0 first)."""
    mask = (1 << bits) - 1
    out = [(v >> (bits * i)) & mask for i in range(n)]
    if signed:
        out = [x - (1 << bits) if x >> (bits - 1) else x for x in out]
    return out


def d(x: float) -> int:
    """binary64 pattern of a float."""
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def f(x: float) -> int:
    """binary32 pattern of a float (must be exactly representable)."""
    b = struct.unpack("<I", struct.pack("<f", x))[0]
    assert struct.unpack("<f", struct.pack("<I", b))[0] == x or x != x
    return b


def dv(bits: int) -> float:
    """Float value of a binary64 pattern."""
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def fv(bits: int) -> float:
    """Float value of a binary32 pattern."""
    return struct.unpack("<f", struct.pack("<I", bits))[0]


QNAN64 = 0x7FF8_0000_0000_0000
SNAN64 = 0x7FF0_0000_0000_0001
DNAN64 = 0xFFF8_0000_0000_0000  # x86 "real indefinite"
INF64 = 0x7FF0_0000_0000_0000
NINF64 = 0xFFF0_0000_0000_0000
NZERO64 = 0x8000_0000_0000_0000
QNAN32 = 0x7FC0_0000
SNAN32 = 0x7F80_0001
DNAN32 = 0xFFC0_0000
INF32 = 0x7F80_0000
NZERO32 = 0x8000_0000
