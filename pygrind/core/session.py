"""A session: one client program run under one tool, from load to exit.

It owns the address space, the client thread, the translator and the tool, runs the
dispatch loop (find or make the translation for the guest PC, run it, act on how it
ended), and turns the client's end (exit, fatal signal) into Valgrind's report and
pygrind's own exit status.
"""

from __future__ import annotations

import ctypes
import dataclasses
import errno
import os
import signal as pysignal
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import jumpkinds, loader, signals, syscalls
from .aspace import AddressSpace
from .debuginfo import DebugInfo, format_frame
from .errors import (
    FPE_INTDIV,
    ILL_ILLOPN,
    SEGV_MAPERR,
    ClientExit,
    ClientFault,
    ClientKilled,
    ThreadExit,
)
from .output import Output
from .state import (
    GPRS,
    IP_AT_SYSCALL,
    R8,
    R9,
    R10,
    R11,
    RAX,
    RBP,
    RCX,
    RDI,
    RDX,
    RIP,
    RSI,
    RSP,
    GuestState,
)
from .threads import TIME_SLICE, Scheduler, Thread
from .translate import Translator

if TYPE_CHECKING:
    from ..tool import Tool

#: hot blocks compiled together (the hotness threshold is --jit-threshold)
JIT_QUEUE = 32
#: the time slice of a thread that is the only one (see _loop_jit)
SOLO_SLICE = 2_000_000
#: seconds a hot block of the libVEX tier waits for its batch to fill
PROMOTE_AFTER = 0.005

SIGNAMES = {s.value: s.name for s in pysignal.Signals}
_EINTR = (-errno.EINTR) & 0xFFFFFFFFFFFFFFFF
_EXIT_GROUP = syscalls.NUMBERS["exit_group"]


@dataclass
class Options:
    """Core options (Valgrind's names); tools parse their own."""

    tool: str = "none"
    quiet: bool = False
    verbose: int = 0
    log_file: str | None = None
    backend: str = "jit"
    code_cache: bool = True
    jit_hot: int = 50
    #: --jit-threshold was given (else blocks of the vex tier use VEX_HOT)
    jit_hot_set: bool = False
    jit_optimize: bool = True
    #: what runs a block before LLVM compiles it: "vex" (backend/vexcg, when the tool
    #: adds no instrumentation) or "python" (backend/ref)
    first_tier: str = "vex"
    #: blocks a thread runs before another waiting thread gets the CPU
    time_slice: int = TIME_SLICE
    trace_children: bool = False
    argv0: str | None = None
    child_silent_after_fork: bool = False
    #: pygrind's own options as given, for children run with --trace-children=yes
    raw: list[str] = field(default_factory=list)
    tool_args: dict[str, str] = field(default_factory=dict)


