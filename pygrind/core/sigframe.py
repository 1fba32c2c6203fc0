"""The signal frame a handler runs on, laid out as Linux x86-64 lays it out.

    rsp ->  pretcode            the handler's return address: sa_restorer (__restore_rt)
            struct ucontext     uc_flags, uc_link, uc_stack, uc_mcontext (sigcontext),
                                uc_sigmask (8 bytes: the kernel's sigset)
            siginfo_t           128 bytes
            ...                 64-byte aligned FXSAVE image (uc_mcontext.fpstate points here)

The handler gets rdi = signal, rsi = &info, rdx = &uc; handlers that read or change the
context (the registers, the FP state, the mask) therefore see what they would natively,
and rt_sigreturn restores whatever the context then holds.
"""

from __future__ import annotations

import ctypes
import struct
from typing import TYPE_CHECKING

from . import vexlib
from .state import (
    CC_DEP1,
    CC_DEP2,
    CC_NDEP,
    CC_OP,
    DFLAG,
    OFFSETS,
    RIP,
    RSP,
    GuestState,
)

if TYPE_CHECKING:
    from .aspace import AddressSpace
    from .threads import Thread

#: sigcontext's general registers, in the kernel's (and glibc's REG_*) order
SIGCONTEXT_GPRS = ("r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rdi", "rsi", "rbp",
                   "rbx", "rdx", "rax", "rcx", "rsp", "rip")
UC_OFF = 8            # struct ucontext within the frame (after pretcode)
MCTX_OFF = 40         # uc_mcontext within ucontext (flags, link, stack_t)
MASK_OFF = MCTX_OFF + 256  # uc_sigmask
INFO_OFF = UC_OFF + MASK_OFF + 8  # siginfo within the frame
FRAME_SIZE = INFO_OFF + 128
FXSAVE_SIZE = 512
REDZONE = 128
UC_SIGCONTEXT_SS, UC_STRICT_RESTORE_SS = 0x2, 0x4
SS_ONSTACK, SS_DISABLE, SS_AUTODISARM = 1, 2, 1 << 31
USER_CS, USER_SS = 0x33, 0x2B

# rflags bits VEX keeps outside the flags thunk
_CF_PF_AF_ZF_SF_OF = 0x8D5
_DF, _AC, _ID = 1 << 10, 1 << 18, 1 << 21
AMD64G_CC_OP_COPY = 0
_IDFLAG, _ACFLAG = OFFSETS["idflag"], OFFSETS["acflag"]


def on_altstack(th: Thread, sp: int) -> bool:
    ss_sp, flags, size = th.altstack
    return not flags & SS_DISABLE and size > 0 and 0 <= sp - ss_sp < size


def altstack_flags(th: Thread, sp: int) -> int:
    """What sigaltstack reports as ss_flags for a thread whose stack pointer is sp."""
    ss_sp, flags, size = th.altstack
    if flags & SS_DISABLE or size == 0:
        return SS_DISABLE
    return SS_ONSTACK if on_altstack(th, sp) else flags & SS_AUTODISARM


def _fxsave(st: GuestState) -> bytes:
    buf = ctypes.create_string_buffer(FXSAVE_SIZE)
    fn = vexlib.library().LibVEX_GuestAMD64_fxsave
    fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    fn.restype = None
    fn(st.addr, ctypes.addressof(buf))
    return buf.raw


def _fxrstor(st: GuestState, image: bytes) -> None:
    buf = ctypes.create_string_buffer(image, FXSAVE_SIZE)
    fn = vexlib.library().LibVEX_GuestAMD64_fxrstor
    fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    fn.restype = ctypes.c_uint32
    fn(ctypes.addressof(buf), st.addr)


def set_rflags(st: GuestState, value: int) -> None:
    """Put an architectural RFLAGS value back into VEX's representation."""
    st.put(CC_OP, AMD64G_CC_OP_COPY)
    st.put(CC_DEP1, value & _CF_PF_AF_ZF_SF_OF)
    st.put(CC_DEP2, 0)
    st.put(CC_NDEP, 0)
    st.put(DFLAG, 0xFFFFFFFFFFFFFFFF if value & _DF else 1)
    st.put(_ACFLAG, 1 if value & _AC else 0)
    st.put(_IDFLAG, 1 if value & _ID else 0)


