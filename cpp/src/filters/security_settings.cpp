#include "filters/security_settings.hpp"

#include <boost/json.hpp>

#include "proxy/settings.hpp"

namespace fasterapi::filters {

namespace json = boost::json;
using proxy::ConfigError;
using namespace fasterapi::policy;

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

std::optional<std::string> opt_string(const json::object& o, std::string_view k, const std::string& path) {
  auto* v = member(o, k);
  if (!v) return std::nullopt;
  if (!v->is_string()) fail(path + "." + std::string(k), "must be a string");
  return std::string(v->get_string());
}

bool boolean(const json::object& o, std::string_view k, bool dflt, const std::string& path) {
  auto* v = member(o, k);
  if (!v) return dflt;
  if (!v->is_bool()) fail(path + "." + std::string(k), "must be true or false");
  return v->get_bool();
}

int64_t integer(const json::object& o, std::string_view k, int64_t dflt, int64_t min, const std::string& path) {
  auto* v = member(o, k);
  if (!v) return dflt;
  if (!v->is_int64() || v->get_int64() < min || v->get_int64() > 2147483647)
    fail(path + "." + std::string(k), min == 0 ? "must be an integer >= 0" : "must be a positive integer");
  return v->get_int64();
}

RateSpec rate_spec(const json::value& v, const std::string& path) {
  const auto& o = object_at(v, path);
  RateSpec s;
  const auto alg = opt_string(o, "algorithm", path).value_or("token_bucket");
  const auto a = rate_algorithm_from_name(alg);
  if (!a) fail(path + ".algorithm", "must be one of 'token_bucket', 'sliding_window', 'fixed_window'");
  s.algorithm = *a;
  if (!member(o, "max_requests")) fail(path + ".max_requests", "is required");
  if (!member(o, "window_ms")) fail(path + ".window_ms", "is required");
  s.max_requests = integer(o, "max_requests", 1, 1, path);
  s.window_ms = integer(o, "window_ms", 1, 1, path);
  s.burst = integer(o, "burst", 0, 1, path);
  if (s.burst && s.algorithm != RateAlgorithm::TokenBucket)
    fail(path + ".burst", "only token_bucket uses burst (the window algorithms allow max_requests per window)");
  return s;
}

}  // namespace

JwtSettings parse_jwt_settings(const json::value& v, const std::string& path) {
  const auto& o = object_at(v, path);
  JwtSettings j;
  auto secret = opt_string(o, "secret", path);
  auto pem = opt_string(o, "public_key", path);
  const bool has_jwks = member(o, "jwks") != nullptr;
  j.remote_keys = boolean(o, "jwks_remote", false, path);
  const int sources = (secret ? 1 : 0) + (pem ? 1 : 0) + (has_jwks ? 1 : 0) + (j.remote_keys ? 1 : 0);
  if (sources != 1) fail(path, "give exactly one of secret, public_key, jwks_file, jwks_url");
  const std::string algorithm = opt_string(o, "algorithm", path).value_or("HS256");
  const auto alg = alg_from_name(algorithm);
  if (!alg) fail(path + ".algorithm", "is not a supported JWS algorithm");

  auto keys = std::make_shared<KeySet>();
  std::string error;
  if (secret) {
    if (secret->size() < kMinHmacSecret)
      fail(path + ".secret", "must be at least 32 bytes (RFC 7518 3.2); use a random 256-bit secret");
    if (family_of(KeyType::Hmac, 1 << 20) & alg_bit(*alg)) {
      if (secret->size() < hmac_min_secret(*alg))
        fail(path + ".secret", std::string("must be at least ") + std::to_string(hmac_min_secret(*alg)) + " bytes for " + algorithm);
    } else {
      fail(path + ".algorithm", algorithm + " needs a public_key, not a secret");
    }
    auto key = Key::hmac(*secret, "", error);
    if (!key) fail(path + ".secret", error);
    keys->keys.push_back(key);
  } else if (pem) {
    auto key = Key::from_pem(*pem, "", error);
    if (!key) fail(path + ".public_key", error);
    if (!(key->algorithms() & alg_bit(*alg)))
      fail(path + ".algorithm", algorithm + " cannot be verified with this public key");
    keys->keys.push_back(key);
  } else if (has_jwks) {
    auto set = parse_jwks(json::serialize(*member(o, "jwks")), error);
    if (!set) fail(path + ".jwks_file", error);
    keys = std::const_pointer_cast<KeySet>(set);
  }
  for (const auto& k : keys->keys) keys->algorithms |= k->algorithms();

  // Allowed algorithms: pinned by configuration; by default the family of the key(s).
  if (auto* algs = member(o, "algorithms")) {
    if (!algs->is_array() || algs->get_array().empty()) fail(path + ".algorithms", "must be a non-empty list of algorithm names");
    for (const auto& a : algs->get_array()) {
      auto parsed = a.is_string() ? alg_from_name(a.get_string()) : std::nullopt;
      if (!parsed) fail(path + ".algorithms", "holds an unsupported algorithm name");
      if (!j.remote_keys && !(keys->algorithms & alg_bit(*parsed)))
        fail(path + ".algorithms", std::string(alg_name(*parsed)) + " cannot be verified with the configured key");
      j.policy.allowed |= alg_bit(*parsed);
    }
    j.algorithms_pinned = true;
  } else {
    j.policy.allowed = keys->algorithms;
  }
  if (!j.remote_keys) j.keys = keys;
  j.policy.issuer = opt_string(o, "issuer", path);
  j.policy.audience = opt_string(o, "audience", path);
  j.policy.verify_expiry = boolean(o, "verify_expiry", true, path);
  j.policy.clock_skew_ms = integer(o, "clock_skew_seconds", 60, 0, path) * 1000;
  j.policy.max_token_bytes = static_cast<size_t>(integer(o, "max_token_bytes", 8192, 256, path));
  j.cache_size = static_cast<size_t>(integer(o, "cache_size", 1024, 0, path));
  return j;
}

