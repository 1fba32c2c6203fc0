"""The reference backend: an IRSB (after instrumentation) becomes a Python function.

This is the executable specification of VEX IR: simple, obviously right, and slow.
Every value is a Python int (see pygrind.backend.ops). The generated function is

    def blk(S, SQ, SI, SA):  # S: the guest state bytearray, SQ/SI: it as 64/32-bit
                             # words, SA: its native address
        ...
        return (next_guest_address, jumpkind_code)

Client memory is reached through the globals that `runtime.make_globals` provides: an
inline fast path (page-table check, then struct access on the memoryview of the client
space) and slow-path functions for page-crossing, faulting and self-modifying stores.
Line numbers of the generated source map back to guest instructions, so a fault raised
anywhere in a block is attributed to its instruction without any bookkeeping at run time.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import pyvex
from pyvex import expr as E
from pyvex import stmt as S

from ...core import jumpkinds
from ...core.aspace import P_R, P_R2, P_W, P_W2
from ...core.state import RIP
from ...tool import intrinsics as I
from .. import iropt, ops

_TYPE_BYTES = {
    "Ity_I1": 1, "Ity_I8": 1, "Ity_I16": 2, "Ity_I32": 4, "Ity_I64": 8, "Ity_I128": 16,
    "Ity_F32": 4, "Ity_F64": 8, "Ity_F128": 16, "Ity_V128": 16, "Ity_V256": 32, "Ity_V512": 64,
    "Ity_F16": 2, "Ity_D32": 4, "Ity_D64": 8, "Ity_D128": 16,
}
# struct accessors available in the globals, by byte size
_UNPACK = {1: "U8", 2: "U16", 4: "U32", 8: "U64"}
_PACK = {1: "P8", 2: "P16", 4: "P32", 8: "P64"}
_F64 = struct.Struct("<d")
_F32 = struct.Struct("<f")


class UnsupportedIR(Exception):
    """An IR construct the backend cannot run (an unimplemented op, say)."""


@dataclass
class CompiledBlock:
    """Python source for one block, plus the map from source lines to guest addresses."""

    addr: int
    source: str
    line_addrs: list[int] = field(default_factory=list)
    helpers: dict[str, object] = field(default_factory=dict)
    #: the libVEX helpers among `helpers`, by identifier: (callee name, argument count)
    ccalls: dict[str, tuple[str, int]] = field(default_factory=dict)


def type_bytes(ty: str) -> int:
    return _TYPE_BYTES[ty]


def const_value(con: pyvex.const.IRConst) -> int:
    """An IRConst as pygrind's int representation."""
    ty = con.type
    v = con.value
    if ty == "Ity_F64":
        return int.from_bytes(_F64.pack(v), "little") if isinstance(v, float) else v
    if ty == "Ity_F32":
        return int.from_bytes(_F32.pack(v), "little") if isinstance(v, float) else v
    # Vector constants: VEX stores one bit per byte (Ico_V128 is a 16-bit mask), but
    # pyvex already expands each bit to a 0x00/0xFF byte when it reads the IR, so
    # con.value is the full 128/256/512-bit pattern; expanding it again would turn
    # any mask whose low 16 bits are set into all-ones.
    if ty == "Ity_I1":
        return 1 if v else 0
    return int(v)