class Session:
    def __init__(self, options: Options, tool_cls: type[Tool], argv: list[str]) -> None:
        from ..tool import Counters

        self.options = options
        self.argv = argv
        self.out = Output(options.log_file, options.quiet, options.verbose)
        self.own_fds = {self.out.fd}
        self.aspace = AddressSpace()
        self.debuginfo = DebugInfo()
        self.counters = Counters()
        self.sigactions: dict[int, bytes] = {}
        #: signals pending for the process (any thread not blocking them takes them)
        self.proc_pending: dict[int, bytes] = {}
        self.exe_path = ""
        self.thread = Thread(os.getpid(), GuestState())
        #: the client's live threads by tid; `thread` is the one running now
        self.threads: dict[int, Thread] = {self.thread.tid: self.thread}
        self.sched = Scheduler(self._switched_to)
        self.tool = tool_cls(self)
        for k, v in options.tool_args.items():
            self.tool.set_option(k, v)
        self.translator = Translator(self, self.aspace)
        jit = self.translator.jit
        budget = counter = None
        if jit is not None:
            ctx_addr, Ctx = ctypes.addressof(jit.engine.ctx), type(jit.engine.ctx)
            budget, counter = ctx_addr + Ctx.budget.offset, ctx_addr + Ctx.vex_counter.offset
        self.host_signals = signals.HostSignals(budget, counter)
        self.syscall_count = 0
        self._exit_diverted = False
        self._unwinder = None
        #: in a vfork child: (pipe to the parent, parent's stack pointer)
        self.vfork_report: tuple[int, int] | None = None

    def _switched_to(self, th: Thread) -> None:
        self.thread = th

    # -- services for syscalls and tools ----------------------------------------------

    def warn_once(self, key: object, line: str) -> None:
        self.out.warn_once(key, line)

    def object_mapped(self, path: str, start: int, length: int, offset: int) -> None:
        """The client mapped part of a file executable: let debug info know about it."""
        if not path or path.startswith(("/dev/", "/memfd:", "anon_inode:")):
            return
        try:
            bias = loader.elf_bias_for_mapping(path, start, offset)
        except OSError:
            return
        if bias is not None:
            self.debuginfo.add_object(path, bias, start, start + length)
            self.tool.object_loaded(path, start, start + length)

    def before_exec(self) -> None:
        """The client is about to replace itself with a native program."""
        self.translator.save_cache()
        if self.options.verbose:
            self.out.msg("execve: the new program runs natively (--trace-children=no)")

    def object_unmapped(self, start: int, length: int) -> None:
        self.debuginfo.remove_range(start, start + length)
        self.tool.object_unloaded(start, start + length)

    def describe_fn(self, addr: int) -> str | None:
        return self.debuginfo.describe(addr).fn

    def send_signal_to_self(self, sig: int) -> int:
        """A signal the kernel would raise for the running thread (SIGPIPE on EPIPE)."""
        signals.send(self, self.thread, sig, signals.siginfo(sig, signals.SI_USER, pid=os.getpid(),
                                                             uid=os.getuid()))
        return 0

    def blocking(self):
        """Context for a host call that may block: other client threads run meanwhile."""
        return self.sched.unlocked(self.thread)

    # -- running -------------------------------------------------------------------------

    def load(self, program: str, args: list[str], env: list[str],
             argv0: str | None = None) -> loader.Program:
        argv = [argv0 if argv0 is not None else program] + args
        prog = loader.load_program(self.aspace, program, argv, env, hwcap=0x178BFBFF)
        self.exe_path = os.path.realpath(prog.exe.path)
        for o in prog.objects:
            self.debuginfo.add_object(o.path, o.bias, o.start, o.end)
            self.tool.object_loaded(o.path, o.start, o.end)
        st = self.thread.state
        st.put(RSP, prog.rsp)
        st.put(RIP, prog.entry)
        # The kernel starts a process with rdx = 0 (no atexit function for _start to register).
        for off in GPRS.values():
            if off != RSP:
                st.put(off, 0)
        return prog

    def banner(self) -> None:
        if self.options.quiet:
            return
        from .. import __version__

        out = self.out
        out.msg(f"{self.tool.description or self.tool.name}")
        out.msg("Copyright (C) 2026, the pygrind developers; GNU GPL'd (GPL-2.0-or-later).")
        out.msg(f"Using pygrind-{__version__} and LibVEX (pyvex); rerun with -h for copyright info")
        out.msg("Command: " + " ".join(self.argv))
        out.msg()

    def run(self) -> int:
        """Run the client to its end; returns pygrind's exit status (or re-raises its
        fatal signal)."""
        th = self.thread
        # The JIT's thread (lifting and compiling hot code) wants the GIL while native
        # client code runs without it; the client thread, back in Python for a system
        # call or a time slice's end, should not wait Python's default 5 ms for it.
        sys.setswitchinterval(0.0002)
        self.sched.acquire(th)
        signals.install(self)
        self.tool.start()
        self._run_thread(th)
        # The main thread exited alone; the process ends when its last thread does,
        # from that thread (see _run_thread).
        threading.Event().wait()
        return 0  # not reached

    def _run_thread(self, th: Thread) -> None:
        """Run one client thread, holding the big lock, until it or the process ends."""
        try:
            if self.translator.jit is not None:
                self._loop_jit(th)
            else:
                self._loop(th)
        except ThreadExit:
            self._thread_gone(th)
        except ClientExit as e:
            status = self._finish(e.status)
            self._exit_process(status)
        except ClientKilled as e:
            self._report_kill(e)
            self._finish(128 + e.signo, killed=True)
            self._die_of(e.signo)

    def _exit_process(self, status: int) -> None:
        sys.stdout.flush()
        os._exit(status)

    def _thread_gone(self, th: Thread) -> None:
        """A thread's exit (not the process's): the kernel clears and wakes its
        CLONE_CHILD_CLEARTID word, which is how pthread_join learns of it."""
        if th.clear_child_tid:
            try:
                self.aspace.write(th.clear_child_tid, bytes(4))
                syscalls.host_syscall(202, self.aspace.host(th.clear_child_tid), 1, 1)  # FUTEX_WAKE
            except MemoryError:
                pass
        del self.threads[th.tid]
        self.sched.release()

    def start_thread(self, state: GuestState, sigmask: int) -> Thread:
        """clone() of a thread: a new host thread runs the client thread with `state`
        once the scheduler lets it. Returns it (its tid is the host thread's)."""
        th = Thread(0, state, sigmask)
        ready = threading.Event()

        def main() -> None:
            th.tid = threading.get_native_id()
            ready.set()
            self.sched.acquire(th)
            self._run_thread(th)

        threading.Thread(target=main, daemon=True, name="client-thread").start()
        ready.wait()
        self.threads[th.tid] = th
        return th

    def after_fork_child(self, th: Thread) -> None:
        """In the child of a fork: this thread is all there is, with a new pid."""
        pid = os.getpid()
        th.tid = pid
        self.threads = {pid: th}
        self.proc_pending = {}
        th.pending = {}
        self.sched.reset_after_fork(th)
        old_fd = self.out.fd
        self.out.after_fork(pid, silent=self.options.child_silent_after_fork)
        self.own_fds.discard(old_fd)
        self.own_fds.add(self.out.fd)

    def _boundary(self, th: Thread, pc: int) -> int:
        """Between blocks, when a signal arrived or the time slice is over."""
        if self.translator.optimizer is not None:
            self.translator.poll_hot_modules()
        if signals.has_deliverable(self, th):
            pc = signals.deliver(self, th, pc)
        if self.sched.others_waiting():
            self.sched.yield_to_others(th)
            if signals.has_deliverable(self, th):
                pc = signals.deliver(self, th, pc)
        return pc

    def _loop(self, th: Thread) -> None:
        st = th.state
        S, SQ, SI, SA = st.buf, st.q, st.i, st.addr
        fns = self.translator.fns
        translate = self.translator.translate
        signalled = self.host_signals.word
        pc = st.get(RIP)
        left = slice_blocks = self.options.time_slice
        while True:
            try:
                while True:
                    fn = fns.get(pc)
                    if fn is None:
                        fn = translate(pc)
                    pc, jk = fn(S, SQ, SI, SA)
                    if jk:
                        pc = self._special(pc, jk)
                    left -= 1
                    if left <= 0 or signalled[0]:
                        pc = self._boundary(th, pc)
                        left = slice_blocks
            except (ClientExit, ClientKilled, ThreadExit):
                raise
            except Exception as e:
                pc = self._after_exception(e, pc)

    def _loop_jit(self, th: Thread) -> None:
        """The dispatch loop with the JIT, in two tiers. Code runs first as reference
        (Python) translations, which cost little to make and are kept on disk; a block
        that has run --jit-threshold times is queued, and queued blocks are compiled by LLVM in
        batches. Once a block is native, the native dispatcher runs chains of native
        blocks, and Python acts only on what stops it (a block that is not native, a
        system call or other special jump, a fault recorded by a callback, a signal, the
        end of the time slice)."""
        from ..backend.llvm import engine as E

        st = th.state
        S, SQ, SI, SA = st.buf, st.q, st.i, st.addr
        tr = self.translator
        jit = tr.jit
        ctx = jit.engine.ctx
        ctx_addr = ctypes.addressof(ctx)
        dispatch = jit.engine.dispatch
        fns = tr.fns
        native = tr.native
        hot: dict[int, int] = {}
        queue: list[int] = []
        queued_at = 0.0
        hot_at = self.options.jit_hot
        signalled = self.host_signals.word
        optimized = tr.optimizer.done if tr.optimizer is not None else []
        vex_jumpkinds = {}
        if tr.vex is not None:
            from ..backend.vexcg import TRC_JUMPKINDS as vex_jumpkinds
        pc = st.get(RIP)
        left = slice_blocks = self.options.time_slice
        # Alone, a thread has nobody to hand over to: native code then runs longer
        # between its returns to Python, which each may wait for the GIL if the JIT's
        # thread is busy (not with the Python tier: its slice also paces other work)
        solo_blocks = max(slice_blocks, SOLO_SLICE) if tr.vex is not None else slice_blocks
        while True:
            try:
                while True:
                    if pc in native:
                        ctx.exit_kind = 0
                        ctx.budget = left
                        pc = dispatch(SA, ctx_addr, pc)
                        left = ctx.budget
                        kind = ctx.exit_kind
                        if optimized:
                            tr.take_optimized()
                            optimized = tr.optimizer.done
                        if kind == E.EXIT_JUMPKIND:
                            pc = self._special(pc, ctx.jk)
                        elif kind == E.EXIT_FAULT:
                            f, jit.pending_fault = jit.pending_fault, None
                            raise f
                        elif kind == E.EXIT_VEXTRC:
                            jk = vex_jumpkinds.get(ctx.jk, -1)
                            if jk:
                                pc = self._special(pc, jk)
                        elif kind == E.EXIT_HOT:
                            if not queue:
                                queued_at = time.monotonic()
                            queue.append(pc)
                            if len(queue) >= JIT_QUEUE:
                                tr.promote(queue)
                                queue = []
                        elif kind == E.EXIT_MISS and pc in native:
                            jit.engine.link(pc, native[pc])  # its slot was taken by another
                        if left > slice_blocks and len(self.threads) > 1:
                            left = slice_blocks  # a thread was just made
                        if queue and tr.vex is not None and time.monotonic() - queued_at > PROMOTE_AFTER:
                            # hot blocks of the vex tier are seen once: a batch that fills
                            # slowly goes anyway, at the first return to Python after 5 ms
                            tr.promote(queue)
                            queue = []
                        if left <= 1 or signalled[0]:
                            pc = self._boundary(th, pc)
                            left = solo_blocks if len(self.threads) == 1 else slice_blocks
                        continue
                    fn = fns.get(pc)
                    if fn is None:
                        if tr.vex is not None and tr.translate_vex(pc):
                            continue
                        fn = tr.translate(pc)
                        if tr.try_native(pc):
                            continue
                    n = hot.get(pc, 0) + 1
                    hot[pc] = n
                    if n == hot_at:
                        queue.append(pc)
                        if len(queue) >= JIT_QUEUE:
                            tr.compile_hot(queue)
                            queue = []
                    elif n == 2 * hot_at and queue:
                        # a queued block still running here: a hot loop is waiting for
                        # a batch that may never fill, so compile what is queued now
                        tr.compile_hot(queue)
                        queue = []
                    pc, jk = fn(S, SQ, SI, SA)
                    if jk:
                        pc = self._special(pc, jk)
                    left -= 1
                    if left <= 1 or signalled[0]:
                        pc = self._boundary(th, pc)
                        left = slice_blocks
            except (ClientExit, ClientKilled, ThreadExit):
                raise
            except Exception as e:
                pc = self._after_exception(e, pc)

    def _after_exception(self, e: Exception, pc: int) -> int:
        """What both dispatch loops do when running client code raised: a client fault
        (or a division that faults as x86 DIV does) is delivered; anything else is an
        internal error. Returns the PC to go on at."""
        if isinstance(e, ClientFault):
            if e.pc is None:
                e.pc = self.translator.fault_pc(e.__traceback__)
            return self._deliver_fault(e)
        if isinstance(e, ZeroDivisionError):
            f = ClientFault(pysignal.SIGFPE, FPE_INTDIV, 0, "divide")
            f.pc = self.translator.fault_pc(e.__traceback__)
            f.addr = f.pc or 0
            return self._deliver_fault(f)
        self._internal_error(e, pc)
        return pc  # not reached: an internal error ends the process

    def _special(self, pc: int, jk: int) -> int:
        st = self.thread.state
        if jk == jumpkinds.SYSCALL:
            st.put(RIP, pc)
            st.put(IP_AT_SYSCALL, pc - 2)
            th = self.thread
            if st.get(RAX) == syscalls.NUMBERS["rt_sigreturn"]:
                pc = signals.sigreturn(self, th)
            elif st.get(RAX) == _EXIT_GROUP and not self._exit_diverted:
                # a tool may run client code first (memcheck: glibc's freeres, as
                # Valgrind does), which then makes the call again
                self._exit_diverted = True
                to = self.tool.before_exit(st.get(RDI))
                if to is None:
                    return self._special(pc, jk)
                return to
            else:
                nr = self._syscall(st)
                if st.get(RAX) == _EINTR:
                    # a host signal interrupted the call: deliver, then restart or fail
                    return signals.deliver(self, th, pc, (pc - 2, nr, syscalls.NAMES.get(nr, "")))
            if signals.has_deliverable(self, th):
                pc = signals.deliver(self, th, pc)
            return pc
        if jk == jumpkinds.NODECODE:
            self._report_nodecode(pc)
            f = ClientFault(pysignal.SIGILL, ILL_ILLOPN, pc, "illegal")
            f.pc = pc
            raise f
        if jk == jumpkinds.SIGSEGV:
            f = ClientFault(pysignal.SIGSEGV, 0x80, 0, "general protection")
            f.pc = pc
            raise f
        if jk == jumpkinds.SIGTRAP:
            try:
                hlt = self.aspace.read(pc - 1, 1) == b"\xf4"
            except MemoryError:
                hlt = False
            if hlt:
                # VEX ends a block after hlt with SigTRAP; in user mode the CPU raises #GP
                # at the hlt, which Linux delivers as SIGSEGV (SI_KERNEL)
                f = ClientFault(pysignal.SIGSEGV, 0x80, 0, "general protection")
                f.pc = pc - 1
            else:
                f = ClientFault(pysignal.SIGTRAP, 0x80, 0, "trap")
                f.pc = pc
            raise f
        if jk in (jumpkinds.SIGILL, jumpkinds.EMFAIL, jumpkinds.INT):
            f = ClientFault(pysignal.SIGILL, ILL_ILLOPN, pc, "illegal")
            f.pc = pc
            raise f
        if jk == jumpkinds.SIGFPE:
            f = ClientFault(pysignal.SIGFPE, FPE_INTDIV, pc, "divide")
            f.pc = pc
            raise f
        if jk == jumpkinds.SIGBUS:
            f = ClientFault(pysignal.SIGBUS, 2, 0, "bus")
            f.pc = pc
            raise f
        if jk == jumpkinds.CLIENTREQ:
            return pc
        raise RuntimeError(f"unexpected jump kind {jk}")

    def _syscall(self, st: GuestState) -> int:
        nr = st.get(RAX)
        args = (st.get(RDI), st.get(RSI), st.get(RDX), st.get(R10), st.get(R8), st.get(R9))
        self.syscall_count += 1
        self.tool.pre_syscall(nr, args)
        res = syscalls.dispatch(self, nr, args)
        self.tool.post_syscall(nr, args, res)
        st.put(RAX, res)
        # syscall clobbers rcx (return address) and r11 (rflags)
        st.put(RCX, st.get(RIP))
        st.put(R11, st.rflags() | 0x202)
        if self.options.verbose > 1:
            self.out.msg(f"SYSCALL {syscalls.NAMES.get(nr, nr)}({', '.join(hex(a) for a in args)}) = {res}")
        return nr

    def _deliver_fault(self, f: ClientFault) -> int:
        """A synchronous signal in client code: to the client's handler, or its default
        action."""
        if f.signo == pysignal.SIGSEGV and f.detail in ("read", "write") and f.pc is not None:
            self.tool.memory_fault(f.addr, f.size, f.detail == "write", f.pc)
        return signals.deliver_fault(self, self.thread, f)

    # -- the end -------------------------------------------------------------------------

    def stack_trace(self, pc: int, max_frames: int = 12) -> list[str]:
        """Valgrind's `at ...` / `by ...` lines for the current thread stopped at pc."""
        from .debuginfo import is_trace_end
        from .unwind import Unwinder

        if self._unwinder is None:
            self._unwinder = Unwinder(self.debuginfo)
        st = self.thread.state
        mem = self.aspace

        def read_u64(a: int) -> int | None:
            try:
                return int.from_bytes(mem.read(a, 8), "little")
            except MemoryError:
                return None

        try:
            addrs = self._unwinder.stack_trace(pc, st.get(RSP), st.get(RBP), read_u64, max_frames)
        except Exception:  # a trace is a diagnostic: never let it take the report down
            addrs = [pc]
        lines = []
        for i, a in enumerate(addrs or [pc]):
            fr = self.debuginfo.describe(a if i == 0 else a - 1)
            if i:
                fr = dataclasses.replace(fr, addr=a)
            lines.append(format_frame(fr, i == 0))
            if is_trace_end(fr):
                break
        return lines

    def _report_nodecode(self, pc: int) -> None:
        try:
            code = self.aspace.read(pc, 8)
        except MemoryError:
            code = b""
        self.out.msg("vex amd64->IR: unhandled instruction bytes: "
                     + " ".join(f"0x{b:X}" for b in code))
        self.out.msg(f"pygrind: Unrecognised instruction at address {pc:#x}.")
        for line in self.stack_trace(pc):
            self.out.msg("   " + line)
        self.out.lines(
            "Your program just tried to execute an instruction that pygrind\n"
            "did not recognise.  There are two possible reasons for this.\n"
            "1. Your program has a bug and erroneously jumped to a non-code\n"
            "   location.  If you are running Memcheck and you just saw a\n"
            "   warning about a bad jump, it's probably your program's fault.\n"
            "2. The instruction is legitimate but pygrind (through VEX) doesn't\n"
            "   handle it.  If you think this is the case, please report it.\n"
            "Either way, pygrind will now raise a SIGILL signal which will\n"
            "probably kill your program.")

    def _report_kill(self, e: ClientKilled) -> None:
        out = self.out
        name = SIGNAMES.get(e.signo, f"signal {e.signo}")
        out.msg()
        out.msg(f"Process terminating with default action of signal {e.signo} ({name})")
        f = e.fault
        if f is not None:
            if f.signo == pysignal.SIGSEGV:
                if f.code == SEGV_MAPERR:
                    out.msg(f" Access not within mapped region at address {f.addr:#x}")
                elif f.code == 0x80:
                    out.msg(" General Protection Fault")
                else:
                    out.msg(f" Bad permissions for mapped region at address {f.addr:#x}")
            elif f.signo == pysignal.SIGFPE:
                out.msg(f" Integer divide by zero at address 0x{f.addr:X}")
            elif f.signo == pysignal.SIGILL:
                out.msg(f" Illegal opcode at address 0x{f.addr:X}")
            if f.pc is not None:
                for line in self.stack_trace(f.pc):
                    out.msg("   " + line)
        if e.signo == pysignal.SIGSEGV and f is not None and f.code == SEGV_MAPERR:
            out.msg(" If you believe this happened as a result of a stack")
            out.msg(" overflow in your program's main thread (unlikely but")
            out.msg(" possible), you can try to increase the size of the")
            out.msg(" main thread stack using the --main-stacksize= flag.")
            out.msg(" The main thread stack size used in this run was 8388608.")

    def _finish(self, status: int, killed: bool = False) -> int:
        from .syscalls.clone import vfork_send_back

        vfork_send_back(self)
        self.translator.save_cache()
        if not self.options.quiet:
            self.out.msg()
        try:
            override = self.tool.fini(status)
            if override is not None and not killed:
                status = override
        finally:
            if self.options.verbose:
                t = self.translator
                if t.cache:
                    self.out.msg(f"code cache: {t.cache.hits} hits, {t.cache.misses} misses ({t.cache.dir})")
                self.out.msg(f"translations: {t.blocks_lifted} blocks lifted, "
                             f"lift {t.lift_seconds * 1e6 / max(t.blocks_lifted, 1):.0f} us/block, "
                             f"compile {t.compile_seconds * 1e6 / max(t.blocks_lifted, 1):.0f} us/block")
                if t.vex is not None:
                    v = t.vex
                    declined = ", ".join(f"{n} {why}" for why, n in sorted(v.declined.items()))
                    self.out.msg(f"vex tier: {v.blocks} blocks translated "
                                 f"({v.seconds * 1e6 / max(v.blocks, 1):.0f} us/block), {v.loaded} "
                                 f"loaded from the cache, {v.code_bytes() // 1024} KiB of code, "
                                 f"{v.chained()} jumps chained; declined: {declined or 'none'}")
                if t.jit is not None:
                    self.out.msg(f"jit: {t.jit_blocks} blocks compiled, {t.jit_loaded} loaded from "
                                 f"the cache, {t.jit.engine.modules} modules, {t.jit_seconds:.2f} s; "
                                 f"{t.jit_fallbacks} not compilable; {t.jit_optimized} optimised")
                    from ..backend.llvm.oplower import op_names

                    slow = t.jit.fallback_counts.most_common(5)
                    if slow:
                        self.out.msg("jit: ops run by the reference from native code: " + ", ".join(
                            f"{op_names()[i][4:]} x{n}" for i, n in slow))
                self.out.msg(f"syscalls: {self.syscall_count}")
                self.out.msg(f"scheduler: {self.sched.switches} thread switches")
        return status

    def _die_of(self, signo: int) -> None:
        """Leave the way the client would have: killed by the same signal."""
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core of pygrind itself
        except (ValueError, OSError):
            pass
        self.host_signals.set_disposition(signo, "default")
        pysignal.pthread_sigmask(pysignal.SIG_UNBLOCK, [signo])
        os.kill(os.getpid(), signo)
        os._exit(128 + signo)

    def _internal_error(self, e: Exception, pc: int) -> None:
        fault_pc = self.translator.fault_pc(e.__traceback__)
        where = fault_pc if fault_pc is not None else pc
        fd, path = tempfile.mkstemp(prefix="pygrind-crash-", suffix=".txt")
        with os.fdopen(fd, "w") as fh:
            fh.write(f"pygrind internal error at client address {where:#x}\n")
            fh.write("".join(traceback.format_exception(e)))
            tr = self.translator.table.get(pc)
            if tr is not None:
                fh.write("\nblock source:\n" + tr.source)
        out = self.out
        out.msg()
        out.msg(f"pygrind: internal error: {type(e).__name__}: {e}")
        out.msg(f"  while running client code at {where:#x}")
        for line in self.stack_trace(where):
            out.msg("    " + line)
        out.msg(f"  traceback saved to {path}")
        self.tool.fini(1)
        os._exit(1)
