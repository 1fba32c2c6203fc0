"""The JIT's native op renderings (backend/llvm/oplower.py) against the reference
templates (backend/ops.py), op by op, on random and edge-case operands."""

from __future__ import annotations

import ctypes
import random

import pytest
from jit_shared import shared_runtime

from pygrind.backend import ops
from pygrind.backend.llvm import oplower
from pygrind.backend.llvm.engine import Engine  # noqa: F401 - the type the fixture hands out
from pygrind.backend.llvm.irgen import BlockGen


class _OpGen(BlockGen):
    """Just enough of a block generator to render one op into a test function."""

    def __init__(self) -> None:
        self.body = []
        self.n = 0
        self.decls = set()
        self.cur_pc = 0


def _store(g: _OpGen, v: str, bits: int, off: int) -> None:
    p = g.op(f"getelementptr i8, ptr %out, i64 {off}")
    if bits == 1:
        v = g.op(f"zext i1 {v} to i8")
        bits = 8
    g.emit(f"store i{bits} {v}, ptr {p}")


@pytest.fixture(scope="module", params=["first", "optimized"])
def compiled(request):
    """One module with a function per natively rendered op: f(ptr in, ptr out); compiled
    as the first tier does, and as the optimising tier does (whose LLVM passes would
    expose a rendering that relies on undefined behaviour)."""
    # one engine per process (see jit_shared); its callbacks are the real ones
    eng = shared_runtime()[1].engine
    funcs, names, all_decls = [], {}, set()
    for i, op in enumerate(sorted(oplower.NATIVE)):
        g = _OpGen()
        args = []
        for k, b in enumerate(ops.op_arg_bits(op)):
            p = g.op(f"getelementptr i8, ptr %in, i64 {64 * k}")
            if b == 1:
                v8 = g.op(f"load i8, ptr {p}")
                args.append(g.op(f"trunc i8 {v8} to i1"))
            else:
                args.append(g.op(f"load i{b}, ptr {p}"))
        r = oplower.NATIVE[op](g, args)
        _store(g, r, ops.op_result_bits(op), 0)
        name = f"t{i}" if request.param == "first" else f"t{i}o"
        names[op] = name
        body = "\n".join(g.body)
        ctx = ctypes.addressof(eng.ctx)
        funcs.append(f"define void @{name}(ptr %in, ptr %out) {{\nentry:\n  %C = inttoptr i64 {ctx} to ptr\n"
                     f"  %opargs = alloca [256 x i8]\n  %opres = alloca [64 x i8]\n{body}\n"
                     f"  ret void\nLfault:\n  ret void\n}}\n")
        all_decls |= g.decls
    from pygrind.backend.llvm.irgen import DECLS

    text = DECLS + "\n".join(sorted(all_decls)) + "\n" + "\n".join(funcs)
    if request.param == "first":
        addrs = eng.compile_ir(text, list(names.values()))
    else:
        from pygrind.backend.llvm.engine import optimized_object

        addrs = eng.load_object(optimized_object(text), list(names.values()))
    proto = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)
    return {op: proto(addrs[n]) for op, n in names.items()}, eng


def _operand(rng: random.Random, bits: int) -> int:
    if rng.random() < 0.3:
        return rng.choice([0, 1, (1 << bits) - 1, 1 << (bits - 1), (1 << (bits - 1)) - 1]) & ((1 << bits) - 1)
    return rng.getrandbits(bits)


@pytest.mark.parametrize("op", sorted(oplower.NATIVE))
def test_native_rendering_matches_reference(compiled, op):
    fns, _ = compiled
    fn = fns[op]
    ref = ops.op_function(op)
    arg_bits = ops.op_arg_bits(op)
    res_bits = ops.op_result_bits(op)
    rng = random.Random(op)
    inbuf = ctypes.create_string_buffer(64 * 4)
    outbuf = ctypes.create_string_buffer(64)
    checked = 0
    for _ in range(200):
        args = [_operand(rng, b) for b in arg_bits]
        if op in ops.ROUNDING_MODE_OPS:
            # the mode rendered natively; the others go to the reference op
            args[0] = oplower.NATIVE_MODE.get(op, 0)
        if any(op.startswith(f"Iop_{s}") for s in ("Shl", "Shr", "Sar")):
            args[1] = rng.choice([0, 1, 7, 31, 32, 63, 64, 100, 255])
        try:
            want = ref(*args)
        except ZeroDivisionError:
            continue  # faults go through the fallback path, tested end to end
        for k, (a, b) in enumerate(zip(args, arg_bits, strict=True)):
            n = max((b + 7) // 8, 1)
            ctypes.memmove(ctypes.addressof(inbuf) + 64 * k, a.to_bytes(n, "little"), n)
        fn(inbuf, outbuf)
        n = max((res_bits + 7) // 8, 1)
        got = int.from_bytes(outbuf.raw[:n], "little") & ((1 << res_bits) - 1)
        assert got == want, (op, [hex(a) for a in args], hex(got), hex(want))
        checked += 1
    assert checked > 0


@pytest.mark.parametrize("op,args", [
    ("Iop_Div64F0x2", ["0", "0"]),  # 0/0: x86's default NaN is negative
    ("Iop_DivF64", ["0", "0", "0"]),
    ("Iop_Sub64F0x2", [str(0x7FF0000000000000), str(0x7FF0000000000000)]),  # inf - inf
])
def test_constant_operands_are_not_folded_by_llvm(compiled, op, args):
    """VEX often has constant operands (pxor x,x; divsd x,x); LLVM's constant folder would
    give its own NaN instead of the CPU's."""
    _, eng = compiled  # one engine per process (see jit_shared)
    g = _OpGen()
    r = oplower.NATIVE[op](g, args)
    _store(g, r, ops.op_result_bits(op), 0)
    name = f"const_{op[4:]}"
    text = (f"define void @{name}(ptr %in, ptr %out) {{\nentry:\n  %opargs = alloca [256 x i8]\n"
            "  %opres = alloca [64 x i8]\n" + "\n".join(g.body) + "\n  ret void\nLfault:\n  ret void\n}\n")
    from pygrind.backend.llvm.irgen import DECLS

    addr = eng.compile_ir(DECLS + text, [name])[name]
    fn = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)(addr)
    out = ctypes.create_string_buffer(64)
    fn(None, out)
    n = ops.op_result_bits(op) // 8
    assert int.from_bytes(out.raw[:n], "little") == ops.op_function(op)(*[int(a) for a in args])
