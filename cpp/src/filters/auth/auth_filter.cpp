#include "filters/auth/auth_filter.hpp"

#include <openssl/crypto.h>

#include <cstdlib>

#include "fasterapi/errors.hpp"
#include "policy/jwt_keys.hpp"

namespace fasterapi::filters {

namespace json = boost::json;
using namespace fasterapi::policy;

namespace {

bool starts_with_bearer(std::string_view v) {
  if (v.size() < 7) return false;
  static constexpr char kWord[] = "bearer ";
  for (size_t i = 0; i < 7; ++i) {
    char c = v[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kWord[i]) return false;
  }
  return true;
}

Refusal missing(const AuthConfig& c) {
  Refusal r;
  r.code = errors::kNoCredentials;
  r.message = "Authentication required: send \"Bearer <token>\" in params._meta[\"" + c.meta_key +
              "\"], or start the proxy with " + c.token_env + " set";
  r.data["reason"] = "missing_credentials";
  r.data["meta_key"] = c.meta_key;
  r.counter = "auth_missing_credentials";
  return r;
}

Refusal invalid(const char* reason, const char* detail, const char* claim = "") {
  Refusal r;
  r.code = errors::kInvalidCredentials;
  r.message = std::string("Invalid credentials: ") + detail;
  r.data["reason"] = reason;
  r.data["detail"] = detail;
  if (*claim) r.data["claim"] = claim;
  r.counter = "auth_invalid_credentials";
  return r;
}

}  // namespace

AuthConfig AuthConfig::from(const SecuritySettings& s) {
  AuthConfig c;
  c.meta_key = s.meta_key;
  c.token_env = s.token_env;
  c.bearer_token = s.bearer_token;
  if (s.jwt) {
    c.jwt.emplace(s.jwt->policy, s.jwt->keys);
    c.algorithms_follow_keys = !s.jwt->algorithms_pinned;
    c.cache_size = s.jwt->cache_size;
  }
  c.enabled = s.enable_auth && (c.jwt || !c.bearer_token.empty());
  if (c.enabled && !s.token_env.empty()) {
    if (const char* env = std::getenv(s.token_env.c_str())) c.env_token = env;
  }
  return c;
}

AuthFilter::AuthFilter(AuthConfig config) : config_(std::move(config)), cache_(config_.cache_size) {
  auto b = std::make_shared<Principal>();
  b->id = "bearer";
  bearer_principal_ = std::move(b);
  auto a = std::make_shared<Principal>();
  a->id = "anonymous";
  anonymous_ = std::move(a);
}

std::optional<Refusal> AuthFilter::authenticate(json::object& msg, int64_t now, PrincipalPtr& out,
                                                const std::string* http_authorization) {
  json::object* params = nullptr;
  json::object* meta = nullptr;
  json::value* credential = nullptr;
  if (auto* p = msg.if_contains("params"); p && p->is_object()) {
    params = &p->get_object();
    if (auto* m = params->if_contains("_meta"); m && m->is_object()) {
      meta = &m->get_object();
      credential = meta->if_contains(config_.meta_key);
    }
  }
  std::optional<Refusal> result;
  if (!config_.enabled) {
    out = anonymous_;
  } else if (http_authorization) {
    // HTTP: the Authorization header or nothing (a _meta credential is ignored and removed,
    // and the environment's token belongs to stdio only).
    std::string_view v = *http_authorization;
    if (v.empty()) result = missing(config_);
    else if (!starts_with_bearer(v) || v.size() == 7 || v.find(' ', 7) != std::string_view::npos)
      result = invalid("malformed", "the Authorization header must be \"Bearer <token>\"");
    else
      result = check_token(v.substr(7), now, out);
  } else if (credential) {
    std::string_view v = credential->is_string() ? std::string_view(credential->get_string()) : std::string_view();
    if (!starts_with_bearer(v) || v.size() == 7 || v.find(' ', 7) != std::string_view::npos)
      result = invalid("malformed", "the credential must be \"Bearer <token>\"");
    else
      result = check_token(v.substr(7), now, out);
  } else if (!config_.env_token.empty()) {
    std::string_view token = config_.env_token;
    if (starts_with_bearer(token)) token.remove_prefix(7);
    result = check_token(token, now, out);
  } else {
    result = missing(config_);
  }
  // The credential never reaches an upstream (nor a log), whatever the verdict.
  if (credential) {
    meta->erase(config_.meta_key);
    if (meta->empty()) params->erase("_meta");
  }
  return result;
}

std::optional<Refusal> AuthFilter::check_token(std::string_view token, int64_t now, PrincipalPtr& out) {
  if (token.empty()) return invalid("malformed", "the token is empty");
  const std::string& bearer = config_.bearer_token;
  if (!bearer.empty() && token.size() == bearer.size() && CRYPTO_memcmp(token.data(), bearer.data(), bearer.size()) == 0) {
    out = bearer_principal_;
    return std::nullopt;
  }
  if (!config_.jwt) return invalid("invalid_token", "the bearer token is not the configured one");
  if (auto hit = cache_.find(token, now)) {
    ++cache_hits;
    out = std::move(hit);
    return std::nullopt;
  }
  ++verified;
  JwtVerdict v = config_.jwt->verify(token, now);
  if (!v.ok()) return invalid(jwt_reason_name(v.reason), v.detail, v.claim);
  auto p = std::make_shared<Principal>();
  p->id = std::move(v.claims.subject);
  p->scopes = std::move(v.claims.scopes);
  p->valid_from_ms = v.claims.valid_from_ms;
  p->valid_until_ms = v.claims.valid_until_ms;
  out = p;
  cache_.insert(token, std::move(p));
  return std::nullopt;
}

std::string AuthFilter::set_jwks(std::string_view text) {
  if (!config_.jwt) return "JWT authentication is not configured";
  std::string error;
  auto keys = parse_jwks(text, error);
  if (!keys) return "JWKS " + error;
  config_.jwt->set_keys(std::move(keys), config_.algorithms_follow_keys);
  cache_.clear();  // a key that is gone must stop validating the tokens it signed
  return "";
}

}  // namespace fasterapi::filters
