"""Memcheck end to end, against real Valgrind: small C and C++ programs
(tests/e2e/memcheck_progs/, one kind of error each, built with -O0 -g as dynamically linked
PIEs) run under `pygrind --tool=memcheck --leak-check=full --show-leak-kinds=all`; the
report must say what Valgrind 3.19's memcheck says about the same binary.

Reports are not compared as text, because frames inside libc and the replacement functions
differ from one implementation to the next. `summarise()` extracts what matters from a
log: each error record (its header, the first frame in the test's own sources, the
address description with the first own frame of the alloc / free stacks), the fatal
signal if the process died of one, the ERROR SUMMARY counts, the HEAP SUMMARY, each loss
record and the LEAK SUMMARY. Valgrind's report comes from a live run when `valgrind` is
installed, else from tests/e2e/memcheck_expected/<prog>.vg.txt (and .vg.xml), which
tests/e2e/memcheck_expected/regen.py writes with the normalisers below.

Besides, the program's stdout and exit status under pygrind must be those of its native
run (memcheck changes nothing a correct program can see; the buggy programs here are
written so that natively glibc does not notice their bugs).
"""

from __future__ import annotations

import difflib
import os
import pprint
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

# memcheck instruments in the libVEX tier only: the reference backend has none
pytestmark = pytest.mark.skipif(os.environ.get("PYGRIND_TEST_BACKEND") == "ref",
                                reason="memcheck needs the JIT's libVEX tier")

HERE = Path(__file__).resolve().parent
PROGS_DIR = HERE / "memcheck_progs"
EXPECTED_DIR = HERE / "memcheck_expected"

#: How every program is built (the expected files were made from binaries built so).
CFLAGS = ["-O0", "-g"]
#: Memcheck's options, for Valgrind and for pygrind alike.
MEMCHECK_OPTS = ["--leak-check=full", "--show-leak-kinds=all"]
VALGRIND_OPTS = ["--tool=memcheck", *MEMCHECK_OPTS]

#: Seconds allowed for one pygrind run (scaled by PYGRIND_TEST_TIMEOUT_SCALE).
TIMEOUT = 600
VALGRIND_TIMEOUT = 120


# ------------------------------------------------------------------ the programs

DEF, IND, POS, REACH = "definitely lost", "indirectly lost", "possibly lost", "still reachable"


@dataclass(frozen=True)
class Expect:
    """What Valgrind's report on a program must show (checked against the expected files
    by test_summariser_reads_valgrind_logs, which so tests the summariser too)."""

    errors: tuple[str, ...] = ()        # the set of error headers (start of the line)
    error_summary: tuple[int, int] = (0, 0)  # ERROR SUMMARY: N errors from M contexts
    leaks: tuple[str, ...] = ()         # the set of loss record kinds
    address: str | None = None          # a phrase of the first error's address line
    status: int = 0                     # the native exit status (negative: signal)
    fatal: str | None = None            # "Process terminating ... (SIGSEGV)" if any


READ4 = "Invalid read of size 4"
COND = "Conditional jump or move depends on uninitialised value(s)"
VALUE8 = "Use of uninitialised value of size 8"
INVALID_FREE = "Invalid free() / delete / delete[] / realloc()"
MISMATCH = "Mismatched free() / delete / delete []"
FISHY = "Argument 'size' of function malloc has a fishy (possibly negative) value"

