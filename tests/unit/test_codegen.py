"""Lifted instructions run through the reference backend (codegen + iropt + ops).

Each test lifts the machine code of a few SSE instructions with pyvex, compiles the
block with pygrind.backend.ref.codegen, runs it on a fresh guest state and checks the
registers against values worked out by hand from the Intel SDM.
"""

import random

import pytest
import pyvex
from ops_testutil import QNAN64, d, f, pack

from pygrind.backend import iropt
from pygrind.backend.ref import codegen, runtime
from pygrind.core.aspace import MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PAGE, AddressSpace
from pygrind.core.state import RAX, RDI, YMM0, YMM_STRIDE, GuestState

CODE_ADDR = 0x40_0000
DATA_ADDR = 0x60_0000
M64 = (1 << 64) - 1

X0 = 0x0011_2233_4455_6677_8899_AABB_CCDD_EEFF
X1 = 0xF0E0_D0C0_B0A0_9080_7060_5040_3020_1000
RAXV = 0x0123_4567_89AB_CDEF


@pytest.fixture(scope="module")
def aspace():
    a = AddressSpace()
    a.map(DATA_ADDR, PAGE, 3, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
    return a


def xmm(n: int) -> int:
    return YMM0 + n * YMM_STRIDE


def run(aspace, code: bytes, xmm0: int = X0, xmm1: int = X1, rax: int = RAXV,
        rdi: int = DATA_ADDR) -> GuestState:
    """Lift `code` (whole instructions only), compile it, run it once; the new state."""
    irsb = pyvex.lift(code, CODE_ADDR, pyvex.ARCH_AMD64, opt_level=1)
    assert irsb.size == len(code) and irsb.jumpkind == "Ijk_Boring"
    cb = codegen.compile_irsb(irsb)
    g = runtime.make_globals(aspace)
    g.update(cb.helpers)
    ns: dict = {}
    exec(compile(cb.source, "<test block>", "exec"), g, ns)
    st = GuestState()
    st.buf[xmm(0):xmm(0) + 16] = xmm0.to_bytes(16, "little")
    st.buf[xmm(1):xmm(1) + 16] = xmm1.to_bytes(16, "little")
    st.put(RAX, rax)
    st.put(RDI, rdi)
    nxt, _ = ns["blk"](st.buf, st.q, st.i, st.addr)
    assert nxt == CODE_ADDR + len(code)
    return st


def reg(st: GuestState, n: int) -> int:
    return int.from_bytes(st.buf[xmm(n):xmm(n) + 16], "little")


# ------------------------------------------------------------ vector constants


def test_vector_constants_are_taken_as_pyvex_gives_them():
    # pyvex has already widened VEX's one-bit-per-byte V128 constant to bytes
    mask = 0xFFFF_FFFF_FFFF_FFFF_FFFF_0000_FFFF_FFFF
    assert codegen.const_value(pyvex.const.V128(mask)) == mask
    assert codegen.const_value(pyvex.const.V128(0xFF00)) == 0xFF00
    assert codegen.const_value(pyvex.const.V256(0xFF << 128)) == 0xFF << 128


@pytest.mark.parametrize("code,want", [
    # pinsrw $2, %eax, %xmm0: word 2 only
    ("660fc4c002", 0x0011_2233_4455_6677_8899_CDEF_CCDD_EEFF),
    # pinsrd $3, %eax, %xmm0: dword 3 only
    ("660f3a22c003", 0x89AB_CDEF_4455_6677_8899_AABB_CCDD_EEFF),
    # pinsrq $1, %rax, %xmm0: the high qword
    ("66480f3a22c001", 0x0123_4567_89AB_CDEF_8899_AABB_CCDD_EEFF),
    # pinsrb $7, %eax, %xmm0: byte 7
    ("660f3a20c007", 0x0011_2233_4455_6677_EF99_AABB_CCDD_EEFF),
    # blendps $5, %xmm1, %xmm0: dwords 0 and 2 from xmm1
    ("660f3a0cc105", 0x0011_2233_B0A0_9080_8899_AABB_3020_1000),
    # blendpd $2, %xmm1, %xmm0: qword 1 from xmm1
    ("660f3a0dc102", 0xF0E0_D0C0_B0A0_9080_8899_AABB_CCDD_EEFF),
    # pblendw $0xa5, %xmm1, %xmm0: words 0, 2, 5, 7 from xmm1
    ("660f3a0ec1a5", 0xF0E0_2233_B0A0_6677_8899_5040_CCDD_1000),
], ids=["pinsrw", "pinsrd", "pinsrq", "pinsrb", "blendps", "blendpd", "pblendw"])
def test_insert_and_blend(aspace, code, want):
    st = run(aspace, bytes.fromhex(code))
    assert hex(reg(st, 0)) == hex(want)
    assert reg(st, 1) == X1


def test_pinsrb_from_memory_keeps_other_lanes(aspace):
    aspace.write(DATA_ADDR, b"\x5a")
    st = run(aspace, bytes.fromhex("660f3a200f00"))  # pinsrb $0, (%rdi), %xmm1
    assert hex(reg(st, 1)) == hex(X1 & ~0xFF | 0x5A)
    assert reg(st, 0) == X0


TOP = 0x1234_5678_9ABC_DEF0 << 64


@pytest.mark.parametrize("code,a,b,low", [
    ("f20fc2c104", d(1.0), d(1.0), 0),        # cmpneqsd: equal
    ("f20fc2c104", d(1.0), d(2.0), M64),      # cmpneqsd: different
    ("f20fc2c104", QNAN64, d(2.0), M64),      # cmpneqsd: unordered is "not equal"
    ("f20fc2c105", d(1.0), d(2.0), 0),        # cmpnltsd: 1 < 2
    ("f20fc2c105", d(2.0), d(1.0), M64),      # cmpnltsd: 2 >= 1
    ("f20fc2c105", d(1.0), QNAN64, M64),      # cmpnltsd: unordered is "not less than"
], ids=["neq-eq", "neq-ne", "neq-nan", "nlt-lt", "nlt-ge", "nlt-nan"])
def test_scalar_double_compares_keep_the_high_lane(aspace, code, a, b, low):
    st = run(aspace, bytes.fromhex(code), xmm0=TOP | a, xmm1=(7 << 64) | b)
    assert hex(reg(st, 0)) == hex(TOP | low)


@pytest.mark.parametrize("code,x0,x1,want", [
    # dpps $0xf1: all four products summed into dword 0
    ("660f3a40c1f1", pack([f(1.0), f(2.0), f(3.0), f(4.0)], 32),
     pack([f(5.0), f(6.0), f(7.0), f(8.0)], 32), pack([f(70.0), 0, 0, 0], 32)),
    # dpps $0x35: products of dwords 0 and 1, written to dwords 0 and 2
    ("660f3a40c135", pack([f(1.0), f(2.0), f(3.0), f(4.0)], 32),
     pack([f(5.0), f(6.0), f(7.0), f(8.0)], 32), pack([f(17.0), 0, f(17.0), 0], 32)),
    # dppd $0x31: both products summed into qword 0
    ("660f3a41c131", pack([d(1.5), d(-2.0)], 64), pack([d(4.0), d(0.25)], 64),
     pack([d(5.5), 0], 64)),
    # dppd $0x12: the product of qword 0 only, written to qword 1
    ("660f3a41c112", pack([d(1.5), d(-2.0)], 64), pack([d(4.0), d(0.25)], 64),
     pack([0, d(6.0)], 64)),
], ids=["dpps-f1", "dpps-35", "dppd-31", "dppd-12"])
def test_dot_products_write_only_the_selected_lanes(aspace, code, x0, x1, want):
    st = run(aspace, bytes.fromhex(code), xmm0=x0, xmm1=x1)
    assert hex(reg(st, 0)) == hex(want)


# --------------------------------------------------------------------- mpsadbw


def test_mpsadbw_by_hand(aspace):
    # mpsadbw $5: the source block is xmm1's dword 1, the destination bytes start at 4;
    # word i = |4+i - 200| + |5+i - 0| + |6+i - 3| + |7+i - 9| = 204 + i + |i - 2|
    x0 = int.from_bytes(bytes(range(16)), "little")
    x1 = int.from_bytes(bytes([0x11] * 4 + [200, 0, 3, 9] + [0x22] * 8), "little")
    st = run(aspace, bytes.fromhex("660f3a42c105"), xmm0=x0, xmm1=x1)
    assert reg(st, 0) == pack([206, 206, 206, 208, 210, 212, 214, 216], 16)


def _mpsadbw_model(dst: bytes, src: bytes, imm8: int) -> int:
    """The Intel SDM's MPSADBW, straight from its pseudo-code."""
    d0 = 4 * (imm8 >> 2 & 1)
    s0 = 4 * (imm8 & 3)
    return pack([sum(abs(dst[d0 + i + j] - src[s0 + j]) for j in range(4)) for i in range(8)], 16)


@pytest.mark.parametrize("imm8", [0, 1, 2, 3, 4, 5, 6, 7, 0xFA])
def test_mpsadbw_matches_the_sdm(aspace, imm8):
    rng = random.Random(imm8)
    for _ in range(4):
        dst, src = rng.randbytes(16), rng.randbytes(16)
        st = run(aspace, bytes.fromhex("660f3a42c1") + bytes([imm8]),
                 xmm0=int.from_bytes(dst, "little"), xmm1=int.from_bytes(src, "little"))
        assert hex(reg(st, 0)) == hex(_mpsadbw_model(dst, src, imm8)), (dst.hex(), src.hex())
        assert reg(st, 1) == int.from_bytes(src, "little")


def test_unexported_helper_calls_are_lowered():
    irsb = pyvex.lift(bytes.fromhex("660f3a42c105"), CODE_ADDR, pyvex.ARCH_AMD64, opt_level=1)
    names = [e.cee.name for st in irsb.statements for e in st.expressions
             if isinstance(e, pyvex.expr.CCall)]
    assert names == ["g_calc_mpsadbw", "g_calc_mpsadbw"]
    iropt.lower_helper_calls(irsb)
    assert not any(isinstance(e, pyvex.expr.CCall) for st in irsb.statements
                   for e in st.expressions)
    for st in irsb.statements:  # every new temporary has the type of its value
        if isinstance(st, pyvex.stmt.WrTmp):
            assert irsb.tyenv.lookup(st.tmp) == st.data.result_type(irsb.tyenv)
