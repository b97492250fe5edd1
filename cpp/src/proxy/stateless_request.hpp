#pragma once
// What a stateless-era (2026-07-28) request must carry before the proxy acts on it: the
// _meta keys, a version the proxy speaks, and, over Streamable HTTP, headers that agree
// with the body. The order of the checks is the spec's (missing _meta keys, then header
// disagreements, then the version), so each refusal names the first thing wrong.
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace fasterapi::proxy {

namespace json = boost::json;

// The headers of the POST a message came in (nullptr: absent, or not HTTP).
struct HttpRequestHeaders {
  const std::string* method = nullptr;   // Mcp-Method
  const std::string* name = nullptr;     // Mcp-Name
  const std::string* version = nullptr;  // MCP-Protocol-Version
};

struct StatelessRefusal {
  int code;
  std::string message;
  json::object data;
};

// `meta`: the request's params._meta, which names a protocol version (so the request is
// stateless-era). `params`: the request's params. `http`: whether it came over HTTP.
std::optional<StatelessRefusal> check_stateless_request(std::string_view method, const json::object* params,
                                               const json::object& meta, bool http,
                                               const HttpRequestHeaders& headers);

// Methods the 2026-07-28 revision removed; a stateless-era request for one is -32601.
bool removed_in_stateless_era(std::string_view method);

}  // namespace fasterapi::proxy
