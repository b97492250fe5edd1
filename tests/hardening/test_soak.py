"""The soak's short form (see soak.py and docs/hardening.md): FASTERAPI_SOAK_SECONDS (60) of
16 concurrent clients against steady, crashing, hanging and flooding upstreams."""

import os

import pytest

from . import soak

SECONDS = float(os.environ.get("FASTERAPI_SOAK_SECONDS", "60"))


@pytest.mark.timeout(SECONDS + 240)  # the run itself, then warm-up and shutdown
def test_soak_short_form(tmp_path):
    figures = soak.run(tmp_path, SECONDS, clients=16)
    assert figures["failures"] == [], figures
    # The run did what it is for: traffic to every upstream, crashes and restarts, timeouts.
    outcomes = figures["outcomes"]
    assert outcomes.get("ok math_add", 0) > 100
    assert any(k.startswith("error") and "exited" in k for k in outcomes), outcomes
    assert any(k.startswith("error") and "timeout" in k for k in outcomes), outcomes
    assert figures["flood_notifications"] > 0
    assert figures["upstream_spawns"] > len(soak.UPSTREAMS)
