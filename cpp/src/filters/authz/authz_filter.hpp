#pragma once
// Authorization stage: may this principal use this route? A route's required_scope must be
// among the principal's scopes. Also decides what list results show (only what the caller
// may call).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filters/refusal.hpp"
#include "filters/security_settings.hpp"
#include "policy/route_table.hpp"
#include "policy/token_cache.hpp"

namespace fasterapi::filters {

struct AuthzConfig {
  bool enabled = false;
  std::vector<std::string> route_scopes;  // by route index; "" = open
  static AuthzConfig from(const SecuritySettings& s);
};

class AuthzFilter {
 public:
  explicit AuthzFilter(AuthzConfig c) : config_(std::move(c)) {}
  bool active() const { return config_.enabled; }
  bool allows(const policy::Principal& p, int route) const {
    if (!config_.enabled || route < 0 || static_cast<size_t>(route) >= config_.route_scopes.size()) return true;
    const std::string& scope = config_.route_scopes[route];
    return scope.empty() || p.has_scope(scope);
  }
  std::optional<Refusal> check(const policy::Principal& p, int route, policy::Kind kind, std::string_view name) const;

 private:
  AuthzConfig config_;
};

}  // namespace fasterapi::filters
