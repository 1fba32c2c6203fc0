"""VEX IR (one instrumented superblock) -> LLVM IR text (one function).

    define i64 @b_<addr>(ptr %S, ptr %C)   ; S: guest state, C: the engine's Ctx

returns the next guest PC. Every IR value is an integer of its type's width (floats as
their bit patterns, vectors as i128/i256), as in the reference backend; operations that
need floats or lanes bitcast in `oplower`. Client memory is reached at `mem + addr`
after an inline page-table test; anything the test refuses (page-crossing at a
mapping's end, a fault, a store to translated code) goes to a Python callback, which
either performs the access or records the fault, in which case the block returns at
once (its effects so far stay, as with a fault in the reference backend).

Text is generated directly: it is several times faster than building llvmlite.ir objects.
"""

from __future__ import annotations

import pyvex
from pyvex import expr as E
from pyvex import stmt as S

from ...core import jumpkinds
from ...core.aspace import LIMIT, P_R, P_R2, P_W, P_W2
from ...core.state import RIP
from ...tool import intrinsics as I
from .. import iropt
from . import oplower
from .engine import COUNT_MARK, CTX_OFFSETS, EXIT_JUMPKIND, table_index

_BITS = {"Ity_I1": 1, "Ity_I8": 8, "Ity_I16": 16, "Ity_I32": 32, "Ity_I64": 64,
         "Ity_I128": 128, "Ity_F16": 16, "Ity_F32": 32, "Ity_F64": 64, "Ity_F128": 128,
         "Ity_V128": 128, "Ity_V256": 256, "Ity_V512": 512, "Ity_D32": 32, "Ity_D64": 64,
         "Ity_D128": 128}

#: callbacks into Python, declared in every module
DECLS = """declare i64 @pg_mem_slow(ptr, i64, i64, i64, ptr, i64)
declare i64 @pg_op_fallback(ptr, i64, ptr, ptr, i64)
declare i64 @pg_hostaddr(ptr, i64, i64, i64, i64)
"""


class Unsupported(Exception):
    """The block uses something the JIT does not compile (it runs on the reference
    backend instead)."""


def bits_of(ty: str) -> int:
    try:
        return _BITS[ty]
    except KeyError:
        raise Unsupported(f"type {ty}") from None


def lty(bits: int) -> str:
    return f"i{bits}"


def const_value(con) -> int:
    from ..ref.codegen import const_value as cv

    return cv(con)


