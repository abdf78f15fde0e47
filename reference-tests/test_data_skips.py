"""The rule that tells a skip for missing data from other skips (data_skips.py): every data-skip reason
the suite uses today counts, the skips for a missing tool or package do not."""
import pytest

from data_skips import is_data_skip

DATA_REASONS = [
    # Swift (XCTSkip)
    "shared DICOM samples not present",
    "CT template data folder not found",
    "no CT template in the data folder (../shared/data/ct_template)",
    "no data folder",
    "CT template folder not available (set DEEPSTROKE_DATA)",
    "nn_fixture data folder not present",
    # pytest
    "missing data: /x/shared/data/dicom not found (set DEEPSTROKE_DATA)",
    "no CT template in the data folder",
    "nn_fixture absent",
    "CT template not available",
    "got empty parameter set for (name)",
]
OTHER_REASONS = [
    "curl is not installed",
    "sha256sum not available",
    "DEEPSTROKE_SKIP_CHROMIUM=1",
    "could not import 'ants': No module named 'ants'",
    "deepstroke binary not built",
]


@pytest.mark.parametrize("reason", DATA_REASONS)
def test_data_reasons_count_as_missing_data(reason):
    assert is_data_skip(reason)


@pytest.mark.parametrize("reason", OTHER_REASONS)
def test_other_reasons_do_not(reason):
    assert not is_data_skip(reason)
