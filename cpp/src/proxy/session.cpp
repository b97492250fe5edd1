#include "proxy/session.hpp"

#include <boost/json/serialize.hpp>

#include "common/log.hpp"
#include "fasterapi/errors.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/list_cursor.hpp"
#include "protocol/versions.hpp"
#include "proxy/list_merge.hpp"
#include "proxy/proxy.hpp"

namespace fasterapi::proxy {

namespace {

std::string id_key(const json::value& id) {
  if (id.is_string()) return "s" + std::string(id.get_string());
  return "n" + json::serialize(id);
}

// What a routed method names, and how to rewrite it for the upstream.
struct Target {
  policy::Kind kind;
  std::string name;
  json::value* name_slot = nullptr;  // where the (prefixed) name lives in params
  bool prefixed = false;
};

// Finds the routed name in a request; returns an error reason when params are malformed.
const char* find_target(std::string_view method, json::object* params, Target& t) {
  if (!params) return "params must be an object";
  auto take = [&](json::object& obj, std::string_view key, policy::Kind kind, bool prefixed) -> const char* {
    auto* v = obj.if_contains(key);
    if (!v || !v->is_string()) return nullptr;
    t.kind = kind;
    t.name = std::string(v->get_string());
    t.name_slot = v;
    t.prefixed = prefixed;
    return "";
  };
  if (method == "tools/call") return take(*params, "name", policy::Kind::Tool, true) ? nullptr : "params.name must be a string";
  if (method == "prompts/get") return take(*params, "name", policy::Kind::Prompt, true) ? nullptr : "params.name must be a string";
  if (method == "resources/read" || method == "resources/subscribe" || method == "resources/unsubscribe")
    return take(*params, "uri", policy::Kind::Resource, false) ? nullptr : "params.uri must be a string";
  if (method == "completion/complete") {
    auto* ref = params->if_contains("ref");
    if (!ref || !ref->is_object()) return "params.ref must be an object";
    auto type = protocol::string_at(ref->get_object(), "type");
    if (type == "ref/prompt")
      return take(ref->get_object(), "name", policy::Kind::Prompt, true) ? nullptr : "params.ref.name must be a string";
    if (type == "ref/resource")
      return take(ref->get_object(), "uri", policy::Kind::Resource, false) ? nullptr : "params.ref.uri must be a string";
    return "params.ref.type must be ref/prompt or ref/resource";
  }
  return "not a routed method";
}

void log_request(const std::string& what, int64_t latency_us, const Outcome& o) {
  std::string outcome;
  if (!o.response) outcome = "error " + std::to_string(o.code);
  else if (auto* e = o.response->if_contains("error"); e && e->is_object() && e->get_object().contains("code"))
    outcome = "upstream error " + json::serialize(e->get_object().at("code"));
  else outcome = "ok";
  log::info("request", what + " " + std::to_string(latency_us / 1000) + "." +
                           std::to_string((latency_us % 1000) / 100) + " ms " + outcome);
}

bool is_routed(std::string_view m) {
  return m == "tools/call" || m == "prompts/get" || m == "resources/read" ||
         m == "resources/subscribe" || m == "resources/unsubscribe" || m == "completion/complete";
}

}  // namespace

ClientSession::ClientSession(Proxy& proxy, int id, int read_fd, int write_fd, bool stop_when_closed)
    : proxy_(proxy), id_(id), read_fd_(read_fd), write_fd_(write_fd), stop_when_closed_(stop_when_closed) {}

void ClientSession::start() {
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
  channel_ = std::make_shared<transport::FdChannel>(proxy_.io(), read_fd_, write_fd_,
                                                    proxy_.settings().max_message_bytes, std::move(h));
  channel_->start();
}

void ClientSession::reply(const std::string& line) {
  if (!closed_) channel_->send(line);
}

void ClientSession::notify(const std::string& line) { reply(line); }

void ClientSession::reply_error(const json::value& id, int code, std::string_view message, json::object data) {
  reply(protocol::error_line(id, code, message, std::move(data)));
}

void ClientSession::refuse(const json::value& id, filters::Refusal r) {
  proxy_.stats().total_requests++;
  proxy_.stats().record_refusal();
  reply_error(id, r.code, r.message, std::move(r.data));
}

void ClientSession::on_line(std::string_view line) {
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
    case protocol::MessageType::Response:
      // Answers to server-to-client requests: the proxy sends none yet.
      log::debug("session", "ignored a response from the client");
      return;
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
    auto it = in_flight_.find(id_key(*rid));
    if (it == in_flight_.end()) return;  // finished already, or never forwarded: nothing to do
    Ticket t = it->second;
    in_flight_.erase(it);
    std::string reason(params ? protocol::string_at(*params, "reason") : "");
    if (auto conn = t.connection.lock()) conn->cancel(t.id, reason.empty() ? "cancelled by client" : reason);
    proxy_.stats().counters["cancelled_by_client"]++;
    end_request();
    return;
  }
  log::debug("session", "ignored notification " + std::string(method));
}

