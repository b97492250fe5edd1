#include "filters/transform/transform_settings.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "proxy/settings.hpp"

namespace fasterapi::filters::transform {

namespace json = boost::json;
using proxy::ConfigError;

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw ConfigError(path + ": " + what); }

const json::value* member(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && !v->is_null() ? v : nullptr;
}

const json::object& object_at(const json::value& v, const std::string& path) {
  if (!v.is_object()) fail(path, "must be an object");
  return v.get_object();
}

bool boolean(const json::object& o, std::string_view k, bool dflt, const std::string& path) {
  auto* v = member(o, k);
  if (!v) return dflt;
  if (!v->is_bool()) fail(path + "." + std::string(k), "must be true or false");
  return v->get_bool();
}

int64_t positive(const json::object& o, std::string_view k, int64_t dflt, const std::string& path) {
  auto* v = member(o, k);
  if (!v) return dflt;
  if (!v->is_int64() || v->get_int64() <= 0) fail(path + "." + std::string(k), "must be a positive integer");
  return v->get_int64();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::vector<TransformSpec> chain(const json::object& o, std::string_view k, const std::string& path) {
  std::vector<TransformSpec> out;
  auto* v = member(o, k);
  if (!v) return out;
  const std::string p = path + "." + std::string(k);
  if (!v->is_array()) fail(p, "must be a list");
  std::set<std::string> names;
  for (size_t i = 0; i < v->get_array().size(); ++i) {
    const std::string ip = p + "[" + std::to_string(i) + "]";
    out.push_back(parse_transform_spec(v->get_array()[i], ip));
    if (!names.insert(out.back().name).second) fail(ip + ".name", "duplicate transformer name '" + out.back().name + "'");
  }
  return out;
}

}  // namespace

const char* type_name(Type t) {
  switch (t) {
    case Type::Metadata: return "metadata";
    case Type::Sanitize: return "sanitize";
    case Type::Cache: return "cache";
    case Type::External: return "python";
  }
  return "?";
}

TransformSpec parse_transform_spec(const json::value& v, const std::string& path) {
  const auto& o = object_at(v, path);
  TransformSpec s;
  auto* name = member(o, "name");
  if (!name || !name->is_string() || name->get_string().empty()) fail(path + ".name", "must be a non-empty string");
  s.name = std::string(name->get_string());
  auto* type = member(o, "type");
  const std::string_view t = type && type->is_string() ? std::string_view(type->get_string()) : "";
  if (t == "metadata") {
    s.type = Type::Metadata;
    auto* pn = member(o, "proxy_name");
    if (!pn || !pn->is_string() || pn->get_string().empty())
      fail(path + ".proxy_name", "must be a non-empty string");
    s.proxy_name = std::string(pn->get_string());
  } else if (t == "sanitize") {
    s.type = Type::Sanitize;
    auto* keys = member(o, "keys");
    if (!keys || !keys->is_array()) fail(path + ".keys", "must be a list of strings");
    for (const auto& key : keys->get_array()) {
      if (!key.is_string() || key.get_string().empty()) fail(path + ".keys", "must be a list of non-empty strings");
      s.keys.push_back(lower(key.get_string()));
    }
    std::sort(s.keys.begin(), s.keys.end());
    s.keys.erase(std::unique(s.keys.begin(), s.keys.end()), s.keys.end());
  } else if (t == "cache") {
    s.type = Type::Cache;
    if (!member(o, "ttl_ms")) fail(path + ".ttl_ms", "is required");
    s.ttl_ms = positive(o, "ttl_ms", 0, path);
  } else if (t == "python") {
    s.type = Type::External;
  } else {
    fail(path + ".type", "must be one of 'metadata', 'sanitize', 'cache', 'python'");
  }
  return s;
}

TransformSettings parse_transform_settings(const json::value& doc) {
  TransformSettings s;
  const auto& top = doc.get_object();
  if (auto* routes = member(top, "routes"); routes && routes->is_array()) {
    for (size_t i = 0; i < routes->get_array().size(); ++i) {
      const std::string path = "routes[" + std::to_string(i) + "]";
      const auto& r = object_at(routes->get_array()[i], path);
      RouteFlags f;
      f.request = boolean(r, "enable_request_transform", false, path);
      f.response = boolean(r, "enable_response_transform", false, path);
      s.routes.push_back(f);
    }
  }
  if (auto* t = member(top, "transformers")) {
    const auto& o = object_at(*t, "transformers");
    s.request = chain(o, "request", "transformers");
    s.response = chain(o, "response", "transformers");
  }
  if (auto* c = member(top, "caching")) {
    const auto& o = object_at(*c, "caching");
    s.cache.enabled = boolean(o, "enabled", false, "proxy");
    if (auto* ttl = member(o, "ttl_ms"); ttl && s.cache.enabled) {
      if (!ttl->is_int64() || ttl->get_int64() <= 0) fail("proxy.cache_ttl_ms", "must be a positive integer");
      s.cache.ttl_ms = ttl->get_int64();
    }
    s.cache.max_entries = static_cast<size_t>(positive(o, "max_entries", 10000, "caching"));
    s.cache.max_bytes = static_cast<size_t>(positive(o, "max_bytes", 64 << 20, "caching"));
  }
  return s;
}

std::vector<std::string> TransformSettings::redacted_keys() const {
  std::set<std::string> keys;
  for (const auto* c : {&request, &response})
    for (const auto& t : *c)
      if (t.type == Type::Sanitize) keys.insert(t.keys.begin(), t.keys.end());
  return {keys.begin(), keys.end()};
}

}  // namespace fasterapi::filters::transform
