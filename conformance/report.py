"""Results of a conformance run: the baseline of expected failures, the per-proxy table and
the closing line. Used by conftest.py (collects) and run.py (prints)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baseline" / "expected-failures.json"

ROWS: List[dict] = []   # this run's results, appended by test_suites.py


def record(case_id: str, adapter: str, outcome_: str, detail: str = "") -> None:
    ROWS.append({"case": case_id, "adapter": adapter, "outcome": outcome_, "detail": detail[:2000]})


# What a case's outcome is called in the table.
PASS, FAIL, XFAIL, FIXED, UNSUPPORTED = "pass", "FAIL", "xfail", "FIXED", "unsupported"


def load_baseline() -> Dict[str, Dict[str, str]]:
    """{adapter: {case id: why it is expected to fail}}. A listed case that passes fails
    the run (FIXED): delete its line, so the list only shrinks."""
    if not BASELINE.exists():
        return {}
    data = json.loads(BASELINE.read_text())
    return {adapter: dict(cases) for adapter, cases in data.items() if not adapter.startswith("_")}


def outcome(status: str, listed: bool) -> str:
    if status == "unsupported":
        return UNSUPPORTED
    if status == "pass":
        return FIXED if listed else PASS
    return XFAIL if listed else FAIL


def table(rows: List[dict]) -> str:
    """rows: {"case", "adapter", "outcome"}. One line per case, one column per adapter,
    then the totals per adapter."""
    adapters = list(dict.fromkeys(r["adapter"] for r in rows))
    cases = list(dict.fromkeys(r["case"] for r in rows))
    cell = {(r["case"], r["adapter"]): r["outcome"] for r in rows}
    width = max([len(c) for c in cases] + [10])
    cols = [max(len(a), 11) for a in adapters]
    out = ["", "conformance: which cases each proxy passes", "",
           "case".ljust(width) + "  " + "  ".join(a.ljust(w) for a, w in zip(adapters, cols)),
           "-" * (width + sum(w + 2 for w in cols))]
    for c in cases:
        out.append(c.ljust(width) + "  " + "  ".join(cell.get((c, a), "-").ljust(w) for a, w in zip(adapters, cols)))
    out.append("-" * (width + sum(w + 2 for w in cols)))
    totals = defaultdict(lambda: defaultdict(int))
    for r in rows:
        totals[r["adapter"]][r["outcome"]] += 1
    for a in adapters:
        t = totals[a]
        ran = t[PASS] + t[FAIL] + t[XFAIL] + t[FIXED]
        out.append(f"{a}: {t[PASS]}/{ran} passed, {t[FAIL]} failed, {t[XFAIL]} expected failures, "
                   f"{t[FIXED]} fixed (remove from baseline), {t[UNSUPPORTED]} unsupported")
    return "\n".join(out)


def write_results(path: Path, rows: List[dict]) -> None:
    path.write_text(json.dumps(rows, indent=1))