PROGRAMS: dict[str, Expect] = {
    "invalid_read_heap": Expect((READ4,), (1, 1), address="0 bytes after a block of size 40 alloc'd"),
    "invalid_write_heap": Expect(("Invalid write of size 4",), (1, 1),
                                 address="0 bytes after a block of size 20 alloc'd"),
    "invalid_read_freed": Expect((READ4,), (1, 1),
                                 address="8 bytes inside a block of size 40 free'd"),
    "invalid_free": Expect((INVALID_FREE,), (1, 1), address='inside data symbol "fake"'),
    "double_free": Expect((INVALID_FREE,), (1, 1),
                          address="0 bytes inside a block of size 40 free'd"),
    "mismatched_free": Expect((MISMATCH,), (2, 2),
                              address="0 bytes inside a block of size 40 alloc'd"),
    "uninit_cond": Expect((COND,), (1, 1)),
    "uninit_cond_stack": Expect((COND,), (1, 1)),
    "uninit_value_addr": Expect((VALUE8,), (1, 1)),
    "uninit_printf": Expect((COND, VALUE8), (4, 4)),
    "calloc_defined": Expect(),
    "realloc_ok": Expect(),
    "leak_definite": Expect(error_summary=(1, 1), leaks=(DEF,)),
    "leak_indirect": Expect(error_summary=(1, 1), leaks=(DEF, IND)),
    "leak_possible": Expect(error_summary=(1, 1), leaks=(POS,)),
    "leak_reachable": Expect(leaks=(REACH,)),
    "leak_mixed": Expect(error_summary=(4, 4), leaks=(DEF, IND, POS, REACH)),
    "fishy_malloc": Expect((FISHY,), (2, 2)),
    "memalign_family": Expect(),
    "cxx_new_delete": Expect(),
    "cxx_containers": Expect(),
    "clean_strings": Expect(),
    "clean_qsort_printf": Expect(),
    "clean_padding": Expect(),
    "overlap_memcpy": Expect(("Source and destination overlap in mempcpy(0x..., 0x..., 20)",),
                             (1, 1)),
    "syscall_param_write": Expect(("Syscall param write(buf) points to uninitialised byte(s)",),
                                  (1, 1), address="0 bytes inside a block of size 8 alloc'd"),
    "crash_after_error": Expect((READ4,), (2, 2), leaks=(REACH,), status=-11,
                                address="0 bytes after a block of size 16 alloc'd",
                                fatal="Process terminating with default action of signal 11 "
                                      "(SIGSEGV)"),
    "multi_error_dedup": Expect((READ4,), (101, 2),
                                address="0 bytes after a block of size 40 alloc'd"),
}

NAMES = sorted(PROGRAMS)


def source_of(name: str) -> Path:
    for ext in (".c", ".cc"):
        path = PROGS_DIR / (name + ext)
        if path.exists():
            return path
    raise FileNotFoundError(f"no source for {name} in {PROGS_DIR}")


def own_sources() -> frozenset[str]:
    """File names (as Valgrind prints them in frames) of the test programs' sources."""
    return frozenset(p.name for p in PROGS_DIR.iterdir() if p.suffix in (".c", ".cc"))


# ------------------------------------------------------------------ normalising

_PID = re.compile(r"^==\d+==", re.M)
_HEX = re.compile(r"0x[0-9A-Fa-f]+")
#: The banner at the top of a log: tool, copyright, version, command line, parent pid.
_BANNER = re.compile(r"^==PID== (Memcheck, a memory error detector|Copyright \(C\)|Using |"
                     r"Command: |Parent PID: )")


def normalise(text: str) -> str:
    """A text log without what changes from run to run: `==1234==` becomes `==PID==`,
    every hex number `0x...`, and the banner lines at the top are dropped."""
    text = _HEX.sub("0x...", _PID.sub("==PID==", text))
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines) and _BANNER.match(lines[i]):
        i += 1
    return "".join(lines[i:])


def normalise_xml(text: str, replace: dict[str, str] | None = None) -> str:
    """An XML log without what changes from run to run: pids, times, hex numbers, and the
    paths in `replace` (e.g. the temporary build directory and the sources' directory)."""
    for old, new in sorted((replace or {}).items(), key=lambda kv: -len(kv[0])):
        text = text.replace(old, new)
    text = re.sub(r"<(pid|ppid)>\d+</\1>", r"<\1>PID</\1>", text)
    text = re.sub(r"<time>[^<]*</time>", "<time>...</time>", text)
    return _HEX.sub("0x...", text)


# ------------------------------------------------------------------ summarising

_PREFIX = re.compile(r"^(?:==(?:\d+|PID)==) ?(.*)$")
_FRAME = re.compile(r"^\s+(?:at|by) 0x[0-9A-Fa-f.]+: (.*) \(([^()]*)\)$")
_OWN_LOC = re.compile(r"^(\S+):(\d+)$")
_NUM = r"([\d,]+)"
_IN_USE = re.compile(rf"in use at exit: {_NUM} bytes in {_NUM} blocks")
_TOTALS = re.compile(rf"total heap usage: {_NUM} allocs, {_NUM} frees, {_NUM} bytes allocated")
_LEAK_KIND = re.compile(rf"^\s*(definitely lost|indirectly lost|possibly lost|still reachable|"
                        rf"suppressed): {_NUM} bytes in {_NUM} blocks")
