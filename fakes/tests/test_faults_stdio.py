"""Each stdio fault, observed from the client side of the pipe."""

import json
import os
import queue
import signal
import time

import pytest

from mcp_fakes import calls, read_record, responses

ECHO = {"name": "echo", "arguments": {"text": "hi"}}
MODERN = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}


def echo(client, timeout=5.0):
    return client.call("tools/call", ECHO, timeout)


def nothing_within(client, seconds):
    """True if stdout stays silent for ``seconds`` (the only way to observe "no answer")."""
    try:
        client.read_line(timeout=seconds)
    except queue.Empty:
        return True
    return False


# -- process -----------------------------------------------------------------------------

def test_exit_at_start(raw):
    client = raw("--fault", "exit_at_start code=3")
    assert client.read_line() is None
    assert client.proc.wait(5) == 3


@pytest.mark.parametrize("spec,status", [("crash after=1 code=4", 4), ("crash after=1 signal=KILL", -signal.SIGKILL)])
def test_crash_after_n_requests(raw, spec, status):
    client = raw("--fault", spec)
    client.initialize()
    assert echo(client)["result"]["content"][0]["text"] == "hi"
    client.request("tools/call", ECHO)
    assert client.read_line() is None
    assert client.proc.wait(5) == status


def test_crash_mid_write(raw):
    client = raw("--fault", "crash_mid_write method=tools/call", raw_bytes=True)
    client.request("tools/call", ECHO)
    data = client.read_until_eof()
    assert data and not data.endswith(b"\n") and data.startswith(b'{"jsonrpc"')
    assert client.proc.wait(5) == 1


def test_hang_reads_but_never_answers(raw):
    client = raw("--fault", "hang nth=2")
    client.initialize()
    echo(client)
    client.request("tools/call", ECHO)
    client.request("ping")
    assert nothing_within(client, 0.3) and client.proc.poll() is None
    client.close()
    assert len(calls(read_record(raw.record_path))) == 2  # received and recorded, never answered


def test_stop_reading(raw):
    client = raw("--fault", "stop_reading method=ping")
    client.request("ping")
    assert client.read()["result"] == {}
    client.request("tools/call", ECHO)
    assert nothing_within(client, 0.3) and client.proc.poll() is None
    assert calls(read_record(raw.record_path), method="tools/call") == []


def test_slow_start_and_slow_initialize(raw):
    for spec in ("slow_start ms=300", "slow_initialize ms=300"):
        client = raw("--fault", spec)
        started = time.monotonic()
        client.initialize()
        assert time.monotonic() - started >= 0.3
        started = time.monotonic()
        echo(client)
        assert time.monotonic() - started < 0.3


def test_ignore_sigterm(raw):
    client = raw("--fault", "ignore_sigterm")
    client.initialize()
    client.proc.send_signal(signal.SIGTERM)
    assert client.call("ping")["result"] == {}
    client.proc.kill()
    assert client.proc.wait(5) == -signal.SIGKILL


def test_grandchild_holds_the_pipes(raw):
    client = raw("--fault", "grandchild seconds=20")
    pid = int(client.stderr_text("grandchild pid").split()[-1])
    try:
        client.initialize()
        client.proc.kill()
        client.proc.wait(5)
        assert nothing_within(client, 0.3)  # the fake is dead, yet stdout is not at EOF
    finally:
        os.kill(pid, signal.SIGKILL)
    assert client.read_line() is None


def test_stderr_flood(raw):
    client = raw("--fault", "stderr_flood kb=256")
    client.initialize()
    total = 0
    while total < 256 * 1024:
        line = client.stderr_lines.get(timeout=5)
        assert line is not None
        total += len(line)
    assert echo(client)["result"]["content"][0]["text"] == "hi"


def test_stderr_flood_line_length(raw):
    client = raw("--fault", "stderr_flood kb=64 line=8192")
    lines = []
    while len(lines) < 8:
        line = client.stderr_lines.get(timeout=5)
        assert line is not None
        lines.append(len(line.rstrip(b"\n")))
    # The fake's start-up message (its text and its newline may be two writes) can land
    # inside the flood (which runs on its own thread): at most three lines are disturbed.
    assert lines.count(8191) >= 5


