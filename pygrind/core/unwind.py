"""Stack traces of the client: unwinding with the call frame information.

:class:`Unwinder` turns the client's registers (``rip``, ``rsp``, ``rbp``)
and a way to read its memory into the list of code addresses Valgrind
prints as ``at 0x...`` / ``by 0x...``::

    Unwinder(debuginfo).stack_trace(rip, rsp, rbp, read_u64)
    -> [rip, return address 1, return address 2, ...]

Return addresses are given as found on the stack; whoever describes them
looks up ``ret - 1`` (the call instruction), as Valgrind does.

How a frame is unwound:

1. The object containing the pc (``debuginfo``) and its load bias say
   which file's CFI to use.  For every frame but the first the lookup is
   done at ``pc - 1``: a call may be the last instruction of a function
   (``noreturn`` callees), so its return address can lie past its end.
2. The CFI (``.eh_frame``, indexed through ``.eh_frame_hdr``'s sorted
   table when there is one, else by walking the section headers once, and
   ``.debug_frame``, also from the separate debug file) is parsed lazily
   per object with ``struct``: only the FDE that covers the pc is decoded,
   and the row for the pc is computed by running the CIE's and the FDE's
   DW_CFA instructions.  Rows are cached per address.  (pyelftools needs
   about 0.35 s to decode all of libc's 3,700 FDEs; this takes a few ms.)
3. The CFA rule (register + offset, or a DWARF expression such as the one
   of the PLT entries) gives the caller's ``rsp``; the return-address and
   ``rbp`` rules give the caller's ``rip`` and ``rbp``.  An undefined
   return address (``_start``) ends the trace.
4. Without CFI for the pc the frame-pointer chain is followed
   (``[rbp]`` is the caller's ``rbp``, ``[rbp + 8]`` the return address)
   if ``rbp`` looks like a frame pointer.  For the first frame only, when
   the pc is in no known object (a call through a bad function pointer),
   the word at ``rsp`` is taken as the return address, as gdb and Valgrind
   do.

The walk stops at ``max_frames``, at a zero return address or one that is
neither in a known object nor readable memory, when ``rsp`` does not
increase, and when ``rsp`` or a saved register would lie outside
``stack_limits``.  Only ``rip``, ``rsp`` and ``rbp`` are tracked, as in
Valgrind: CFA rules based on another register (rare: a few instructions of
stack-realigning prologues) cannot be evaluated and fall back to ``rbp``.
"""

from __future__ import annotations

import os
import struct
from bisect import bisect_right
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pygrind.core.debuginfo import DebugInfo

ReadU64 = Callable[[int], int | None]

MASK64 = (1 << 64) - 1

# DWARF register numbers of x86-64 (psABI, "DWARF Register Number Mapping").
RBP = 6
RSP = 7
RIP = 16  # the return address column

# Largest frame the frame-pointer fallback believes in when the caller gave
# no stack limits (with limits, the limits decide).
_FP_MAX_FRAME = 1 << 26

_ROW_CACHE_LIMIT = 65536


class CfiError(Exception):
    """Malformed or unsupported call frame information."""


# -- primitive decoding -------------------------------------------------------

