"""The command line: `pygrind [options] program [args]`, with Valgrind's option names.

Exit status: the client's own; 1 for a bad option; 126/127 for a program that cannot be
run or found; a client killed by a signal kills pygrind with the same signal.
"""

from __future__ import annotations

import os
import sys

from . import __version__
from .core.errors import UserError

USAGE = """usage: pygrind [options] prog-and-args

  tool-selection option, with default in [ ]:
    --tool=<name>             use the pygrind tool named <name> [none]
                              (none, lackey, or module:Class for your own tool)

  basic user options for all pygrind tools, with defaults in [ ]:
    -h --help                 show this message
    --version                 show version
    -q --quiet                run silently; only print error msgs
    -v --verbose              be more verbose -- show misc extra info
    --log-file=<file>         log messages to <file>; %p is replaced by the pid,
                              %q{VAR} by $VAR
    --backend=jit|ref         how client code runs: jit (hot blocks compiled to
                              native code by LLVM, the rest translated to Python) or
                              ref (the reference backend: everything in Python) [jit]
    --jit-threshold=<n>       with the JIT, compile a block with LLVM once it has
                              run <n> times [50; 50000 for blocks of the vex tier]
    --jit-first-tier=vex|python  with the JIT, what runs a block before LLVM
                              compiles it: machine code from libVEX's own code
                              generator (used when the tool adds no
                              instrumentation) or the reference backend's Python [vex]
    --jit-optimize=yes|no     compile hot code again with LLVM's optimisations, on
                              a thread of its own [yes]
    --time-slice=<n>          blocks a client thread runs before another runnable
                              thread gets its turn [100000]
    --code-cache=yes|no       keep compiled blocks across runs in
                              ~/.cache/pygrind ($XDG_CACHE_HOME) [yes]
    --trace-children=no|yes   run programs started by execve under pygrind too
                              (no: they run natively; forked children are always
                              followed) [no]
    --child-silent-after-fork=no|yes  omit the messages of forked children [no]
    --vex-iropt-register-updates=unwindregs-at-mem-access|allregs-at-mem-access|
                                 allregs-at-each-insn
                              which registers a fault's signal handler sees exactly
                              [unwindregs-at-mem-access]

  user options for Lackey:
    --basic-counts=no|yes     count instructions, jumps, etc. [yes]
    --detailed-counts=no|yes  count loads, stores and alu ops per type [no]

  pygrind is Copyright (C) 2026, the pygrind developers; GPL-2.0-or-later.
  It lifts machine code to VEX IR with pyvex (libVEX, GPL-2.0).
"""

# Valgrind core options accepted for compatibility: given to a tool that declares them
# (memcheck's error reports use --num-callers, --xml...), else without effect.
_IGNORED = {"--num-callers", "--error-limit", "--error-exitcode", "--xml", "--xml-file",
            "--demangle", "--smc-check", "--read-var-info", "--read-inline-info",
            "--fair-sched", "--sigill-diagnostics", "--exit-on-first-error",
            "--show-below-main", "--time-stamp", "--max-stackframe", "--main-stacksize",
            "--run-libc-freeres", "--run-cxx-freeres"}
CORE_FOR_TOOLS = {o[2:] for o in _IGNORED}


def _bool(opt: str, v: str) -> bool:
    if v in ("yes", "no"):
        return v == "yes"
    raise UserError(f"Bad option: {opt}={v} (expected yes or no)")


def _choice(arg: str, v: str, choices: tuple[str, ...]) -> str:
    if v in choices:
        return v
    raise UserError(f"Bad option: {arg} (choose {' or '.join(choices)})")


def _int_at_least(opt: str, v: str, least: int) -> int:
    try:
        n = int(v)
    except ValueError:
        n = least - 1
    if n < least:
        raise UserError(f"Bad option: {opt} (expected a number, at least {least})")
    return n


def parse_args(argv: list[str]):
    """Split pygrind's options from the program and its arguments."""
    from .core.session import Options

    opts = Options()
    tool_args: dict[str, str] = {}
    i = 0
    while i < len(argv):
        a = argv[i]
        if not a.startswith("-") or a == "--":
            if a == "--":
                i += 1
            break
        name, eq, val = a.partition("=")
        if a in ("-h", "--help", "--help-debug"):
            sys.stdout.write(USAGE)
            raise SystemExit(0)
        if a == "--version":
            print(f"pygrind-{__version__}")
            raise SystemExit(0)
        if a in ("-q", "--quiet"):
            opts.quiet = True
        elif a in ("-v", "--verbose"):
            opts.verbose += 1
        elif name == "--tool" and eq:
            opts.tool = val
        elif name == "--log-file" and eq and val:
            opts.log_file = val
        elif name == "--backend" and eq:
            opts.backend = _choice(a, val, ("ref", "jit"))
        elif name == "--jit-threshold" and eq:
            opts.jit_hot = _int_at_least(a, val, 1)
            opts.jit_hot_set = True
        elif name == "--jit-first-tier" and eq:
            opts.first_tier = _choice(a, val, ("vex", "python"))
        elif name == "--jit-optimize" and eq:
            opts.jit_optimize = _bool(name, val)
        elif name == "--time-slice" and eq:
            opts.time_slice = _int_at_least(a, val, 2)
        elif name == "--code-cache" and eq:
            opts.code_cache = _bool(name, val)
        elif name == "--vex-iropt-register-updates" and eq:
            from .backend import precision

            if val not in precision.CHOICES:
                raise UserError(f"Bad option: {a} (choose one of {', '.join(precision.CHOICES)})")
            precision.REGISTER_UPDATES = val
        elif name == "--trace-children" and eq:
            opts.trace_children = _bool(name, val)
        elif name == "--child-silent-after-fork" and eq:
            opts.child_silent_after_fork = _bool(name, val)
        elif name == "--argv0" and eq:
            # private: a traced execve passes the argv[0] the client asked for
            opts.argv0 = val
            i += 1
            continue
        elif name in _IGNORED and eq:
            tool_args[name[2:]] = val
        elif eq and name.startswith("--"):
            tool_args[name[2:]] = val
        else:
            raise UserError(f"Unknown option: {a}")
        opts.raw.append(a)
        i += 1
    opts.tool_args = tool_args
    return opts, argv[i:]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        opts, rest = parse_args(argv)
        if not rest:
            raise UserError("no program specified")
        from .core.session import Session
        from .tools import load_tool

        tool_cls = load_tool(opts.tool)
        known = tool_cls.options()
        for k, v in list(opts.tool_args.items()):
            if k not in known:
                if k in CORE_FOR_TOOLS:
                    del opts.tool_args[k]
                    continue
                raise UserError(f"Unknown option: --{k}={v}")
        session = Session(opts, tool_cls, rest)
        # The program is checked (and loaded) before the banner, as Valgrind does, so
        # that a bad program gives one line of error and nothing else.
        session.load(rest[0], rest[1:], [f"{k}={v}" for k, v in os.environ.items()],
                     argv0=opts.argv0)
        session.banner()
    except UserError as e:
        hint = ""
        if e.status == 1 and str(e).startswith(("Unknown option", "Bad option", "no program")):
            hint = " (use --help for more information)"
        sys.stderr.write(f"pygrind: {e}{hint}\n")
        return e.status
    status = session.run()
    sys.stdout.flush()
    os._exit(status)  # skip interpreter teardown: it has nothing of the client's to flush


if __name__ == "__main__":
    sys.exit(main())
