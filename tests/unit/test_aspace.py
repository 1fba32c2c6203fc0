"""The client address space: mappings, the permission page table, brk, code pages."""

import pytest

from pygrind.core.aspace import (
    MAP_ANONYMOUS,
    MAP_FIXED,
    MAP_PRIVATE,
    P_R,
    P_W,
    P_WREAL,
    P_X,
    PAGE,
    AddressSpace,
)

ANON = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED


@pytest.fixture(scope="module")
def aspace():
    return AddressSpace()


def bits(a, addr):
    return a.pt[addr // PAGE] & (P_R | P_W | P_X | P_WREAL)


def raw(a, addr):
    return a.pt[addr // PAGE]


def test_map_sets_page_bits_and_memory_is_zero(aspace):
    aspace.map(0x10000, 3 * PAGE, 3, ANON)
    assert bits(aspace, 0x10000) == P_R | P_W | P_WREAL
    assert aspace.read(0x10000, 16) == bytes(16)
    aspace.write(0x10000 + PAGE - 2, b"abcd")  # crosses a page
    assert aspace.read(0x10000 + PAGE - 2, 4) == b"abcd"


def test_unmapped_and_readonly_access_is_refused(aspace):
    aspace.map(0x40000, PAGE, 1, ANON)
    assert bits(aspace, 0x40000) == P_R
    with pytest.raises(MemoryError):
        aspace.write(0x40000, b"x")
    with pytest.raises(MemoryError):
        aspace.read(0x50000, 1)
    assert not aspace.check(0x40000 + PAGE - 1, 2, P_R)


def test_protect_splits_mappings(aspace):
    aspace.map(0x100000, 4 * PAGE, 3, ANON, name="x")
    assert aspace.protect(0x100000 + PAGE, PAGE, 5)
    spans = [(m.start, m.end, m.prot) for m in aspace.mappings() if 0x100000 <= m.start < 0x200000]
    assert spans == [(0x100000, 0x101000, 3), (0x101000, 0x102000, 5), (0x102000, 0x104000, 3)]
    assert bits(aspace, 0x101000) == P_R | P_X
    assert not aspace.protect(0x300000, PAGE, 3)  # unmapped: ENOMEM


def test_unmap_middle_leaves_two_pieces(aspace):
    aspace.map(0x200000, 3 * PAGE, 3, ANON)
    aspace.unmap(0x201000, PAGE)
    assert aspace.find(0x201000) is None
    assert aspace.find(0x200000).end == 0x201000
    assert aspace.find(0x202000).start == 0x202000
    assert bits(aspace, 0x201000) == 0


def test_find_free_is_top_down_and_avoids_mappings(aspace):
    top = aspace.mmap_base
    a = aspace.find_free(PAGE)
    assert a == top - PAGE
    aspace.map(a, PAGE, 3, ANON)
    b = aspace.find_free(2 * PAGE)
    assert b + 2 * PAGE <= a


def test_brk_grows_and_shrinks():
    a = AddressSpace()
    a.set_brk_base(0x600123)
    start = a.brk(0)
    assert start == 0x601000
    assert a.brk(start + 5000) == start + 5000
    a.write(start + 4999, b"z")
    assert a.brk(start + 10) == start + 10
    with pytest.raises(MemoryError):
        a.write(start + 4999, b"z")


def test_code_pages_lose_fast_write_until_written():
    a = AddressSpace()
    a.map(0x10000, PAGE, 7, ANON)
    dropped = []
    a.on_code_change = lambda s, e: dropped.append((s, e))
    a.mark_code(0x10010, 0x10020)
    assert not bits(a, 0x10000) & P_W and bits(a, 0x10000) & P_WREAL
    a.write(0x10800, b"\x90")
    assert dropped == [(0x10000, 0x11000)]
    assert bits(a, 0x10000) & P_W


def test_read_cstr_stops_at_nul_across_pages(aspace):
    aspace.map(0x500000, 2 * PAGE, 3, ANON)
    aspace.write(0x500000 + PAGE - 3, b"hello\0")
    assert aspace.read_cstr(0x500000 + PAGE - 3) == b"hello"


def test_pair_bits_say_whether_an_access_may_cross_into_the_next_page():
    from pygrind.core.aspace import P_R2, P_W2

    a = AddressSpace()
    a.map(0x10000, 3 * PAGE, 3, ANON)
    assert raw(a, 0x10000) & P_R2 and raw(a, 0x11000) & P_W2
    assert not raw(a, 0x12000) & P_R2  # the next page is unmapped
    a.map(0x13000, PAGE, 1, ANON)
    assert raw(a, 0x12000) & P_R2 and not raw(a, 0x12000) & P_W2
    assert not raw(a, 0x0F000) & P_R2
    a.mark_code(0x11000, 0x11010)
    assert not raw(a, 0x10000) & P_W2 and not raw(a, 0x11000) & P_W2
    assert raw(a, 0x10000) & P_R2
    a.unmap(0x11000, PAGE)
    assert not raw(a, 0x10000) & P_R2
