"""Which guest registers are exact when client code faults (Valgrind's
--vex-iropt-register-updates). Kept apart from iropt so that reading it at start-up does
not import pyvex. One setting per process."""

#: "unwindregs-at-mem-access" (the default: stack and frame pointer), or
#: "allregs-at-mem-access" / "allregs-at-each-insn" (every register), for signal handlers
#: that read or change any register of a faulting instruction's context
REGISTER_UPDATES = "unwindregs-at-mem-access"
CHOICES = ("unwindregs-at-mem-access", "allregs-at-mem-access", "allregs-at-each-insn")


def all_registers_precise() -> bool:
    return REGISTER_UPDATES != "unwindregs-at-mem-access"
