#include "proxy/http_front.hpp"

#include <boost/json.hpp>
#include <openssl/rand.h>
#include <deque>
#include <unordered_map>

#include "common/log.hpp"
#include "fasterapi/errors.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/versions.hpp"
#include "proxy/proxy.hpp"
#include "proxy/session.hpp"

namespace fasterapi::proxy {

namespace json = boost::json;
using transport::HttpExchange;
using transport::HttpHeaders;
using transport::HttpRequest;

namespace {

constexpr size_t kReplayEvents = 256;  // GET-stream events kept for Last-Event-ID

HttpHeaders json_headers() { return {{"Content-Type", "application/json"}}; }

HttpHeaders sse_headers() {
  return {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
}

std::string sse_event(std::string_view line, uint64_t id) {
  while (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  std::string e;
  e.reserve(line.size() + 40);
  if (id) e += "id: " + std::to_string(id) + "\n";
  e += "event: message\ndata: ";
  e += line;
  e += "\n\n";
  return e;
}

std::string error_body(int code, std::string_view message, std::string_view reason) {
  json::object d;
  d["reason"] = reason;
  return protocol::error_line(nullptr, code, message, std::move(d));
}

// UnsupportedProtocolVersionError for an MCP-Protocol-Version header the proxy does not
// speak: every version it does (as server/discover lists them), and the request's own id
// when the body is a request.
std::string unsupported_version_body(const std::string& requested, const std::string& body) {
  json::array supported;
  for (auto v : protocol::kStatelessVersions) supported.emplace_back(v);
  for (auto it = protocol::kHandshakeVersions.rbegin(); it != protocol::kHandshakeVersions.rend(); ++it)
    supported.emplace_back(*it);
  json::object d;
  d["supported"] = std::move(supported);
  d["requested"] = requested;
  d["reason"] = "unsupported_protocol_version";
  json::value id = nullptr;
  boost::system::error_code ec;
  auto parsed = json::parse(body, ec);
  if (!ec && parsed.is_object())
    if (auto* v = parsed.get_object().if_contains("id"); v && (v->is_string() || v->is_int64() || v->is_uint64()))
      id = *v;
  return protocol::error_line(id, errors::kUnsupportedProtocolVersion, "Unsupported MCP-Protocol-Version",
                              std::move(d));
}

// The JSON-RPC id a request key (detail::id_key) stands for.
json::value id_from_key(const std::string& key) {
  if (!key.empty() && key[0] == 's') return json::value(key.substr(1));
  boost::system::error_code ec;
  auto v = json::parse(std::string_view(key).substr(1), ec);
  return ec ? json::value(nullptr) : v;
}

}  // namespace

// A session's output over HTTP: answers on the POST that asked, request-bound messages on
// that POST's stream, the rest on the GET stream.
class HttpOutput final : public ClientOutput {
 public:
  HttpOutput(HttpFront& front, int number, bool stateless, std::string resource_metadata_url)
      : front_(front), number_(number), stateless_(stateless), metadata_url_(std::move(resource_metadata_url)) {}

  std::string session_id;
  bool established = false;  // initialize answered: a persistent session

  void begin(std::shared_ptr<HttpExchange> ex) {
    current_ = std::move(ex);
    current_bound_ = false;
  }
  // Whether the POST being handled got something to answer (else it was a notification or
  // a response: 202).
  bool end() {
    const bool bound = current_bound_;
    current_.reset();
    return bound;
  }

  void session_established() override { established = true; }

  void send(std::string line, std::string_view key, bool final, int code) override {
    std::shared_ptr<HttpExchange> ex;
    auto it = by_key_.find(std::string(key));
    if (it != by_key_.end()) ex = it->second;
    if (!ex && current_ && !current_bound_) {
      ex = current_;
      current_bound_ = true;
      const std::string k(key);
      by_key_[k] = ex;
      std::weak_ptr<HttpExchange> weak = ex;
      ex->on_abandoned = [this, k] { abandoned(k); };
    }
    if (!ex || ex->closed()) {
      if (!final) return to_get_stream(std::move(line));
      if (ex) by_key_.erase(std::string(key));
      front_.proxy().stats().counters["http_undelivered"]++;
      return;
    }
    if (final) {
      by_key_.erase(std::string(key));
      if (ex->streaming()) {
        ex->stream(sse_event(line, 0));
        ex->end_stream();
      } else {
        auto [status, headers] = status_for(code, line);
        while (!line.empty() && line.back() == '\n') line.pop_back();
        ex->respond(status, std::move(headers), std::move(line));
      }
      front_.maybe_release(number_);
      return;
    }
    if (!ex->streaming()) ex->start_stream(200, with_session(sse_headers()));
    ex->stream(sse_event(line, 0));
  }

  // The answer went out before the session counted its request done: release it now.
  void session_idle() override { front_.maybe_release(number_); }

  void request_started(std::string_view key) override {
    if (current_ && !current_bound_) {
      current_bound_ = true;
      const std::string k(key);
      by_key_[k] = current_;
      current_->on_abandoned = [this, k] { abandoned(k); };
    }
  }

  size_t queued_bytes() const override {
    size_t n = get_stream_ ? get_stream_->queued_bytes() : 0;
    for (auto& [k, ex] : by_key_) n = std::max(n, ex->queued_bytes());
    return n;
  }

  void finish() override {
    if (get_stream_ && get_stream_->streaming()) get_stream_->end_stream();
    get_stream_.reset();
    for (auto& [k, ex] : by_key_) {
      ex->on_abandoned = nullptr;
      if (ex->streaming()) ex->end_stream();
    }
    by_key_.clear();
  }

  void open_get_stream(std::shared_ptr<HttpExchange> ex, uint64_t last_event_id) {
    if (get_stream_ && get_stream_->streaming()) get_stream_->end_stream();
    get_stream_ = std::move(ex);
    get_stream_->start_stream(200, with_session(sse_headers()));
    if (last_event_id)  // resumption: this stream's own events after the one named
      for (auto& [id, data] : replay_)
        if (id > last_event_id) get_stream_->stream(data);
  }

  bool knows_event(uint64_t id) const {
    return id > 0 && id < next_event_ && (replay_.empty() || id + 1 >= replay_.front().first);
  }

  HttpHeaders with_session(HttpHeaders h) const {
    if (established) h.emplace_back("Mcp-Session-Id", session_id);
    return h;
  }

 private:
  void to_get_stream(std::string line) {
    const uint64_t id = next_event_++;
    std::string event = sse_event(line, id);
    replay_.emplace_back(id, event);
    if (replay_.size() > kReplayEvents) replay_.pop_front();
    if (get_stream_ && !get_stream_->closed()) get_stream_->stream(std::move(event));
    else front_.proxy().stats().counters["http_undelivered"]++;
  }

  void abandoned(const std::string& key) {
    by_key_.erase(key);
    if (!stateless_) return;  // handshake era: a disconnect alone is not a cancel
    // Stateless era: a closed POST stream is the cancel signal for its request.
    if (auto s = session_.lock()) {
      json::object params;
      params["requestId"] = id_from_key(key);
      params["reason"] = "the client closed the HTTP stream";
      s->receive(protocol::notification_line("notifications/cancelled", std::move(params)));
    }
  }

  std::pair<int, HttpHeaders> status_for(int code, const std::string& line) const {
    HttpHeaders h = with_session(json_headers());
    switch (code) {
      case errors::kNoCredentials:
      case errors::kInvalidCredentials:
        h.emplace_back("WWW-Authenticate",
                       "Bearer resource_metadata=\"" + metadata_url_ + "\"" +
                           (code == errors::kInvalidCredentials ? ", error=\"invalid_token\"" : ""));
        return {401, h};
      case errors::kInsufficientScope: {
        std::string scope;
        boost::system::error_code ec;
        auto v = json::parse(line, ec);
        if (!ec)
          if (auto* d = v.as_object()["error"].as_object().if_contains("data"); d && d->is_object())
            scope = std::string(protocol::string_at(d->get_object(), "required_scope"));
        h.emplace_back("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"" + scope +
                                               "\", resource_metadata=\"" + metadata_url_ + "\"");
        return {403, h};
      }
      case errors::kRateLimited: {
        int64_t ms = 1000;
        boost::system::error_code ec;
        auto v = json::parse(line, ec);
        if (!ec)
          if (auto* d = v.as_object()["error"].as_object().if_contains("data"); d && d->is_object())
            if (auto* r = d->get_object().if_contains("retry_after_ms"); r && r->is_int64()) ms = r->get_int64();
        h.emplace_back("Retry-After", std::to_string(std::max<int64_t>(1, (ms + 999) / 1000)));
        return {429, h};
      }
      case errors::kParseError:
      case errors::kInvalidRequest:
      case errors::kHeaderMismatch:
        return {400, h};
      default: break;
    }
    if (stateless_) {
      if (code == errors::kMethodNotFound) return {404, h};
      if (code == errors::kInvalidParams || code == errors::kUnsupportedProtocolVersion ||
          code == errors::kMissingCapability)
        return {400, h};
    }
    return {200, h};
  }

 public:
  std::weak_ptr<ClientSession> session_;

 private:
  HttpFront& front_;
  int number_;
  bool stateless_;
  std::string metadata_url_;
  std::unordered_map<std::string, std::shared_ptr<HttpExchange>> by_key_;
  std::shared_ptr<HttpExchange> current_;
  bool current_bound_ = false;
  std::shared_ptr<HttpExchange> get_stream_;
  std::deque<std::pair<uint64_t, std::string>> replay_;
  uint64_t next_event_ = 1;
};

// ---- HttpFront --------------------------------------------------------------------

HttpFront::HttpFront(Proxy& proxy, std::string path) : proxy_(proxy), path_(std::move(path)) {}

HttpFront::~HttpFront() { stop(); }

int HttpFront::listen(const std::string& host, int port, const transport::TlsServerFiles& tls) {
  transport::HttpLimits limits;
  limits.max_body_bytes = proxy_.settings().max_message_bytes;
  // Loaded before binding: a bad certificate or key is a config error, not a dead listener.
  auto tls_context = tls.enabled() ? transport::make_server_tls(tls) : nullptr;
  server_ = std::make_unique<transport::HttpServer>(
      proxy_.io(), limits, [this](HttpRequest& req, std::shared_ptr<HttpExchange> ex) { handle(req, std::move(ex)); },
      std::move(tls_context));
  port_ = server_->listen(host, port);
  log::info("http", "listening on " + scheme() + "://" + host + ":" + std::to_string(port_) + path_);
  return port_;
}

void HttpFront::stop_accepting() {
  if (server_) server_->stop_accepting();
}

void HttpFront::stop() {
  if (server_) server_->stop();
  auto sessions = std::move(sessions_);
  auto ephemeral = std::move(ephemeral_);
  sessions_.clear();
  ephemeral_.clear();
  for (auto& [id, s] : sessions) s.session->close();
  for (auto& [id, s] : ephemeral) s.session->close();
}

std::string HttpFront::new_session_id() {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("no randomness for a session id");
  static const char* hex = "0123456789abcdef";
  std::string id;
  for (unsigned char c : raw) {
    id += hex[c >> 4];
    id += hex[c & 15];
  }
  return id;
}

std::string HttpFront::scheme() const { return server_ && server_->tls() ? "https" : "http"; }

std::string HttpFront::base_url(const HttpRequest& req) const {
  const std::string* host = req.header("host");
  return scheme() + "://" + (host ? *host : "127.0.0.1:" + std::to_string(port_));
}

void HttpFront::handle(HttpRequest& req, std::shared_ptr<HttpExchange> ex) {
  const RequestVerdict verdict = route_request(req, {path_, server_ && server_->loopback()});
  switch (verdict.route) {
    case HttpRoute::Refused: return refuse(verdict, *ex);
    case HttpRoute::Health: return respond_health(*ex);
    case HttpRoute::Metrics:
      return ex->respond(200, {{"Content-Type", "text/plain; version=0.0.4"}}, proxy_.metrics_text_now());
    case HttpRoute::ProtectedResource: return respond_protected_resource(req, *ex);
    case HttpRoute::McpPost: return handle_post(req, std::move(ex));
    case HttpRoute::McpGet: return handle_get(req, std::move(ex));
    case HttpRoute::McpDelete: return handle_delete(req, std::move(ex));
  }
}

void HttpFront::respond_health(HttpExchange& ex) {
  json::object o;
  json::object ups;
  bool all = true;
  for (auto& [name, ok] : proxy_.health_now()) {
    ups[name] = ok;
    all = all && ok;
  }
  o["status"] = all ? "ok" : "degraded";
  o["upstreams"] = std::move(ups);
  ex.respond(all ? 200 : 503, json_headers(), json::serialize(o));
}

void HttpFront::refuse(const RequestVerdict& verdict, HttpExchange& ex) {
  if (verdict.reason == std::string_view("forbidden_origin")) proxy_.stats().counters["http_forbidden_origin"]++;
  if (verdict.status == 405) return ex.respond(405, {{"Allow", kMcpAllow}}, "");
  ex.respond(verdict.status, json_headers(), error_body(errors::kInvalidRequest, verdict.message, verdict.reason));
}

void HttpFront::respond_protected_resource(const HttpRequest& req, HttpExchange& ex) {
  // RFC 9728: where a client learns how to get a token for this resource.
  json::object o;
  o["resource"] = base_url(req) + path_;
  json::array methods;
  methods.emplace_back("header");
  o["bearer_methods_supported"] = std::move(methods);
  const auto& sec = proxy_.settings().security;
  if (sec.jwt && sec.jwt->policy.issuer && !sec.jwt->policy.issuer->empty()) {
    json::array servers;
    servers.emplace_back(*sec.jwt->policy.issuer);
    o["authorization_servers"] = std::move(servers);
  }
  json::array scopes;
  for (auto& s : sec.route_scopes)
    if (!s.empty()) scopes.emplace_back(s);
  if (!scopes.empty()) o["scopes_supported"] = std::move(scopes);
  ex.respond(200, json_headers(), json::serialize(o));
}

void HttpFront::handle_post(HttpRequest& req, std::shared_ptr<HttpExchange> ex) {
  if (proxy_.shutting_down())
    return ex->respond(503, json_headers(), error_body(errors::kShuttingDown, "The proxy is shutting down", "shutting_down"));
  const std::string* version = req.header("mcp-protocol-version");
  if (const RequestVerdict headers = check_post_headers(req); headers.route == HttpRoute::Refused) {
    if (version && headers.reason == std::string_view("unsupported_protocol_version"))
      return ex->respond(400, json_headers(), unsupported_version_body(*version, req.body));
    return refuse(headers, *ex);
  }
  const std::string* authorization = req.header("authorization");
  const std::string resource_metadata = base_url(req) + "/.well-known/oauth-protected-resource";
  if (proxy_.security().auth_active() && !authorization) {
    // The spec's challenge: every HTTP request needs the token when auth is on.
    proxy_.security().count_missing();
    return ex->respond(401, {{"Content-Type", "application/json"}, {"WWW-Authenticate", "Bearer resource_metadata=\"" + resource_metadata + "\""}},
                       error_body(errors::kNoCredentials, "Authentication required", "missing_credentials"));
  }
  const std::string* sid = req.header("mcp-session-id");
  const std::string* mcp_method = req.header("mcp-method");
  HttpSession* target = nullptr;
  HttpSession fresh;
  if (sid) {
    auto it = sessions_.find(*sid);
    if (it == sessions_.end())
      return ex->respond(404, json_headers(), error_body(errors::kInvalidRequest, "Unknown or ended session", "unknown_session"));
    target = &it->second;
  } else {
    // No session: a stateless request, or an initialize that opens a session.
    const bool stateless = version && protocol::is_stateless_version(*version);
    const int number = next_session_++;
    fresh.output = std::make_shared<HttpOutput>(*this, number, stateless, resource_metadata);
    fresh.output->session_id = new_session_id();
    fresh.session = std::make_shared<ClientSession>(proxy_, number, fresh.output);
    fresh.output->session_ = fresh.session;
    proxy_.register_session(fresh.session);
    target = &fresh;
  }
  auto session = target->session;
  auto output = target->output;
  session->set_http_authorization(authorization ? *authorization : std::string());
  output->begin(ex);
  session->receive(req.body, HttpRequestHeaders{mcp_method, req.header("mcp-name"), version});
  const bool answered = output->end();
  if (!answered) ex->respond(202, output->with_session({}), "");
  if (!sid) {
    if (output->established) {
      fresh.persistent = true;
      sessions_[output->session_id] = std::move(fresh);
    } else if (!session->idle()) {
      ephemeral_[session->id()] = std::move(fresh);
    } else {
      session->close();
    }
  }
}

void HttpFront::maybe_release(int number) {
  auto it = ephemeral_.find(number);
  if (it == ephemeral_.end() || !it->second.session->idle()) return;
  auto s = std::move(it->second);
  ephemeral_.erase(it);
  s.session->close();
}

void HttpFront::handle_get(HttpRequest& req, std::shared_ptr<HttpExchange> ex) {
  const std::string* sid = req.header("mcp-session-id");
  if (!sid)  // stateless: no standing stream (subscriptions/listen is a POST)
    return ex->respond(405, {{"Allow", "POST"}}, "");
  auto it = sessions_.find(*sid);
  if (it == sessions_.end())
    return ex->respond(404, json_headers(), error_body(errors::kInvalidRequest, "Unknown or ended session", "unknown_session"));
  uint64_t last = 0;
  if (const std::string* lei = req.header("last-event-id")) {
    try {
      last = std::stoull(*lei);
    } catch (...) {
      last = 0;
    }
    if (!it->second.output->knows_event(last))
      return ex->respond(400, json_headers(), error_body(errors::kInvalidRequest, "Unknown Last-Event-ID", "unknown_event_id"));
  }
  it->second.output->open_get_stream(std::move(ex), last);
}

void HttpFront::handle_delete(HttpRequest& req, std::shared_ptr<HttpExchange> ex) {
  const std::string* sid = req.header("mcp-session-id");
  if (!sid) return ex->respond(405, {{"Allow", "POST"}}, "");
  auto it = sessions_.find(*sid);
  if (it == sessions_.end())
    return ex->respond(404, json_headers(), error_body(errors::kInvalidRequest, "Unknown or ended session", "unknown_session"));
  auto s = std::move(it->second);
  sessions_.erase(it);
  s.session->close();
  ex->respond(204, {}, "");
}

}  // namespace fasterapi::proxy
