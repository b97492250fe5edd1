"""The circuit breaker (cpp/src/policy/circuit_breaker.cpp) against a small Python reference
on a manual clock: the same admissions, states and retry_after for every generated trace."""

from hypothesis import given, settings, strategies as st

from fasterapi.mcp import _core


class ReferenceBreaker:
    def __init__(self, threshold, open_ms, half_open_max_calls, half_open_max_ms):
        self.threshold, self.open_ms = threshold, open_ms
        self.max_calls, self.max_half_open = half_open_max_calls, half_open_max_ms
        self.state, self.since, self.failures, self.probes = "closed", 0, 0, 0

    def _enter(self, state, now):
        self.state, self.since, self.failures, self.probes = state, now, 0, 0

    def tick(self, now):
        if self.state == "open" and now - self.since >= self.open_ms:
            self._enter("half_open", now)
        elif self.state == "half_open" and now - self.since >= self.max_half_open:
            self._enter("open", now)
        return self.state

    def try_admit(self, now):
        s = self.tick(now)
        if s == "closed":
            return True
        if s == "half_open" and self.probes < self.max_calls:
            self.probes += 1
            return True
        return False

    def on_success(self, now):
        s = self.tick(now)
        if s == "closed":
            self.failures = 0
        elif s == "half_open":
            self._enter("closed", now)

    def on_failure(self, now):
        s = self.tick(now)
        if s == "closed":
            self.failures += 1
            if self.failures >= self.threshold:
                self._enter("open", now)
        elif s == "half_open":
            self._enter("open", now)

    def retry_after_ms(self, now):
        return self.open_ms - (now - self.since) if self.tick(now) == "open" else 0


steps = st.lists(st.tuples(st.sampled_from(["admit", "success", "failure", "state", "retry_after"]),
                           st.integers(0, 40_000)), max_size=60)


@settings(max_examples=300, deadline=None)
@given(threshold=st.integers(1, 6), open_ms=st.integers(1, 60_000), calls=st.integers(1, 3),
       half_open_ms=st.integers(1, 60_000), trace=steps)
def test_breaker_matches_the_reference(threshold, open_ms, calls, half_open_ms, trace):
    real = _core.CircuitBreaker(threshold, open_ms, calls, half_open_ms)
    ref = ReferenceBreaker(threshold, open_ms, calls, half_open_ms)
    now = 0
    for op, dt in trace:
        now += dt
        if op == "admit":
            assert real.try_admit(now) == ref.try_admit(now)
        elif op == "success":
            real.on_success(now), ref.on_success(now)
        elif op == "failure":
            real.on_failure(now), ref.on_failure(now)
        elif op == "retry_after":
            assert real.retry_after_ms(now) == ref.retry_after_ms(now)
        assert real.state(now) == ref.tick(now)


def test_the_guides_breaker_opens_after_five_failures_for_sixty_seconds():
    b = _core.CircuitBreaker(5, 60_000, 1, 30_000)
    for t in range(4):
        b.on_failure(t)
        assert b.state(t) == "closed"
    b.on_failure(4)
    assert b.state(4) == "open" and not b.try_admit(5)
    assert b.retry_after_ms(10) == 59_994
    assert b.state(60_004) == "half_open"
    assert b.try_admit(60_004) and not b.try_admit(60_004)  # one probe at a time
    assert b.state(90_004) == "open"  # no verdict within half_open_max_ms
    assert b.state(150_004) == "half_open" and b.try_admit(150_004)
    b.on_success(150_005)
    assert b.state(150_005) == "closed"