class BlockGen:
    def __init__(self, irsb: pyvex.IRSB, fname: str, count_slot: int | None = None) -> None:
        self.irsb = irsb
        #: where the block counts its runs (the module's slot; see optimizer.py)
        self.count_slot = count_slot
        self.tyenv = irsb.tyenv
        self.fname = fname
        self.body: list[str] = []
        self.n = 0
        self.vals: dict[int, str] = {}
        self.cur_pc = irsb.addr
        self.helpers: set[tuple[str, int]] = set()
        self.needs_buf = False
        #: extra module-level declarations (LLVM intrinsics) the block needs
        self.decls: set[str] = set()
        self.keep_rip = any(
            isinstance(st, S.Dirty) or (isinstance(st, S.WrTmp) and isinstance(st.data, E.Get)
                                        and st.data.offset <= RIP < st.data.offset + 8)
            for st in irsb.statements)

    # -- helpers ---------------------------------------------------------------------

    def new(self) -> str:
        self.n += 1
        return f"%v{self.n}"

    def label(self, what: str = "L") -> str:
        self.n += 1
        return f"{what}{self.n}"

    def emit(self, line: str) -> None:
        self.body.append("  " + line)

    def start_block(self, label: str) -> None:
        self.body.append(f"{label}:")

    def declare(self, line: str) -> None:
        self.decls.add(line)

    def op(self, text: str) -> str:
        v = self.new()
        self.emit(f"{v} = {text}")
        return v

    def atom(self, e: E.IRExpr) -> str:
        if isinstance(e, E.RdTmp):
            return self.vals[e.tmp]
        if isinstance(e, E.Const):
            v = const_value(e.con)
            if e.con.type == "Ity_I1":
                return "true" if v else "false"
            return str(v)
        raise Unsupported(f"non-atomic operand {e}")

    def ty_of(self, e: E.IRExpr) -> int:
        return bits_of(e.result_type(self.tyenv))

    def ctx_field(self, name: str, ty: str = "i64") -> str:
        p = self.op(f"getelementptr i8, ptr %C, i64 {CTX_OFFSETS[name]}")
        return self.op(f"load {ty}, ptr {p}")

    def state_ptr(self, off: int | str) -> str:
        return self.op(f"getelementptr i8, ptr %S, i64 {off}")

    def zext64(self, v: str, bits: int) -> str:
        if bits == 64:
            return v
        if bits < 64:
            return self.op(f"zext i{bits} {v} to i64")
        return self.op(f"trunc i{bits} {v} to i64")

    def fit(self, v: str, frm: int, to: int) -> str:
        if frm == to:
            return v
        if frm < to:
            return self.op(f"zext i{frm} {v} to i{to}")
        return self.op(f"trunc i{frm} {v} to i{to}")

    # -- memory ----------------------------------------------------------------------

    def _mem_check(self, addr: str, n: int, bit: int, pair: int, slow: str) -> str:
        """Emit the inline page-table test; returns the label of the fast path."""
        fast = self.label("Lfast")
        chk = self.label("Lchk")
        inr = self.op(f"icmp ult i64 {addr}, {LIMIT}")
        self.emit(f"br i1 {inr}, label %{chk}, label %{slow}")
        self.start_block(chk)
        pg = self.op(f"lshr i64 {addr}, 12")
        ptep = self.op(f"getelementptr i8, ptr %pt, i64 {pg}")
        pte = self.op(f"load i8, ptr {ptep}")
        if n == 1:
            b = self.op(f"and i8 {pte}, {bit}")
            ok = self.op(f"icmp ne i8 {b}, 0")
        else:
            # the pair bit covers a crossing access; within one page the page's bit will do
            bp = self.op(f"and i8 {pte}, {pair}")
            okp = self.op(f"icmp ne i8 {bp}, 0")
            bs = self.op(f"and i8 {pte}, {bit}")
            oks = self.op(f"icmp ne i8 {bs}, 0")
            off = self.op(f"and i64 {addr}, 4095")
            inpage = self.op(f"icmp ule i64 {off}, {4096 - n}")
            ok1 = self.op(f"and i1 {oks}, {inpage}")
            ok = self.op(f"or i1 {okp}, {ok1}")
        self.emit(f"br i1 {ok}, label %{fast}, label %{slow}")
        return fast

    def load(self, bits: int, addr: str) -> str:
        n = max(bits // 8, 1)
        slow = self.label("Lslow")
        join = self.label("Ljoin")
        fast = self._mem_check(addr, n, P_R, P_R2, slow)
        self.start_block(fast)
        hp = self.op(f"getelementptr i8, ptr %mem, i64 {addr}")
        vf = self.op(f"load i{bits}, ptr {hp}, align 1")
        self.emit(f"br label %{join}")
        self.start_block(slow)
        self.needs_buf = True
        f = self.op(f"call i64 @pg_mem_slow(ptr %C, i64 {addr}, i64 {n}, i64 {self.cur_pc}, "
                    f"ptr %buf, i64 0)")
        bad = self.op(f"icmp ne i64 {f}, 0")
        ok = self.label("Lslowok")
        self.emit(f"br i1 {bad}, label %Lfault, label %{ok}")
        self.start_block(ok)
        vs = self.op(f"load i{bits}, ptr %buf")
        self.emit(f"br label %{join}")
        self.start_block(join)
        return self.op(f"phi i{bits} [ {vf}, %{fast} ], [ {vs}, %{ok} ]")

    def store(self, bits: int, addr: str, val: str) -> None:
        n = max(bits // 8, 1)
        slow = self.label("Sslow")
        join = self.label("Sjoin")
        fast = self._mem_check(addr, n, P_W, P_W2, slow)
        self.start_block(fast)
        hp = self.op(f"getelementptr i8, ptr %mem, i64 {addr}")
        self.emit(f"store i{bits} {val}, ptr {hp}, align 1")
        self.emit(f"br label %{join}")
        self.start_block(slow)
        self.needs_buf = True
        self.emit(f"store i{bits} {val}, ptr %buf")
        f = self.op(f"call i64 @pg_mem_slow(ptr %C, i64 {addr}, i64 {n}, i64 {self.cur_pc}, "
                    f"ptr %buf, i64 1)")
        bad = self.op(f"icmp ne i64 {f}, 0")
        self.emit(f"br i1 {bad}, label %Lfault, label %{join}")
        self.start_block(join)

    # -- statements ------------------------------------------------------------------

    def expr(self, e: E.IRExpr, bits: int) -> str:
        if isinstance(e, (E.RdTmp, E.Const)):
            return self.atom(e)
        if isinstance(e, E.Get):
            p = self.state_ptr(e.offset)
            if bits == 1:
                b = self.op(f"load i8, ptr {p}")
                return self.op(f"trunc i8 {b} to i1")
            return self.op(f"load i{bits}, ptr {p}, align 1")
        if isinstance(e, E.GetI):
            p = self.geti_ptr(e.descr, e.ix, e.bias)
            return self.op(f"load i{bits}, ptr {p}, align 1")
        if isinstance(e, (E.Unop, E.Binop, E.Triop, E.Qop)):
            return oplower.lower(self, e.op, [self.atom(a) for a in e.args])
        if isinstance(e, E.Load):
            if e.end != "Iend_LE":
                raise Unsupported("big-endian load")
            return self.load(bits, self.atom(e.addr))
        if isinstance(e, E.ITE):
            c = self.atom(e.cond)
            return self.op(f"select i1 {c}, i{bits} {self.atom(e.iftrue)}, i{bits} {self.atom(e.iffalse)}")
        if isinstance(e, E.CCall):
            return self.ccall(e.cee.name, e.args, bits)
        raise Unsupported(f"expression {type(e).__name__}")

    def ccall(self, name: str, args, bits: int, extra_first: list[str] | None = None) -> str:
        from ...core import vexlib

        real = vexlib.resolve_name(name)
        argv = list(extra_first or [])
        for a in args:
            if isinstance(a, E.GSPTR):
                argv.append(self.op("ptrtoint ptr %S to i64"))
            else:
                argv.append(self.zext64(self.atom(a), self.ty_of(a)))
        self.helpers.add((real, len(argv)))
        r = self.op(f"call i64 @{real}({', '.join('i64 ' + a for a in argv)})")
        if bits == 64:
            return r
        if bits < 64:
            return self.op(f"trunc i64 {r} to i{bits}")
        return self.op(f"zext i64 {r} to i{bits}")

    def geti_ptr(self, descr, ix: E.IRExpr, bias: int) -> str:
        size = bits_of(descr.elemTy) // 8
        i = self.zext64(self.atom(ix), self.ty_of(ix))
        t = self.op(f"add i64 {i}, {bias + 8 * descr.nElems}")
        m = self.op(f"urem i64 {t}, {descr.nElems}")
        o = self.op(f"mul i64 {m}, {size}")
        o2 = self.op(f"add i64 {o}, {descr.base}")
        return self.state_ptr(o2)

    def chain(self, dst: int) -> None:
        """A jump to a known address: if the dispatch table holds native code for it (and
        the budget allows), jump straight there (a tail call: no stack grows) instead of
        returning to the dispatcher. Going through the table rather than calling the
        target's function directly means unlinking a block (self-modifying code) stops
        every chain into it."""
        tab = self.ctx_field("table", "ptr")
        e = self.op(f"getelementptr {{i64, ptr}}, ptr {tab}, i64 {table_index(dst)}")
        epc = self.op(f"load i64, ptr {e}")
        hit = self.op(f"icmp eq i64 {epc}, {dst}")
        no = self.spend_budget("Lchain", hit)
        fnp = self.op(f"getelementptr {{i64, ptr}}, ptr {e}, i32 0, i32 1")
        fn = self.op(f"load ptr, ptr {fnp}")
        r = self.op(f"musttail call i64 {fn}(ptr %S, ptr %C)")
        self.emit(f"ret i64 {r}")
        self.start_block(no)

    def exit_to(self, dst: str, jk: str) -> None:
        if jk in ("Ijk_Boring", "Ijk_Call") and dst.isdigit():
            self.chain(int(dst))
        code = jumpkinds.code(jk)
        if code:
            self.emit(f"store i64 {EXIT_JUMPKIND}, ptr %C")
            p = self.op(f"getelementptr i8, ptr %C, i64 {CTX_OFFSETS['jk']}")
            self.emit(f"store i64 {code}, ptr {p}")
        self.emit(f"ret i64 {dst}")

    def stmt(self, s: S.IRStmt) -> None:
        if isinstance(s, S.IMark):
            self.cur_pc = s.addr + s.delta
        elif isinstance(s, S.WrTmp):
            bits = bits_of(self.tyenv.lookup(s.tmp))
            self.vals[s.tmp] = self.expr(s.data, bits)
        elif isinstance(s, S.Put):
            if s.offset == RIP and not self.keep_rip:
                return
            bits = self.ty_of(s.data)
            v = self.atom(s.data)
            p = self.state_ptr(s.offset)
            if bits == 1:
                v = self.op(f"zext i1 {v} to i8")
                bits = 8
            self.emit(f"store i{bits} {v}, ptr {p}, align 1")
        elif isinstance(s, S.PutI):
            bits = self.ty_of(s.data)
            p = self.geti_ptr(s.descr, s.ix, s.bias)
            self.emit(f"store i{bits} {self.atom(s.data)}, ptr {p}, align 1")
        elif isinstance(s, S.Store):
            if s.end != "Iend_LE":
                raise Unsupported("big-endian store")
            self.store(self.ty_of(s.data), self.atom(s.addr), self.atom(s.data))
        elif isinstance(s, S.Exit):
            taken = self.label("Xtaken")
            cont = self.label("Xcont")
            self.emit(f"br i1 {self.atom(s.guard)}, label %{taken}, label %{cont}")
            self.start_block(taken)
            self.exit_to(str(const_value(s.dst)), s.jk)
            self.start_block(cont)
        elif isinstance(s, S.CAS):
            self.cas(s)
        elif isinstance(s, S.LoadG):
            self.loadg(s)
        elif isinstance(s, S.StoreG):
            self.guarded(self.atom(s.guard),
                         lambda: self.store(self.ty_of(s.data), self.atom(s.addr), self.atom(s.data)))
        elif isinstance(s, S.Dirty):
            self.dirty(s)
        elif isinstance(s, (S.NoOp, S.AbiHint, S.MBE)):
            pass
        elif isinstance(s, I.AddCounter):
            self.add_counter(s)
        else:
            raise Unsupported(f"statement {type(s).__name__}")

    def guarded(self, guard: str, body) -> None:
        if guard == "true":
            body()
            return
        yes = self.label("Gyes")
        done = self.label("Gdone")
        self.emit(f"br i1 {guard}, label %{yes}, label %{done}")
        self.start_block(yes)
        body()
        self.emit(f"br label %{done}")
        self.start_block(done)

    def cas(self, s: S.CAS) -> None:
        # One client thread runs at a time: a plain load, compare and store is atomic.
        bits = bits_of(self.tyenv.lookup(s.oldLo))
        addr = self.atom(s.addr)
        if s.oldHi != 0xFFFFFFFF and s.expdHi is not None:
            n = bits // 8
            addr_hi = self.op(f"add i64 {addr}, {n}")
            lo = self.load(bits, addr)
            hi = self.load(bits, addr_hi)
            self.vals[s.oldLo], self.vals[s.oldHi] = lo, hi
            e1 = self.op(f"icmp eq i{bits} {lo}, {self.atom(s.expdLo)}")
            e2 = self.op(f"icmp eq i{bits} {hi}, {self.atom(s.expdHi)}")
            eq = self.op(f"and i1 {e1}, {e2}")

            def both() -> None:
                self.store(bits, addr, self.atom(s.dataLo))
                self.store(bits, addr_hi, self.atom(s.dataHi))

            self.guarded(eq, both)
        else:
            old = self.load(bits, addr)
            self.vals[s.oldLo] = old
            eq = self.op(f"icmp eq i{bits} {old}, {self.atom(s.expdLo)}")
            self.guarded(eq, lambda: self.store(bits, addr, self.atom(s.dataLo)))

    def loadg(self, s: S.LoadG) -> None:
        sizes = {"ILGop_Ident64": (64, None), "ILGop_Ident32": (32, None),
                 "ILGop_IdentV128": (128, None), "ILGop_16Uto32": (16, "zext"),
                 "ILGop_16Sto32": (16, "sext"), "ILGop_8Uto32": (8, "zext"),
                 "ILGop_8Sto32": (8, "sext")}
        if s.cvt not in sizes:
            raise Unsupported(f"LoadG {s.cvt}")
        lbits, cvt = sizes[s.cvt]
        dbits = bits_of(self.tyenv.lookup(s.dst))
        guard = self.atom(s.guard)
        yes, no, done = self.label("LGy"), self.label("LGn"), self.label("LGd")
        self.emit(f"br i1 {guard}, label %{yes}, label %{no}")
        self.start_block(yes)
        v = self.load(lbits, self.atom(s.addr))
        if cvt:
            v = self.op(f"{cvt} i{lbits} {v} to i{dbits}")
        yes_end = self.body_label()
        self.emit(f"br label %{done}")
        self.start_block(no)
        self.emit(f"br label %{done}")
        self.start_block(done)
        self.vals[s.dst] = self.op(f"phi i{dbits} [ {v}, %{yes_end} ], [ {self.atom(s.alt)}, %{no} ]")

    def body_label(self) -> str:
        """The label of the basic block being emitted."""
        for line in reversed(self.body):
            if line.endswith(":") and not line.startswith(" "):
                return line[:-1]
        return "entry"

    def dirty(self, s: S.Dirty) -> None:
        from ...core import vexlib

        real = vexlib.resolve_name(s.cee.name)
        guard = self.atom(s.guard)
        has_tmp = s.tmp != 0xFFFFFFFF
        bits = bits_of(self.tyenv.lookup(s.tmp)) if has_tmp else 64
        start_label = self.body_label()
        yes, done = self.label("Dy"), self.label("Dd")
        if guard != "true":
            self.emit(f"br i1 {guard}, label %{yes}, label %{done}")
            self.start_block(yes)
        argv: list[str] = []
        addr_done = s.mFx == "Ifx_None"
        for a in s.args:
            if isinstance(a, E.GSPTR):
                argv.append(self.op("ptrtoint ptr %S to i64"))
            elif isinstance(a, E.VECRET):
                raise Unsupported("dirty helper returning a vector")
            elif not addr_done:
                write = 0 if s.mFx == "Ifx_Read" else 1
                g = self.zext64(self.atom(a), self.ty_of(a))
                h = self.op(f"call i64 @pg_hostaddr(ptr %C, i64 {g}, i64 {s.mSize}, "
                            f"i64 {write}, i64 {self.cur_pc})")
                bad = self.op(f"icmp eq i64 {h}, 0")
                ok = self.label("Dok")
                self.emit(f"br i1 {bad}, label %Lfault, label %{ok}")
                self.start_block(ok)
                argv.append(h)
                addr_done = True
            else:
                argv.append(self.zext64(self.atom(a), self.ty_of(a)))
        self.helpers.add((real, len(argv)))
        r = self.op(f"call i64 @{real}({', '.join('i64 ' + a for a in argv)})")
        if has_tmp:
            r = self.fit(r, 64, bits) if bits != 1 else self.op(f"trunc i64 {r} to i1")
        if guard != "true":
            yes_end = self.body_label()
            self.emit(f"br label %{done}")
            self.start_block(done)
            if has_tmp:
                zero = "false" if bits == 1 else "0"
                r = self.op(f"phi i{bits} [ {r}, %{yes_end} ], [ {zero}, %{start_label} ]")
        if has_tmp:
            self.vals[s.tmp] = r

    def add_counter(self, s: I.AddCounter) -> None:
        base = self.ctx_field("counters", "ptr")
        p = self.op(f"getelementptr i64, ptr {base}, i64 {s.index}")
        old = self.op(f"load i64, ptr {p}")
        if isinstance(s.amount, int):
            amt = str(s.amount)
        else:
            amt = self.zext64(self.atom(s.amount), self.ty_of(s.amount))
        if s.guard is not None:
            g = self.op(f"zext i1 {self.atom(s.guard)} to i64")
            amt = self.op(f"mul i64 {amt}, {g}")
        new = self.op(f"add i64 {old}, {amt}")
        self.emit(f"store i64 {new}, ptr {p}")

    # -- the whole function ----------------------------------------------------------

    def self_loop(self) -> bool:
        """A block that ends by jumping back to its own start (a tight loop)."""
        nxt = self.irsb.next
        return (self.irsb.jumpkind == "Ijk_Boring" and isinstance(nxt, E.Const)
                and const_value(nxt.con) == self.irsb.addr)

    def loop_back(self) -> None:
        """End of a self-loop: go round again inside the function while the dispatch
        budget allows, so the loop runs without the dispatcher and LLVM can keep guest
        registers in host registers across iterations."""
        out = self.spend_budget("Lagain")
        self.emit("br label %top")
        self.start_block(out)

    def spend_budget(self, what: str, also: str | None = None) -> str:
        """Branch on whether the dispatch budget lets the next block run without the
        dispatcher (more than 2 blocks left, and the i1 `also` if given). The budget ends
        time slices and pygrind's signal handler sets it to 1, hence volatile. The taken
        branch, labelled `what`, is left open with one block spent; returns the label
        of the other branch, for the caller to start."""
        budp = self.op(f"getelementptr i8, ptr %C, i64 {CTX_OFFSETS['budget']}")
        b = self.op(f"load volatile i64, ptr {budp}")
        go = self.op(f"icmp ugt i64 {b}, 2")
        if also is not None:
            go = self.op(f"and i1 {also}, {go}")
        yes, no = self.label(what), self.label("Lno" + what[1:])
        self.emit(f"br i1 {go}, label %{yes}, label %{no}")
        self.start_block(yes)
        self.emit(f"store volatile i64 {self.op(f'sub i64 {b}, 1')}, ptr {budp}")
        return no

    def count_run(self) -> None:
        """Add one to the module's run count. Its lines carry COUNT_MARK, so that the
        optimised version (which nobody needs to count) can leave them out."""
        m = COUNT_MARK
        mcp = self.op(f"getelementptr i8, ptr %C, i64 {CTX_OFFSETS['modcounts']}{m}")
        mc = self.op(f"load ptr, ptr {mcp}{m}")
        p = self.op(f"getelementptr i64, ptr {mc}, i64 {self.count_slot}{m}")
        c = self.op(f"load i64, ptr {p}{m}")
        self.emit(f"store i64 {self.op(f'add i64 {c}, 1{m}')}, ptr {p}{m}")

    def function(self) -> str:
        looping = self.self_loop()
        if looping:
            self.start_block("top")
        if self.count_slot is not None:
            self.count_run()
        for st in self.irsb.statements:
            self.stmt(st)
        jk = self.irsb.jumpkind
        nxt = self.atom(self.irsb.next)
        if looping:
            self.loop_back()
        self.exit_to(nxt, jk)
        head = [f"define i64 @{self.fname}(ptr noalias %S, ptr noalias %C) {{", "entry:",
                f"  %memp = getelementptr i8, ptr %C, i64 {CTX_OFFSETS['mem']}",
                "  %mem = load ptr, ptr %memp",
                f"  %ptp = getelementptr i8, ptr %C, i64 {CTX_OFFSETS['pt']}",
                "  %pt = load ptr, ptr %ptp",
                "  %buf = alloca [128 x i8], align 16",
                "  %opargs = alloca [256 x i8], align 16",
                "  %opres = alloca [64 x i8], align 16"]
        if looping:
            head.append("  br label %top")
        tail = ["Lfault:", "  ret i64 0", "}"]
        return "\n".join(head + self.body + tail) + "\n"


def generate(irsb: pyvex.IRSB, fname: str,
             count_slot: int | None = None) -> tuple[str, set[tuple[str, int]], set[str]]:
    """LLVM IR text of one block's function, the libVEX helpers it calls (name, arity)
    and the intrinsic declarations it needs. With `count_slot`, the block adds one to
    that slot of the module execution counts each time it runs."""
    iropt.lower_helper_calls(irsb)
    iropt.remove_dead_puts(irsb)
    g = BlockGen(irsb, fname, count_slot)
    return g.function(), g.helpers, g.decls
