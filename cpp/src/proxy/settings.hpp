#pragma once
// The proxy's configuration as the core sees it (docs/core_config.md), immutable once built.
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "policy/circuit_breaker.hpp"
#include "filters/security_settings.hpp"
#include "filters/transform/transform_settings.hpp"

namespace fasterapi::proxy {

// Thrown only while loading configuration; the message names the field.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct UpstreamSettings {
  std::string name;
  std::string transport_type = "stdio";
  std::string command;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  std::string cwd;
  std::string name_prefix;
  int max_connections = 10;
  bool eager_start = false;
  int64_t connect_timeout_ms = 5000;
  int64_t request_timeout_ms = 30000;
  int64_t shutdown_grace_ms = 2000;
  bool enable_health_check = true;
  int64_t health_check_interval_ms = 30000;
  int max_retries = 3;
  int64_t retry_delay_ms = 1000;
  // transport_type "http": the Streamable HTTP endpoint (split by the Python side) and the
  // proxy's own credential for it (never a client's).
  std::string url;
  std::string http_host;
  int http_port = 80;
  std::string http_path = "/";
  bool http_tls = false;    // https:// or wss://
  std::string tls_ca_file;  // PEM trust anchors for it; empty: the system's trust store
  std::string auth_token;
};

struct RouteSettings {
  std::string upstream_name;
  std::string tool_pattern;
  std::string resource_pattern;
  std::string prompt_pattern;
  // A call on this route may be re-sent after the upstream may have received it.
  bool idempotent = false;
  // Believe the upstream's readOnlyHint / idempotentHint for that decision.
  bool trust_annotations = false;
};

struct ProxySettings {
  std::string name = "FasterAPI MCP Proxy";
  std::string version = "1.0.0";
  size_t max_message_bytes = 4 * 1024 * 1024;
  bool enable_request_logging = true;
  bool failover_enabled = true;
  bool circuit_breaker_enabled = true;
  policy::BreakerConfig breaker;
  int64_t shutdown_drain_ms = 5000;  // stop(): how long calls in flight may still finish
  std::vector<UpstreamSettings> upstreams;
  std::vector<RouteSettings> routes;
  filters::SecuritySettings security;  // auth, scopes, rate limits (docs/security.md)
  filters::transform::TransformSettings transform;  // transformers, cache (docs/transformers.md)
};

ProxySettings parse_settings(std::string_view json_text);

}  // namespace fasterapi::proxy