_LOSS = re.compile(rf"^{_NUM}(?: \({_NUM} direct, {_NUM} indirect\))? bytes in {_NUM} blocks "
                   r"are (definitely lost|indirectly lost|possibly lost|still reachable) "
                   r"in loss record \d+ of \d+$")
_ERROR_SUMMARY = re.compile(rf"ERROR SUMMARY: {_NUM} errors from {_NUM} contexts")
_FATAL = re.compile(r"^Process terminating with default action of signal")
ALL_FREED = "All heap blocks were freed -- no leaks are possible"
#: Paragraphs that are neither errors nor summaries.
_CHATTER = re.compile(r"^(For lists of detected|For counts of detected|Use --track-origins|"
                      r"Rerun with |Reachable blocks|To see them|Warning: |"
                      r"If you believe this happened)")


def _int(s: str) -> int:
    return int(s.replace(",", ""))


def _paragraphs(text: str) -> list[list[str]]:
    """The log's lines without their ==PID== prefix, in groups separated by blank lines
    (lines without the prefix, such as the program's own output, are left out)."""
    paras: list[list[str]] = []
    cur: list[str] = []
    for raw in text.splitlines():
        m = _PREFIX.match(raw)
        if not m:
            continue
        line = m.group(1).rstrip()
        if not line:
            if cur:
                paras.append(cur)
            cur = []
        else:
            cur.append(line)
    if cur:
        paras.append(cur)
    return paras


def _own_frame(stack: list[str], sources: frozenset[str]) -> str | None:
    """The first frame of `stack` in one of `sources`, as "func (file.c:12)"."""
    for line in stack:
        m = _FRAME.match(line)
        if m:
            loc = _OWN_LOC.match(m.group(2))
            if loc and loc.group(1) in sources:
                return f"{m.group(1)} ({m.group(2)})"
    return None


def _sections(para: list[str]) -> list[tuple[str, list[str]]]:
    """A paragraph as (title, frames) pairs: the header line with the stack after it,
    then each indented line that is not a frame (" Address 0x... is ...", " Block was
    alloc'd at") with the stack after it."""
    sections: list[tuple[str, list[str]]] = []
    for line in para:
        if _FRAME.match(line) and sections:
            sections[-1][1].append(line)
        else:
            sections.append((line.strip(), []))
    return sections