def _uleb(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def _sleb(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            if byte & 0x40:
                value -= 1 << shift
            return value, pos


_U16 = struct.Struct("<H")
_S16 = struct.Struct("<h")
_U32 = struct.Struct("<I")
_S32 = struct.Struct("<i")
_U64 = struct.Struct("<Q")
_S64 = struct.Struct("<q")

# DW_EH_PE_* value formats that have a fixed size.
_PE_FIXED = {0x00: _U64, 0x02: _U16, 0x03: _U32, 0x04: _U64,
             0x0A: _S16, 0x0B: _S32, 0x0C: _S64}
_PE_OMIT = 0xFF
_PE_PCREL = 0x10
_PE_DATAREL = 0x30
_PE_INDIRECT = 0x80


def _read_encoded(data: bytes, pos: int, enc: int, base_vaddr: int,
                  datarel: int = 0, applied: bool = True) -> tuple[int, int]:
    """Decode a DW_EH_PE-encoded pointer at ``data[pos]``.

    ``base_vaddr`` is the address of ``data[0]`` (for pc-relative values),
    ``datarel`` the base of data-relative ones.  With ``applied=False``
    only the value format counts (FDE address ranges).
    """
    fmt = enc & 0x0F
    start = pos
    if fmt == 0x01:
        value, pos = _uleb(data, pos)
    elif fmt == 0x09:
        value, pos = _sleb(data, pos)
    else:
        st = _PE_FIXED.get(fmt)
        if st is None:
            raise CfiError(f"unsupported pointer encoding {enc:#x}")
        (value,) = st.unpack_from(data, pos)
        pos += st.size
    if applied:
        app = enc & 0x70
        if app == _PE_PCREL:
            value += base_vaddr + start
        elif app == _PE_DATAREL:
            value += datarel
        elif app != 0:
            raise CfiError(f"unsupported pointer application {enc:#x}")
        if enc & _PE_INDIRECT:
            raise CfiError("indirect pointers are not supported")
    return value & MASK64, pos


def _signed(value: int) -> int:
    value &= MASK64
    return value - (1 << 64) if value >> 63 else value


# -- DWARF expressions ---------------------------------------------------------

_BINARY_OPS: dict[int, Callable[[int, int], int]] = {
    0x1A: lambda a, b: a & b,                      # DW_OP_and
    0x1C: lambda a, b: a - b,                      # DW_OP_minus
    0x1E: lambda a, b: a * b,                      # DW_OP_mul
    0x21: lambda a, b: a | b,                      # DW_OP_or
    0x22: lambda a, b: a + b,                      # DW_OP_plus
    0x24: lambda a, b: a << b if b < 64 else 0,    # DW_OP_shl
    0x25: lambda a, b: a >> b if b < 64 else 0,    # DW_OP_shr
    0x26: lambda a, b: _signed(a) >> min(b, 63),   # DW_OP_shra
    0x27: lambda a, b: a ^ b,                      # DW_OP_xor
    # Comparisons are on signed values.
    0x29: lambda a, b: int(_signed(a) == _signed(b)),  # DW_OP_eq
    0x2A: lambda a, b: int(_signed(a) >= _signed(b)),  # DW_OP_ge
    0x2B: lambda a, b: int(_signed(a) > _signed(b)),   # DW_OP_gt
    0x2C: lambda a, b: int(_signed(a) <= _signed(b)),  # DW_OP_le
    0x2D: lambda a, b: int(_signed(a) < _signed(b)),   # DW_OP_lt
    0x2E: lambda a, b: int(_signed(a) != _signed(b)),  # DW_OP_ne
}

_CONST_OPS = {0x08: struct.Struct("<B"), 0x09: struct.Struct("<b"),
              0x0A: _U16, 0x0B: _S16, 0x0C: _U32, 0x0D: _S32,
              0x0E: _U64, 0x0F: _S64}

_EXPR_STEP_LIMIT = 10000


def eval_expression(expr: bytes, regs: dict[int, int | None], read_u64: ReadU64,
                    push: int | None = None) -> int | None:
    """Evaluate a DWARF location expression as CFI uses them.

    ``regs`` maps DWARF register numbers to values (missing or None:
    unknown), ``push`` is pushed first (the CFA, for DW_CFA_expression and
    DW_CFA_val_expression).  Returns the value on top of the stack, or
    None when the expression needs something unknown (a register, memory
    that cannot be read) or is malformed.
    """
    stack: list[int] = [] if push is None else [push & MASK64]
    pos = 0
    end = len(expr)
    steps = 0
    try:
        while pos < end:
            steps += 1
            if steps > _EXPR_STEP_LIMIT:
                return None
            op = expr[pos]
            pos += 1
            if 0x30 <= op <= 0x4F:                       # DW_OP_lit0..31
                stack.append(op - 0x30)
            elif 0x70 <= op <= 0x8F or op == 0x92:       # DW_OP_breg0..31, bregx
                if op == 0x92:
                    reg, pos = _uleb(expr, pos)
                else:
                    reg = op - 0x70
                offset, pos = _sleb(expr, pos)
                value = regs.get(reg)
                if value is None:
                    return None
                stack.append((value + offset) & MASK64)
            elif op in _BINARY_OPS:
                b = stack.pop()
                a = stack.pop()
                stack.append(_BINARY_OPS[op](a, b) & MASK64)
            elif op in _CONST_OPS:
                st = _CONST_OPS[op]
                (value,) = st.unpack_from(expr, pos)
                pos += st.size
                stack.append(value & MASK64)
            elif op == 0x06 or op == 0x94:               # DW_OP_deref, deref_size
                size = 8
                if op == 0x94:
                    size = expr[pos]
                    pos += 1
                    if not 1 <= size <= 8:
                        return None
                value = read_u64(stack.pop())
                if value is None:
                    return None
                stack.append(value & ((1 << (8 * size)) - 1))
            elif op == 0x03:                             # DW_OP_addr
                (value,) = _U64.unpack_from(expr, pos)
                pos += 8
                stack.append(value)
            elif op == 0x10:                             # DW_OP_constu
                value, pos = _uleb(expr, pos)
                stack.append(value & MASK64)
            elif op == 0x11:                             # DW_OP_consts
                value, pos = _sleb(expr, pos)
                stack.append(value & MASK64)
            elif op == 0x23:                             # DW_OP_plus_uconst
                value, pos = _uleb(expr, pos)
                stack.append((stack.pop() + value) & MASK64)
            elif op == 0x12:                             # DW_OP_dup
                stack.append(stack[-1])
            elif op == 0x13:                             # DW_OP_drop
                stack.pop()
            elif op == 0x14:                             # DW_OP_over
                stack.append(stack[-2])
            elif op == 0x15:                             # DW_OP_pick
                index = expr[pos]
                pos += 1
                stack.append(stack[-1 - index])
            elif op == 0x16:                             # DW_OP_swap
                stack[-1], stack[-2] = stack[-2], stack[-1]
            elif op == 0x17:                             # DW_OP_rot
                stack[-1], stack[-2], stack[-3] = stack[-2], stack[-3], stack[-1]
            elif op == 0x19:                             # DW_OP_abs
                stack.append(abs(_signed(stack.pop())) & MASK64)
            elif op == 0x1F:                             # DW_OP_neg
                stack.append(-stack.pop() & MASK64)
            elif op == 0x20:                             # DW_OP_not
                stack.append(~stack.pop() & MASK64)
            elif op == 0x1B:                             # DW_OP_div (signed)
                b = _signed(stack.pop())
                a = _signed(stack.pop())
                if b == 0:
                    return None
                quotient = abs(a) // abs(b)
                stack.append((quotient if (a < 0) == (b < 0) else -quotient) & MASK64)
            elif op == 0x1D:                             # DW_OP_mod
                b = stack.pop()
                a = stack.pop()
                if b == 0:
                    return None
                stack.append(a % b)
            elif op == 0x2F or op == 0x28:               # DW_OP_skip, DW_OP_bra
                (offset,) = _S16.unpack_from(expr, pos)
                pos += 2
                if op == 0x2F or stack.pop() != 0:
                    pos += offset
                    if not 0 <= pos <= end:
                        return None
            elif op == 0x96:                             # DW_OP_nop
                pass
            else:
                return None                              # not meaningful in CFI
    except (IndexError, struct.error):
        return None
    return stack[-1] if stack else None


# -- CFI rows -----------------------------------------------------------------

# Register rule kinds.
UNDEFINED = 0
SAME_VALUE = 1
OFFSET = 2        # saved at CFA + n
VAL_OFFSET = 3    # value is CFA + n
REGISTER = 4      # saved in register n
EXPRESSION = 5    # saved at the address the expression computes
VAL_EXPRESSION = 6

Rule = tuple[int, int | bytes]


class Row:
    """The unwinding rules in force at one pc.

    The CFA is ``cfa_reg + cfa_offset`` or, when ``cfa_expr`` is set, the
    value of that DWARF expression.  ``rules`` maps registers to
    ``(kind, argument)``; a register without a rule keeps its value.
    """

    __slots__ = ("cfa_reg", "cfa_offset", "cfa_expr", "rules", "ra_reg", "signal")

    def __init__(self) -> None:
        self.cfa_reg = RSP
        self.cfa_offset = 0
        self.cfa_expr: bytes | None = None
        self.rules: dict[int, Rule] = {}
        self.ra_reg = RIP
        self.signal = False

    def copy(self) -> Row:
        row = Row()
        row.cfa_reg = self.cfa_reg
        row.cfa_offset = self.cfa_offset
        row.cfa_expr = self.cfa_expr
        row.rules = dict(self.rules)
        row.ra_reg = self.ra_reg
        row.signal = self.signal
        return row

    def __repr__(self) -> str:
        cfa = (f"expr {self.cfa_expr.hex()}" if self.cfa_expr is not None
               else f"r{self.cfa_reg}{self.cfa_offset:+d}")
        return f"Row(cfa={cfa}, rules={self.rules})"


class _Cie:
    __slots__ = ("code_align", "data_align", "ra_reg", "fde_enc", "augmented",
                 "signal", "address_size", "init_start", "init_end", "init_row")

    def __init__(self) -> None:
        self.code_align = 1
        self.data_align = 1
        self.ra_reg = RIP
        self.fde_enc = 0
        self.augmented = False
        self.signal = False
        self.address_size = 8
        self.init_start = 0
        self.init_end = 0
        self.init_row: Row | None = None


class _Fde:
    __slots__ = ("start", "end", "cie", "code_start", "code_end")

    def __init__(self, start: int, end: int, cie: _Cie, code_start: int,
                 code_end: int) -> None:
        self.start = start
        self.end = end
        self.cie = cie
        self.code_start = code_start
        self.code_end = code_end


class CfiSection:
    """One ``.eh_frame`` or ``.debug_frame`` section, decoded on demand.

    ``vaddr`` is the section's address (``.eh_frame`` has pc-relative
    pointers; ``.debug_frame`` has absolute ones and is not loaded).
    """

    def __init__(self, data: bytes, vaddr: int, is_eh: bool) -> None:
        self.data = data
        self.vaddr = vaddr
        self.is_eh = is_eh
        self._cies: dict[int, _Cie] = {}
        self._fdes: dict[int, _Fde | None] = {}
        self._starts: list[int] = []
        self._offsets: list[int] = []

    def __len__(self) -> int:
        return len(self._starts)

    # -- indexing --
    def index_from_hdr(self, hdr: bytes, hdr_vaddr: int) -> bool:
        """Use ``.eh_frame_hdr``'s sorted search table; False if unusable."""
        try:
            version, ptr_enc, count_enc, table_enc = hdr[0], hdr[1], hdr[2], hdr[3]
            if version != 1 or _PE_OMIT in (ptr_enc, count_enc, table_enc):
                return False
            eh_ptr, pos = _read_encoded(hdr, 4, ptr_enc, hdr_vaddr, hdr_vaddr)
            if eh_ptr != self.vaddr & MASK64:
                return False
            count, pos = _read_encoded(hdr, pos, count_enc, hdr_vaddr, hdr_vaddr)
            if table_enc == 0x3B and pos + 8 * count <= len(hdr):  # datarel | sdata4
                values = struct.unpack_from(f"<{2 * count}i", hdr, pos)
                starts = [hdr_vaddr + v for v in values[0::2]]
                offsets = [hdr_vaddr + v - self.vaddr for v in values[1::2]]
            else:
                starts = []
                offsets = []
                for _ in range(count):
                    start, pos = _read_encoded(hdr, pos, table_enc, hdr_vaddr, hdr_vaddr)
                    fde, pos = _read_encoded(hdr, pos, table_enc, hdr_vaddr, hdr_vaddr)
                    starts.append(start)
                    offsets.append(fde - self.vaddr)
        except (IndexError, struct.error, CfiError):
            return False
        if any(a > b for a, b in zip(starts, starts[1:], strict=False)):
            pairs = sorted(zip(starts, offsets, strict=True))
            starts = [p[0] for p in pairs]
            offsets = [p[1] for p in pairs]
        self._starts = starts
        self._offsets = offsets
        return True

    def index_by_walking(self) -> None:
        """Index every FDE by reading the section's entries once."""
        data = self.data
        size = len(data)
        found: list[tuple[int, int]] = []
        off = 0
        while off + 4 <= size:
            try:
                header = self._header(off)
            except (IndexError, struct.error):
                break
            if header is None:  # zero terminator of .eh_frame
                if self.is_eh:
                    break
                off += 4
                continue
            body, end, cie_off = header
            if cie_off is not None:
                try:
                    fde = self._parse_fde(off, body, end, cie_off)
                except (IndexError, struct.error, CfiError):
                    fde = None
                if fde is not None and fde.end > fde.start:
                    self._fdes[off] = fde
                    found.append((fde.start, off))
            if end <= off:
                break
            off = end
        found.sort()
        self._starts = [f[0] for f in found]
        self._offsets = [f[1] for f in found]

    # -- entries --
    def _header(self, off: int) -> tuple[int, int, int | None] | None:
        """(body start, entry end, CIE offset or None for a CIE) of an entry."""
        data = self.data
        (length,) = _U32.unpack_from(data, off)
        if length == 0:
            return None
        pos = off + 4
        wide = False
        if length == 0xFFFFFFFF:
            (length,) = _U64.unpack_from(data, pos)
            pos += 8
            wide = True
        end = pos + length
        if end > len(data):
            raise IndexError("CFI entry runs past its section")
        if self.is_eh:
            (ident,) = _U32.unpack_from(data, pos)
            body = pos + 4
            return body, end, None if ident == 0 else pos - ident
        if wide:
            (ident,) = _U64.unpack_from(data, pos)
            body = pos + 8
            return body, end, None if ident == MASK64 else ident
        (ident,) = _U32.unpack_from(data, pos)
        body = pos + 4
        return body, end, None if ident == 0xFFFFFFFF else ident

    def _cie_at(self, off: int) -> _Cie:
        cie = self._cies.get(off)
        if cie is not None:
            return cie
        header = self._header(off)
        if header is None or header[2] is not None:
            raise CfiError(f"no CIE at offset {off:#x}")
        pos, end, _ = header
        data = self.data
        cie = _Cie()
        version = data[pos]
        pos += 1
        if version not in (1, 3, 4):
            raise CfiError(f"CIE version {version}")
        nul = data.index(b"\0", pos, end)
        aug = data[pos:nul].decode("latin-1")
        pos = nul + 1
        if "eh" in aug:  # very old gcc: a pointer to the exception table
            pos += 8
        if version >= 4:
            cie.address_size = data[pos]
            if data[pos + 1] != 0:
                raise CfiError("segmented addresses")
            pos += 2
        cie.code_align, pos = _uleb(data, pos)
        cie.data_align, pos = _sleb(data, pos)
        if version == 1:
            cie.ra_reg = data[pos]
            pos += 1
        else:
            cie.ra_reg, pos = _uleb(data, pos)
        if aug.startswith("z"):
            cie.augmented = True
            aug_len, pos = _uleb(data, pos)
            aug_end = pos + aug_len
            for letter in aug[1:]:
                if letter == "R":
                    cie.fde_enc = data[pos]
                    pos += 1
                elif letter == "P":
                    enc = data[pos]
                    _, pos = _read_encoded(data, pos + 1, enc & 0x7F, self.vaddr)
                elif letter == "L":
                    pos += 1
                elif letter == "S":
                    cie.signal = True
                else:  # unknown letter: the length lets us skip the rest
                    break
            pos = aug_end
        elif aug not in ("", "eh"):
            raise CfiError(f"unknown CIE augmentation {aug!r}")
        cie.init_start = pos
        cie.init_end = end
        self._cies[off] = cie
        return cie

    def _parse_fde(self, off: int, body: int, end: int, cie_off: int) -> _Fde:
        cie = self._cie_at(cie_off)
        data = self.data
        if self.is_eh:
            start, pos = _read_encoded(data, body, cie.fde_enc, self.vaddr)
            length, pos = _read_encoded(data, pos, cie.fde_enc, self.vaddr, applied=False)
        else:
            st = _U64 if cie.address_size == 8 else _U32
            (start,) = st.unpack_from(data, body)
            (length,) = st.unpack_from(data, body + st.size)
            pos = body + 2 * st.size
        if cie.augmented:
            aug_len, pos = _uleb(data, pos)
            pos += aug_len
        return _Fde(start, start + length, cie, pos, end)

    def _fde_at(self, off: int) -> _Fde | None:
        if off in self._fdes:
            return self._fdes[off]
        fde = None
        try:
            header = self._header(off)
            if header is not None and header[2] is not None:
                fde = self._parse_fde(off, header[0], header[1], header[2])
        except (IndexError, struct.error, CfiError, ValueError):
            fde = None
        self._fdes[off] = fde
        return fde

    def find(self, vaddr: int) -> _Fde | None:
        """The FDE whose range holds ``vaddr``, if any."""
        i = bisect_right(self._starts, vaddr) - 1
        # A zero-length or overlapping FDE may hide the right one: look at
        # a couple of neighbours before giving up.
        for j in range(i, max(i - 3, -1), -1):
            fde = self._fde_at(self._offsets[j])
            if fde is not None and fde.start <= vaddr < fde.end:
                return fde
        return None

    # -- rules --
    def row_at(self, fde: _Fde, vaddr: int) -> Row:
        """The rules in force at ``vaddr`` (inside ``fde``)."""
        cie = fde.cie
        if cie.init_row is None:
            init = Row()
            init.ra_reg = cie.ra_reg
            init.signal = cie.signal
            cie.init_row = self._execute(cie.init_start, cie.init_end, cie, init,
                                         fde.start, None, None)
        row = cie.init_row.copy()
        return self._execute(fde.code_start, fde.code_end, cie, row, fde.start,
                             vaddr, cie.init_row)

    def _execute(self, pos: int, end: int, cie: _Cie, row: Row, loc: int,
                 target: int | None, init: Row | None) -> Row:
        """Run DW_CFA instructions until the location passes ``target``."""
        data = self.data
        caf = cie.code_align
        daf = cie.data_align
        rules = row.rules
        saved: list[tuple[int, int, bytes | None, dict[int, Rule]]] = []
        while pos < end:
            op = data[pos]
            pos += 1
            high = op & 0xC0
            if high:
                low = op & 0x3F
                if high == 0x40:                           # DW_CFA_advance_loc
                    loc += low * caf
                    if target is not None and loc > target:
                        break
                elif high == 0x80:                         # DW_CFA_offset
                    value, pos = _uleb(data, pos)
                    rules[low] = (OFFSET, value * daf)
                else:                                      # DW_CFA_restore
                    self._restore(rules, init, low)
                continue
            if op == 0x00:                                 # DW_CFA_nop
                continue
            if op in (0x01, 0x02, 0x03, 0x04):
                if op == 0x01:                             # DW_CFA_set_loc
                    if self.is_eh:
                        loc, pos = _read_encoded(data, pos, cie.fde_enc, self.vaddr)
                    else:
                        st = _U64 if cie.address_size == 8 else _U32
                        (loc,) = st.unpack_from(data, pos)
                        pos += st.size
                else:                                      # DW_CFA_advance_loc1/2/4
                    if op == 0x02:
                        delta = data[pos]
                        pos += 1
                    elif op == 0x03:
                        (delta,) = _U16.unpack_from(data, pos)
                        pos += 2
                    else:
                        (delta,) = _U32.unpack_from(data, pos)
                        pos += 4
                    loc += delta * caf
                if target is not None and loc > target:
                    break
            elif op == 0x0C or op == 0x12:                 # DW_CFA_def_cfa(_sf)
                row.cfa_reg, pos = _uleb(data, pos)
                if op == 0x0C:
                    row.cfa_offset, pos = _uleb(data, pos)
                else:
                    value, pos = _sleb(data, pos)
                    row.cfa_offset = value * daf
                row.cfa_expr = None
            elif op == 0x0D:                               # DW_CFA_def_cfa_register
                row.cfa_reg, pos = _uleb(data, pos)
                if row.cfa_expr is not None:
                    row.cfa_expr = None
                    row.cfa_offset = 0
            elif op == 0x0E:                               # DW_CFA_def_cfa_offset
                row.cfa_offset, pos = _uleb(data, pos)
                row.cfa_expr = None
            elif op == 0x13:                               # DW_CFA_def_cfa_offset_sf
                value, pos = _sleb(data, pos)
                row.cfa_offset = value * daf
                row.cfa_expr = None
            elif op == 0x0F:                               # DW_CFA_def_cfa_expression
                size, pos = _uleb(data, pos)
                row.cfa_expr = bytes(data[pos:pos + size])
                pos += size
            elif op in (0x05, 0x11, 0x14, 0x15, 0x2F):
                reg, pos = _uleb(data, pos)
                if op in (0x05, 0x14, 0x2F):
                    value, pos = _uleb(data, pos)
                else:
                    value, pos = _sleb(data, pos)
                value *= daf
                if op == 0x2F:                             # DW_CFA_GNU_negative_offset_extended
                    value = -value
                # DW_CFA_offset_extended(_sf) / DW_CFA_val_offset(_sf)
                rules[reg] = (VAL_OFFSET if op in (0x14, 0x15) else OFFSET, value)
            elif op == 0x06:                               # DW_CFA_restore_extended
                reg, pos = _uleb(data, pos)
                self._restore(rules, init, reg)
            elif op == 0x07:                               # DW_CFA_undefined
                reg, pos = _uleb(data, pos)
                rules[reg] = (UNDEFINED, 0)
            elif op == 0x08:                               # DW_CFA_same_value
                reg, pos = _uleb(data, pos)
                rules[reg] = (SAME_VALUE, 0)
            elif op == 0x09:                               # DW_CFA_register
                reg, pos = _uleb(data, pos)
                other, pos = _uleb(data, pos)
                rules[reg] = (REGISTER, other)
            elif op == 0x0A:                               # DW_CFA_remember_state
                saved.append((row.cfa_reg, row.cfa_offset, row.cfa_expr, dict(rules)))
            elif op == 0x0B:                               # DW_CFA_restore_state
                if saved:
                    row.cfa_reg, row.cfa_offset, row.cfa_expr, rules = saved.pop()
                    row.rules = rules
            elif op == 0x10 or op == 0x16:                 # DW_CFA_(val_)expression
                reg, pos = _uleb(data, pos)
                size, pos = _uleb(data, pos)
                rules[reg] = (EXPRESSION if op == 0x10 else VAL_EXPRESSION,
                              bytes(data[pos:pos + size]))
                pos += size
            elif op == 0x2E:                               # DW_CFA_GNU_args_size
                _, pos = _uleb(data, pos)
            else:
                raise CfiError(f"unsupported DW_CFA opcode {op:#x}")
        return row

    @staticmethod
    def _restore(rules: dict[int, Rule], init: Row | None, reg: int) -> None:
        rule = init.rules.get(reg) if init is not None else None
        if rule is None:
            rules.pop(reg, None)
        else:
            rules[reg] = rule


def _elf_sections(path: str, names: tuple[str, ...]) -> dict[str, tuple[bytes, int]]:
    """Contents and addresses of the named sections of an x86-64 ELF file."""
    from elftools.elf.elffile import ELFFile

    out: dict[str, tuple[bytes, int]] = {}
    with open(path, "rb") as f:
        elf = ELFFile(f)
        if elf.elfclass != 64 or elf["e_machine"] != "EM_X86_64":
            return out
        for name in names:
            sec = elf.get_section_by_name(name)
            if sec is None or sec["sh_type"] == "SHT_NOBITS" or sec["sh_size"] == 0:
                continue
            out[name] = (sec.data(), sec["sh_addr"])
    return out


class ObjectCfi:
    """The CFI of one ELF file (addresses are the file's own, unbiased)."""

    def __init__(self, path: str, debug_file: Callable[[], str | None] | None = None) -> None:
        self.path = path
        self._debug_file = debug_file
        self._sections: list[CfiSection] = []
        self._extra_loaded = debug_file is None
        self._rows: dict[int, Row | None] = {}
        self._sections.extend(self._read(path, with_eh=True))

    @staticmethod
    def _read(path: str, with_eh: bool) -> list[CfiSection]:
        try:
            secs = _elf_sections(path, (".eh_frame", ".eh_frame_hdr", ".debug_frame"))
        except Exception:  # unreadable or not ELF: no CFI from it
            return []
        out: list[CfiSection] = []
        if with_eh and ".eh_frame" in secs:
            data, vaddr = secs[".eh_frame"]
            sec = CfiSection(data, vaddr, True)
            hdr = secs.get(".eh_frame_hdr")
            if hdr is None or not sec.index_from_hdr(*hdr):
                sec.index_by_walking()
            out.append(sec)
        if ".debug_frame" in secs:
            sec = CfiSection(secs[".debug_frame"][0], 0, False)
            sec.index_by_walking()
            out.append(sec)
        return out

    def _more_sections(self) -> bool:
        """Add the ``.debug_frame`` of the separate debug file, once."""
        if self._extra_loaded:
            return False
        self._extra_loaded = True
        try:
            debug_path = self._debug_file() if self._debug_file is not None else None
        except Exception:
            debug_path = None
        if not debug_path or os.path.realpath(debug_path) == os.path.realpath(self.path):
            return False
        extra = self._read(debug_path, with_eh=False)
        self._sections.extend(extra)
        return bool(extra)

    def fde_count(self) -> int:
        return sum(len(s) for s in self._sections)

    def row_at(self, vaddr: int) -> Row | None:
        """The unwinding rules at ``vaddr``, or None if no CFI covers it."""
        if vaddr in self._rows:
            return self._rows[vaddr]
        row = self._find(vaddr)
        if row is None and self._more_sections():
            self._rows.clear()  # earlier misses may be answered now
            row = self._find(vaddr)
        if len(self._rows) >= _ROW_CACHE_LIMIT:
            self._rows.clear()
        self._rows[vaddr] = row
        return row

    def _find(self, vaddr: int) -> Row | None:
        for sec in self._sections:
            fde = sec.find(vaddr)
            if fde is None:
                continue
            try:
                return sec.row_at(fde, vaddr)
            except (IndexError, struct.error, CfiError, ValueError):
                continue
        return None


# -- the unwinder -------------------------------------------------------------

class _End(Exception):
    """The CFI says this is the outermost frame."""


class Unwinder:
    """Produces client stack traces from registers and client memory."""

    def __init__(self, debuginfo: DebugInfo) -> None:
        self.debuginfo = debuginfo
        self._objects: dict[str, ObjectCfi] = {}

    def cfi_of(self, path: str) -> ObjectCfi:
        """The (cached) CFI of the object at ``path``."""
        cfi = self._objects.get(path)
        if cfi is None:
            debuginfo = self.debuginfo
            cfi = ObjectCfi(path, lambda: debuginfo.debug_file_of(path))
            self._objects[path] = cfi
        return cfi

    def row_at(self, pc: int) -> Row | None:
        """The CFI rules at client address ``pc``, if some object has them."""
        hit = self.debuginfo.object_bias_at(pc)
        if hit is None:
            return None
        path, bias = hit
        return self.cfi_of(path).row_at((pc - bias) & MASK64)

    def stack_trace(self, rip: int, rsp: int, rbp: int, read_u64: ReadU64,
                    max_frames: int = 12,
                    stack_limits: tuple[int, int] | None = None) -> list[int]:
        """Code addresses of the client's frames: ``[rip, ret1, ret2, ...]``.

        ``read_u64(addr)`` reads a client word (None if unreadable);
        ``stack_limits`` is ``(low, high)`` of the thread's stack: saved
        registers are only read from there and every frame's ``rsp`` must
        stay inside.
        """
        if max_frames < 1:
            return []
        trace = [rip]
        if stack_limits is not None:
            lo, hi = stack_limits
            if not lo <= rsp <= hi:
                return trace

            def read(addr: int) -> int | None:
                if lo <= addr and addr + 8 <= hi:
                    return read_u64(addr)
                return None
        else:
            lo, hi = 0, MASK64
            read = read_u64
        regs: dict[int, int | None] = {RIP: rip, RSP: rsp, RBP: rbp}
        after_call = False  # True once the pc is a return address
        while len(trace) < max_frames:
            pc = regs[RIP]
            sp = regs[RSP]
            assert pc is not None and sp is not None
            lookup = (pc - 1) & MASK64 if after_call else pc
            try:
                step = self._step_cfi(lookup, regs, read)
            except _End:
                break
            if step is None:
                step = self._step_unknown(len(trace) == 1, pc, regs, read, hi)
                if step is None:
                    break
            new_regs, signal = step
            new_pc = new_regs.get(RIP)
            new_sp = new_regs.get(RSP)
            if not new_pc or new_sp is None or new_sp <= sp or not lo <= new_sp <= hi:
                break
            if not self._plausible_code(new_pc, read_u64):
                break
            trace.append(new_pc)
            regs = new_regs
            after_call = not signal
        return trace

    def _plausible_code(self, addr: int, read_u64: ReadU64) -> bool:
        if self.debuginfo.object_at(addr) is not None:
            return True
        try:
            return read_u64(addr) is not None
        except Exception:
            return False

    def _step_cfi(self, lookup: int, regs: dict[int, int | None],
                  read: ReadU64) -> tuple[dict[int, int | None], bool] | None:
        row = self.row_at(lookup)
        if row is None:
            return None
        if row.cfa_expr is not None:
            cfa = eval_expression(row.cfa_expr, regs, read)
        else:
            base = regs.get(row.cfa_reg)
            cfa = None if base is None else (base + row.cfa_offset) & MASK64
        if cfa is None:
            return None
        ra_rule = row.rules.get(row.ra_reg)
        if ra_rule is None or ra_rule[0] == UNDEFINED:
            raise _End
        new: dict[int, int | None] = {
            RIP: self._recover(ra_rule, row.ra_reg, regs, cfa, read),
            RSP: cfa,
            RBP: regs.get(RBP),
        }
        for reg in (RSP, RBP):
            rule = row.rules.get(reg)
            if rule is not None:
                new[reg] = self._recover(rule, reg, regs, cfa, read)
        return new, row.signal

    @staticmethod
    def _recover(rule: Rule, reg: int, regs: dict[int, int | None], cfa: int,
                 read: ReadU64) -> int | None:
        kind, arg = rule
        if kind == OFFSET:
            assert isinstance(arg, int)
            return read((cfa + arg) & MASK64)
        if kind == SAME_VALUE:
            return regs.get(reg)
        if kind == VAL_OFFSET:
            assert isinstance(arg, int)
            return (cfa + arg) & MASK64
        if kind == REGISTER:
            assert isinstance(arg, int)
            return regs.get(arg)
        if kind == EXPRESSION:
            assert isinstance(arg, bytes)
            addr = eval_expression(arg, regs, read, cfa)
            return None if addr is None else read(addr)
        if kind == VAL_EXPRESSION:
            assert isinstance(arg, bytes)
            return eval_expression(arg, regs, read, cfa)
        return None

    def _step_unknown(self, first: bool, pc: int, regs: dict[int, int | None],
                      read: ReadU64, hi: int) -> tuple[dict[int, int | None], bool] | None:
        """No CFI for this pc: the word at rsp (first frame in unknown code)
        or else the frame-pointer chain."""
        rsp = regs[RSP]
        rbp = regs.get(RBP)
        assert rsp is not None
        if first and self.debuginfo.object_at(pc) is None:
            ret = read(rsp)
            if ret and self.debuginfo.object_at(ret) is not None:
                return {RIP: ret, RSP: (rsp + 8) & MASK64, RBP: rbp}, False
        if rbp is None or rbp & 7 or rbp < rsp or rbp + 16 > hi:
            return None
        if hi == MASK64 and rbp - rsp > _FP_MAX_FRAME:
            return None
        ret = read(rbp + 8)
        if ret is None:
            return None
        return {RIP: ret, RSP: rbp + 16, RBP: read(rbp)}, False
