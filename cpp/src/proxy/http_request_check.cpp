#include "proxy/http_request_check.hpp"

#include <optional>

#include "protocol/versions.hpp"

namespace fasterapi::proxy {

namespace {

RequestVerdict refused(int status, const char* message, const char* reason) {
  return {HttpRoute::Refused, status, message, reason};
}

RequestVerdict routed(HttpRoute r) { return {r, 0, "", ""}; }

// The host of "host[:port]" or "[v6]:port"; nullopt when a bracketed host is not closed or
// is followed by anything but a port ("[::1]evil" names no loopback host).
std::optional<std::string> host_of(std::string_view hostport) {
  if (!hostport.empty() && hostport.front() == '[') {
    const size_t close = hostport.find(']');
    if (close == std::string_view::npos || (close + 1 < hostport.size() && hostport[close + 1] != ':'))
      return std::nullopt;
    return std::string(hostport.substr(0, close + 1));
  }
  return std::string(hostport.substr(0, hostport.find(':')));
}

bool loopback_name(const std::optional<std::string>& h) {
  return h && (*h == "localhost" || *h == "127.0.0.1" || *h == "[::1]");
}

}  // namespace

bool origin_allowed(const transport::HttpRequest& req, bool loopback) {
  // DNS rebinding: a page elsewhere must not reach a local server. A request with an
  // Origin must come from this host; bound to loopback, the Host must be a loopback name.
  const std::string* host = req.header("host");
  if (loopback && host && !loopback_name(host_of(*host))) return false;
  if (const std::string* origin = req.header("origin")) {
    std::string_view o = *origin;
    const auto scheme = o.find("://");
    if (scheme == std::string_view::npos) return false;
    const std::optional<std::string> origin_host = host_of(o.substr(scheme + 3));
    if (host && origin_host && origin_host == host_of(*host)) return true;
    return loopback_name(origin_host) && loopback;
  }
  return true;
}

RequestVerdict route_request(const transport::HttpRequest& req, const FrontRules& rules) {
  if (!origin_allowed(req, rules.loopback)) return refused(403, "Forbidden origin", "forbidden_origin");
  const std::string path = req.target.substr(0, req.target.find('?'));
  if (path == "/health") return routed(HttpRoute::Health);
  if (path == "/metrics") return routed(HttpRoute::Metrics);
  if (path == "/.well-known/oauth-protected-resource" || path == "/.well-known/oauth-protected-resource" + rules.mcp_path)
    return routed(HttpRoute::ProtectedResource);
  if (path != rules.mcp_path) return refused(404, "Not found", "not_found");
  if (req.method == "POST") return routed(HttpRoute::McpPost);
  if (req.method == "GET") return routed(HttpRoute::McpGet);
  if (req.method == "DELETE") return routed(HttpRoute::McpDelete);
  return refused(405, "Method not allowed", "method_not_allowed");
}

RequestVerdict check_post_headers(const transport::HttpRequest& req) {
  const std::string* ctype = req.header("content-type");
  if (!ctype || ctype->find("application/json") == std::string::npos)
    return refused(415, "Content-Type must be application/json", "unsupported_media_type");
  const std::string* version = req.header("mcp-protocol-version");
  if (version && !protocol::is_handshake_version(*version) && !protocol::is_stateless_version(*version))
    return refused(400, "Unsupported MCP-Protocol-Version", "unsupported_protocol_version");
  return routed(HttpRoute::McpPost);
}

}  // namespace fasterapi::proxy
