"""pytest plugin (entry point ``pytest11``): the ``mcp_fake`` fixture factory.

    def test_retry(mcp_fake):
        fake = mcp_fake("math", faults=["error_rate p=0.5"], seed=7)
        upstream = UpstreamConfig(command=fake.command, args=fake.args)   # stdio: the proxy starts it
        ...
        assert len(fake.calls(name="math_add")) == 1

        web = mcp_fake("echo", transport="http")   # HTTP: started now, on 127.0.0.1, port 0
        web.url   # http://127.0.0.1:PORT/mcp
"""

import pytest

from .launcher import FakeFactory


@pytest.fixture
def mcp_fake(tmp_path):
    factory = FakeFactory(tmp_path)
    yield factory
    factory.close()
