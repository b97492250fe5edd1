"""`tox -e conformance` runs this: every suite against every adapter, the runner's own tests,
then the table of which cases each proxy passes and one closing line, `N passed, M failed`.

    python conformance/run.py [pytest options, e.g. --adapter fasterapi-inprocess -k routing]

Exit status 0 only when nothing failed: an unexpected failure, or a baseline entry that
now passes (FIXED), both count as failed. Expected failures and unsupported cases are
reported on the line before the last."""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The proxy is imported before the source tree goes on the path: under tox this is the
# installed package (with its compiled core), not the source tree's fasterapi/.
try:
    import fasterapi.mcp  # noqa: F401
except ImportError:
    pass
sys.path.insert(0, str(ROOT))


class Counter:
    def __init__(self):
        self.passed = self.failed = self.xfailed = self.skipped = 0

    def pytest_runtest_logreport(self, report):
        if report.when == "call" and report.passed:
            self.passed += 1
        elif report.failed:
            self.failed += 1
        elif report.skipped:
            if hasattr(report, "wasxfail"):
                self.xfailed += 1
            else:
                self.skipped += 1

    def pytest_collectreport(self, report):
        if report.failed:
            self.failed += 1


def main(argv):
    import pytest

    from conformance import report

    os.environ["CONFORMANCE_QUIET_TABLE"] = "1"
    counter = Counter()
    started = time.monotonic()
    results = Path(tempfile.mkdtemp(prefix="conformance-")) / "results.json"
    args = [str(ROOT / "conformance"), "-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT),
            "--conformance-results", str(results)] + argv
    code = pytest.main(args, plugins=[counter])
    print(report.table(report.ROWS))
    print(f"({counter.xfailed} expected failures, {counter.skipped} unsupported; "
          f"{time.monotonic() - started:.0f} s; results {results})")
    print(f"{counter.passed} passed, {counter.failed} failed")
    return 0 if counter.failed == 0 and code in (0, 5) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