class _Gen:
    def __init__(self, irsb: pyvex.IRSB, name: str) -> None:
        self.irsb = irsb
        self.tyenv = irsb.tyenv
        self.lines: list[str] = []
        self.line_addrs: list[int] = []
        self.cur_addr = irsb.addr
        self.helpers: dict[str, object] = {}
        self.name = name
        self._ccall_ids: dict[tuple[str, int], str] = {}
        #: temporaries replaced by the atom they copy (VEX leaves tmp-to-tmp copies and
        #: identity conversions such as 32Uto64 of a masked value)
        self.alias: dict[int, str] = {}
        # Guest RIP is only stored when something in the block could read it: the
        # dispatcher carries the PC, and faults find theirs from the source line.
        self.keep_rip = any(
            isinstance(st, S.Dirty) or (isinstance(st, S.WrTmp) and isinstance(st.data, E.Get)
                                        and st.data.offset <= RIP < st.data.offset + 8)
            for st in irsb.statements)

    # -- emission --------------------------------------------------------------------

    def emit(self, line: str, indent: int = 1) -> None:
        self.lines.append("    " * indent + line)
        self.line_addrs.append(self.cur_addr)

    # -- expressions -----------------------------------------------------------------

    def atom(self, e: E.IRExpr) -> str:
        if isinstance(e, E.RdTmp):
            return self.alias.get(e.tmp) or f"t{e.tmp}"
        if isinstance(e, E.Const):
            return hex(const_value(e.con))
        raise UnsupportedIR(f"non-atomic operand {e}")

    def ty_of(self, e: E.IRExpr) -> str:
        return e.result_type(self.tyenv)

    # Guest state access: S is the state as bytes, SQ and SI the same memory as arrays
    # of 64- and 32-bit words; indexing those is much cheaper than struct calls.

    def get(self, off: int, ty: str) -> str:
        n = type_bytes(ty)
        if ty == "Ity_I1":
            return f"(S[{off}] & 1)"
        if n == 1:
            return f"S[{off}]"
        if n == 8 and off % 8 == 0:
            return f"SQ[{off >> 3}]"
        if n == 4 and off % 4 == 0:
            return f"SI[{off >> 2}]"
        if n == 16 and off % 8 == 0:
            return f"(SQ[{off >> 3}] | SQ[{(off >> 3) + 1}] << 64)"
        if n in _UNPACK:
            return f"{_UNPACK[n]}(S, {off})[0]"
        return f"int.from_bytes(S[{off}:{off + n}], 'little')"

    def put(self, off: int, ty: str, val: str) -> str:
        n = type_bytes(ty)
        if n == 1:
            return f"S[{off}] = {val}"
        if n == 8 and off % 8 == 0:
            return f"SQ[{off >> 3}] = {val}"
        if n == 4 and off % 4 == 0:
            return f"SI[{off >> 2}] = {val}"
        if n == 16 and off % 8 == 0:
            return f"SQ[{off >> 3}] = {val} & 0xffffffffffffffff; SQ[{(off >> 3) + 1}] = {val} >> 64"
        if n in _PACK:
            return f"{_PACK[n]}(S, {off}, {val})"
        return f"S[{off}:{off + n}] = ({val}).to_bytes({n}, 'little')"

    def load(self, ty: str, addr: str) -> str:
        # One page-table test covers the access: a one-byte access needs its page
        # readable; a wider one (it may cross) needs the pair bit (this page and the next).
        n = type_bytes(ty)
        ok = self._fast_check(addr, n, P_R, P_R2)
        if n in _UNPACK:
            return f"({_UNPACK[n]}(M, {addr})[0] if {ok} else LD({addr}, {n}))"
        return f"(int.from_bytes(M[{addr}:{addr} + {n}], 'little') if {ok} else LD({addr}, {n}))"

    @staticmethod
    def _fast_check(addr: str, n: int, bit: int, pair_bit: int) -> str:
        """The inline test for an n-byte access at addr: the pair bit covers any access
        that may cross into the next page; a page whose successor lacks the right (the
        last page of a mapping) still takes the fast path for accesses within it."""
        if n == 1:
            return f"{addr} < LIM and PT[{addr} >> 12] & {bit}"
        return (f"{addr} < LIM and (PT[{addr} >> 12] & {pair_bit} or "
                f"({addr} & 4095) <= {4096 - n} and PT[{addr} >> 12] & {bit})")

    def store(self, ty: str, addr: str, val: str) -> None:
        n = type_bytes(ty)
        ok = self._fast_check(addr, n, P_W, P_W2)
        if n in _PACK:
            self.emit(f"if {ok}: {_PACK[n]}(M, {addr}, {val})")
        else:
            self.emit(f"if {ok}: M[{addr}:{addr} + {n}] = ({val}).to_bytes({n}, 'little')")
        self.emit(f"else: ST({addr}, {n}, {val})")

    def geti_offset(self, descr: pyvex.IRRegArray, ix: E.IRExpr, bias: int) -> str:
        size = type_bytes(descr.elemTy)
        return f"({descr.base} + ((({self.atom(ix)}) + {bias}) % {descr.nElems}) * {size})"

    def op(self, name: str, args: list[E.IRExpr]) -> str:
        tpl = ops.OPS.get(name)
        if tpl is None:
            raise UnsupportedIR(f"VEX operation {name} is not implemented")
        return "(" + tpl.format(*[self.atom(a) for a in args]) + ")"

    def ccall(self, name: str, nargs: int) -> str:
        key = (name, nargs)
        ident = self._ccall_ids.get(key)
        if ident is None:
            from ...core import vexlib

            ident = f"H{nargs}_{name}"
            self._ccall_ids[key] = ident
            self.helpers[ident] = vexlib.helper(name, nargs)
        return ident

    def expr(self, e: E.IRExpr) -> str:
        if isinstance(e, (E.RdTmp, E.Const)):
            return self.atom(e)
        if isinstance(e, E.Get):
            return self.get(e.offset, e.ty)
        if isinstance(e, E.GetI):
            off = self.geti_offset(e.descr, e.ix, e.bias)
            return self.get_dynamic(off, e.descr.elemTy)
        if isinstance(e, (E.Unop, E.Binop, E.Triop, E.Qop)):
            return self.op(e.op, e.args)
        if isinstance(e, E.Load):
            if e.end != "Iend_LE":
                raise UnsupportedIR("big-endian load")
            return self.load(e.ty, self.atom(e.addr))
        if isinstance(e, E.ITE):
            return f"({self.atom(e.iftrue)} if {self.atom(e.cond)} else {self.atom(e.iffalse)})"
        if isinstance(e, E.CCall):
            fn = self.ccall(e.cee.name, len(e.args))
            call = f"{fn}({', '.join(self.atom(a) for a in e.args)})"
            bits = 8 * type_bytes(e.retty)
            return call if bits >= 64 else f"({call} & {(1 << bits) - 1 if e.retty != 'Ity_I1' else 1})"
        raise UnsupportedIR(f"expression {type(e).__name__}")

    def get_dynamic(self, off: str, ty: str) -> str:
        n = type_bytes(ty)
        if n in _UNPACK:
            return f"{_UNPACK[n]}(S, {off})[0]"
        return f"int.from_bytes(S[{off}:{off} + {n}], 'little')"

    # -- statements ------------------------------------------------------------------

    def stmt(self, s: S.IRStmt) -> None:
        if isinstance(s, S.IMark):
            self.cur_addr = s.addr + s.delta
        elif isinstance(s, S.WrTmp):
            d = s.data
            if isinstance(d, (E.RdTmp, E.Const)):
                self.alias[s.tmp] = self.atom(d)
            elif (isinstance(d, (E.Unop, E.Binop)) and ops.OPS.get(d.op, "").strip() == "{0}"):
                self.alias[s.tmp] = self.atom(d.args[0])
            else:
                self.emit(f"t{s.tmp} = {self.expr(d)}")
        elif isinstance(s, S.Put):
            if s.offset == RIP and not self.keep_rip:
                return
            self.emit(self.put(s.offset, self.ty_of(s.data), self.atom(s.data)))
        elif isinstance(s, S.PutI):
            off = self.geti_offset(s.descr, s.ix, s.bias)
            n = type_bytes(s.descr.elemTy)
            if n in _PACK:
                self.emit(f"{_PACK[n]}(S, {off}, {self.atom(s.data)})")
            else:
                self.emit(f"_o = {off}; S[_o:_o + {n}] = {self.atom(s.data)}.to_bytes({n}, 'little')")
        elif isinstance(s, S.Store):
            if s.end != "Iend_LE":
                raise UnsupportedIR("big-endian store")
            self.store(self.ty_of(s.data), self.atom(s.addr), self.atom(s.data))
        elif isinstance(s, S.Exit):
            jk = jumpkinds.code(s.jk)
            self.emit(f"if {self.atom(s.guard)}:")
            self.emit(f"return ({hex(const_value(s.dst))}, {jk})", 2)
        elif isinstance(s, S.CAS):
            self.cas(s)
        elif isinstance(s, S.LoadG):
            self.loadg(s)
        elif isinstance(s, S.StoreG):
            self.emit(f"if {self.atom(s.guard)}:")
            ty = self.ty_of(s.data)
            n = type_bytes(ty)
            self.emit(f"ST({self.atom(s.addr)}, {n}, {self.atom(s.data)})", 2)
        elif isinstance(s, S.Dirty):
            self.dirty(s)
        elif isinstance(s, S.LLSC):
            self.llsc(s)
        elif isinstance(s, (S.NoOp, S.AbiHint, S.MBE)):
            pass
        elif isinstance(s, I.Intrinsic):
            s.emit_python(self)
        else:
            raise UnsupportedIR(f"statement {type(s).__name__}")

    def cas(self, s: S.CAS) -> None:
        if s.end != "Iend_LE":
            raise UnsupportedIR("big-endian CAS")
        ty = self.tyenv.lookup(s.oldLo)
        n = type_bytes(ty)
        addr = self.atom(s.addr)
        if s.oldHi == 0xFFFFFFFF or s.expdHi is None:
            # single-element compare-and-swap; one client thread runs at a time
            self.emit(f"t{s.oldLo} = LD({addr}, {n})")
            self.emit(f"if t{s.oldLo} == {self.atom(s.expdLo)}: ST({addr}, {n}, {self.atom(s.dataLo)})")
        else:
            self.emit(f"t{s.oldLo} = LD({addr}, {n})")
            self.emit(f"t{s.oldHi} = LD({addr} + {n}, {n})")
            self.emit(f"if t{s.oldLo} == {self.atom(s.expdLo)} and t{s.oldHi} == {self.atom(s.expdHi)}:")
            self.emit(f"ST({addr}, {n}, {self.atom(s.dataLo)}); ST({addr} + {n}, {n}, {self.atom(s.dataHi)})", 2)

    def llsc(self, s: S.LLSC) -> None:
        addr = self.atom(s.addr)
        if s.storedata is None:
            ty = self.tyenv.lookup(s.result)
            self.emit(f"t{s.result} = LD({addr}, {type_bytes(ty)})")
        else:
            ty = self.ty_of(s.storedata)
            self.emit(f"ST({addr}, {type_bytes(ty)}, {self.atom(s.storedata)}); t{s.result} = 1")

    def loadg(self, s: S.LoadG) -> None:
        # guarded load with a widening conversion (ILGop_*)
        cvt = s.cvt
        sizes = {"ILGop_Ident64": (8, None), "ILGop_Ident32": (4, None), "ILGop_IdentV128": (16, None),
                 "ILGop_16Uto32": (2, None), "ILGop_16Sto32": (2, 32), "ILGop_8Uto32": (1, None),
                 "ILGop_8Sto32": (1, 32)}
        if cvt not in sizes:
            raise UnsupportedIR(f"LoadG conversion {cvt}")
        n, sext_bits = sizes[cvt]
        val = f"LD({self.atom(s.addr)}, {n})"
        if sext_bits:
            sb = 8 * n
            val = f"((({val}) ^ {1 << (sb - 1)}) - {1 << (sb - 1)}) & {(1 << sext_bits) - 1}"
        self.emit(f"t{s.dst} = ({val}) if {self.atom(s.guard)} else {self.atom(s.alt)}")

    def dirty(self, s: S.Dirty) -> None:
        fn = self.ccall(s.cee.name, len(s.args))
        args = []
        addr_done = s.mFx == "Ifx_None"
        for a in s.args:
            if isinstance(a, E.GSPTR):
                args.append("SA")
            elif isinstance(a, E.VECRET):
                raise UnsupportedIR("dirty helper returning a vector")
            elif not addr_done:
                # libVEX helpers that touch memory take it as their first plain argument,
                # a guest address; they run natively, so it becomes a host address.
                args.append(f"HOSTADDR({self.atom(a)}, {s.mSize}, {1 if s.mFx == 'Ifx_Read' else 2})")
                addr_done = True
            else:
                args.append(self.atom(a))
        call = f"{fn}({', '.join(args)})"
        if s.tmp != 0xFFFFFFFF:
            ty = self.tyenv.lookup(s.tmp)
            bits = 8 * type_bytes(ty)
            if bits < 64:
                call = f"({call} & {(1 << bits) - 1 if ty != 'Ity_I1' else 1})"
            call = f"t{s.tmp} = {call}"
        guard = self.atom(s.guard)
        if guard in ("0x1", "1"):
            self.emit(call)
        else:
            if s.tmp != 0xFFFFFFFF:
                self.emit(f"t{s.tmp} = 0")
            self.emit(f"if {guard}: {call}")

    # -- the whole block ---------------------------------------------------------------

    def block(self) -> None:
        self.lines.append(f"def {self.name}(S, SQ, SI, SA):")
        self.line_addrs.append(self.irsb.addr)
        for st in self.irsb.statements:
            self.stmt(st)
        jk = jumpkinds.code(self.irsb.jumpkind)
        self.emit(f"return ({self.atom(self.irsb.next)}, {jk})")


def compile_irsb(irsb: pyvex.IRSB) -> CompiledBlock:
    """Generate the Python source of one block (not yet compiled by Python)."""
    iropt.lower_helper_calls(irsb)
    iropt.remove_dead_puts(irsb)
    g = _Gen(irsb, "blk")
    g.block()
    # line 1 of the source is the def; line_addrs[i] belongs to source line i + 1
    ccalls = {ident: key for key, ident in g._ccall_ids.items()}
    return CompiledBlock(irsb.addr, "\n".join(g.lines) + "\n", g.line_addrs, g.helpers, ccalls)
