"""The leak check at exit: roots are the client's readable memory (but not the heap's
own regions) and every thread's registers; the scan itself is native (mc_leak_scan).
Blocks are grouped into loss records by kind and allocation stack, as Valgrind's
(--leak-resolution=high), and reported in Valgrind's words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...core.state import GPRS
from .errors import Error, commas

if TYPE_CHECKING:
    from . import Memcheck

#: scan state -> (--show-leak-kinds name, words, XML kind)
KINDS = {0: ("definite", "definitely lost", "Leak_DefinitelyLost"),
         1: ("indirect", "indirectly lost", "Leak_IndirectlyLost"),
         2: ("possible", "possibly lost", "Leak_PossiblyLost"),
         3: ("reachable", "still reachable", "Leak_StillReachable")}


def _roots(tool: Memcheck) -> list[tuple[int, int]]:
    arenas = tool.arenas
    roots = []
    for m in tool.session.aspace.mappings():
        if not m.prot & 1:
            continue
        lo, hi = m.start, m.end
        cut = sorted((a, b) for a, b in arenas if a < hi and b > lo)
        for a, b in cut:
            if a > lo:
                roots.append((lo, a - lo))
            lo = max(lo, b)
        if hi > lo:
            roots.append((lo, hi - lo))
    return roots


def _registers(tool: Memcheck) -> list[int]:
    words = []
    for th in tool.session.threads.values():
        st = th.state
        words += [st.get(off) for off in GPRS.values()]
    return words


def report(tool: Memcheck, quiet: bool) -> None:
    """Scan, then print the loss records (--leak-check=full) and the LEAK SUMMARY."""
    blocks = tool.native.leak_scan(_roots(tool), _registers(tool))
    records: dict[tuple[int, int], list[int]] = {}
    totals = {k: [0, 0] for k in KINDS}
    for _data, size, ec, state, indirect in blocks:
        r = records.setdefault((state, ec), [0, 0, 0])
        r[0] += size
        r[1] += 1
        r[2] += indirect
        totals[state][0] += size
        totals[state][1] += 1
    out = tool.session.out
    errs = tool.errors
    if tool.leak_check == "full":
        ordered = sorted(records.items(), key=lambda kv: (kv[1][0] + kv[1][2], kv[1][1]))
        n = len(ordered)
        for i, ((state, ec), (size, count, indirect)) in enumerate(ordered, 1):
            name, words, xml_kind = KINDS[state]
            if name not in tool.show_kinds:
                continue
            amount = (f"{commas(size + indirect)} ({commas(size)} direct, {commas(indirect)} "
                      f"indirect) bytes" if indirect else f"{commas(size)} bytes")
            what = f"{amount} in {commas(count)} blocks are {words} in loss record {i} of {n}"
            err = Error(xml_kind, what, tuple(tool.native.ec(ec)), key=(i,),
                        xwhat={"leakedbytes": str(size + indirect), "leakedblocks": str(count)})
            errs.add(err, counted=name in tool.error_kinds)
    if quiet:
        return
    out.msg("LEAK SUMMARY:")
    for state, label in ((0, "   definitely lost"), (1, "   indirectly lost"),
                         (2, "     possibly lost"), (3, "   still reachable")):
        size, count = totals[state]
        out.msg(f"{label}: {commas(size)} bytes in {commas(count)} blocks")
    out.msg("        suppressed: 0 bytes in 0 blocks")
    if tool.leak_check != "full":
        out.msg("Rerun with --leak-check=full to see details of leaked memory")
    else:
        hidden = [k for k in (3,) if totals[k][1] and KINDS[k][0] not in tool.show_kinds]
        if hidden:
            out.msg("Reachable blocks (those to which a pointer was found) are not shown.")
            out.msg("To see them, rerun with: --leak-check=full --show-leak-kinds=all")
    out.msg()
