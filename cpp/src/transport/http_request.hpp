#pragma once
// One HTTP request as the server hands it on, the limits it is read with, and how Beast's
// request parser is set up and its message turned into an HttpRequest. Shared by the
// server's socket reads (http_server.cpp) and the HTTP fuzz target, which has no socket.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fasterapi::transport {

struct HttpLimits {
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 4 * 1024 * 1024;
  int64_t read_timeout_ms = 30000;  // a request must arrive whole within this (slow clients)
  size_t max_connections = 1024;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path, with any query
  HttpHeaders headers;  // names lower-cased
  std::string body;
  const std::string* header(std::string_view name) const;  // nullptr when absent
};

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Header and body size limits on a fresh parser.
void apply_limits(RequestParser& parser, const HttpLimits& limits);

// The parsed message as the handler sees it (header names lower-cased).
HttpRequest to_http_request(boost::beast::http::request<boost::beast::http::string_body>&& msg);

}  // namespace fasterapi::transport
