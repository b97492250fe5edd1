#pragma once
// Authentication stage: who sent this request?
//
// Config (built once): JWT verifier and/or bearer token, the environment's token, the
// _meta key the credential travels in. Filter: per request, takes the credential out of
// params._meta (it is never forwarded upstream), verifies it (verified JWTs are cached) and
// yields the principal, or a refusal (-32010 missing, -32011 invalid).
#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "filters/refusal.hpp"
#include "filters/security_settings.hpp"
#include "policy/jwt.hpp"
#include "policy/token_cache.hpp"

namespace fasterapi::filters {

struct AuthConfig {
  bool enabled = false;  // enable_auth and some credential configured
  std::optional<policy::JwtVerifier> jwt;
  bool algorithms_follow_keys = false;
  std::string bearer_token;
  std::string env_token;  // read from the environment when the proxy was built
  std::string meta_key;
  std::string token_env;
  size_t cache_size = 1024;

  static AuthConfig from(const SecuritySettings& s);
};

class AuthFilter {
 public:
  explicit AuthFilter(AuthConfig config);
  bool active() const { return config_.enabled; }

  // Strips the credential from params._meta in every case (also with auth off).
  std::optional<Refusal> authenticate(boost::json::object& msg, int64_t now_wall_ms, policy::PrincipalPtr& out,
                                      const std::string* http_authorization = nullptr);
  // A token alone (the credential without "Bearer "): principal or refusal.
  std::optional<Refusal> check_token(std::string_view token, int64_t now_wall_ms, policy::PrincipalPtr& out);
  // A JWKS refresh (loop thread). "" or why the document was refused (old keys stay).
  std::string set_jwks(std::string_view json_text);

  uint64_t verified = 0;    // tokens that needed a full check
  uint64_t cache_hits = 0;  // tokens answered from the cache


 private:
  AuthConfig config_;
  policy::TokenCache cache_;
  policy::PrincipalPtr bearer_principal_;
  policy::PrincipalPtr anonymous_;
};

}  // namespace fasterapi::filters
