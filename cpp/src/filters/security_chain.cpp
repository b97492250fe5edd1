#include "filters/security_chain.hpp"

namespace fasterapi::filters {

bool exempt_from_auth(std::string_view method) {
  return method == "initialize" || method == "ping" || method == "server/discover" ||
         method.substr(0, 14) == "notifications/";
}

SecurityChain::SecurityChain(const SecuritySettings& s)
    : auth_(AuthConfig::from(s)), authz_(AuthzConfig::from(s)), limits_(RateLimitConfig::from(s)) {}

std::optional<Refusal> SecurityChain::admit(boost::json::object& msg, const Clock& clock, policy::PrincipalPtr& out,
                                            const std::string* http_authorization) {
  auto r = auth_.authenticate(msg, auth_.active() ? clock.wall_ms() : 0, out, http_authorization);
  if (r) count(*r);
  return r;
}

std::optional<Refusal> SecurityChain::check_call(const policy::Principal& p, int route, policy::Kind kind,
                                                 std::string_view name, bool tool_call, const Clock& clock) {
  auto r = authz_.check(p, route, kind, name);
  if (!r && limits_.active()) r = limits_.check(p, route, tool_call ? name : std::string_view(), clock.now_ms());
  if (r) count(*r);
  return r;
}

std::optional<Refusal> SecurityChain::check_list(const policy::Principal& p, const Clock& clock) {
  if (!limits_.active()) return std::nullopt;
  auto r = limits_.check(p, -1, {}, clock.now_ms());
  if (r) count(*r);
  return r;
}

void SecurityChain::count(const Refusal& r) {
  const std::string_view c = r.counter;
  if (c == "auth_missing_credentials") ++missing_;
  else if (c == "auth_invalid_credentials") ++invalid_;
  else if (c == "authz_denied") ++denied_;
  else if (c == "rate_limited") ++limited_;
}

void SecurityChain::add_stats(boost::json::object& o) const {
  o["auth_missing_credentials"] = missing_;
  o["auth_invalid_credentials"] = invalid_;
  o["authz_denied"] = denied_;
  o["rate_limited"] = limited_;
  o["jwt_verified"] = auth_.verified;
  o["jwt_cache_hits"] = auth_.cache_hits;
}

}  // namespace fasterapi::filters