def push(mem: AddressSpace, th: Thread, *, sig: int, info: bytes, pc: int, handler: int,
         onstack: bool, restorer: int, saved_mask: int, trapno: int = 0, err: int = 0,
         cr2: int = 0) -> None:
    """Build the frame for `handler` on the thread's stack (or its alternate stack, with
    `onstack`: SA_ONSTACK) and point the thread at the handler. `pc` is where the interrupted code resumes.
    Raises MemoryError when the frame cannot be written (the kernel then kills with
    SIGSEGV)."""
    st = th.state
    sp = st.get(RSP)
    ss_sp, ss_flags, ss_size = th.altstack
    ss_report = altstack_flags(th, sp)
    if onstack and ss_report in (0, SS_AUTODISARM):
        top = ss_sp + ss_size
        if ss_flags & SS_AUTODISARM:
            th.altstack = (0, SS_DISABLE, 0)
    else:
        top = sp - REDZONE
    fx_addr = (top - FXSAVE_SIZE - 4) & ~63
    frame = ((fx_addr - FRAME_SIZE) & ~15) - 8

    rflags = st.rflags()
    regs = [st[n] for n in SIGCONTEXT_GPRS[:-1]] + [pc]
    mctx = struct.pack("<17Q", *regs) + struct.pack("<QHHHHQQQQQ", rflags, USER_CS, 0, 0, USER_SS,
                                                     err, trapno, saved_mask & 0xFFFFFFFF, cr2,
                                                     fx_addr) + bytes(64)
    uc = struct.pack("<QQQiiQ", UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS, 0, ss_sp, ss_report, 0,
                     ss_size) + mctx + struct.pack("<Q", saved_mask)
    assert len(uc) == MASK_OFF + 8
    data = struct.pack("<Q", restorer) + uc + info.ljust(128, b"\0")[:128]
    mem.write(fx_addr, _fxsave(st))
    mem.write(frame, data)

    st.put(RSP, frame)
    st.put(RIP, handler)
    st["rdi"] = sig
    st["rsi"] = frame + INFO_OFF
    st["rdx"] = frame + UC_OFF
    st["rax"] = 0
    # handlers start with DF clear and no trap flag, as the ABI promises
    set_rflags(st, rflags & ~(_DF | 0x100))


def pop(mem: AddressSpace, th: Thread) -> tuple[int, int]:
    """rt_sigreturn: restore the context the frame (at rsp - 8) holds now. Returns
    (pc to resume at, signal mask to restore). Raises MemoryError for a bad frame."""
    st = th.state
    uc = st.get(RSP)  # the handler's `ret` popped pretcode
    raw = mem.read(uc, MASK_OFF + 8)
    regs = struct.unpack_from("<17Q", raw, MCTX_OFF)
    rflags, = struct.unpack_from("<Q", raw, MCTX_OFF + 17 * 8)
    fpstate, = struct.unpack_from("<Q", raw, MCTX_OFF + 23 * 8)
    mask, = struct.unpack_from("<Q", raw, MASK_OFF)
    ss_sp, ss_flags, _, ss_size = struct.unpack_from("<QiiQ", raw, 16)
    if fpstate:
        _fxrstor(st, mem.read(fpstate, FXSAVE_SIZE))
    for name, v in zip(SIGCONTEXT_GPRS, regs, strict=True):
        st[name] = v
    set_rflags(st, rflags)
    # The kernel puts the alternate stack back as the frame describes it (restore_altstack);
    # an invalid description is ignored, as there.
    if not on_altstack(th, st.get(RSP)):
        if ss_flags & SS_DISABLE:
            th.altstack = (0, SS_DISABLE, 0)
        elif ss_flags in (0, SS_ONSTACK, SS_AUTODISARM) and ss_size >= 2048:
            th.altstack = (ss_sp, ss_flags & SS_AUTODISARM, ss_size)
    return regs[-1], mask
