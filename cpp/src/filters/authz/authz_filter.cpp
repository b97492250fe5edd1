#include "filters/authz/authz_filter.hpp"

#include "fasterapi/errors.hpp"

namespace fasterapi::filters {

AuthzConfig AuthzConfig::from(const SecuritySettings& s) {
  AuthzConfig c;
  c.route_scopes = s.route_scopes;
  bool any = false;
  for (const auto& scope : c.route_scopes) any |= !scope.empty();
  c.enabled = s.enable_authorization && any;
  return c;
}

std::optional<Refusal> AuthzFilter::check(const policy::Principal& p, int route, policy::Kind kind,
                                          std::string_view name) const {
  if (allows(p, route)) return std::nullopt;
  const std::string& scope = config_.route_scopes[route];
  Refusal r;
  r.code = errors::kInsufficientScope;
  r.message = "Insufficient scope: '" + scope + "' is required for " + policy::kind_name(kind) + " '" +
              std::string(name) + "'";
  r.data["reason"] = "insufficient_scope";
  r.data["required_scope"] = scope;
  r.data["kind"] = policy::kind_name(kind);
  r.data["name"] = name;
  r.counter = "authz_denied";
  return r;
}

}  // namespace fasterapi::filters
