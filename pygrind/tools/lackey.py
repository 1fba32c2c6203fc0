"""Lackey: counts what the client executes (Valgrind lackey's basic and detailed counts).

Counts are kept exactly but cheaply: instead of one increment per instruction, the
increments of a run of statements with no side exit between them are summed at
translation time and added in one go, just before the next side exit (or the block's
end). Whatever precedes an exit is executed whenever the exit is reached, so the totals
are the same as counting one by one.

Not done (yet): --trace-mem=yes and --trace-superblocks=yes.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ..tool import AddCounter, BlockInfo, Tool

if TYPE_CHECKING:
    import pyvex

TYPES = ("I1", "I8", "I16", "I32", "I64", "I128", "F32", "F64", "F128", "V128", "V256",
         "D32", "D64", "D128")


def _n(v: int) -> str:
    return f"{v:,}"


class Lackey(Tool):
    name = "lackey"
    description = "Lackey, an example pygrind tool"

    def __init__(self, session) -> None:
        super().__init__(session)
        self.basic = True
        self.detailed = False
        self.fnname = "main"
        c = self.counters
        self.c_main = c.new("calls to fnname")
        self.c_sb_entered = c.new("SBs entered")
        self.c_sb_completed = c.new("SBs completed")
        self.c_instrs = c.new("guest instrs")
        self.c_stmts = c.new("IRStmts")
        self.c_jcc = c.new("Jccs")
        self.c_jcc_untaken = c.new("Jccs untaken")
        # All allocated now, in a fixed order, so that instrumentation is reproducible.
        self.c_detail = {(k, ty): c.new(f"{k} {ty}") for k in ("load", "store", "alu") for ty in TYPES}
        self._fn_addr: int | None = None

    @classmethod
    def options(cls) -> dict[str, str]:
        return {"basic-counts": "yes", "detailed-counts": "no", "fnname": "main"}

    def set_option(self, name: str, value: str) -> None:
        if name == "basic-counts":
            self.basic = value == "yes"
        elif name == "detailed-counts":
            self.detailed = value == "yes"
        elif name == "fnname":
            self.fnname = value

    def start(self) -> None:
        # Valgrind's lackey counts entries to --fnname in the main program.
        s = self.session
        self._fn_addr = s.debuginfo.find_symbol(self.fnname, s.exe_path)

    def cache_key(self) -> str:
        return (f"lackey|basic={self.basic}|detailed={self.detailed}|fn={self.fnname}"
                f"@{self._fn_addr}")

    def _detail(self, kind: str, ty: str) -> int:
        return self.c_detail[(kind, ty.removeprefix("Ity_"))]

    def instrument(self, irsb: pyvex.IRSB, info: BlockInfo) -> pyvex.IRSB:
        from pyvex import stmt as S  # noqa: N812 - only blocks missing from the cache get here
        out: list = []
        pending: Counter[int] = Counter()
        tyenv = irsb.tyenv
        if self.basic:
            out.append(AddCounter(self.c_sb_entered))

        def flush() -> None:
            for idx, n in sorted(pending.items()):
                if n:
                    out.append(AddCounter(idx, n))
            pending.clear()

        next_insn = None  # address just after the current guest instruction
        for st in irsb.statements:
            if isinstance(st, S.NoOp):
                continue
            if self.basic:
                pending[self.c_stmts] += 1
            if isinstance(st, S.IMark):
                next_insn = st.addr + st.len
                if self.basic:
                    pending[self.c_instrs] += 1
                    if st.addr == self._fn_addr:
                        pending[self.c_main] += 1
            if self.detailed:
                self._count_detail(st, tyenv, pending)
            if isinstance(st, S.Exit):
                is_jcc = st.jk == "Ijk_Boring" and self.basic
                # VEX often inverts a conditional branch: the side exit goes to the next
                # instruction and the block goes on at the branch target. "taken" here
                # means the guest's branch was taken, whichever way VEX wrote it.
                inverted = is_jcc and st.dst.value == next_insn
                if is_jcc:
                    pending[self.c_jcc] += 1
                flush()
                if inverted:
                    out.append(AddCounter(self.c_jcc_untaken, 1, guard=st.guard))
                out.append(st)
                if is_jcc and not inverted:
                    pending[self.c_jcc_untaken] += 1
                continue
            out.append(st)
        if self.basic:
            pending[self.c_sb_completed] += 1
        flush()
        irsb.statements = out
        return irsb

    def _count_detail(self, st, tyenv, pending: Counter[int]) -> None:
        from pyvex import expr as E  # noqa: N812
        from pyvex import stmt as S  # noqa: N812

        if isinstance(st, S.WrTmp):
            ty = tyenv.lookup(st.tmp)
            if isinstance(st.data, E.Load):
                pending[self._detail("load", ty)] += 1
            elif isinstance(st.data, (E.Unop, E.Binop, E.Triop, E.Qop, E.ITE)):
                pending[self._detail("alu", ty)] += 1
        elif isinstance(st, S.Store):
            pending[self._detail("store", st.data.result_type(tyenv))] += 1
        elif isinstance(st, S.LoadG):
            pending[self._detail("load", tyenv.lookup(st.dst))] += 1
        elif isinstance(st, S.StoreG):
            pending[self._detail("store", st.data.result_type(tyenv))] += 1
        elif isinstance(st, S.CAS):
            ty = tyenv.lookup(st.oldLo)
            pending[self._detail("load", ty)] += 1
            pending[self._detail("store", ty)] += 1

    def fini(self, exitcode: int) -> None:
        out = self.session.out
        c = self.counters
        if self.basic:
            sbe, sbc = c[self.c_sb_entered], c[self.c_sb_completed]
            instrs, stmts = c[self.c_instrs], c[self.c_stmts]
            jcc, untaken = c[self.c_jcc], c[self.c_jcc_untaken]
            taken = jcc - untaken
            pct = (200 * taken + jcc) // (2 * jcc) if jcc else 0  # rounded, as Valgrind prints
            calls = c[self.c_main]
            out.msg(f"Counted {_n(calls)} call{'' if calls == 1 else 's'} to {self.fnname}()")
            out.msg()
            out.msg("Jccs:")
            out.msg(f"  total:         {_n(jcc)}")
            out.msg(f"  taken:         {_n(taken)} ({pct}%)")
            out.msg()
            out.msg("Executed:")
            out.msg(f"  SBs entered:   {_n(sbe)}")
            out.msg(f"  SBs completed: {_n(sbc)}")
            out.msg(f"  guest instrs:  {_n(instrs)}")
            out.msg(f"  IRStmts:       {_n(stmts)}")
            out.msg()
            out.msg("Ratios:")
            out.msg(f"  guest instrs : SB entered  = {(10 * instrs // sbe) if sbe else 0:3d} : 10")
            out.msg(f"       IRStmts : SB entered  = {(10 * stmts // sbe) if sbe else 0:3d} : 10")
            out.msg(f"       IRStmts : guest instr = {(10 * stmts // instrs) if instrs else 0:3d} : 10")
        if self.detailed:
            out.msg()
            out.msg("IR-level counts by type:")
            out.msg("   Type        Loads       Stores       AluOps")
            out.msg("   -------------------------------------------")
            for ty in TYPES:
                vals = [c[self.c_detail[(k, ty)]] if (k, ty) in self.c_detail else 0
                        for k in ("load", "store", "alu")]
                out.msg(f"   {ty:<4s} {vals[0]:>12,} {vals[1]:>12,} {vals[2]:>12,}")
        out.msg()
        out.msg(f"Exit code:       {exitcode}")