void ClientSession::on_request(json::object& msg, std::string_view method, const json::value& id) {
  if (method == "initialize") return handle_initialize(id, protocol::params_of(msg));
  if (method == "ping") return reply(protocol::result_line(id, json::object()));
  if (method == "server/discover") return handle_discover(id);
  if (!initialize_answered_) {
    json::object d;
    d["reason"] = "not_initialized";
    d["method"] = method;
    return reply_error(id, errors::kInvalidRequest, "Session not initialized: send initialize first", std::move(d));
  }
  if (in_flight_.count(id_key(id))) {
    json::object d;
    d["reason"] = "duplicate_id";
    return reply_error(id, errors::kInvalidRequest, "Request id is already in use by a request in flight", std::move(d));
  }
  // Every request from here on is authenticated (docs/security.md lists the exempt ones).
  if (auto r = proxy_.security().admit(msg, proxy_.clock(), principal_)) return refuse(id, std::move(*r));
  if (const ListSpec* spec = find_list_spec(method)) return handle_list(*spec, id, protocol::params_of(msg));
  if (is_routed(method)) {
    Target t;
    if (const char* bad = find_target(method, protocol::params_of(msg), t)) {
      json::object d;
      d["reason"] = "invalid_params";
      d["detail"] = bad;
      return reply_error(id, errors::kInvalidParams, std::string("Invalid params: ") + bad, std::move(d));
    }
    const int r = proxy_.routes().match(t.kind, t.name);
    const char* kind = policy::kind_name(t.kind);
    auto no_route = [&](const char* why) {
      proxy_.stats().total_requests++;
      proxy_.stats().record_refusal();
      json::object d;
      d["reason"] = why;
      d["kind"] = kind;
      d["name"] = t.name;
      reply_error(id, errors::kInvalidParams,
                  std::string("No route found for ") + kind + " '" + t.name + "'", std::move(d));
    };
    if (r < 0) return no_route("no_route");
    if (auto refusal = proxy_.security().check_call(*principal_, r, t.kind, t.name, method == "tools/call", proxy_.clock()))
      return refuse(id, std::move(*refusal));
    const size_t u = proxy_.routes().routes()[r].upstream;
    const auto& prefix = proxy_.upstream(u).settings().name_prefix;
    if (t.prefixed && !prefix.empty()) {
      std::string inner;
      if (!strip_prefix(prefix, t.name, inner)) return no_route("name_lacks_upstream_prefix");
      *t.name_slot = inner;
    }
    if (method == "resources/subscribe") subscriptions_.insert(t.name);
    if (method == "resources/unsubscribe") subscriptions_.erase(t.name);
    return forward_to(u, t.kind == policy::Kind::Tool && method == "tools/call" ? t.name : std::string(),
                      msg, id);
  }
  json::object d;
  d["method"] = method;
  reply_error(id, errors::kMethodNotFound, "Method not found", std::move(d));
}

