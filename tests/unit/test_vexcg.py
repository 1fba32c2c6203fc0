"""The libVEX code generator tier's C side (backend/vexcg): its table of the ops
libVEX's amd64 code generator handles, and the test that turns x86's trapping
divisions into client SIGFPEs."""

from __future__ import annotations

import ctypes
import random

import pytest

from pygrind.backend.vexcg import build
from pygrind.core import vexlib


@pytest.fixture(scope="module")
def lib():
    path = build.library_path(None)
    if path is None:
        pytest.skip("the vexcg library cannot be built here (no C compiler?)")
    vexlib.library()
    lib = ctypes.CDLL(str(path))
    lib.pgv_div_traps.argtypes = [ctypes.c_uint64] * 4
    lib.pgv_div_traps.restype = ctypes.c_uint64
    return lib, path.with_suffix(".ops").read_bytes()


def _ops():
    import pyvex.enums

    return pyvex.enums.irop_enums_to_ints


def test_op_table_has_the_everyday_ops(lib):
    _, table = lib
    ops = _ops()
    base = ops["Iop_INVALID"]
    for name in ("Iop_Add64", "Iop_Sub32", "Iop_CmpEQ64", "Iop_CmpLT64U", "Iop_1Uto64",
                 "Iop_64to32", "Iop_DivModU128to64", "Iop_DivModS64to32", "Iop_64HLtoV128",
                 "Iop_Add32x4", "Iop_CmpEQ8x16", "Iop_InterleaveLO8x16", "Iop_GetMSBs8x16",
                 "Iop_AddF64", "Iop_Sqrt64F0x2", "Iop_F64toI64S", "Iop_ShlN64x2"):
        assert table[ops[name] - base] & 1, name
    # what the code generator lacks is marked too (libVEX has no amd64 rendering of
    # the decimal floating-point ops)
    assert not table[ops["Iop_AddD64"] - base]


def _s(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def _traps(kind: int, hi: int, lo: int, d: int) -> bool:
    """x86's divide error (#DE), from the definitions: a zero divisor or a quotient
    that does not fit (division truncates toward zero)."""
    if kind in (0, 1):
        x, d = (hi << 64) | lo, d
        bits = 64
    else:
        x, d = lo, d & 0xFFFFFFFF
        bits = 32
    if kind in (1, 3):
        x, d = _s(x, 2 * bits), _s(d, bits)
    if d == 0:
        return True
    q = abs(x) // abs(d) * (1 if (x < 0) == (d < 0) else -1)
    if kind in (1, 3):
        return not -(1 << (bits - 1)) <= q < (1 << (bits - 1))
    return q >= 1 << bits


def test_division_traps_exactly_when_x86_does(lib):
    c, _ = lib
    rnd = random.Random(7)
    edges = [0, 1, 2, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x100000000,
             0x7FFFFFFFFFFFFFFF, 0x8000000000000000, 0xFFFFFFFFFFFFFFFF]
    cases = []
    for kind in range(4):
        for hi in edges:
            for lo in edges:
                for d in edges:
                    cases.append((kind, hi if kind < 2 else 0, lo, d))
        for _ in range(2000):
            hi = rnd.choice([0, 0xFFFFFFFFFFFFFFFF, rnd.getrandbits(64), rnd.getrandbits(3)])
            cases.append((kind, hi if kind < 2 else 0, rnd.getrandbits(64),
                           rnd.choice([rnd.getrandbits(64), rnd.getrandbits(8), 1, -1 & (2**64 - 1)])))
    wrong = [case for case in cases if bool(c.pgv_div_traps(*case)) != _traps(*case)]
    assert not wrong, [tuple(hex(v) for v in w) for w in wrong[:5]]