def summarise(log_text: str, sources: frozenset[str] | None = None) -> dict:
    """What a memcheck text log says, without what may differ between two correct
    implementations (addresses, pids, frames inside libc). `sources`: the file names that
    count as the program's own (default: the sources in memcheck_progs/).

    Returns a dict: errors (list of {header, frame, address, alloc, free}), fatal_signal
    (None or {header, detail, frame}), error_summary ((errors, contexts) or None),
    in_use_at_exit ((bytes, blocks) or None), heap_totals ((allocs, frees, bytes) or
    None), loss_records (list of {kind, bytes, direct_indirect, blocks, frame}),
    leak_summary ({kind: (bytes, blocks)}, or ALL_FREED, or None), other (paragraphs
    that are none of these, header line only).
    """
    if sources is None:
        sources = own_sources()
    text = normalise(log_text)  # (the banner would otherwise be an "other" paragraph)
    s: dict = {"errors": [], "fatal_signal": None, "error_summary": None,
               "in_use_at_exit": None, "heap_totals": None, "loss_records": [],
               "leak_summary": None, "other": []}
    for para in _paragraphs(text):
        head = para[0]
        if head == "HEAP SUMMARY:":
            body = "\n".join(para[1:])
            m = _IN_USE.search(body)
            if m:
                s["in_use_at_exit"] = (_int(m.group(1)), _int(m.group(2)))
            m = _TOTALS.search(body)
            if m:
                s["heap_totals"] = tuple(_int(g) for g in m.groups())
            continue
        if head == "LEAK SUMMARY:":
            kinds = {}
            for line in para[1:]:
                m = _LEAK_KIND.match(line)
                if m:
                    kinds[m.group(1)] = (_int(m.group(2)), _int(m.group(3)))
            s["leak_summary"] = kinds
            continue
        if head == ALL_FREED:
            s["leak_summary"] = ALL_FREED
            continue
        m = _LOSS.match(head)
        if m:
            total, direct, indirect, blocks, kind = m.groups()
            s["loss_records"].append({
                "kind": kind, "bytes": _int(total),
                "direct_indirect": (_int(direct), _int(indirect)) if direct else None,
                "blocks": _int(blocks), "frame": _own_frame(para[1:], sources)})
            continue
        summary_line = next((ln for ln in para if _ERROR_SUMMARY.search(ln)), None)
        if summary_line:
            m = _ERROR_SUMMARY.search(summary_line)
            s["error_summary"] = (_int(m.group(1)), _int(m.group(2)))
            continue
        sections = _sections(para)
        if _FATAL.match(head):
            detail = next((t for t, _ in sections[1:] if not _CHATTER.match(t)), None)
            s["fatal_signal"] = {"header": head, "detail": detail,
                                 "frame": _own_frame(para[1:], sources)}
            continue
        if _CHATTER.match(head):
            continue
        if not sections[0][1]:  # no stack: not an error record
            s["other"].append(head)
            continue
        err = {"header": head, "frame": _own_frame(sections[0][1], sources),
               "address": None, "alloc": None, "free": None}
        for title, stack in sections[1:]:
            if title.startswith("Address "):
                err["address"] = title
                if title.endswith("free'd"):
                    err["free"] = _own_frame(stack, sources)
                elif title.endswith("alloc'd"):
                    err["alloc"] = _own_frame(stack, sources)
            elif title.startswith("Block was alloc'd"):
                err["alloc"] = _own_frame(stack, sources)
        s["errors"].append(err)
    return s


def xml_error_kinds(xml_text: str) -> list[str]:
    """The <kind> of each <error> of an XML log, in order (ET.ParseError if it is not
    well-formed XML)."""
    root = ET.fromstring(xml_text)
    return [(e.findtext("kind") or "").strip() for e in root.iter("error")]


# ------------------------------------------------------------------ running

def build(pg, name: str) -> Path:
    src = source_of(name)
    return pg.build([src], flags=CFLAGS, name=f"memcheck-{name}")


def expected_text(name: str) -> str:
    path = EXPECTED_DIR / f"{name}.vg.txt"
    if not path.exists():
        pytest.fail(f"no expected file {path}: run {EXPECTED_DIR / 'regen.py'}", pytrace=False)
    return path.read_text()


def expected_xml(name: str) -> str:
    path = EXPECTED_DIR / f"{name}.vg.xml"
    if not path.exists():
        pytest.fail(f"no expected file {path}: run {EXPECTED_DIR / 'regen.py'}", pytrace=False)
    return path.read_text()


def run_valgrind(pg, exe: Path, out: Path, *, xml: bool = False):
    """Run `exe` under Valgrind's memcheck, the report going to `out`."""
    opts = ["--xml=yes", f"--xml-file={out}"] if xml else [f"--log-file={out}"]
    r = pg.run(["valgrind", *VALGRIND_OPTS, *opts, exe], timeout=VALGRIND_TIMEOUT)
    if not out.exists():
        pytest.fail("valgrind wrote no report\n" + pg.explain_run(r, "valgrind"), pytrace=False)
    return r


def valgrind_log(pg, exe: Path, name: str, tmp_path: Path) -> tuple[str, str]:
    """Valgrind's text log for `exe` (live if valgrind is installed, else the expected
    file) and where it came from."""
    if shutil.which("valgrind"):
        out = tmp_path / "valgrind.log"
        run_valgrind(pg, exe, out)
        return normalise(out.read_text()), "a live valgrind run"
    return expected_text(name), f"{EXPECTED_DIR.name}/{name}.vg.txt"


