#pragma once
// Rate-limit stage. Up to four limits apply to one request, all checked before any is
// charged (a refused request costs nothing):
//   client  per principal (set_client_rate_limit)
//   route   the matched route's rate_limit_override, which replaces...
//   global  ...the global limit (set_rate_limit) for that route's requests
//   tool    the called tool's limit (set_tool_rate_limit), by the name the client sees
// Refused: -32013 naming the limit with the longest retry_after_ms.
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "filters/refusal.hpp"
#include "filters/security_settings.hpp"
#include "policy/rate_limit.hpp"
#include "policy/token_cache.hpp"

namespace fasterapi::filters {

struct RateLimitConfig {
  bool enabled = false;
  std::optional<policy::RateSpec> global;
  std::optional<policy::RateSpec> client;
  std::vector<std::optional<policy::RateSpec>> routes;  // by route index
  std::vector<std::pair<std::string, policy::RateSpec>> tools;
  static RateLimitConfig from(const SecuritySettings& s);
};

class RateLimitFilter {
 public:
  explicit RateLimitFilter(RateLimitConfig c);
  bool active() const { return config_.enabled; }
  // route = -1 and tool = "" for requests that are not routed calls (list methods).
  std::optional<Refusal> check(const policy::Principal& p, int route, std::string_view tool, int64_t now_ms);

 private:
  struct Limit {
    const char* kind;
    const policy::RateSpec* spec;
    policy::RateState* state;
  };

  RateLimitConfig config_;
  policy::RateState global_;
  std::vector<policy::RateState> routes_;
  std::unordered_map<std::string, std::pair<policy::RateSpec, policy::RateState>, policy::StringHash, std::equal_to<>> tools_;
  policy::KeyedRateStates clients_;
};

}  // namespace fasterapi::filters
