#pragma once
// The "security" section of the core config document, and the routes' required_scope and
// rate_limit_override (docs/core_config.md). Parsed and checked once; key material is
// loaded here, so a bad key is a ConfigError at start, never a failure on the data path.
#include <boost/json/value.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "policy/jwt.hpp"
#include "policy/rate_limit.hpp"

namespace fasterapi::filters {

struct JwtSettings {
  policy::JwtPolicy policy;
  std::shared_ptr<const policy::KeySet> keys;  // null until a remote JWKS is pushed in
  bool remote_keys = false;                    // keys come from set_jwks (a JWKS URL)
  bool algorithms_pinned = false;              // "algorithms" given; else the keys' families
  size_t cache_size = 1024;
};

struct SecuritySettings {
  bool enable_auth = true;
  bool enable_authorization = true;
  bool enable_rate_limiting = true;
  std::optional<JwtSettings> jwt;
  std::string bearer_token;                           // empty: no bearer auth
  std::string token_env = "FASTERAPI_MCP_TOKEN";      // read once, at start
  std::string meta_key = "dev.fasterapi/authorization";
  std::optional<policy::RateSpec> global;
  std::optional<policy::RateSpec> client;
  std::vector<std::pair<std::string, policy::RateSpec>> tools;
  std::vector<std::string> route_scopes;    // by route index; "" = none
  std::vector<int64_t> route_overrides;     // by route index; 0 = none
};

// Throws proxy::ConfigError naming the field ("jwt_auth.secret: ...").
SecuritySettings parse_security_settings(const boost::json::value& doc);

// Builds the JWT key material alone (the Python API checks keys when they are set).
JwtSettings parse_jwt_settings(const boost::json::value& jwt, const std::string& path);

}  // namespace fasterapi::filters
