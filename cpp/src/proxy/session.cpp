#include "proxy/session.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>

#include "common/log.hpp"
#include "fasterapi/errors.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/list_cursor.hpp"
#include "protocol/meta.hpp"
#include "protocol/versions.hpp"
#include "proxy/list_merge.hpp"
#include "proxy/proxy.hpp"
#include "proxy/session_helpers.hpp"
#include "proxy/transform_hooks.hpp"

namespace fasterapi::proxy {

using detail::id_key;
using detail::mark_complete;

namespace {

bool is_routed(std::string_view m) {
  return m == "tools/call" || m == "prompts/get" || m == "resources/read" ||
         m == "resources/subscribe" || m == "resources/unsubscribe" || m == "completion/complete";
}

json::array supported_stateless_versions() {
  json::array a;
  for (auto v : protocol::kStatelessVersions) a.emplace_back(v);
  return a;
}

// The capability a server-to-client request needs the client to have declared.
std::string_view capability_for(std::string_view method) {
  if (method == "sampling/createMessage") return "sampling";
  if (method == "elicitation/create") return "elicitation";
  if (method == "roots/list") return "roots";
  return {};
}

}  // namespace

ClientSession::ClientSession(Proxy& proxy, int id, int read_fd, int write_fd, bool stop_when_closed)
    : proxy_(proxy), id_(id), read_fd_(read_fd), write_fd_(write_fd), stop_when_closed_(stop_when_closed) {}

ClientSession::ClientSession(Proxy& proxy, int id, std::shared_ptr<ClientOutput> output)
    : proxy_(proxy), id_(id), read_fd_(-1), write_fd_(-1), stop_when_closed_(false), output_(std::move(output)) {}

void ClientSession::receive(std::string_view line, const HttpRequestHeaders& headers) {
  headers_ = headers;
  on_line(line);
  headers_ = {};
}

void ClientSession::start() {
  if (output_) return;  // fed by its owner (HTTP)
  std::weak_ptr<ClientSession> weak = weak_from_this();
  transport::ChannelHandlers h;
  h.on_line = [weak](std::string_view line) {
    if (auto self = weak.lock()) self->on_line(line);
  };
  h.on_oversized = [weak](size_t size) {
    auto self = weak.lock();
    if (!self) return;
    self->proxy_.stats().counters["oversized_messages"]++;
    json::object d;
    d["reason"] = "message_too_large";
    d["size"] = size;
    d["max_bytes"] = self->proxy_.settings().max_message_bytes;
    self->reply_error(nullptr, errors::kInvalidRequest, "Message exceeds max_message_bytes", std::move(d));
  };
  h.on_read_closed = [weak] {
    if (auto self = weak.lock()) self->on_input_closed();
  };
  h.on_write_failed = [weak] {
    auto self = weak.lock();
    if (!self) return;
    log::warn("session", "client " + std::to_string(self->id_) + ": output closed");
    self->close();
  };
  auto channel = std::make_shared<transport::FdChannel>(proxy_.io(), read_fd_, write_fd_,
                                                       proxy_.settings().max_message_bytes, std::move(h));
  output_ = std::make_shared<FdOutput>(channel);
  channel->start();
}

void ClientSession::reply(std::string line, std::string_view request_key, bool final, int error_code) {
  if (closed_ || abandoned_) return;
  if (output_->queued_bytes() > 2 * proxy_.output_soft_limit()) {
    // Even its answers pile up: the client is gone in all but name. End the session
    // rather than hold its backlog (on the next turn: callers may be iterating our state).
    abandoned_ = true;
    proxy_.stats().counters["slow_client_disconnects"]++;
    log::warn("session", "client " + std::to_string(id_) + ": not reading its output; closing the session");
    boost::asio::post(proxy_.io(), [self = shared_from_this()] { self->close(); });
    return;
  }
  output_->send(std::move(line), request_key, final, error_code);
}

void ClientSession::notify(std::string line, std::string_view request_key) {
  // Backpressure: a client that reads too slowly loses notifications (counted) before it
  // can make the proxy's memory grow; answers are never dropped (see reply()).
  if (!closed_ && output_->queued_bytes() > proxy_.output_soft_limit()) {
    proxy_.stats().counters["dropped_notifications"]++;
    return;
  }
  reply(std::move(line), request_key);
}

void ClientSession::reply_error(const json::value& id, int code, std::string_view message, json::object data) {
  reply(protocol::error_line(id, code, message, std::move(data)), id_key(id), true, code);
}

void ClientSession::reply_result(const json::value& id, json::object result, bool stateless) {
  if (stateless) mark_complete(result);
  reply(protocol::result_line(id, std::move(result)), id_key(id), true);
}

void ClientSession::refuse(const json::value& id, filters::Refusal r) {
  proxy_.stats().total_requests++;
  proxy_.stats().record_refusal();
  reply_error(id, r.code, r.message, std::move(r.data));
}

void ClientSession::on_line(std::string_view line) {
  if (plain_calls_possible()) {
    protocol::RequestSkim request;
    if (protocol::skim_request(line, request) && request.method == "tools/call") return on_plain_call(line, request);
  }
  boost::system::error_code ec;
  json::value msg = json::parse(line, ec);
  if (ec) {
    proxy_.stats().counters["parse_errors"]++;
    json::object d;
    d["reason"] = "invalid_json";
    d["detail"] = ec.message();
    reply_error(nullptr, errors::kParseError, "Parse error", std::move(d));
    return;
  }
  auto env = protocol::classify(msg);
  switch (env.type) {
    case protocol::MessageType::Request: on_request(*env.obj, env.method, *env.id); return;
    case protocol::MessageType::Notification: on_notification(*env.obj, env.method); return;
    case protocol::MessageType::Response: on_response(*env.obj, *env.id); return;
    case protocol::MessageType::Invalid: {
      json::object d;
      d["reason"] = env.invalid_reason;
      json::value id = nullptr;
      if (env.obj) {
        if (auto* v = env.obj->if_contains("id"); v && protocol::valid_id(*v)) id = *v;
      }
      const bool batch = std::string_view(env.invalid_reason) == "batch_not_supported";
      reply_error(id, errors::kInvalidRequest,
                  batch ? "Batches are not supported" : "Invalid Request", std::move(d));
      return;
    }
  }
}

void ClientSession::on_notification(json::object& msg, std::string_view method) {
  if (method == "notifications/initialized") {
    initialized_ = initialize_answered_;
    return;
  }
  if (method == "notifications/cancelled") {
    auto* params = protocol::params_of(msg);
    auto* rid = params ? params->if_contains("requestId") : nullptr;
    if (!rid || !protocol::valid_id(*rid)) return;
    const std::string key = id_key(*rid);
    if (listens_.count(key)) return end_listen(key, false);  // a listen stream ends silently
    auto it = in_flight_.find(key);
    if (it == in_flight_.end()) return;  // finished already, or never forwarded: nothing to do
    auto call = it->second.call;
    in_flight_.erase(it);
    call->cancelled = true;  // a retry waiting for its delay will not go
    if (call->progress_token) proxy_.progress_release(call->progress_token);
    std::string reason(params ? protocol::string_at(*params, "reason") : "");
    if (auto conn = call->ticket.connection.lock())
      conn->cancel(call->ticket.id, reason.empty() ? "cancelled by client" : reason);
    proxy_.stats().counters["cancelled_by_client"]++;
    end_request();
    return;
  }
  if (method == "notifications/roots/list_changed") {
    // Only the session's own connections asked this client for roots.
    for (size_t u = 0; u < proxy_.upstream_count(); ++u) proxy_.upstream(u).notify_session(id_, msg);
    return;
  }
  log::debug("session", "ignored notification " + std::string(method));
}

void ClientSession::on_response(json::object& msg, const json::value& id) {
  // An answer to a server-to-client request: back to the connection that asked, with
  // the upstream's own id.
  uint64_t key = id.is_uint64() ? id.get_uint64() : id.is_int64() && id.get_int64() > 0 ? id.get_int64() : 0;
  auto it = key ? server_requests_.find(key) : server_requests_.end();
  if (it == server_requests_.end()) {
    log::debug("session", "ignored a response with an unknown id from the client");
    return;
  }
  ServerRequest r = std::move(it->second);
  server_requests_.erase(it);
  if (r.on_answer) return r.on_answer(msg);
  msg["id"] = r.upstream_id;
  if (auto conn = r.conn.lock()) conn->write_message(msg);
}

void ClientSession::on_server_request(size_t upstream, std::weak_ptr<UpstreamConnection> conn,
                                      json::object& request) {
  const std::string_view method = protocol::string_at(request, "method");
  const std::string_view cap = capability_for(method);
  if (cap.empty() || !declare_.contains(cap)) {
    json::object d;
    d["method"] = method;
    d["reason"] = cap.empty() ? "not_supported" : "capability_not_declared";
    if (auto c = conn.lock())
      c->write_message(json::parse(protocol::error_line(request["id"], errors::kMethodNotFound,
                                                        "The client did not declare this capability",
                                                        std::move(d)))
                           .as_object());
    return;
  }
  const uint64_t ours = next_server_request_++;
  server_requests_[ours] = ServerRequest{std::move(conn), request["id"]};
  request["id"] = ours;
  proxy_.stats().counters["server_requests"]++;
  // HTTP: on the stream of the request it is for, when that is clear (one call of this
  // client in flight on that upstream), else on the session's GET stream.
  std::string_view related;
  for (auto& [key, f] : in_flight_) {
    if (f.call->candidates[f.call->current].upstream != upstream) continue;
    if (!related.empty()) {
      related = {};
      break;
    }
    related = key;
  }
  reply(protocol::to_line(request), related);
}

bool ClientSession::admit_request(const json::value& id, const std::string& key, json::object& msg) {
  if (in_flight_.count(key) || listens_.count(key)) {
    json::object d;
    d["reason"] = "duplicate_id";
    reply_error(id, errors::kInvalidRequest, "Request id is already in use by a request in flight", std::move(d));
    return false;
  }
  // Every request from here on is authenticated (docs/security.md lists the exempt ones).
  if (auto r = proxy_.security().admit(msg, proxy_.clock(), principal_, http_ ? &http_authorization_ : nullptr)) {
    refuse(id, std::move(*r));
    return false;
  }
  return true;
}

void ClientSession::on_request(json::object& msg, std::string_view method, const json::value& id) {
  if (http_) output_->request_started(id_key(id));  // this POST carries its answer
  if (headers_.method && *headers_.method != method) {
    // Streamable HTTP (2026-07-28): the Mcp-Method header must name the body's method.
    json::object d;
    d["reason"] = "header_mismatch";
    d["header"] = "Mcp-Method";
    d["header_value"] = *headers_.method;
    d["body_method"] = method;
    return reply_error(id, errors::kHeaderMismatch, "Mcp-Method header does not match the body", std::move(d));
  }
  // HTTP carries the token on every request (the spec asks for it on each one), so the
  // handshake too is refused when the token is bad; on stdio the handshake carries none.
  if (http_ && filters::exempt_from_auth(method) && proxy_.security().auth_active())
    if (auto r = proxy_.security().admit(msg, proxy_.clock(), principal_, &http_authorization_))
      return refuse(id, std::move(*r));
  json::object* params = protocol::params_of(msg);
  const json::object* meta = protocol::meta_of_params(params);
  const std::string_view version = meta ? protocol::string_at(*meta, protocol::kMetaProtocolVersion) : "";
  const bool stateless = !version.empty();
  if (!stateless) {
    // Handshake-era methods; a stateless-era request for one is refused below.
    if (method == "initialize") return handle_initialize(id, params);
    if (method == "ping") return reply_result(id, json::object(), false);
  }
  int log_rank = -1;
  if (stateless) {
    if (auto refused = check_stateless_request(method, params, *meta, http_, headers_))
      return reply_error(id, refused->code, refused->message, std::move(refused->data));
    if (auto* lvl = meta->if_contains(protocol::kMetaLogLevel); lvl && lvl->is_string())
      log_rank = protocol::log_level_rank(lvl->get_string());
  } else if (!initialize_answered_) {
    json::object d;
    d["reason"] = "missing_protocol_version";
    d["method"] = method;
    d["detail"] = std::string("send initialize first (handshake era), or name the protocol version in params._meta.") +
                  std::string(protocol::kMetaProtocolVersion) + " (stateless era)";
    return reply_error(id, errors::kInvalidParams, "Invalid params: no protocol version (not initialized)",
                       std::move(d));
  }
  // Answered before authentication, like initialize (docs/security.md).
  if (method == "server/discover") return handle_discover(id);
  if (proxy_.shutting_down()) {
    json::object d;
    d["reason"] = "shutting_down";
    return reply_error(id, errors::kShuttingDown, "The proxy is shutting down", std::move(d));
  }
  std::string key = id_key(id);
  if (!admit_request(id, key, msg)) return;
  if (const ListSpec* spec = find_list_spec(method)) return handle_list(*spec, id, params, stateless);
  if (method == "logging/setLevel") return handle_set_level(id, params, stateless);
  if (method == "subscriptions/listen") {
    if (!stateless) {
      json::object d;
      d["method"] = method;
      d["reason"] = "stateless_era_only";
      return reply_error(id, errors::kMethodNotFound, "Method not found", std::move(d));
    }
    return handle_listen(id, params);
  }
  if (is_routed(method)) return handle_routed(msg, method, id, std::move(key), stateless, log_rank);
  json::object d;
  d["method"] = method;
  reply_error(id, errors::kMethodNotFound, "Method not found", std::move(d));
}

void ClientSession::handle_subscription(json::object& msg, std::string_view method, const json::value& id,
                                        bool stateless, const std::string& uri, size_t u) {
  // Clients share upstream subscriptions: only the first subscriber and the last to leave
  // reach the upstream; the others are answered here.
  if (method == "resources/subscribe") {
    if (subscriptions_.count(uri) || !proxy_.subscription_acquire(u, uri)) {
      subscriptions_[uri] = u;
      return reply_result(id, json::object(), stateless);
    }
    subscriptions_[uri] = u;
  } else {
    auto it = subscriptions_.find(uri);
    if (it == subscriptions_.end()) return reply_result(id, json::object(), stateless);
    subscriptions_.erase(it);
    if (!proxy_.subscription_release(u, uri)) return reply_result(id, json::object(), stateless);
  }
  forward_to(u, std::string(), msg, id, stateless, -1);
}

void ClientSession::handle_initialize(const json::value& id, json::object* params) {
  std::string_view requested = params ? protocol::string_at(*params, "protocolVersion") : "";
  if (!params || requested.empty()) {
    json::object d;
    d["reason"] = "invalid_params";
    d["detail"] = "params.protocolVersion must be a string";
    return reply_error(id, errors::kInvalidParams, "Invalid params: protocolVersion is required", std::move(d));
  }
  // Negotiation: the client's version if we speak it, else our latest (the client decides).
  protocol_version_ = protocol::is_handshake_version(requested) ? std::string(requested)
                                                                : std::string(protocol::kLatestHandshakeVersion);
  declare_.clear();
  if (auto* caps = params->if_contains("capabilities"); caps && caps->is_object())
    for (std::string_view c : {"sampling", "elicitation", "roots"})
      if (auto* v = caps->get_object().if_contains(c)) declare_[c] = *v;
  json::object result;
  result["protocolVersion"] = protocol_version_;
  result["capabilities"] = capabilities();
  json::object info;
  info["name"] = proxy_.settings().name;
  info["version"] = proxy_.settings().version;
  result["serverInfo"] = std::move(info);
  initialize_answered_ = true;
  output_->session_established();
  reply(protocol::result_line(id, std::move(result)), id_key(id), true);
}

void ClientSession::handle_discover(const json::value& id) {
  // Both eras on one endpoint: stateless versions first (newest), then the handshake ones.
  json::object result;
  json::array versions = supported_stateless_versions();
  for (auto it = protocol::kHandshakeVersions.rbegin(); it != protocol::kHandshakeVersions.rend(); ++it)
    versions.emplace_back(*it);
  result["supportedVersions"] = std::move(versions);
  result["capabilities"] = capabilities();
  json::object info;
  info["name"] = proxy_.settings().name;
  info["version"] = proxy_.settings().version;
  // Where 2026-07-28 clients look for it (spec PR #3002), and in the body for older readers.
  result["serverInfo"] = info;
  json::object result_meta;
  result_meta[protocol::kMetaServerInfo] = std::move(info);
  result["_meta"] = std::move(result_meta);
  // The routes decide the capabilities, not the caller: any client may reuse the answer.
  result["cacheScope"] = "public";
  result["ttlMs"] = 0;
  reply_result(id, std::move(result), true);
}

void ClientSession::handle_set_level(const json::value& id, json::object* params, bool stateless) {
  const std::string_view level = params ? protocol::string_at(*params, "level") : "";
  const int rank = protocol::log_level_rank(level);
  if (rank < 0) {
    json::object d;
    d["reason"] = "invalid_params";
    d["detail"] = "params.level must be one of debug, info, notice, warning, error, critical, alert, emergency";
    return reply_error(id, errors::kInvalidParams, "Invalid params: unknown logging level", std::move(d));
  }
  log_rank_ = rank;
  proxy_.update_log_level();
  reply_result(id, json::object(), stateless);
}

void ClientSession::handle_listen(const json::value& id, json::object* params) {
  auto* filter_v = params ? params->if_contains("notifications") : nullptr;
  if (!filter_v || !filter_v->is_object()) {
    json::object d;
    d["reason"] = "invalid_params";
    d["detail"] = "params.notifications must be an object";
    return reply_error(id, errors::kInvalidParams, "Invalid params: notifications filter missing", std::move(d));
  }
  const json::object& filter = filter_v->get_object();
  auto wants = [&](std::string_view key) {
    auto* v = filter.if_contains(key);
    return v && v->is_bool() && v->get_bool();
  };
  const auto& routes = proxy_.routes();
  Listen l;
  l.id = id;
  // Agree only to what the proxy can deliver (what it routes).
  l.tools = wants("toolsListChanged") && routes.any_route_for(policy::Kind::Tool);
  l.prompts = wants("promptsListChanged") && routes.any_route_for(policy::Kind::Prompt);
  l.resources = wants("resourcesListChanged") && routes.any_route_for(policy::Kind::Resource);
  json::object agreed;
  if (l.tools) agreed["toolsListChanged"] = true;
  if (l.prompts) agreed["promptsListChanged"] = true;
  if (l.resources) agreed["resourcesListChanged"] = true;
  if (auto* uris = filter.if_contains("resourceSubscriptions"); uris && uris->is_array()) {
    json::array kept;
    for (auto& v : uris->get_array()) {
      if (!v.is_string()) continue;
      const std::string uri(v.get_string());
      const int r = routes.match(policy::Kind::Resource, uri);
      if (r < 0) continue;
      const size_t u = routes.routes()[r].upstream;
      l.uris.emplace_back(uri, u);
      kept.emplace_back(uri);
      if (proxy_.subscription_acquire(u, uri)) {
        json::object p;
        p["uri"] = uri;
        proxy_.send_internal(u, "resources/subscribe", std::move(p));
      }
    }
    agreed["resourceSubscriptions"] = std::move(kept);
  }
  json::object ack;
  ack["notifications"] = std::move(agreed);
  json::object meta;
  meta[protocol::kMetaSubscriptionId] = id;
  ack["_meta"] = std::move(meta);
  listens_[id_key(id)] = std::move(l);
  output_->request_started(id_key(id));
  const std::string key = id_key(id);
  reply(protocol::notification_line("notifications/subscriptions/acknowledged", std::move(ack)), key);
}

void ClientSession::end_listen(const std::string& key, bool send_result) {
  auto it = listens_.find(key);
  if (it == listens_.end()) return;
  Listen l = std::move(it->second);
  listens_.erase(it);
  for (auto& [uri, u] : l.uris) {
    if (proxy_.subscription_release(u, uri)) {
      json::object p;
      p["uri"] = uri;
      proxy_.send_internal(u, "resources/unsubscribe", std::move(p));
    }
  }
  if (send_result) {
    json::object result;
    json::object meta;
    meta[protocol::kMetaSubscriptionId] = l.id;
    result["_meta"] = std::move(meta);
    reply_result(l.id, std::move(result), true);
  }
}

namespace {
std::string with_subscription_id(std::string_view method, const json::object* params, const json::value& sid) {
  json::object p = params ? *params : json::object();
  json::object meta;
  if (auto* m = p.if_contains("_meta"); m && m->is_object()) meta = m->get_object();
  meta[protocol::kMetaSubscriptionId] = sid;
  p["_meta"] = std::move(meta);
  return protocol::notification_line(method, std::move(p));
}
}  // namespace

void ClientSession::deliver_list_changed(std::string_view method, policy::Kind kind) {
  if (initialized_) notify(protocol::notification_line(method, {}));
  for (auto& [key, l] : listens_) {
    const bool wanted = kind == policy::Kind::Tool ? l.tools : kind == policy::Kind::Prompt ? l.prompts : l.resources;
    if (wanted) notify(with_subscription_id(method, nullptr, l.id), key);
  }
}

void ClientSession::deliver_resource_updated(const json::object& params, const std::string& uri) {
  if (subscriptions_.count(uri)) {
    json::object p = params;
    if (auto* m = p.if_contains("_meta"); m && m->is_object()) {
      m->get_object().erase(protocol::kMetaSubscriptionId);
      if (m->get_object().empty()) p.erase("_meta");
    }
    notify(protocol::notification_line("notifications/resources/updated", std::move(p)));
  }
  for (auto& [key, l] : listens_)
    for (auto& [u_uri, u] : l.uris)
      if (u_uri == uri) {
        notify(with_subscription_id("notifications/resources/updated", &params, l.id), key);
        break;
      }
}

void ClientSession::deliver_log(const json::object& notification, size_t upstream, int level_rank) {
  // Handshake era: the level this client set. Stateless era: a request of this client in
  // flight on that upstream asked for this level (a log line names no request, so every
  // such client gets it).
  bool wanted = log_rank_ >= 0 && level_rank >= log_rank_;
  std::string_view key;
  for (auto it = in_flight_.begin(); !wanted && it != in_flight_.end(); ++it) {
    wanted = it->second.call->candidates[it->second.call->current].upstream == upstream &&
             it->second.call->log_rank >= 0 && level_rank >= it->second.call->log_rank;
    if (wanted) key = it->first;
  }
  if (wanted) notify(protocol::to_line(notification), key);
}

json::object ClientSession::capabilities() const {
  // Only what the route table can really deliver.
  const auto& routes = proxy_.routes();
  json::object caps;
  json::object list_changed;
  list_changed["listChanged"] = true;
  if (routes.any_route_for(policy::Kind::Tool)) caps["tools"] = list_changed;
  if (routes.any_route_for(policy::Kind::Prompt)) caps["prompts"] = list_changed;
  if (routes.any_route_for(policy::Kind::Resource)) {
    json::object r = list_changed;
    r["subscribe"] = true;
    caps["resources"] = std::move(r);
  }
  if (routes.any_route_for(policy::Kind::Prompt) || routes.any_route_for(policy::Kind::Resource))
    caps["completions"] = json::object();
  // The proxy takes logging/setLevel itself and passes upstream log messages on.
  caps["logging"] = json::object();
  return caps;
}

namespace {
// One client list request fanned out to several upstreams, answered when all have replied.
struct ListFanout {
  const ListSpec* spec;
  json::value id;
  std::vector<protocol::PendingPage> pages;
  std::vector<json::object> results;  // one per page
  std::vector<std::string> failures;  // "" when that page succeeded
  size_t remaining;
  int64_t started_us;
  bool stateless = false;
};

// Stateless-era caching hints over several upstreams' pages: the shortest ttlMs, and
// "private" if any page is private or gives no scope (an unknown scope is not public).
void merge_cache_hints(const std::vector<json::object>& pages, const std::vector<std::string>& failures,
                       json::object& result) {
  int64_t ttl = -1;
  bool is_private = false;
  for (size_t i = 0; i < pages.size(); ++i) {
    if (!failures[i].empty()) continue;
    int64_t page_ttl = 0;
    if (auto* t = pages[i].if_contains("ttlMs"); t && (t->is_int64() || t->is_uint64()))
      page_ttl = t->is_int64() ? std::max<int64_t>(0, t->get_int64()) : static_cast<int64_t>(t->get_uint64());
    ttl = ttl < 0 ? page_ttl : std::min(ttl, page_ttl);
    auto* sc = pages[i].if_contains("cacheScope");
    if (!sc || !sc->is_string() || sc->get_string() != "public") is_private = true;
  }
  result["ttlMs"] = ttl < 0 ? 0 : ttl;
  result["cacheScope"] = is_private ? "private" : "public";
}
}  // namespace

void ClientSession::handle_list(const ListSpec& spec, const json::value& id, json::object* params,
                                bool stateless) {
  const size_t n = proxy_.upstream_count();
  std::vector<protocol::PendingPage> pages;
  if (params) {
    if (auto* c = params->if_contains("cursor"); c && !c->is_null()) {
      auto decoded = c->is_string() ? protocol::decode_cursor(c->get_string(), n) : std::nullopt;
      if (!decoded) {
        json::object d;
        d["reason"] = "invalid_cursor";
        return reply_error(id, errors::kInvalidParams, "Invalid params: unknown or malformed cursor", std::move(d));
      }
      pages = std::move(*decoded);
    }
  }
  if (pages.empty()) {
    for (size_t u = 0; u < n; ++u)
      if (proxy_.routes().serves(u, spec.kind)) pages.push_back({u, std::nullopt});
  }
  if (auto r = proxy_.security().check_list(*principal_, proxy_.clock())) return refuse(id, std::move(*r));
  proxy_.stats().total_requests++;
  proxy_.stats().client_requests[principal_->id]++;
  std::string cache_key = list_cache_key(proxy_, spec.method, params);
  if (auto hit = list_cache_find(proxy_, *principal_, cache_key, stateless)) {
    proxy_.stats().record_outcome(true, 0);
    return reply_result(id, std::move(*hit), stateless);
  }
  if (pages.empty()) {
    proxy_.stats().record_outcome(true, 0);
    json::object result;
    result[spec.items_key] = json::array();
    if (stateless) {
      result["ttlMs"] = 0;
      result["cacheScope"] = "public";
    }
    return reply_result(id, std::move(result), stateless);
  }

  auto fan = std::make_shared<ListFanout>();
  fan->spec = &spec;
  fan->id = id;
  fan->pages = std::move(pages);
  fan->results.resize(fan->pages.size());
  fan->failures.resize(fan->pages.size());
  fan->remaining = fan->pages.size();
  fan->started_us = proxy_.clock().now_us();
  fan->stateless = stateless;
  begin_request();

  std::weak_ptr<ClientSession> weak = weak_from_this();
  Proxy* proxy = &proxy_;
  auto finish = [weak, proxy, fan, principal = principal_, cache_key = std::move(cache_key)] {
    Stats& st = proxy->stats();
    const ListSpec& spec = *fan->spec;
    json::array items;
    std::vector<protocol::PendingPage> next;
    json::array unavailable;
    size_t failed = 0;
    for (size_t i = 0; i < fan->pages.size(); ++i) {
      const size_t u = fan->pages[i].upstream;
      Upstream& up = proxy->upstream(u);
      if (!fan->failures[i].empty()) {
        ++failed;
        unavailable.emplace_back(up.settings().name);
        continue;
      }
      st.upstream_requests[u]++;
      if (spec.kind == policy::Kind::Tool)  // annotations decide which tools may be re-sent
        if (auto* tools = fan->results[i].if_contains("tools"); tools && tools->is_array())
          for (auto& tool : tools->get_array())
            if (tool.is_object()) up.learn_tool_hints(tool.get_object());
      std::string shadowed;
      auto counts = merge_page(spec, fan->results[i], u, up.settings().name_prefix, proxy->routes(), items, shadowed,
                               [&](int r) { return proxy->security().visible(*principal, r); });
      if (counts.shadowed) {
        st.counters["shadowed_items"] += counts.shadowed;
        log::warn("list", std::string(spec.method) + ": upstream '" + up.settings().name + "' listed " +
                              std::to_string(counts.shadowed) + " item(s) that route elsewhere (first: '" +
                              shadowed + "'); they are hidden. Set name_prefix or adjust routes.");
      }
      if (auto* nc = fan->results[i].if_contains("nextCursor"); nc && nc->is_string())
        next.push_back({u, std::string(nc->get_string())});
    }
    const int64_t latency = proxy->clock().now_us() - fan->started_us;
    auto self = weak.lock();
    if (failed == fan->pages.size()) {
      st.record_outcome(false, latency);
      if (!self) return;
      json::object d;
      d["reason"] = "all_upstreams_failed";
      d["upstreams"] = std::move(unavailable);
      d["detail"] = fan->failures.front();
      self->reply_error(fan->id, errors::kUpstreamUnavailable,
                        std::string("No upstream answered ") + std::string(spec.method), std::move(d));
      self->end_request();
      return;
    }
    st.record_outcome(true, latency);
    if (!self) return;
    json::object result;
    result[spec.items_key] = std::move(items);
    if (!next.empty()) result["nextCursor"] = protocol::encode_cursor(next);
    if (!unavailable.empty()) {
      // A partial list is more useful than none; say exactly what is missing.
      json::object meta;
      meta["dev.fasterapi/unavailableUpstreams"] = std::move(unavailable);
      result["_meta"] = std::move(meta);
    }
    if (failed == 0) list_cache_store(*proxy, *principal, cache_key, spec.kind, result, fan->results);
    if (fan->stateless) merge_cache_hints(fan->results, fan->failures, result);
    self->reply_result(fan->id, std::move(result), fan->stateless);
    self->end_request();
  };

  for (size_t i = 0; i < fan->pages.size(); ++i) {
    json::object msg;
    msg["jsonrpc"] = "2.0";
    msg["id"] = 0;
    msg["method"] = spec.method;
    json::object p;
    if (fan->pages[i].cursor) p["cursor"] = *fan->pages[i].cursor;
    msg["params"] = std::move(p);
    proxy_.upstream(fan->pages[i].upstream).send(msg, [fan, i, finish](Outcome& o) {
      if (o.response) {
        auto* result = o.response->if_contains("result");
        if (result && result->is_object()) fan->results[i] = std::move(result->get_object());
        else {
          auto* err = o.response->if_contains("error");
          fan->failures[i] = err ? json::serialize(*err) : "malformed response";
        }
      } else {
        fan->failures[i] = o.message.empty() ? "failed" : o.message;
      }
      if (--fan->remaining == 0) finish();
    });
  }
}

void ClientSession::end_request() {
  if (outstanding_ > 0) --outstanding_;
  if (input_closed_ && outstanding_ == 0) close();
  if (outstanding_ == 0 && proxy_.shutting_down()) proxy_.drain_progress();
  // HTTP may release the session here; the proxy's session map still holds it until a later
  // turn of the loop, so no reference count is taken on this (every request's) path.
  if (idle() && !closed_) output_->session_idle();
}

void ClientSession::on_input_closed() {
  // EOF: answer what is in flight, then end the session (nothing the client asked is lost).
  input_closed_ = true;
  if (outstanding_ == 0) close();
}

void ClientSession::close() {
  if (closed_) return;
  // Listen streams end: with their result when the proxy is the one closing.
  std::vector<std::string> listens;
  for (auto& [key, l] : listens_) listens.push_back(key);
  for (auto& key : listens) end_listen(key, !input_closed_);
  for (auto& [uri, u] : subscriptions_) {
    if (proxy_.subscription_release(u, uri)) {
      json::object p;
      p["uri"] = uri;
      proxy_.send_internal(u, "resources/unsubscribe", std::move(p));
    }
  }
  subscriptions_.clear();
  closed_ = true;
  for (auto& [key, f] : in_flight_) {
    // A call waiting to be re-sent has no connection to answer it: answer it here.
    if (!f.call->ticket.connection.lock() && !abandoned_) {
      json::object d;
      d["reason"] = "shutting_down";
      output_->send(protocol::error_line(f.call->id, errors::kShuttingDown, "The proxy is shutting down", std::move(d)),
                    key, true, errors::kShuttingDown);
    }
    f.call->cancelled = true;
    if (f.call->progress_token) proxy_.progress_release(f.call->progress_token);
    if (auto conn = f.call->ticket.connection.lock()) conn->cancel(f.call->ticket.id, "client disconnected");
  }
  in_flight_.clear();
  if (log_rank_ >= 0) {
    log_rank_ = -1;
    proxy_.update_log_level();
  }
  for (size_t u = 0; u < proxy_.upstream_count(); ++u) proxy_.upstream(u).release_session(id_);
  output_->finish();
  const bool stop = stop_when_closed_;
  const int id = id_;
  Proxy& proxy = proxy_;
  proxy.session_closed(id);  // may destroy *this once the loop moves on
  if (stop) proxy.request_stop();
}

}  // namespace fasterapi::proxy
