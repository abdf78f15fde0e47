"""Shared set-up of the reference comparisons: the data folder and how tests that need it skip.

The data folder is DEEPSTROKE_DATA, else ../shared/data beside the checkout. A test (or a whole module,
through `pytestmark`) that needs part of it says so with `@pytest.mark.needs_data("dicom")`; without that
folder the test skips with a reason starting "missing data:". Older tests skip by hand with reasons that
data_skips.py recognises.

With DEEPSTROKE_REQUIRE_DATA=1 (set by .ci/run) a skip for missing data is reported as a failure instead,
so a CI run has zero data skips; other skips (a Python package or Chromium left out on purpose) stay skips.
"""
import os
from pathlib import Path

import pytest

from data_skips import MISSING_DATA, is_data_skip

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("DEEPSTROKE_DATA") or ROOT.parent / "shared" / "data")
REQUIRE_DATA = os.environ.get("DEEPSTROKE_REQUIRE_DATA") == "1"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "needs_data(*subfolders): the test reads these subfolders of the data folder "
                   "(skipped without them; a failure under DEEPSTROKE_REQUIRE_DATA=1)")


def pytest_runtest_setup(item):
    for mark in item.iter_markers("needs_data"):
        for sub in mark.args:
            if not (DATA / sub).is_dir():
                pytest.skip(f"{MISSING_DATA}: {DATA / sub} not found (set DEEPSTROKE_DATA)")


def _skip_reason(report) -> str:
    lr = report.longrepr
    if isinstance(lr, tuple) and len(lr) == 3:  # (path, line, "Skipped: reason")
        return str(lr[2])
    return str(lr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_DATA and report.skipped and not hasattr(report, "wasxfail"):
        reason = _skip_reason(report)
        if is_data_skip(reason):
            report.outcome = "failed"
            report.longrepr = (f"DEEPSTROKE_REQUIRE_DATA=1: a test skipped for missing data is a failure "
                               f"(data folder {DATA}): {reason}")


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    # A whole module skipped at import for missing data (pytest.skip(..., allow_module_level=True)).
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_DATA and report.skipped and is_data_skip(_skip_reason(report)):
        report.outcome = "failed"
        report.longrepr = f"DEEPSTROKE_REQUIRE_DATA=1: a module skipped for missing data is a failure: {_skip_reason(report)}"
