"""A 20-line pygrind tool: counts guest instructions and system calls by name.

    .venv/bin/pygrind --tool=examples.count:CountTool /bin/ls
(run from the repository root, or put this file anywhere on PYTHONPATH)
"""

from collections import Counter

from pyvex import stmt

from pygrind.tool import AddCounter, Tool, syscall_name


class CountTool(Tool):
    name = "count"
    description = "Count, an example pygrind tool"

    def start(self):
        self.insns = self.counters.new("instructions")
        self.syscalls = Counter()

    def instrument(self, irsb, info):
        out = []
        for s in irsb.statements:
            out.append(s)
            if isinstance(s, stmt.IMark):  # one guest instruction starts here
                out.append(AddCounter(self.insns))
        irsb.statements = out
        return irsb

    def pre_syscall(self, sysno, args):
        self.syscalls[syscall_name(sysno)] += 1

    def fini(self, exitcode):
        self.msg(f"instructions: {self.counters[self.insns]:,}")
        for name, n in self.syscalls.most_common(3):
            self.msg(f"syscall {name}: {n}")
