"""start/serve_fds/stop/run drive the core as docs/core_config.md says (core faked)."""

import json
import signal
import sys

import pytest

from fasterapi.mcp import ConfigError, MCPProxy, ProxyRoute, ProxyStats

from mcp_api_helpers import FakeCoreConfigError, simple_proxy, stdio_upstream


def test_configuration_needs_no_core(monkeypatch):
    monkeypatch.setitem(sys.modules, "fasterapi.mcp._core", None)
    proxy = simple_proxy()
    proxy.check()
    with pytest.raises(ImportError, match=r"not built.*pip install \."):
        proxy.start()


def test_start_hands_the_core_the_config_document(fake_core):
    proxy = simple_proxy()
    proxy.start()
    core = fake_core.Proxy.instances[-1]
    assert core.config == json.loads(proxy.core_config_json())
    assert core.calls == ["start"]
    proxy.start()  # idempotent
    assert len(fake_core.Proxy.instances) == 1
    proxy.stop()
    proxy.stop()
    assert core.calls == ["start", "stop"]


def test_start_validates_first(fake_core):
    proxy = MCPProxy()
    proxy.add_route(ProxyRoute(upstream_name="nowhere"))
    with pytest.raises(ConfigError):
        proxy.start()
    assert fake_core.Proxy.instances == []


def test_core_config_errors_come_back_as_field_errors(fake_core, monkeypatch):
    def refuse(self, config_json):
        raise FakeCoreConfigError("upstreams[0].command: not found on PATH\nsomething else")
    monkeypatch.setattr(fake_core.Proxy, "__init__", refuse)
    with pytest.raises(ConfigError) as excinfo:
        simple_proxy().start()
    assert excinfo.value.errors == [("upstreams[0].command", "not found on PATH"),
                                    ("core", "something else")]


def test_serve_fds_attaches_a_client(fake_core):
    with simple_proxy() as proxy:
        assert proxy.serve_fds(5, 6) == 7
        core = fake_core.Proxy.instances[-1]
        assert core.calls == ["start", ("attach_client", 5, 6)]
    assert core.calls[-1] == "stop"
    with pytest.raises(ConfigError) as excinfo:
        proxy.serve_fds(-1, "x")
    assert [p for p, _ in excinfo.value.errors] == ["serve_fds.read_fd", "serve_fds.write_fd"]


def test_configuration_is_frozen_while_running(fake_core):
    with simple_proxy() as proxy:
        with pytest.raises(RuntimeError, match="running"):
            proxy.add_upstream(stdio_upstream("data"))
        with pytest.raises(RuntimeError, match="running"):
            proxy.add_route(ProxyRoute(upstream_name="math"))
    proxy.add_upstream(stdio_upstream("data"))  # allowed again once stopped


def script_wait(monkeypatch, FakeCore, answers):
    """Makes every core built from now on answer wait() with `answers` in turn."""
    original_init = FakeCore.__init__

    def init(self, config_json):
        original_init(self, config_json)
        self.wait_results = list(answers)

    monkeypatch.setattr(FakeCore, "__init__", init)


def test_run_serves_stdio_until_the_core_stops(fake_core, monkeypatch):
    seen_stdout = []

    def still_running():
        seen_stdout.append(sys.stdout)
        return False

    script_wait(monkeypatch, fake_core.Proxy, [False, still_running, True])
    original_handler = signal.getsignal(signal.SIGTERM)
    simple_proxy().run()
    core = fake_core.Proxy.instances[-1]
    assert core.calls == ["start", "serve_stdio", "wait", "wait", "wait", "stop"]
    # While serving, print() goes to stderr: stdout belongs to the MCP channel.
    assert seen_stdout == [sys.stderr]
    assert signal.getsignal(signal.SIGTERM) == original_handler


@pytest.mark.parametrize("interrupt", ["keyboard", "sigterm"])
def test_ctrl_c_and_sigterm_stop_the_core(fake_core, monkeypatch, interrupt):
    def send_sigterm():
        signal.raise_signal(signal.SIGTERM)
        return False

    stopper = KeyboardInterrupt() if interrupt == "keyboard" else send_sigterm
    script_wait(monkeypatch, fake_core.Proxy, [False, stopper] + [False] * 100)
    proxy = simple_proxy()
    proxy.run(transport="stdio")
    core = fake_core.Proxy.instances[-1]
    assert core.calls[-1] == "stop"
    assert core.calls.count("wait") <= 3  # stopped promptly, not after 100 polls


def test_stats_before_start_are_zero():
    stats = simple_proxy().get_stats()
    assert stats == ProxyStats()
    assert stats.success_rate == 0.0 and stats.avg_latency_ms == 0.0


def test_stats_and_health_come_from_the_core(fake_core):
    with simple_proxy() as proxy:
        core = fake_core.Proxy.instances[-1]
        core.stats_dict = {
            "total_requests": 4, "successful_requests": 3, "failed_requests": 1,
            "retried_requests": 0, "cached_responses": 0, "total_latency_ms": 10,
            "min_latency_ms": 1, "max_latency_ms": 5,
            "upstream_requests": {"math": 4}, "tool_requests": {"math_add": 4},
            "active_sessions": 1, "timeouts": 0,
        }
        stats = proxy.get_stats()
        assert proxy.get_upstream_health() == {"math": True}
    assert stats.total_requests == 4
    assert stats.success_rate == 0.75
    assert stats.avg_latency_ms == 2.5
    assert stats.upstream_requests == {"math": 4}
    assert stats.tool_requests == {"math_add": 4}
    assert stats.extra == {"active_sessions": 1, "timeouts": 0}
    # Readable after stop, too.
    assert proxy.get_stats().total_requests == 4


def test_health_before_start_is_false_for_every_upstream():
    proxy = simple_proxy()
    proxy.add_upstream(stdio_upstream("data"))
    assert proxy.get_upstream_health() == {"math": False, "data": False}


def test_metrics_disabled_means_no_stats():
    with pytest.raises(RuntimeError, match="enable_metrics=False"):
        simple_proxy(enable_metrics=False).get_stats()