void ClientSession::forward_to(size_t u, std::string tool, json::object& msg, const json::value& id) {
  Stats& st = proxy_.stats();
  Upstream& up = proxy_.upstream(u);
  st.total_requests++;
  st.upstream_requests[u]++;
  if (!tool.empty()) st.tool_requests[tool]++;
  st.client_requests[principal_->id]++;
  begin_request();
  const std::string key = id_key(id);
  const int64_t started = proxy_.clock().now_us();
  std::weak_ptr<ClientSession> weak = weak_from_this();
  Proxy* proxy = &proxy_;
  // Only built when request logging is on: nothing extra on the path otherwise.
  std::string what;
  if (proxy_.settings().enable_request_logging)
    what = std::string(protocol::string_at(msg, "method")) + (tool.empty() ? "" : " " + tool) + " -> " +
           up.settings().name + " client " + principal_->id;
  Ticket t = up.send(msg, [weak, proxy, id, key, started, what = std::move(what)](Outcome& o) {
    Stats& st = proxy->stats();
    const int64_t latency = proxy->clock().now_us() - started;
    if (!what.empty()) log_request(what, latency, o);
    auto self = weak.lock();
    if (self) self->in_flight_.erase(key);
    if (o.response) {
      st.record_outcome(o.response->contains("result"), latency);
      if (!self) return;
      (*o.response)["id"] = id;
      std::string line = protocol::to_line(*o.response);
      self->reply(line);
    } else {
      st.record_outcome(false, latency);
      if (!self) return;
      self->reply_error(id, o.code, o.message, std::move(o.data));
    }
    if (self) self->end_request();
  });
  if (t.id != 0) in_flight_[key] = t;
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
  json::object result;
  result["protocolVersion"] = protocol_version_;
  result["capabilities"] = capabilities();
  json::object info;
  info["name"] = proxy_.settings().name;
  info["version"] = proxy_.settings().version;
  result["serverInfo"] = std::move(info);
  initialize_answered_ = true;
  reply(protocol::result_line(id, std::move(result)));
}

void ClientSession::handle_discover(const json::value& id) {
  // The stateless 2026-07-28 era is not served yet: listing only handshake-era versions
  // tells a client in auto mode to fall back to initialize.
  json::object result;
  json::array versions;
  for (auto it = protocol::kHandshakeVersions.rbegin(); it != protocol::kHandshakeVersions.rend(); ++it)
    versions.emplace_back(*it);
  result["supportedVersions"] = std::move(versions);
  result["capabilities"] = capabilities();
  json::object info;
  info["name"] = proxy_.settings().name;
  info["version"] = proxy_.settings().version;
  result["serverInfo"] = std::move(info);
  reply(protocol::result_line(id, std::move(result)));
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
};
}  // namespace

void ClientSession::handle_list(const ListSpec& spec, const json::value& id, json::object* params) {
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
  if (pages.empty()) {
    proxy_.stats().record_outcome(true, 0);
    json::object result;
    result[spec.items_key] = json::array();
    return reply(protocol::result_line(id, std::move(result)));
  }

  auto fan = std::make_shared<ListFanout>();
  fan->spec = &spec;
  fan->id = id;
  fan->pages = std::move(pages);
  fan->results.resize(fan->pages.size());
  fan->failures.resize(fan->pages.size());
  fan->remaining = fan->pages.size();
  fan->started_us = proxy_.clock().now_us();
  begin_request();

  std::weak_ptr<ClientSession> weak = weak_from_this();
  Proxy* proxy = &proxy_;
  auto finish = [weak, proxy, fan, principal = principal_] {
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
    self->reply(protocol::result_line(fan->id, std::move(result)));
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
}

void ClientSession::on_input_closed() {
  // EOF: answer what is in flight, then end the session (nothing the client asked is lost).
  input_closed_ = true;
  if (outstanding_ == 0) close();
}

void ClientSession::close() {
  if (closed_) return;
  closed_ = true;
  for (auto& [key, t] : in_flight_)
    if (auto conn = t.connection.lock()) conn->cancel(t.id, "client disconnected");
  in_flight_.clear();
  channel_->stop_reading();
  channel_->close_write_when_flushed();
  const bool stop = stop_when_closed_;
  const int id = id_;
  Proxy& proxy = proxy_;
  proxy.session_closed(id);  // may destroy *this once the loop moves on
  if (stop) proxy.request_stop();
}

}  // namespace fasterapi::proxy
