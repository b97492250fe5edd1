"""Hostile upstreams: a 64 MiB line, a line that never ends, a stderr flood and a notification
flood. The proxy runs as its own process (the CLI), so /proc shows its memory alone: its peak
RSS may grow by at most GROWTH_BOUND_MIB over the peak it had already reached, while a second
upstream is called all along through the same client and answers every call, once."""

import re

import pytest

from support.proxy_helpers import eventually

from .proxy_process import MEMORY_FACTOR, ProxyProcess

MAX_MESSAGE = 4 * 1024 * 1024  # the default max_message_bytes, stated so the bound below follows
# A client's unread output may reach four max_message_bytes (16 MiB) before notifications are
# dropped; a line in the making is cut at max_message_bytes. 48 MiB leaves room for both and
# the allocator, and is still less than any one of the floods below held whole.
GROWTH_BOUND_MIB = 48 * MEMORY_FACTOR
FLOOD_MIB = 64


@pytest.fixture
def hostile(tmp_path, mcp_fake):
    """hostile(fault) -> (proxy process, math fake): tools "echo" go to an upstream with
    `fault`, "math_*" to a well-behaved one. The client is initialized and has called math."""
    started = []

    def make(fault):
        bad = mcp_fake("echo", faults=[fault], record=False, control=False)
        good = mcp_fake("math")

        def stdio(name, fake):
            return {"name": name, "transport_type": "stdio", "command": fake.command,
                    "args": list(fake.args), "shutdown_grace_ms": 200, "max_retries": 0}

        proxy = ProxyProcess(tmp_path, [stdio("bad", bad), stdio("good", good)],
                             [{"upstream_name": "good", "tool_pattern": "math_*"},
                              {"upstream_name": "bad", "tool_pattern": "echo"}],
                             {"name": "hardening", "max_message_bytes": MAX_MESSAGE})
        started.append(proxy)
        proxy.client.initialize()
        assert add(proxy.client, 0) == 1  # the good upstream is up; the bad one not yet started
        return proxy, good

    yield make
    for proxy in started:
        assert proxy.close() == 0  # and it still shuts down cleanly


def add(client, n):
    r = client.request("tools/call", {"name": "math_add", "arguments": {"a": n, "b": 1}}, timeout=60)
    return r["result"]["structuredContent"]["result"]


def call_hostile_while_serving_math(proxy, good):
    """Calls echo on the bad upstream and keeps calling math until its answer is in: every
    math call is answered, correctly, and reached the good upstream exactly once."""
    client = proxy.client
    before = len(good.calls(name="math_add"))
    rid = client.start_request("tools/call", {"name": "echo", "arguments": {"text": "hi"}})
    n = 0
    while not client.responses_for(rid) or n < 20:
        n += 1
        assert add(client, n) == n + 1
        assert n < 5000, "the hostile call is still unanswered"
    assert len(good.calls(name="math_add")) == before + n
    return client.wait_response(rid)


def stderr_bytes_logged(log, upstream):
    """The bytes of an upstream's stderr the proxy's log accounts for: its lines, or for a
    line over the log's limit the size the note gives. (The fake's own start-up message may
    land in the middle of a flood line: its pipe writes of over 4 KiB are not atomic.)"""
    total = 0
    for text in re.findall(rf"^fasterapi-mcp info \[upstream {re.escape(upstream)}\] (.*)$", log, re.M):
        note = re.fullmatch(r"\(a stderr line of (\d+) bytes, not shown\)", text)
        total += (int(note.group(1)) if note else len(text)) + 1
    return total


def peak_growth_mib(proxy, before_kib):
    return (proxy.peak_rss_kib() - before_kib) / 1024


def test_a_64_mib_line_is_refused_without_being_held(hostile):
    proxy, good = hostile(f"huge_line bytes={FLOOD_MIB << 20} tool=echo")
    peak = proxy.peak_rss_kib()
    r = call_hostile_while_serving_math(proxy, good)
    assert r["error"]["data"]["reason"] == "upstream_message_too_large"
    assert r["error"]["data"]["max_bytes"] == MAX_MESSAGE
    assert peak_growth_mib(proxy, peak) < GROWTH_BOUND_MIB


def test_a_line_that_never_ends_is_cut_at_the_limit(hostile):
    proxy, good = hostile("endless_line tool=echo")
    peak = proxy.peak_rss_kib()
    r = call_hostile_while_serving_math(proxy, good)
    assert r["error"]["data"]["reason"] == "upstream_message_too_large"
    assert peak_growth_mib(proxy, peak) < GROWTH_BOUND_MIB
    assert add(proxy.client, 41) == 42


@pytest.mark.parametrize("line", [1024, 1 << 20], ids=["short_lines", "lines_over_the_log_limit"])
def test_a_stderr_flood_is_drained_and_not_held(hostile, line):
    # The flood starts with the bad upstream (at its first call) and runs beside it.
    proxy, good = hostile(f"stderr_flood kb={FLOOD_MIB * 1024} line={line}")
    peak = proxy.peak_rss_kib()
    r = call_hostile_while_serving_math(proxy, good)
    assert r["result"]["content"][0]["text"] == "hi"
    flood_bytes = (FLOOD_MIB * 1024 * 1024 // line + 1) * line
    # All of it reached the proxy's log (long lines as a note of their size).
    assert eventually(lambda: stderr_bytes_logged(proxy.log(), "bad#1") >= flood_bytes,
                      timeout=120, step=0.5)
    assert add(proxy.client, 7) == 8
    assert peak_growth_mib(proxy, peak) < GROWTH_BOUND_MIB


def test_a_notification_flood_is_passed_on_within_the_memory_bound(hostile):
    count, size = 2048, 32 * 1024  # 64 MiB of notifications/message before the answer
    proxy, good = hostile(f"notification_flood count={count} size={size} tool=echo")
    proxy.client.request("logging/setLevel", {"level": "info"})
    peak = proxy.peak_rss_kib()
    r = call_hostile_while_serving_math(proxy, good)
    assert r["result"]["content"][0]["text"] == "hi"
    flood = []
    while not proxy.client.notifications.empty():
        msg = proxy.client.notifications.get()
        if msg["method"] == "notifications/message" and msg["params"].get("logger") == "flood":
            flood.append(int(re.match(r"flood (\d+)", msg["params"]["data"]).group(1)))
    # Notifications may be dropped for a client that reads too slowly, never duplicated or
    # reordered; this client reads as fast as it can.
    assert flood and flood == sorted(set(flood)) and flood[-1] <= count - 1
    assert peak_growth_mib(proxy, peak) < GROWTH_BOUND_MIB
