"""Every op that pyvex emits for code we run must have a template.

The fast tests check the recorded survey results (data/*.txt, produced by
op_survey.py); the ``slow`` tests redo the surveys on this machine.
"""

import shutil

import pytest
import pyvex.enums
from op_survey import DATA_FILE, ISA_DATA_FILE, isa_sweep, read_data_file, survey

from pygrind.backend.ops import OPS


@pytest.mark.parametrize("path", [DATA_FILE, ISA_DATA_FILE], ids=lambda p: p.name)
def test_recorded_ops_are_covered(path):
    recorded = read_data_file(path)
    assert len(recorded) > 100  # the file is not empty or truncated
    missing = [op for op in recorded if op not in OPS]
    assert missing == []


def test_ops_are_vex_ops():
    known = set(pyvex.enums.irop_enums_to_ints)
    assert [op for op in OPS if op not in known] == []


@pytest.mark.slow
def test_survey_of_installed_binaries_is_covered():
    ops, callees = survey()
    assert "Iop_Add64" in ops and "amd64g_calculate_condition" in callees
    assert sorted(ops - set(OPS)) == []


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("objdump") is None, reason="needs objdump")
def test_isa_sweep_is_covered():
    ops, _ = isa_sweep()
    assert "Iop_QNarrowBin16Sto8Ux16" in ops
    assert sorted(ops - set(OPS)) == []
