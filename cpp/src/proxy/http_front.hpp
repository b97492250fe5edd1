#pragma once
// MCP Streamable HTTP on one endpoint (default /mcp), both eras (docs/http.md):
//  - 2025-11-25: `initialize` opens a session (Mcp-Session-Id); each POST carries one
//    message; an answer comes back as JSON, or as an SSE stream when messages for that
//    request (progress, logs, server-to-client requests) come first; notifications and
//    responses get 202; GET opens the session's SSE stream (resumable with Last-Event-ID);
//    DELETE ends the session.
//  - 2026-07-28: each POST stands alone (no session); Mcp-Method must match the body;
//    GET and DELETE get 405; closing a POST's stream cancels its request.
// Around both: Origin and Host checks, Bearer authentication with 401/403/429 as the spec
// asks, RFC 9728 protected-resource metadata, /health and /metrics.
#include <map>
#include <memory>
#include <string>

#include "proxy/client_output.hpp"
#include "proxy/http_request_check.hpp"
#include "transport/http_server.hpp"
#include "transport/tls.hpp"

namespace fasterapi::proxy {

class Proxy;
class ClientSession;
class HttpOutput;

struct HttpSession {
  std::shared_ptr<ClientSession> session;
  std::shared_ptr<HttpOutput> output;
  bool persistent = false;  // a handshake-era session (has an Mcp-Session-Id)
};

class HttpFront {
 public:
  HttpFront(Proxy& proxy, std::string path);
  ~HttpFront();
  // Plain HTTP, or HTTPS when `tls` names a certificate. Throws std::runtime_error.
  int listen(const std::string& host, int port, const transport::TlsServerFiles& tls);
  void stop_accepting();
  void stop();

  // From outputs: an ephemeral (stateless) session has nothing left to answer.
  void maybe_release(int session_id);
  Proxy& proxy() { return proxy_; }

 private:
  void handle(transport::HttpRequest& req, std::shared_ptr<transport::HttpExchange> ex);
  void handle_post(transport::HttpRequest& req, std::shared_ptr<transport::HttpExchange> ex);
  void handle_get(transport::HttpRequest& req, std::shared_ptr<transport::HttpExchange> ex);
  void handle_delete(transport::HttpRequest& req, std::shared_ptr<transport::HttpExchange> ex);
  void refuse(const RequestVerdict& verdict, transport::HttpExchange& ex);
  void respond_health(transport::HttpExchange& ex);
  void respond_protected_resource(const transport::HttpRequest& req, transport::HttpExchange& ex);
  std::string scheme() const;
  std::string base_url(const transport::HttpRequest& req) const;
  std::string new_session_id();

  Proxy& proxy_;
  std::string path_;
  std::unique_ptr<transport::HttpServer> server_;
  int port_ = 0;
  std::map<std::string, HttpSession> sessions_;  // by Mcp-Session-Id
  std::map<int, HttpSession> ephemeral_;         // stateless POSTs, by session number
  int next_session_ = 1'000'000;                 // apart from stdio sessions' numbers
};

}  // namespace fasterapi::proxy
