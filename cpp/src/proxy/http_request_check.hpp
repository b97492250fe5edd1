#pragma once
// What the HTTP front makes of a request before any session sees it: the Origin/Host
// checks (DNS rebinding), which endpoint the path names, the method, and for a POST to the
// MCP endpoint its Content-Type and MCP-Protocol-Version. Pure: no proxy, no socket, so the
// HTTP fuzz target runs exactly what HttpFront::handle runs.
#include <string>

#include "transport/http_request.hpp"

namespace fasterapi::proxy {

enum class HttpRoute { Refused, Health, Metrics, ProtectedResource, McpPost, McpGet, McpDelete };

struct RequestVerdict {
  HttpRoute route = HttpRoute::Refused;
  // Refused: the HTTP status, and the JSON-RPC error's message and data.reason (a 405 has
  // no body: reason is "method_not_allowed" and the Allow header lists the methods).
  int status = 0;
  const char* message = "";
  const char* reason = "";
};

struct FrontRules {
  std::string mcp_path;  // the MCP endpoint, "/mcp" by default
  bool loopback = true;  // the server is bound to a loopback address
};

inline constexpr const char* kMcpAllow = "GET, POST, DELETE";

bool origin_allowed(const transport::HttpRequest& req, bool loopback);

// The endpoint and method, after the Origin/Host checks.
RequestVerdict route_request(const transport::HttpRequest& req, const FrontRules& rules);

// A POST to the MCP endpoint: its headers, before the body is looked at. McpPost when fine.
// An unknown MCP-Protocol-Version is refused with reason "unsupported_protocol_version" (the
// front answers it with the request's id and the supported versions, -32022).
RequestVerdict check_post_headers(const transport::HttpRequest& req);

}  // namespace fasterapi::proxy