def valgrind_xml(pg, exe: Path, name: str, tmp_path: Path) -> tuple[str, str]:
    if shutil.which("valgrind"):
        out = tmp_path / "valgrind.xml"
        run_valgrind(pg, exe, out, xml=True)
        return out.read_text(), "a live valgrind run"
    return expected_xml(name), f"{EXPECTED_DIR.name}/{name}.vg.xml"


def run_memcheck(pg, exe: Path, out: Path, *, xml: bool = False):
    """Run `exe` under pygrind's memcheck, the report going to `out`; fail, showing
    pygrind's stderr, if there is no report."""
    opts = ["--xml=yes", f"--xml-file={out}"] if xml else [f"--log-file={out}"]
    r = pg.run_pygrind([exe], tool="memcheck", quiet=False, opts=[*MEMCHECK_OPTS, *opts],
                       timeout=TIMEOUT)
    if not out.exists():
        pytest.fail(f"pygrind wrote no {'XML ' if xml else ''}report to {out}\n"
                    + pg.explain_run(r, "pygrind"), pytrace=False)
    return r


def _show(summary: dict) -> str:
    return pprint.pformat(summary, width=100, sort_dicts=False)


def _summary_diff(theirs: dict, ours: dict) -> str:
    diff = difflib.unified_diff(_show(theirs).splitlines(), _show(ours).splitlines(),
                                "valgrind", "pygrind", n=2, lineterm="")
    return "\n".join(diff)


# ------------------------------------------------------------------ the tests

def test_every_program_is_listed():
    on_disk = {p.stem for p in PROGS_DIR.iterdir() if p.suffix in (".c", ".cc")}
    assert on_disk == set(PROGRAMS), "memcheck_progs/ and PROGRAMS disagree"


@pytest.mark.parametrize("name", NAMES)
def test_summariser_reads_valgrind_logs(name):
    """The expected files say what each program's name promises, and summarise() finds
    it (this one passes without pygrind's memcheck)."""
    exp = PROGRAMS[name]
    s = summarise(expected_text(name))
    why = f"summary of {name}.vg.txt:\n{_show(s)}"
    assert s["error_summary"] == exp.error_summary, why
    matched = set()
    for e in s["errors"]:
        kind = next((h for h in exp.errors if e["header"].startswith(h)), None)
        assert kind is not None, f"unexpected error {e['header']!r}\n{why}"
        matched.add(kind)
    assert matched == set(exp.errors), why
    non_leak_errors = s["error_summary"][0] - sum(
        r["kind"] in (DEF, POS) for r in s["loss_records"])
    assert (non_leak_errors > 0) == bool(exp.errors), why
    for e in s["errors"]:
        assert e["frame"] is not None, f"an error without an own-source frame\n{why}"
    if exp.address:
        assert s["errors"][0]["address"] and exp.address in s["errors"][0]["address"], why
    assert {r["kind"] for r in s["loss_records"]} == set(exp.leaks), why
    for r in s["loss_records"]:
        if r["frame"] is None:
            # only glibc's own stdio buffer (left when the process dies of a signal)
            assert exp.fatal and r["bytes"] == 4096, why
    assert s["in_use_at_exit"] is not None and s["heap_totals"] is not None, why
    if exp.leaks:
        summ = s["leak_summary"]
        assert isinstance(summ, dict), why
        for kind in (DEF, IND, POS, REACH):
            recs = [r for r in s["loss_records"] if r["kind"] == kind]
            assert summ[kind] == (sum(r["bytes"] if r["direct_indirect"] is None
                                      else r["direct_indirect"][0] for r in recs),
                                  sum(r["blocks"] for r in recs)), why
        assert s["in_use_at_exit"] == (sum(v[0] for k, v in summ.items() if k != "suppressed"),
                                       sum(v[1] for k, v in summ.items() if k != "suppressed"))
    else:
        assert s["leak_summary"] == ALL_FREED and s["in_use_at_exit"] == (0, 0), why
    if exp.fatal:
        assert s["fatal_signal"] and s["fatal_signal"]["header"] == exp.fatal, why
        assert s["fatal_signal"]["frame"] is not None, why
    else:
        assert s["fatal_signal"] is None, why
    assert s["other"] == [], why

    # the XML report has the same errors
    kinds = xml_error_kinds(expected_xml(name))
    assert len(kinds) == len(s["errors"]) + len(s["loss_records"]), (kinds, why)
    leak_kinds = [k for k in kinds if k.startswith("Leak_")]
    assert leak_kinds == [_XML_LEAK_KIND[r["kind"]] for r in s["loss_records"]], (kinds, why)
    root = ET.fromstring(expected_xml(name))
    assert (root.findtext("protocolversion") or "").strip() == "4"


