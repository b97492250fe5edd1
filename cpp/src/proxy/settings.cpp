#include "proxy/settings.hpp"

#include <boost/json.hpp>
#include <set>

namespace fasterapi::proxy {

namespace json = boost::json;

namespace {

// Reads typed fields from one JSON object, naming the field path in every error.
class Fields {
 public:
  Fields(const json::value& v, std::string path) : path_(std::move(path)) {
    if (!v.is_object()) fail("", "must be an object");
    obj_ = &v.get_object();
  }

  [[noreturn]] void fail(std::string_view key, std::string_view what) const {
    std::string where = path_;
    if (!key.empty()) where += (where.empty() ? "" : ".") + std::string(key);
    throw ConfigError(where + ": " + std::string(what));
  }

  const json::value* find(std::string_view key) const {
    const auto* v = obj_->if_contains(key);
    return v && !v->is_null() ? v : nullptr;
  }

  void str(std::string_view key, std::string& out) const {
    if (const auto* v = find(key)) {
      if (!v->is_string()) fail(key, "must be a string");
      out = v->get_string();
    }
  }
  void boolean(std::string_view key, bool& out) const {
    if (const auto* v = find(key)) {
      if (!v->is_bool()) fail(key, "must be true or false");
      out = v->get_bool();
    }
  }
  template <typename Int>
  void positive(std::string_view key, Int& out) const {
    if (const auto* v = find(key)) {
      if (!v->is_int64() || v->get_int64() <= 0) fail(key, "must be a positive integer");
      out = static_cast<Int>(v->get_int64());
    }
  }
  template <typename Int>
  void non_negative(std::string_view key, Int& out) const {
    if (const auto* v = find(key)) {
      if (!v->is_int64() || v->get_int64() < 0) fail(key, "must be a non-negative integer");
      out = static_cast<Int>(v->get_int64());
    }
  }
  void strings(std::string_view key, std::vector<std::string>& out) const {
    if (const auto* v = find(key)) {
      if (!v->is_array()) fail(key, "must be a list of strings");
      for (const auto& item : v->get_array()) {
        if (!item.is_string()) fail(key, "must be a list of strings");
        out.emplace_back(item.get_string());
      }
    }
  }
  void string_map(std::string_view key, std::map<std::string, std::string>& out) const {
    if (const auto* v = find(key)) {
      if (!v->is_object()) fail(key, "must be a table of strings");
      for (const auto& [k, item] : v->get_object()) {
        if (!item.is_string()) fail(key, "must be a table of strings");
        out[std::string(k)] = std::string(item.get_string());
      }
    }
  }
  const json::array* list(std::string_view key) const {
    const auto* v = find(key);
    if (!v) return nullptr;
    if (!v->is_array()) fail(key, "must be a list");
    return &v->get_array();
  }

 private:
  const json::object* obj_ = nullptr;
  std::string path_;
};

bool valid_prefix(const std::string& p) {
  for (char c : p) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

ProxySettings parse_settings(std::string_view json_text) {
  boost::system::error_code ec;
  json::value doc = json::parse(json_text, ec);
  if (ec) throw ConfigError("config: not valid JSON (" + ec.message() + ")");
  Fields top(doc, "");
  ProxySettings s;
  top.str("name", s.name);
  top.str("version", s.version);
  top.positive("max_message_bytes", s.max_message_bytes);
  top.boolean("enable_request_logging", s.enable_request_logging);
  top.boolean("failover_enabled", s.failover_enabled);
  top.boolean("circuit_breaker_enabled", s.circuit_breaker_enabled);
  top.positive("circuit_breaker_threshold", s.breaker.threshold);
  top.positive("circuit_breaker_open_ms", s.breaker.open_ms);
  top.positive("circuit_breaker_half_open_max_calls", s.breaker.half_open_max_calls);
  top.positive("circuit_breaker_half_open_max_ms", s.breaker.half_open_max_ms);
  top.non_negative("shutdown_drain_ms", s.shutdown_drain_ms);

  std::set<std::string> names;
  if (const auto* ups = top.list("upstreams")) {
    for (size_t i = 0; i < ups->size(); ++i) {
      Fields f((*ups)[i], "upstreams[" + std::to_string(i) + "]");
      UpstreamSettings u;
      f.str("name", u.name);
      f.str("transport_type", u.transport_type);
      f.str("command", u.command);
      f.strings("args", u.args);
      f.string_map("env", u.env);
      f.str("cwd", u.cwd);
      f.str("name_prefix", u.name_prefix);
      f.positive("max_connections", u.max_connections);
      f.boolean("eager_start", u.eager_start);
      f.positive("connect_timeout_ms", u.connect_timeout_ms);
      f.positive("request_timeout_ms", u.request_timeout_ms);
      f.positive("shutdown_grace_ms", u.shutdown_grace_ms);
      f.boolean("enable_health_check", u.enable_health_check);
      f.positive("health_check_interval_ms", u.health_check_interval_ms);
      f.non_negative("max_retries", u.max_retries);
      f.non_negative("retry_delay_ms", u.retry_delay_ms);
      f.str("url", u.url);
      f.str("http_host", u.http_host);
      f.positive("http_port", u.http_port);
      f.str("http_path", u.http_path);
      f.boolean("http_tls", u.http_tls);
      f.str("tls_ca_file", u.tls_ca_file);
      f.str("auth_token", u.auth_token);
      if (u.name.empty()) f.fail("name", "must not be empty");
      if (!names.insert(u.name).second) f.fail("name", "duplicate upstream name '" + u.name + "'");
      if (u.transport_type != "stdio" && u.transport_type != "http" && u.transport_type != "websocket")
        f.fail("transport_type", "'" + u.transport_type + "' is not a transport (stdio, http, websocket)");
      if (u.transport_type == "stdio" && u.command.empty()) f.fail("command", "must not be empty for a stdio upstream");
      if (u.transport_type != "stdio" && u.http_host.empty()) f.fail("url", "must name a host");
      if (!valid_prefix(u.name_prefix)) f.fail("name_prefix", "may only hold A-Z a-z 0-9 _ - .");
      s.upstreams.push_back(std::move(u));
    }
  }
  if (const auto* routes = top.list("routes")) {
    for (size_t i = 0; i < routes->size(); ++i) {
      Fields f((*routes)[i], "routes[" + std::to_string(i) + "]");
      RouteSettings r;
      f.str("upstream_name", r.upstream_name);
      f.str("tool_pattern", r.tool_pattern);
      f.str("resource_pattern", r.resource_pattern);
      f.str("prompt_pattern", r.prompt_pattern);
      f.boolean("idempotent", r.idempotent);
      f.boolean("trust_annotations", r.trust_annotations);
      if (!names.count(r.upstream_name))
        f.fail("upstream_name", "no upstream named '" + r.upstream_name + "'");
      s.routes.push_back(std::move(r));
    }
  }
  s.security = filters::parse_security_settings(doc);
  s.transform = filters::transform::parse_transform_settings(doc);
  return s;
}

}  // namespace fasterapi::proxy
