"""Timing faults: latency before a request is served, drawn from the seeded RNG."""

import math

from .base import Fault, FaultSpecError, register


@register
class Latency(Fault):
    """dist=fixed: ms (plus/minus uniform jitter); dist=uniform: between min and max ms;
    dist=lognormal: median ms, shape sigma."""
    name = "latency"
    params = {"ms": 100.0, "jitter": 0.0, "dist": "fixed", "min": 0.0, "max": 100.0, "sigma": 0.5}

    def __init__(self, params, rng):
        super().__init__(params, rng)
        if self.dist not in ("fixed", "uniform", "lognormal"):
            raise FaultSpecError(f"latency dist={self.dist!r}: choose fixed, uniform or lognormal")

    def delay_ms(self, rng):
        if self.dist == "uniform":
            return rng.uniform(self.min, self.max)
        if self.dist == "lognormal":
            return rng.lognormvariate(math.log(max(self.ms, 1e-6)), self.sigma)
        return max(0.0, self.ms + (rng.uniform(-self.jitter, self.jitter) if self.jitter else 0.0))

    def apply(self, exchange):
        # A cancel cuts the wait short; the cancelled request then gets no answer.
        exchange.cancelled.wait(self.delay_ms(exchange.rng(self)) / 1000)


@register
class SlowInitialize(Latency):
    """Latency on initialize (and server/discover with method=server/discover)."""
    name, default_method, lifecycle = "slow_initialize", "initialize", True
    params = dict(Latency.params, ms=1000.0)
