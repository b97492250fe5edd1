// Target http_request: the bytes a client sends to the HTTP front, as far as they go without
// a socket: Beast's request parser set up with the server's limits (transport/http_request),
// then the front's checks (proxy/http_request_check): Origin/Host, endpoint, method, and a
// POST's Content-Type and MCP-Protocol-Version. Pipelined requests are read one after another
// while the connection stays open, as the server does.
// Input: [flags byte: bit 0 = bound to loopback][the bytes on the connection].
// Invariants: a request handed on is within the limits with lower-case header names; bound to
// loopback, a Host that is not a loopback name is refused, and so is an Origin without a
// scheme; a routed request names a known endpoint, with the method its route says; a POST
// let through declares JSON and, when it names one, a protocol revision the proxy speaks.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "protocol/versions.hpp"
#include "proxy/http_request_check.hpp"
#include "targets.hpp"

namespace fasterapi::fuzz {

namespace {

namespace http = boost::beast::http;
using proxy::HttpRoute;
using transport::HttpRequest;

constexpr size_t kMaxRequests = 8;

bool starts_with_loopback_name(std::string_view host) {
  for (std::string_view name : {"localhost", "127.0.0.1", "[::1]"})
    if (host == name || (host.size() > name.size() && host.substr(0, name.size()) == name && host[name.size()] == ':'))
      return true;
  return false;
}

void check_request(const HttpRequest& req, const transport::HttpLimits& limits, const proxy::FrontRules& rules) {
  FUZZ_CHECK(req.body.size() <= limits.max_body_bytes, "a body over the limit was handed on");
  for (auto& [name, value] : req.headers)
    for (char c : name) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), "a header name was handed on with upper case");

  const proxy::RequestVerdict v = proxy::route_request(req, rules);
  const std::string* host = req.header("host");
  const std::string* origin = req.header("origin");
  if (rules.loopback && host && !starts_with_loopback_name(*host))
    FUZZ_CHECK(v.route == HttpRoute::Refused && v.status == 403, "a non-loopback Host reached a loopback server");
  if (origin && origin->find("://") == std::string::npos)
    FUZZ_CHECK(v.route == HttpRoute::Refused && v.status == 403, "an Origin without a scheme was let through");

  const std::string path = req.target.substr(0, req.target.find('?'));
  switch (v.route) {
    case HttpRoute::Refused:
      FUZZ_CHECK(v.status == 403 || v.status == 404 || v.status == 405, "an unexpected refusal status");
      FUZZ_CHECK(*v.reason != '\0', "a refusal without a reason");
      return;
    case HttpRoute::Health: FUZZ_CHECK(path == "/health", "routed to /health from another path"); return;
    case HttpRoute::Metrics: FUZZ_CHECK(path == "/metrics", "routed to /metrics from another path"); return;
    case HttpRoute::ProtectedResource:
      FUZZ_CHECK(path.starts_with("/.well-known/oauth-protected-resource"), "routed to the resource metadata from another path");
      return;
    case HttpRoute::McpGet: FUZZ_CHECK(req.method == "GET" && path == rules.mcp_path, "a GET route for another request"); return;
    case HttpRoute::McpDelete:
      FUZZ_CHECK(req.method == "DELETE" && path == rules.mcp_path, "a DELETE route for another request");
      return;
    case HttpRoute::McpPost: break;
  }
  FUZZ_CHECK(req.method == "POST" && path == rules.mcp_path, "a POST route for another request");
  const proxy::RequestVerdict post = proxy::check_post_headers(req);
  if (post.route == HttpRoute::Refused) {
    FUZZ_CHECK(post.status == 415 || post.status == 400, "an unexpected refusal status for a POST");
    return;
  }
  FUZZ_CHECK(post.route == HttpRoute::McpPost, "a POST check routed elsewhere");
  const std::string* ctype = req.header("content-type");
  FUZZ_CHECK(ctype && ctype->find("application/json") != std::string::npos, "a POST without JSON was let through");
  if (const std::string* version = req.header("mcp-protocol-version"))
    FUZZ_CHECK(protocol::is_handshake_version(*version) || protocol::is_stateless_version(*version),
               "a POST naming an unknown protocol revision was let through");
}

}  // namespace

void http_request(std::string_view data) {
  FuzzInput in(data);
  const proxy::FrontRules rules{"/mcp", (in.byte() & 1) != 0};
  transport::HttpLimits limits;
  limits.max_header_bytes = 1024;  // small, so the fuzzer reaches them
  limits.max_body_bytes = 512;
  std::string_view bytes = in.rest();

  for (size_t n = 0; n < kMaxRequests && !bytes.empty(); ++n) {
    transport::RequestParser parser;
    transport::apply_limits(parser, limits);
    parser.eager(true);
    boost::beast::error_code ec;
    while (!parser.is_done()) {
      const size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
      bytes.remove_prefix(used);
      if (ec == http::error::need_more) {
        // All the client sent is not enough: its stream ends here. (Beast wants more bytes
        // before it is called again, as its own read loop ensures.)
        ec = {};
        if (!parser.got_some()) return;  // the client closed between requests
        parser.put_eof(ec);
      }
      if (ec || (used == 0 && !parser.is_done())) break;
    }
    if (ec || !parser.is_done()) return;  // 413/431, or the connection closes
    const bool keep_alive = parser.get().keep_alive();
    check_request(transport::to_http_request(parser.release()), limits, rules);
    if (!keep_alive) return;
  }
}

}  // namespace fasterapi::fuzz
