"""Guest CPU state: a byte buffer laid out exactly as libVEX's VexGuestAMD64State.

Keeping VEX's layout lets libVEX's own helpers (flags, CPUID, x87, SSE4.2) run on
the buffer natively, and lets lifted IR's GET/PUT offsets index it directly.
"""

from __future__ import annotations

import ctypes
import struct

from . import vexlib

#: Size of the buffer. VexGuestAMD64State (with pyvex's AVX-512 extension) is 2704
#: bytes; code made by libVEX's own code generator (backend/vexcg) expects two more
#: copies of it (shadow state, unused here) and then 8 KiB where it spills registers.
GUEST_STATE_BYTES = 2704
STATE_SIZE = 3 * GUEST_STATE_BYTES + 8192 + 1024


#: VexGuestAMD64State field offsets (as pyvex.arches.guest_offsets gives them for
#: amd64; kept here so that starting pygrind needs no pyvex import; a unit test checks
#: them against pyvex).
OFFSETS: dict[str, int] = {'rax': 16, 'rbx': 40, 'rcx': 24, 'rdx': 32, 'rsi': 64, 'rdi': 72, 'rsp': 48, 'rbp': 56, 'r8': 80, 'r9': 88, 'r10': 96, 'r11': 104, 'r12': 112, 'r13': 120, 'r14': 128, 'r15': 136, 'rip': 184, 'ip_at_syscall': 2544, 'cc_op': 144, 'cc_dep1': 152, 'cc_dep2': 160, 'cc_ndep': 168, 'dflag': 176, 'acflag': 192, 'idflag': 200, 'fs_const': 208, 'sseround': 216, 'zmm0': 224, 'zmm1': 288, 'zmm2': 352, 'zmm3': 416, 'zmm4': 480, 'zmm5': 544, 'zmm6': 608, 'zmm7': 672, 'zmm8': 736, 'zmm9': 800, 'zmm10': 864, 'zmm11': 928, 'zmm12': 992, 'zmm13': 1056, 'zmm14': 1120, 'zmm15': 1184, 'zmm16': 1248, 'zmm17': 1312, 'zmm18': 1376, 'zmm19': 1440, 'zmm20': 1504, 'zmm21': 1568, 'zmm22': 1632, 'zmm23': 1696, 'zmm24': 1760, 'zmm25': 1824, 'zmm26': 1888, 'zmm27': 1952, 'zmm28': 2016, 'zmm29': 2080, 'zmm30': 2144, 'zmm31': 2208, 'zmm32': 2272, 'k0': 2336, 'k1': 2344, 'k2': 2352, 'k3': 2360, 'k4': 2368, 'k5': 2376, 'k6': 2384, 'k7': 2392, 'ftop': 2400, 'fpreg': 2408, 'fptag': 2472, 'fpround': 2480, 'fc3210': 2488, 'emnote': 2496, 'cmstart': 2504, 'cmlen': 2512, 'nraddr': 2520, 'sc_class': 2528, 'gs_const': 2536, 'cs': 2560, 'ds': 2562, 'es': 2564, 'fs': 2566, 'gs': 2568, 'ss': 2570, 'cr0': 2576, 'cr1': 2584, 'cr2': 2592, 'cr3': 2600, 'cr4': 2608, 'cr5': 2616, 'cr6': 2624, 'cr7': 2632, 'cr8': 2640, 'cr9': 2648, 'cr10': 2656, 'cr11': 2664, 'cr12': 2672, 'cr13': 2680, 'cr14': 2688, 'cr15': 2696}


def _off(name: str) -> int:
    return OFFSETS[name]


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
        # libVEX's generated code needs a 16-aligned guest state (malloc gives that)
        assert self.addr % 16 == 0
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
        """A new thread's registers: the other's, with their shadow copy (a tool's
        V bits); the words past the spill area are each thread's own."""
        self.buf[:2 * GUEST_STATE_BYTES] = other.buf[:2 * GUEST_STATE_BYTES]
