"""Fixtures for the Python API tests (helpers live in mcp_api_helpers.py, a name
no other test folder uses, so `import` never picks up another folder's module)."""

import sys
import types

import pytest

from mcp_api_helpers import FakeCoreConfigError, FakeCoreProxy


@pytest.fixture
def fake_core(monkeypatch):
    module = types.ModuleType("fasterapi.mcp._core")
    module.Proxy = FakeCoreProxy
    module.ConfigError = FakeCoreConfigError
    FakeCoreProxy.instances = []
    monkeypatch.setitem(sys.modules, "fasterapi.mcp._core", module)
    import fasterapi.mcp
    monkeypatch.setattr(fasterapi.mcp, "_core", module, raising=False)
    return module