def test_stdout_noise(raw):
    client = raw("--fault", "stdout_noise nth=1 method=ping")
    client.request("ping")
    assert client.read_line() == b"this line is not JSON-RPC\n"
    assert client.read()["result"] == {}


# -- framing -----------------------------------------------------------------------------

def test_partial_line_then_close(raw):
    client = raw("--fault", "partial_line method=ping", raw_bytes=True)
    client.request("ping")
    data = client.read_until_eof()
    assert data.startswith(b'{"jsonrpc"') and not data.endswith(b"\n")
    assert client.proc.wait(5) == 0


def test_dribble_arrives_in_chunks(raw):
    client = raw("--fault", "dribble chunk=4 ms=2 method=ping", raw_bytes=True)
    client.request("ping")
    chunks = []
    while not b"".join(chunks).endswith(b"\n"):
        chunks.append(client.read_line())
    assert len(chunks) > 3
    assert json.loads(b"".join(chunks))["id"] == 1


def test_no_newline_then_stall(raw):
    client = raw("--fault", "no_newline nth=1 method=ping", raw_bytes=True)
    client.request("ping")
    data = client.read_bytes(len(b'{"jsonrpc":"2.0","id":1,"result":{}}'))
    assert data == b'{"jsonrpc":"2.0","id":1,"result":{}}'
    client.request("ping")
    assert nothing_within(client, 0.3) and client.proc.poll() is None


def test_invalid_utf8(raw):
    client = raw("--fault", "invalid_utf8 method=ping")
    client.request("ping")
    line = client.read_line()
    with pytest.raises(UnicodeDecodeError):
        line.decode("utf-8")


def test_huge_line(raw):
    client = raw("--fault", "huge_line bytes=2000000 method=ping")
    client.request("ping")
    line = client.read_line()
    assert len(line) >= 2_000_000 and json.loads(line)["id"] == 1


def test_endless_line_never_ends(raw):
    client = raw("--fault", "endless_line chunk=4096 method=ping", raw_bytes=True)
    client.request("ping")
    data = client.read_bytes(1_000_000)
    assert len(data) >= 1_000_000
    assert data.startswith(b'{"_endless":"xxx') and b"\n" not in data


def test_deep_nesting(raw):
    client = raw("--fault", "deep_nesting depth=50000 method=ping")
    client.request("ping")
    line = client.read_line()
    assert line.startswith(b'{"_deep":' + b"[" * 100)
    with pytest.raises(RecursionError):
        json.loads(line)


def test_duplicate_keys(raw):
    client = raw("--fault", "duplicate_keys method=ping")
    client.request("ping")
    line = client.read_line()
    assert line.count(b'"id":') == 2
    assert json.loads(line)["id"] == 1  # last wins in Python; a first-wins parser sees the wrong id
    pairs = json.loads(line, object_pairs_hook=lambda kv: kv)
    assert [k for k, _ in pairs].count("id") == 2


# -- correlation -------------------------------------------------------------------------

def test_wrong_id_is_another_requests_id(raw):
    client = raw("--fault", "wrong_id nth=2 method=ping")
    client.request("ping", msg_id=10)
    assert client.read()["id"] == 10
    client.request("ping", msg_id=11)
    assert client.read()["id"] == 10


def test_unknown_id(raw):
    client = raw("--fault", "unknown_id method=ping")
    client.request("ping", msg_id=5)
    reply = client.read()
    assert isinstance(reply["id"], int) and reply["id"] != 5


def test_duplicate_response(raw):
    client = raw("--fault", "duplicate_response method=ping")
    client.request("ping", msg_id=7)
    assert client.read()["id"] == 7 and client.read()["id"] == 7


@pytest.mark.parametrize("sent,got", [(1, "1"), ("2", 2)])
def test_id_type_swapped(raw, sent, got):
    client = raw("--fault", "id_type_swap method=ping")
    client.request("ping", msg_id=sent)
    assert client.read()["id"] == got


def test_response_to_a_notification(raw):
    client = raw("--fault", "respond_to_notification")
    client.initialize()  # sends notifications/initialized
    reply = client.read()
    assert reply == {"jsonrpc": "2.0", "id": None, "result": {}}


