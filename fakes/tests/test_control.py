"""Break and heal a running fake through its control channel; the pytest fixture."""

import pytest

from mcp_fakes import ControlError
from mcp_fakes.rawclient import RawStdioClient

ECHO = {"name": "echo", "arguments": {"text": "hi"}}


@pytest.fixture
def started(mcp_fake):
    """A stdio fake from the fixture, started here as a proxy would start it."""
    clients = []

    def start(*args, **kwargs):
        fake = mcp_fake(*args, **kwargs)
        client = RawStdioClient(fake.argv)
        clients.append(client)
        return fake, client

    yield start
    for client in clients:
        client.proc.kill()
        client.proc.wait()


def test_add_remove_reset_while_running(started):
    fake, client = started("echo", seed=3)
    client.initialize()
    assert "result" in client.call("tools/call", ECHO)
    fault_id = fake.control.add_fault("error code=-32603 tool=echo")
    assert fault_id == "error"
    assert client.call("tools/call", ECHO)["error"]["code"] == -32603
    assert [f["id"] for f in fake.control.faults()] == ["error"]
    assert fake.control.remove_fault("error") == 1
    assert "result" in client.call("tools/call", ECHO)
    fake.control.add_fault("error tool=echo")
    fake.control.add_fault("is_error")
    fake.control.reset()
    assert fake.control.faults() == [] and "result" in client.call("tools/call", ECHO)


def test_bad_spec_through_control_is_an_error(started):
    fake, client = started("echo")
    client.initialize()
    with pytest.raises(ControlError, match="unknown fault"):
        fake.control.add_fault("melt")


def test_record_through_control_and_file_agree(started):
    fake, client = started("admin", faults=["drop_response tool=admin_restart_service"])
    client.initialize()
    client.request("tools/call", {"name": "admin_restart_service", "arguments": {"service": "db"}})
    assert client.call("ping")["result"] == {}
    live = fake.control.record()
    assert len(fake.calls(name="admin_restart_service")) == 1
    assert [e["seq"] for e in live] == [e["seq"] for e in fake.record()]
    assert fake.control.state()["restarts"] == {"db": 1}
    assert fake.control.record(since=live[-1]["seq"]) == []


def test_list_changed_and_resource_updated_from_control(started):
    fake, client = started("data")
    client.initialize()
    fake.control.list_changed("tools")
    assert client.read()["method"] == "notifications/tools/list_changed"
    fake.control.resource_updated("data://users")  # not subscribed: nothing is sent
    assert client.call("resources/subscribe", {"uri": "data://users"})["result"] == {}
    fake.control.resource_updated("data://users")
    assert client.read() == {"jsonrpc": "2.0", "method": "notifications/resources/updated",
                             "params": {"uri": "data://users"}}


def test_fixture_gives_argv_for_an_upstream_config(mcp_fake):
    fake = mcp_fake("math", faults=["latency ms=5"], seed=7, page_size=2)
    assert fake.args[:2] == ["-m", "mcp_fakes"]
    assert fake.argv == [fake.command, *fake.args]
    for expected in (["--profile", "math"], ["--seed", "7"], ["--fault", "latency ms=5"], ["--page-size", "2"]):
        assert any(fake.args[i:i + 2] == expected for i in range(len(fake.args)))
    assert fake.record() == []  # not started yet


def test_setting_a_flag_updates_the_subscribed_settings_resource(started):
    fake, client = started("admin")
    client.initialize()
    client.call("resources/subscribe", {"uri": "config://app/settings"})
    reply = client.call("tools/call", {"name": "admin_set_flag", "arguments": {"name": "beta", "value": "on"}})
    assert reply["result"]["content"][0]["text"] == "beta=on"
    assert {"jsonrpc": "2.0", "method": "notifications/resources/updated",
            "params": {"uri": "config://app/settings"}} in client.seen
