#pragma once
// Rate limiters: pure functions of (spec, state, now). No clock, no locks, no allocation.
// Time is the proxy's monotonic clock in milliseconds. docs/security.md states exactly
// what each parameter means; tests/security/test_rate_limit_model.py checks these
// functions against a brute-force Python reference.
//
// token_bucket   capacity = burst (or max_requests), refilled continuously at
//                max_requests per window_ms; a request takes one token.
// fixed_window   at most max_requests in each window [k*window_ms, (k+1)*window_ms).
// sliding_window the weighted two-window counter: allowed while
//                prev*(window_ms - elapsed) + cur*window_ms < max_requests*window_ms,
//                elapsed being the time since the current fixed window began.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "policy/token_cache.hpp"  // StringHash

namespace fasterapi::policy {

enum class RateAlgorithm : uint8_t { TokenBucket, SlidingWindow, FixedWindow };
const char* rate_algorithm_name(RateAlgorithm a);
std::optional<RateAlgorithm> rate_algorithm_from_name(std::string_view name);

struct RateSpec {
  RateAlgorithm algorithm = RateAlgorithm::TokenBucket;
  int64_t max_requests = 1;
  int64_t window_ms = 1000;
  int64_t burst = 0;  // token_bucket capacity; 0 = max_requests. Unused by the windows.
  int64_t capacity() const { return burst > 0 ? burst : max_requests; }
};

// token_bucket: a = tokens scaled by window_ms, b = time of the last refill.
// windows:      a = index of the current window, b = previous window's count, c = current's.
struct RateState {
  int64_t a = 0, b = 0, c = 0;
  bool started = false;
};

// 0 when a request at `now` would be allowed; otherwise the milliseconds until the earliest
// moment one would be (assuming nothing else is admitted meanwhile).
int64_t rate_retry_after(const RateSpec& spec, const RateState& state, int64_t now);
// Counts one admitted request. Call only when rate_retry_after(...) == 0.
void rate_consume(const RateSpec& spec, RateState& state, int64_t now);
// True when the state is indistinguishable from a fresh one at `now` (safe to forget).
bool rate_idle(const RateSpec& spec, const RateState& state, int64_t now);

struct RateDecision {
  bool allowed;
  int64_t retry_after_ms;
};
inline RateDecision rate_check(const RateSpec& spec, RateState& state, int64_t now) {
  const int64_t r = rate_retry_after(spec, state, now);
  if (r == 0) rate_consume(spec, state, now);
  return {r == 0, r};
}

// One state per key (per principal). Forgets idle keys when it grows past `soft_max`.
class KeyedRateStates {
 public:
  explicit KeyedRateStates(size_t soft_max = 100000);
  // The key's state; allocates only the first time a key is seen. With a slot, a key
  // found before is answered from the slot's pointer (valid until the next sweep).
  RateState& get(const RateSpec& spec, std::string_view key, int64_t now, RateSlot* slot = nullptr);
  size_t size() const { return map_.size(); }

 private:
  size_t soft_max_;
  size_t next_sweep_ = 0;  // sweep again only after growing this far
  uint64_t id_;
  uint64_t epoch_ = 1;     // +1 per sweep: slots taken before it are stale
  std::unordered_map<std::string, RateState, StringHash, std::equal_to<>> map_;
};

}  // namespace fasterapi::policy
