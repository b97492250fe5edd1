#pragma once
// The built-in transformers, as pure functions on a parsed message (no serialisation):
// metadata (`_proxy`), sanitizing (redaction at any depth) and caching hints. Also the
// redaction of log text, which the sanitizing transformer's keys turn on.
#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace fasterapi::filters::transform {

namespace json = boost::json;

inline constexpr std::string_view kRedacted = "[REDACTED]";

// Adds {"_proxy": {"name", "request_id", "client_id"}} to the message (the guide's shape),
// replacing one that is there.
void add_metadata(json::object& msg, std::string_view proxy_name, std::string_view request_id,
                  std::string_view client_id);

// Replaces the value of every member whose name equals one of `keys` (lower-case, sorted),
// compared case-insensitively, at any depth, inside arrays too, with "[REDACTED]".
// Returns how many values were replaced.
size_t redact(json::value& v, const std::vector<std::string>& keys);
size_t redact(json::object& o, const std::vector<std::string>& keys);

// Log text: `key=value`, `key: value`, `"key": "value"` (quoted or not, JSON values
// included) have the value replaced, for each key, case-insensitively. A line that is a
// JSON object is parsed and redacted as a structure instead.
std::string redact_text(std::string_view text, const std::vector<std::string>& keys);

// From now on every log line of the process has these keys' values redacted (the union
// of every sanitizing transformer's keys of every proxy started in the process).
void redact_logs(const std::vector<std::string>& keys);

// Caching hints (MCP 2026-07-28) on a response's result: ttlMs (never raised above what
// is there) and cacheScope ("private" wins). Nothing for an error response.
void stamp_cache_hints(json::object& msg, int64_t ttl_ms, std::string_view scope);

}  // namespace fasterapi::filters::transform
