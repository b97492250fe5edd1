#pragma once
// The security stages in order: authentication -> authorization -> rate limiting.
// The session calls admit() for every request that is not exempt (docs/security.md),
// check_call() once a routed request has its route, check_list() for list requests, and
// visible() while merging lists. Loop-thread only.
#include <boost/json.hpp>
#include <optional>

#include "fasterapi/clock.hpp"
#include "filters/auth/auth_filter.hpp"
#include "filters/authz/authz_filter.hpp"
#include "filters/rate_limit/rate_limit_filter.hpp"
#include "filters/security_settings.hpp"

namespace fasterapi::filters {

// Methods answered without credentials: the handshake (the client learns what the proxy
// is before it can present anything), liveness, and notifications (no reply can carry
// an error, and a client's cancel only ever reaches its own requests).
bool exempt_from_auth(std::string_view method);

class SecurityChain {
 public:
  explicit SecurityChain(const SecuritySettings& s);

  // `http_authorization`: on HTTP, the Authorization header ("" if absent), the only place
  // a credential is taken from there; nullptr on stdio (params._meta, then the environment).
  std::optional<Refusal> admit(boost::json::object& msg, const Clock& clock, policy::PrincipalPtr& out,
                               const std::string* http_authorization = nullptr);
  std::optional<Refusal> check_call(const policy::Principal& p, int route, policy::Kind kind, std::string_view name,
                                    bool tool_call, const Clock& clock);
  std::optional<Refusal> check_list(const policy::Principal& p, const Clock& clock);
  bool visible(const policy::Principal& p, int route) const { return authz_.allows(p, route); }
  bool auth_active() const { return auth_.active(); }
  void count_missing() { ++missing_; }

  std::string set_jwks(std::string_view json_text) { return auth_.set_jwks(json_text); }
  void add_stats(boost::json::object& out) const;
  void count(const Refusal& r);

 private:
  AuthFilter auth_;
  AuthzFilter authz_;
  RateLimitFilter limits_;
  uint64_t missing_ = 0, invalid_ = 0, denied_ = 0, limited_ = 0;
};

}  // namespace fasterapi::filters
