"""Guest CPU state: a byte buffer laid out exactly as libVEX's VexGuestAMD64State.

Keeping VEX's layout lets libVEX's own helpers (flags, CPUID, x87, SSE4.2) run on
the buffer natively, and lets lifted IR's GET/PUT offsets index it directly.
"""

from __future__ import annotations

import ctypes
import struct

from pyvex.arches import guest_offsets

from . import vexlib

#: Size of the buffer. VexGuestAMD64State (with pyvex's AVX-512 extension) ends
#: below 2720 bytes; the rest is slack so that helpers never write past the end.
STATE_SIZE = 4096


def _off(name: str) -> int:
    return guest_offsets[("amd64", name)]


RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI = (
    _off(n) for n in ("rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi")
)
R8, R9, R10, R11, R12, R13, R14, R15 = (_off(f"r{i}") for i in range(8, 16))
GPR_NAMES = ("rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
             "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15")
GPRS = {n: _off(n) for n in GPR_NAMES}
RIP = _off("rip")
CC_OP, CC_DEP1, CC_DEP2, CC_NDEP = (_off(n) for n in ("cc_op", "cc_dep1", "cc_dep2", "cc_ndep"))
DFLAG = _off("dflag")
FS_CONST = _off("fs_const")
GS_CONST = _off("gs_const")
IP_AT_SYSCALL = _off("ip_at_syscall")
YMM0 = _off("zmm0")
YMM_STRIDE = 64
NRADDR = _off("nraddr")
CMSTART = _off("cmstart")
CMLEN = _off("cmlen")

_U64 = struct.Struct("<Q")


class GuestState:
    """One client thread's registers."""

    __slots__ = ("buf", "_cbuf", "addr", "q", "i")

    def __init__(self) -> None:
        self.buf = bytearray(STATE_SIZE)
        #: the same bytes as 64-bit and 32-bit words (what generated code indexes)
        self.q = memoryview(self.buf).cast("Q")
        self.i = memoryview(self.buf).cast("I")
        # A ctypes view shares the memory, so helpers get a stable native pointer.
        self._cbuf = (ctypes.c_char * STATE_SIZE).from_buffer(self.buf)
        self.addr = ctypes.addressof(self._cbuf)
        vexlib.library().LibVEX_GuestAMD64_initialise(ctypes.c_void_p(self.addr))

    def get(self, off: int) -> int:
        return _U64.unpack_from(self.buf, off)[0]

    def put(self, off: int, value: int) -> None:
        _U64.pack_into(self.buf, off, value & 0xFFFFFFFFFFFFFFFF)

    def __getitem__(self, name: str) -> int:
        return self.get(_off(name))

    def __setitem__(self, name: str, value: int) -> None:
        self.put(_off(name), value)

    def rflags(self) -> int:
        """The architectural RFLAGS value, computed from VEX's lazy flag thunk."""
        fn = vexlib.library().LibVEX_GuestAMD64_get_rflags
        fn.argtypes = [ctypes.c_void_p]
        fn.restype = ctypes.c_uint64
        return fn(ctypes.c_void_p(self.addr))

    def copy_from(self, other: GuestState) -> None:
        self.buf[:] = other.buf