SecuritySettings parse_security_settings(const json::value& doc) {
  SecuritySettings s;
  const auto& top = doc.get_object();
  if (auto* routes = member(top, "routes"); routes && routes->is_array()) {
    for (size_t i = 0; i < routes->get_array().size(); ++i) {
      const std::string path = "routes[" + std::to_string(i) + "]";
      const auto& r = object_at(routes->get_array()[i], path);
      auto scope = opt_string(r, "required_scope", path);
      if (scope && scope->empty()) fail(path + ".required_scope", "must not be empty");
      s.route_scopes.push_back(scope.value_or(""));
      s.route_overrides.push_back(integer(r, "rate_limit_override", 0, 1, path));
    }
  }
  auto* sec_v = member(top, "security");
  if (!sec_v) return s;
  const auto& sec = object_at(*sec_v, "security");
  s.enable_auth = boolean(sec, "enable_auth", true, "proxy");
  s.enable_authorization = boolean(sec, "enable_authorization", true, "proxy");
  s.enable_rate_limiting = boolean(sec, "enable_rate_limiting", true, "proxy");
  if (auto* jwt = member(sec, "jwt")) s.jwt = parse_jwt_settings(*jwt, "jwt_auth");
  if (auto tok = opt_string(sec, "bearer_token", "bearer_auth")) {
    if (tok->empty()) fail("bearer_auth.token", "must not be empty");
    s.bearer_token = std::move(*tok);
  }
  if (auto env = opt_string(sec, "token_env", "security")) s.token_env = *env;
  if (auto key = opt_string(sec, "meta_key", "security")) s.meta_key = *key;
  if (auto* g = member(sec, "rate_limit")) s.global = rate_spec(*g, "rate_limit");
  if (auto* c = member(sec, "client_rate_limit")) s.client = rate_spec(*c, "client_rate_limit");
  if (auto* tools = member(sec, "tool_rate_limits")) {
    if (!tools->is_array()) fail("tool_rate_limits", "must be a list");
    for (size_t i = 0; i < tools->get_array().size(); ++i) {
      const std::string path = "tool_rate_limits[" + std::to_string(i) + "]";
      const auto& t = object_at(tools->get_array()[i], path);
      auto name = opt_string(t, "tool_name", path);
      if (!name || name->empty()) fail(path + ".tool_name", "must be a non-empty string");
      s.tools.emplace_back(*name, rate_spec(tools->get_array()[i], path));
    }
  }
  return s;
}

}  // namespace fasterapi::filters
