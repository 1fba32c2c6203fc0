"""The VEX facts pygrind keeps as data (to start without importing pyvex) match pyvex."""

import pyvex.enums
import pyvex.expr
from pyvex.arches import guest_offsets

from pygrind.backend import ops, vexops
from pygrind.core import state


def test_known_ops_are_pyvex_ops():
    names = {n for n in pyvex.enums.irop_enums_to_ints if n.startswith("Iop_")}
    assert vexops.KNOWN == names


def test_arity_of_every_defined_op_matches_pyvex():
    for op in ops.OPS:
        assert vexops.ARITY[op] == len(pyvex.expr.op_arg_types(op)[1]), op


def test_guest_state_offsets_match_pyvex():
    pyvex_offsets = {k[1]: v for k, v in guest_offsets.items() if k[0] == "amd64"}
    assert state.OFFSETS == pyvex_offsets


def test_operand_and_result_widths_match_pyvex():
    for op in ops.OPS:
        args, res = vexops.BITS[op]
        assert list(args) == [ops._type_bits(t) for t in pyvex.expr.op_arg_types(op)[1]], op
        assert res == ops._type_bits(pyvex.get_op_retty(op)), op
