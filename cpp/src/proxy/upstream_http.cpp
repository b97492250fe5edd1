// An upstream reached over Streamable HTTP (UpstreamSettings::transport_type "http"): the
// same UpstreamConnection (handshake or era probe, ids, timeouts, failures), with each
// message POSTed instead of written to a child's stdin. Answers come back as JSON or as
// SSE events on the POST; a handshake-era session also gets a GET stream for messages not
// tied to a request. The proxy's own `auth_token` is sent, never a client's.
#include <boost/json.hpp>

#include "common/log.hpp"
#include "fasterapi/errors.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/versions.hpp"
#include "proxy/upstream.hpp"

namespace fasterapi::proxy {

bool UpstreamConnection::is_http() const { return owner_.settings().transport_type == "http"; }
bool UpstreamConnection::is_ws() const { return owner_.settings().transport_type == "websocket"; }

transport::TlsClientSide Upstream::client_tls() {
  if (settings_.http_tls && !client_tls_.wanted()) {
    try {
      client_tls_.context = transport::make_client_tls(settings_.tls_ca_file);
    } catch (const std::exception& e) {
      client_tls_.error = e.what();
    }
  }
  return client_tls_;
}

void UpstreamConnection::open_ws() {
  const auto& s = owner_.settings();
  owner_.hooks().count("upstream_spawns");

  std::weak_ptr<UpstreamConnection> weak = weak_from_this();
  transport::WsClient::Handlers h;
  h.on_message = [weak](std::string_view message) {
    if (auto self = weak.lock()) self->on_line(message);
  };
  h.on_closed = [weak](const std::string& reason, bool) {
    if (auto self = weak.lock()) self->network_closed(reason);
  };
  ws_ = std::make_shared<transport::WsClient>(owner_.io(), owner_.max_message_bytes(), std::move(h), owner_.client_tls());
  std::vector<std::pair<std::string, std::string>> headers;
  if (!s.auth_token.empty()) headers.emplace_back("Authorization", "Bearer " + s.auth_token);
  ws_->connect(s.http_host, s.http_port, s.http_path, std::move(headers));
  log::info("upstream", label() + ": " + s.url);
  state_ = State::Initializing;
  connect_deadline_ms_ = owner_.clock().now_ms() + s.connect_timeout_ms;
  // Messages written now wait in the client until the socket is up.
  switch (owner_.era()) {
    case Era::Stateless:
      become_ready(protocol::kLatestStatelessVersion);
      return;
    case Era::Handshake: send_initialize(); return;
    case Era::Unknown: send_discover(); return;
  }
}

void UpstreamConnection::network_closed(const std::string& reason) {
  if (state_ == State::Closing || state_ == State::Closed) return;
  log::warn("upstream", label() + ": connection ended (" + reason + ")");
  json::object d;
  d["upstream"] = owner_.settings().name;
  d["reason"] = "disconnected";
  d["detail"] = reason;
  owner_.connection_failed(state_ == State::Ready);
  fail(errors::kUpstreamUnavailable, "Upstream '" + owner_.settings().name + "' disconnected: " + reason, std::move(d));
  state_ = State::Closed;
  timer_.cancel();
  owner_.connection_closed(this);
}

void UpstreamConnection::open_http() {
  const auto& s = owner_.settings();
  owner_.hooks().count("upstream_spawns");  // a new MCP session with it
  http_ = std::make_shared<transport::HttpClient>(owner_.io(), transport::HttpTarget{s.http_host, s.http_port, s.http_path, owner_.client_tls()},
                                                  static_cast<size_t>(s.max_connections), owner_.max_message_bytes());
  log::info("upstream", label() + ": " + s.url);
  state_ = State::Initializing;
  connect_deadline_ms_ = owner_.clock().now_ms() + s.connect_timeout_ms;
  switch (owner_.era()) {
    case Era::Stateless:
      http_version_ = std::string(protocol::kLatestStatelessVersion);
      become_ready(protocol::kLatestStatelessVersion);
      return;
    case Era::Handshake: send_initialize(); return;
    case Era::Unknown: send_discover(); return;
  }
}

namespace {
uint64_t id_of(const json::object& msg) {
  auto* id = msg.if_contains("id");
  if (!id || msg.contains("result") || msg.contains("error")) return 0;  // responses: not ours to track
  if (id->is_uint64()) return id->get_uint64();
  if (id->is_int64() && id->get_int64() > 0) return static_cast<uint64_t>(id->get_int64());
  return 0;
}
}  // namespace

void UpstreamConnection::http_write(std::string line) {
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec || !v.is_object()) return;
  const json::object& msg = v.get_object();
  const uint64_t id = id_of(msg);
  const std::string method(protocol::string_at(msg, "method"));
  const auto& s = owner_.settings();
  auto call = std::make_shared<transport::HttpCall>();
  call->headers = {{"Content-Type", "application/json"}, {"Accept", "application/json, text/event-stream"}};
  if (!http_version_.empty()) call->headers.emplace_back("MCP-Protocol-Version", http_version_);
  if (!http_session_.empty()) call->headers.emplace_back("Mcp-Session-Id", http_session_);
  if (!s.auth_token.empty()) call->headers.emplace_back("Authorization", "Bearer " + s.auth_token);
  if (owner_.era() == Era::Stateless && !method.empty()) {
    call->headers.emplace_back("Mcp-Method", method);
    if (auto* p = msg.if_contains("params"); p && p->is_object()) {
      std::string_view name = protocol::string_at(p->get_object(), method == "resources/read" ? "uri" : "name");
      if (!name.empty() && (method == "tools/call" || method == "prompts/get" || method == "resources/read"))
        call->headers.emplace_back("Mcp-Name", std::string(name));
    }
  }
  call->body = std::move(line);
  auto status = std::make_shared<int>(0);
  std::weak_ptr<UpstreamConnection> weak = weak_from_this();
  call->on_head = [weak, status](int code, const std::vector<std::pair<std::string, std::string>>& headers) {
    *status = code;
    auto self = weak.lock();
    if (!self) return;
    for (auto& [k, v] : headers)
      if (k == "mcp-session-id" && self->http_session_.empty()) self->http_session_ = v;
  };
  call->on_message = [weak](std::string_view message) {
    if (auto self = weak.lock()) self->on_line(message);
  };
  call->on_done = [weak, id, status](const std::string& error, bool connected) {
    auto self = weak.lock();
    if (!self) return;
    if (!error.empty() || *status >= 400) self->http_failed(id, *status, error, connected);
  };
  http_->request(std::move(call));
}