_XML_LEAK_KIND = {DEF: "Leak_DefinitelyLost", IND: "Leak_IndirectlyLost",
                  POS: "Leak_PossiblyLost", REACH: "Leak_StillReachable"}


@pytest.mark.skipif(not shutil.which("valgrind"), reason="valgrind is not installed")
@pytest.mark.parametrize("name", NAMES)
def test_expected_files_are_current(pg, name, tmp_path):
    """Valgrind here says what the expected file says (else: regen.py)."""
    exe = build(pg, name)
    live, _ = valgrind_log(pg, exe, name, tmp_path)
    theirs, ours = summarise(expected_text(name)), summarise(live)
    assert theirs == ours, (f"{name}.vg.txt is out of date (run regen.py):\n"
                            + _summary_diff(theirs, ours))


@pytest.mark.parametrize("name", NAMES)
def test_memcheck_report_matches_valgrind(pg, name, tmp_path):
    exe = build(pg, name)
    native = pg.run([exe], timeout=60)
    assert native.returncode == PROGRAMS[name].status, (
        "the program itself misbehaves natively\n" + pg.explain_run(native, "native"))
    log = tmp_path / "pygrind.log"
    under = run_memcheck(pg, exe, log)
    ours_text = log.read_text()
    ours = summarise(ours_text)
    theirs_text, source = valgrind_log(pg, exe, name, tmp_path)
    theirs = summarise(theirs_text)

    def differ(title: str) -> str:
        return (f"{title} ({name}; Valgrind's report from {source})\n"
                f"--- diff of the summaries:\n{_summary_diff(theirs, ours)}\n"
                f"--- Valgrind's summary:\n{_show(theirs)}\n"
                f"--- pygrind's summary:\n{_show(ours)}\n"
                f"--- pygrind's log:\n{ours_text}\n" + pg.explain_run(under, "pygrind"))

    totals_theirs, totals_ours = theirs.pop("heap_totals"), ours.pop("heap_totals")
    assert ours == theirs, differ("pygrind's memcheck report differs from Valgrind's")
    # Compared exactly, apart: the counts include glibc's own allocations (stdio's
    # buffer...) on both sides, so a difference here may be in what the client's libc
    # did rather than in what memcheck counted.
    assert totals_ours == totals_theirs, differ(
        f"'total heap usage' (allocs, frees, bytes) differs: Valgrind {totals_theirs}, "
        f"pygrind {totals_ours}; everything else agrees")
    pg.assert_same(native, under, what=f"{name} under memcheck")


@pytest.mark.parametrize("name", NAMES)
def test_memcheck_xml_matches_valgrind(pg, name, tmp_path):
    exe = build(pg, name)
    out = tmp_path / "pygrind.xml"
    under = run_memcheck(pg, exe, out, xml=True)
    text = out.read_text()
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        pytest.fail(f"pygrind's XML report does not parse: {e}\n{pg.truncate(text)}",
                    pytrace=False)
    assert (root.findtext("protocolversion") or "").strip() == "4", text
    assert (root.findtext("protocoltool") or "").strip() == "memcheck", text
    theirs_text, source = valgrind_xml(pg, exe, name, tmp_path)
    theirs, ours = xml_error_kinds(theirs_text), xml_error_kinds(text)
    assert ours == theirs, (f"the <error> kinds differ from Valgrind's ({source}):\n"
                            f"  valgrind: {theirs}\n  pygrind:  {ours}\n"
                            f"--- pygrind's XML:\n{pg.truncate(text, 12000)}\n"
                            + pg.explain_run(under, "pygrind"))
    pg.assert_same(pg.run([exe], timeout=60), under, what=f"{name} under memcheck --xml=yes")
