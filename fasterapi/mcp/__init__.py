"""FasterAPI MCP Proxy: the public Python API (see docs/configuration.md).

`_core` (the compiled C++ data plane) is private and imported only when a proxy starts.
"""

from .config import ProxyRoute, UpstreamConfig
from .errors import ConfigError, FeatureNotAvailableError
from .proxy import MCPProxy
from .stats import ProxyStats
from .toml_config import load_config
from .transformers import (create_caching_transformer, create_metadata_transformer,
                           create_sanitizing_transformer)

__all__ = [
    "MCPProxy",
    "UpstreamConfig",
    "ProxyRoute",
    "ProxyStats",
    "ConfigError",
    "FeatureNotAvailableError",
    "create_metadata_transformer",
    "create_sanitizing_transformer",
    "create_caching_transformer",
    "load_config",
]
