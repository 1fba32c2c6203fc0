"""Per-instruction tests against the real CPU.

tests/cpu/insns.c runs a table of x86-64 instruction snippets (inline assembly) on fixed
inputs and prints, for every input combination, the registers, memory and flags they
changed (see the comment at its top for the line format). The harness runs once per
group of snippets natively and once under pygrind; each snippet is one test here, which
passes when every one of its lines is identical in both runs. Snippets that need a CPU
feature this host lacks (per /proc/cpuinfo) are skipped.

When pygrind dies in the middle of a group (an undecodable instruction, say, or a fault
it cannot deliver to the client's handler), the snippet it died in fails with pygrind's
stderr, and the group is run again without it, so the other snippets are still tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pygrind_testlib as lib
import pytest

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "insns.c"
# Static and at a fixed address: fastest to start under pygrind, and fault addresses
# are the same in both runs (the harness prints them relative to labels anyway).
CFLAGS = ["-O2", "-g", "-Wall", "-static", "-fno-pie", "-no-pie"]
GROUP_TIMEOUT = 300    # one pygrind run of one group
MAX_RESTARTS = 15      # per group: how many crashing snippets are stepped over


@dataclass(frozen=True)
class Snippet:
    name: str
    group: str
    feature: str  # "" when the baseline x86-64 instruction set is enough


@cache
def host_features() -> frozenset[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


@cache
def harness() -> tuple[Path | None, list[Snippet], str]:
    """Build the harness and list its snippets: (exe, snippets, error)."""
    try:
        exe = lib.build([SOURCE], flags=CFLAGS, name="cpu-insns", on_error="raise")
    except lib.BuildError as e:
        return None, [], str(e)
    except pytest.skip.Exception as e:  # no gcc here
        return None, [], f"SKIP: {e}"
    r = lib.run([exe, "--list"], timeout=60)
    if r.returncode != 0:
        return None, [], f"{exe} --list failed: {r.status()}\n{r.stderr.decode(errors='replace')}"
    snippets = []
    for line in r.stdout.decode().splitlines():
        name, group, feature = line.split()
        snippets.append(Snippet(name, group, "" if feature == "-" else feature))
    return exe, snippets, ""


_VEX = "libVEX limitation, Valgrind 3.19 shows the same difference: "
#: snippets known to differ from the CPU, and why (strict: a fix makes them fail loudly)
KNOWN = {
    "rcl": _VEX + "RCL/RCR by a count of 0 change OF instead of leaving the flags alone",
    "rcr": _VEX + "RCL/RCR by a count of 0 change OF instead of leaving the flags alone",
    "pushfq_bits": _VEX + "pushfq leaves out the always-set bit 1 and IF",
    "addsd_rc": _VEX + "SSE arithmetic ignores the MXCSR rounding mode",
    "mulsd_rc": _VEX + "SSE arithmetic ignores the MXCSR rounding mode",
    "divsd_rc": _VEX + "SSE arithmetic ignores the MXCSR rounding mode",
    "sqrtsd_rc": _VEX + "SSE arithmetic ignores the MXCSR rounding mode",
    "lea16": _VEX + "lea with a 16-bit operand size is not decoded",
    "ftst_fnstsw": _VEX + "ftst is not decoded",
    "pcmpistri_04": _VEX + "pcmpistri's ranges mode (imm 0x04) is not decoded",
    "dpps": _VEX + "the products are summed as (p3+p2)+(p1+p0), the CPU does (p0+p1)+(p2+p3): "
            "with two NaN products the other NaN comes out",
    "dppd": _VEX + "the products are summed as p1+p0, the CPU does p0+p1: with two NaN "
            "products the other NaN comes out",
}


def _known(name: str) -> str | None:
    for prefix, why in KNOWN.items():
        if name == prefix or (name.startswith(prefix) and (prefix.endswith("_") or
                                                           name.endswith("_cl"))):
            return why
    return None


def pytest_generate_tests(metafunc):
    if "snippet" in metafunc.fixturenames:
        exe, snippets, error = harness()
        if exe is None:
            metafunc.parametrize("snippet", [error], ids=["harness-not-built"])
        else:
            params = []
            for s in snippets:
                why = _known(s.name)
                marks = [pytest.mark.xfail(reason=why, strict=True)] if why else []
                params.append(pytest.param(s, marks=marks, id=s.name))
            metafunc.parametrize("snippet", params)


def _lines_by_snippet(stdout: bytes) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in stdout.decode(errors="replace").splitlines():
        if "#" in line and " in:" in line:
            out.setdefault(line.split("#", 1)[0], []).append(line)
    return out


def _feature_arg() -> str:
    """The CPU features (of those some snippet needs) that this host has."""
    _, snippets, _ = harness()
    wanted = {s.feature for s in snippets if s.feature}
    return ",".join(sorted(wanted & host_features())) or "-"


def run_group(group: str) -> dict:
    """Run one group natively and under pygrind (stepping over snippets pygrind dies in).
    Returns plain data (shared between xdist workers through a pickle)."""
    exe, snippets, _ = harness()
    feats = _feature_arg()
    expected = [s.name for s in snippets
                if s.group == group and (not s.feature or s.feature in host_features())]
    native = lib.run([exe, group, feats], timeout=120)
    result = {
        "native": _lines_by_snippet(native.stdout),
        "native_status": native.status(),
        "pygrind": {},
        "crashes": {},   # snippet -> what happened
        "runs": [],      # one summary per pygrind run
    }
    skip: list[str] = []
    for _ in range(MAX_RESTARTS + 1):
        r = lib.run_pygrind([exe, group, feats, ",".join(skip) or "-"], timeout=GROUP_TIMEOUT)
        got = _lines_by_snippet(r.stdout)
        for name, lines in got.items():
            result["pygrind"].setdefault(name, lines)
        stderr = lib.truncate(r.stderr.decode(errors="replace"), 3000)
        summary = (f"{r.command()}\n  status: {r.status()}, {r.seconds:.1f} s\n  stderr:\n"
                   + "".join("    " + ln + "\n" for ln in stderr.splitlines()))
        result["runs"].append(summary)
        finished = r.returncode == 0 and b"ALL DONE" in r.stdout[-200:]
        if finished:
            break
        culprit = next((n for n in expected
                        if n not in result["pygrind"] and n not in skip), None)
        if culprit is None:
            break
        result["crashes"][culprit] = summary
        skip.append(culprit)
    return result


def _show_pair(nat: str, pyg: str | None) -> str:
    head, _, nat_out = nat.partition(" | ")
    if pyg is None:
        return f"  {head}\n    native : {nat_out}\n    pygrind: (no such line)\n"
    _, _, pyg_out = pyg.partition(" | ")
    return f"  {head}\n    native : {nat_out}\n    pygrind: {pyg_out}\n"


def test_insn(pg, pytestconfig, snippet):
    if isinstance(snippet, str):
        if snippet.startswith("SKIP: "):
            pytest.skip(snippet[6:])
        pytest.fail(f"the CPU test harness did not build:\n{snippet}", pytrace=False)
    if snippet.feature and snippet.feature not in host_features():
        pytest.skip(f"this CPU lacks {snippet.feature}")
    exe, _, _ = harness()
    res = lib.once_per_run(pytestconfig, f"cpu-group:{exe}:{snippet.group}",
                           lambda: run_group(snippet.group))
    nat = res["native"].get(snippet.name)
    assert nat, (f"the harness printed nothing natively for {snippet.name} "
                 f"({res['native_status']}): a bug in the harness")
    if snippet.name in res["crashes"]:
        pytest.fail(f"pygrind died while running snippet {snippet.name} "
                    f"(group {snippet.group}):\n{res['crashes'][snippet.name]}\n"
                    f"first native line:\n{_show_pair(nat[0], None)}", pytrace=False)
    pyg = res["pygrind"].get(snippet.name)
    if pyg is None:
        pytest.fail(f"no output from snippet {snippet.name} under pygrind; the runs of group "
                    f"{snippet.group}:\n" + "\n".join(res["runs"]), pytrace=False)
    pyg_by_key = {ln.partition(" in:")[0]: ln for ln in pyg}
    bad = [(n, pyg_by_key.get(n.partition(" in:")[0])) for n in nat
           if pyg_by_key.get(n.partition(" in:")[0]) != n]
    extra = len(pyg) - len(nat)
    if bad or extra:
        msg = (f"{snippet.name}: {len(bad)} of {len(nat)} input combinations differ from "
               f"the CPU (fl= is C P A Z S O: upper case set, lower case clear, '.' "
               f"undefined)\n")
        msg += "".join(_show_pair(n, p) for n, p in bad[:8])
        if len(bad) > 8:
            msg += f"  [... {len(bad) - 8} more]\n"
        if extra:
            msg += f"  pygrind printed {len(pyg)} lines, the CPU {len(nat)}\n"
        pytest.fail(msg, pytrace=False)


def test_harness_covers_every_group():
    """The listing itself: every snippet belongs to a known group, names are unique."""
    exe, snippets, error = harness()
    if error.startswith("SKIP: "):
        pytest.skip(error[6:])
    assert exe is not None, error
    names = [s.name for s in snippets]
    assert len(names) == len(set(names))
    groups = {s.group for s in snippets}
    assert {"arith", "logic", "mul", "div", "shift", "shxd", "bits", "move", "cond", "string",
            "sse2i", "sse2f", "ssse3", "sse41", "sse42", "x87", "faults"} <= groups
