#pragma once
// The transform stage's configuration (docs/transformers.md, docs/core_config.md): the
// ordered request and response chains, which routes run them, and the response cache.
// Parsed once from the core config document; immutable and shared afterwards.
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace fasterapi::filters::transform {

enum class Type { Metadata, Sanitize, Cache, External };
const char* type_name(Type t);

struct TransformSpec {
  std::string name;
  Type type = Type::External;
  std::string proxy_name;         // metadata
  std::vector<std::string> keys;  // sanitize: lower-cased
  int64_t ttl_ms = 0;             // cache
};

struct RouteFlags {
  bool request = false;   // ProxyRoute.enable_request_transform
  bool response = false;  // ProxyRoute.enable_response_transform
};

struct CacheSettings {
  bool enabled = false;  // MCPProxy(enable_caching=...)
  int64_t ttl_ms = 60000;
  size_t max_entries = 10000;
  size_t max_bytes = 64u << 20;
};

struct TransformSettings {
  std::vector<TransformSpec> request;
  std::vector<TransformSpec> response;
  std::vector<RouteFlags> routes;  // by route index
  CacheSettings cache;
  // Union of every sanitizing transformer's keys (lower-cased): also redacted in logs.
  std::vector<std::string> redacted_keys() const;
};

// Throws proxy::ConfigError naming the field ("transformers.request[0].keys: ...").
TransformSettings parse_transform_settings(const boost::json::value& doc);
// One chain entry ({"name", "type", ...}), as the document and the bindings give it.
TransformSpec parse_transform_spec(const boost::json::value& v, const std::string& path);

}  // namespace fasterapi::filters::transform