def test_out_of_order_responses(raw):
    client = raw("--fault", "out_of_order n=2 method=ping")
    client.request("ping", msg_id=1)
    client.request("ping", msg_id=2)
    assert [client.read()["id"], client.read()["id"]] == [2, 1]


def test_dropped_response_still_ran_the_tool(raw):
    client = raw("--profile", "admin", "--fault", "drop_response nth=1 tool=admin_restart_service")
    client.initialize()
    client.request("tools/call", {"name": "admin_restart_service", "arguments": {"service": "db"}}, msg_id=50)
    second = client.call("tools/call", {"name": "admin_restart_service", "arguments": {"service": "db"}})
    assert second["result"]["structuredContent"]["restarts"] == 2
    assert client.seen == []
    client.close()
    record = read_record(raw.record_path)
    assert len(calls(record, name="admin_restart_service")) == 2 and responses(record, 50) == []


def test_cancelled_request_gets_no_answer_unless_late_after_cancel(raw):
    plain = raw("--fault", "latency ms=3000 method=ping")
    plain.request("ping", msg_id=1)
    plain.notify("notifications/cancelled", {"requestId": 1, "reason": "test"})
    assert nothing_within(plain, 0.3)

    late = raw("--fault", "late_after_cancel method=ping")
    late.request("ping", msg_id=1)
    assert nothing_within(late, 0.1)
    late.notify("notifications/cancelled", {"requestId": 1, "reason": "test"})
    assert late.read()["id"] == 1


# -- protocol ----------------------------------------------------------------------------

def test_unsupported_protocol_version(raw):
    client = raw("--fault", "unsupported_version version=1999-01-01")
    assert client.initialize()["result"]["protocolVersion"] == "1999-01-01"
    assert client.call("server/discover", {"_meta": MODERN})["result"]["supportedVersions"] == ["1999-01-01"]
    error = client.call("tools/list", {"_meta": MODERN})["error"]
    assert error["code"] == -32022 and error["data"]["supported"] == ["1999-01-01"]


@pytest.mark.parametrize("code", [-32700, -32600, -32601, -32602, -32603, -32002])
def test_each_standard_error_code(raw, code):
    client = raw("--fault", f"error code={code} tool=echo")
    client.initialize()
    assert echo(client)["error"]["code"] == code
    assert "error" not in client.call("tools/call", {"name": "add", "arguments": {"a": 1, "b": 2}})


def test_is_error_result(raw):
    client = raw("--fault", "is_error")
    client.initialize()
    assert echo(client)["result"]["isError"] is True


def test_notification_flood(raw):
    client = raw("--fault", "notification_flood count=200 method=ping")
    reply = client.call("ping")
    assert reply["result"] == {}
    assert len([m for m in client.seen if m.get("method") == "notifications/message"]) == 200


def test_notification_flood_padded(raw):
    client = raw("--fault", "notification_flood count=3 size=5000 method=ping")
    assert client.call("ping")["result"] == {}
    data = [m["params"]["data"] for m in client.seen if m.get("method") == "notifications/message"]
    assert [len(d) for d in data] == [5000] * 3 and data[2].startswith("flood 2x")


def test_progress_for_an_unknown_token(raw):
    client = raw("--fault", "unknown_progress method=ping")
    client.call("ping")
    assert client.seen[0]["method"] == "notifications/progress"
    assert client.seen[0]["params"]["progressToken"] == "no-such-token"


# -- timing ------------------------------------------------------------------------------

def test_latency_per_method(raw):
    client = raw("--fault", "latency ms=250 method=tools/call")
    client.initialize()
    started = time.monotonic()
    client.call("ping")
    assert time.monotonic() - started < 0.25
    started = time.monotonic()
    echo(client)
    assert time.monotonic() - started >= 0.25


def test_error_rate_schedule_repeats_with_the_seed(raw):
    def outcomes(seed):
        client = raw("--seed", str(seed), "--fault", "error_rate p=0.5")
        client.initialize()
        result = ["error" in echo(client) for _ in range(16)]
        client.close()
        return result

    first = outcomes(7)
    assert first == outcomes(7) and any(first) and not all(first)


def test_bad_fault_on_the_command_line(raw):
    client = raw("--fault", "error colour=red")
    assert client.proc.wait(5) == 2
    assert "no parameter 'colour'" in client.stderr_text("bad --fault")