void UpstreamConnection::http_failed(uint64_t id, int status, const std::string& error, bool connected) {
  if (status == 404 && !http_session_.empty()) {
    // The upstream forgot our session: this connection is over; the next one starts afresh.
    log::warn("upstream", label() + ": the HTTP session ended on the upstream's side (404)");
    auto d = json::object();
    d["upstream"] = owner_.settings().name;
    d["reason"] = "session_expired";
    owner_.connection_failed(state_ == State::Ready);
    fail(errors::kUpstreamUnavailable, "Upstream '" + owner_.settings().name + "' ended the HTTP session", std::move(d));
    http_->close();
    state_ = State::Closed;
    owner_.connection_closed(this);
    return;
  }
  auto it = id ? pending_.find(id) : pending_.end();
  if (it == pending_.end()) return;  // answered after all (an error body with the JSON-RPC answer)
  Completion done = std::move(it->second.done);
  pending_.erase(it);
  Outcome o;
  o.code = errors::kUpstreamUnavailable;
  o.message = "Upstream '" + owner_.settings().name + "' HTTP request failed" +
              (error.empty() ? " with status " + std::to_string(status) : ": " + error);
  o.data["upstream"] = owner_.settings().name;
  o.data["reason"] = connected ? "http_error" : "connect_failed";
  if (status) o.data["status"] = status;
  o.delivery = connected && status == 0 ? Delivery::PossiblyAccepted : Delivery::NotSent;
  if (status >= 500 || status == 0) owner_.connection_failed(state_ == State::Ready);
  if (id == initialize_id_) {
    fail(o.code, o.message, o.data);
    shutdown();
    return;
  }
  done(o);
}

void UpstreamConnection::http_open_get_stream() {
  auto call = std::make_shared<transport::HttpCall>();
  call->method = "GET";
  call->headers = {{"Accept", "text/event-stream"}};
  if (!http_version_.empty()) call->headers.emplace_back("MCP-Protocol-Version", http_version_);
  if (!http_session_.empty()) call->headers.emplace_back("Mcp-Session-Id", http_session_);
  if (!owner_.settings().auth_token.empty())
    call->headers.emplace_back("Authorization", "Bearer " + owner_.settings().auth_token);
  std::weak_ptr<UpstreamConnection> weak = weak_from_this();
  call->on_message = [weak](std::string_view message) {
    if (auto self = weak.lock()) self->on_line(message);
  };
  call->on_done = [](const std::string&, bool) {};  // 405 (no GET stream) is fine
  http_->request(std::move(call));
}

}  // namespace fasterapi::proxy
