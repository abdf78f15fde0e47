"""Which skip reasons mean "the data folder (or part of it) is missing".

Used by conftest.py (pytest) and scripts/test_summary.py (Swift's XCTSkip lines). New tests should skip
with a reason that starts with MISSING_DATA ("missing data: ...") or use `@pytest.mark.needs_data(...)`;
the other phrases are the ones the existing tests use. An empty parameter set also counts: a
parametrised case list built from the data folder comes out empty when the data is missing.
"""
import re

MISSING_DATA = "missing data"

DATA_SKIP = re.compile(
    r"missing data|data folder|DEEPSTROKE_DATA|shared/data|ct_template|nn_fixture|DICOM samples"
    r"|template not available|template folder|got empty parameter set",
    re.IGNORECASE,
)


def is_data_skip(reason: str) -> bool:
    return bool(DATA_SKIP.search(reason or ""))
