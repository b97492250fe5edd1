#include "policy/rate_limit.hpp"

#include <algorithm>
#include <atomic>

namespace fasterapi::policy {

namespace {

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Brings the state forward to `now` (refill, or roll the windows). Time never goes back.
void advance(const RateSpec& s, RateState& st, int64_t now) {
  const int64_t W = s.window_ms, N = s.max_requests;
  if (s.algorithm == RateAlgorithm::TokenBucket) {
    const int64_t full = s.capacity() * W;
    if (!st.started) {
      st.a = full;
      st.b = now;
      st.started = true;
      return;
    }
    if (now <= st.b) return;
    const int64_t elapsed = now - st.b;
    const int64_t room = full - st.a;
    if (elapsed >= (room + N - 1) / N) st.a = full;
    else st.a += elapsed * N;
    st.b = now;
    return;
  }
  const int64_t k = floor_div(now, W);
  if (!st.started) {
    st.a = k;
    st.b = st.c = 0;
    st.started = true;
    return;
  }
  if (k <= st.a) return;
  st.b = (k == st.a + 1) ? st.c : 0;
  st.c = 0;
  st.a = k;
}

}  // namespace

const char* rate_algorithm_name(RateAlgorithm a) {
  switch (a) {
    case RateAlgorithm::TokenBucket: return "token_bucket";
    case RateAlgorithm::SlidingWindow: return "sliding_window";
    case RateAlgorithm::FixedWindow: return "fixed_window";
  }
  return "?";
}

std::optional<RateAlgorithm> rate_algorithm_from_name(std::string_view n) {
  if (n == "token_bucket") return RateAlgorithm::TokenBucket;
  if (n == "sliding_window") return RateAlgorithm::SlidingWindow;
  if (n == "fixed_window") return RateAlgorithm::FixedWindow;
  return std::nullopt;
}

int64_t rate_retry_after(const RateSpec& s, const RateState& state, int64_t now) {
  RateState st = state;
  advance(s, st, now);
  const int64_t W = s.window_ms, N = s.max_requests;
  switch (s.algorithm) {
    case RateAlgorithm::TokenBucket: {
      if (st.a >= W) return 0;
      return (W - st.a + N - 1) / N;  // tokens come back at N per ms (scaled)
    }
    case RateAlgorithm::FixedWindow: {
      if (st.c < N) return 0;
      return (st.a + 1) * W - now;
    }
    case RateAlgorithm::SlidingWindow: {
      using i128 = __int128;
      const int64_t start = st.a * W;
      const int64_t e = now - start;
      const i128 prev = st.b, cur = st.c;
      if (prev * (W - e) + cur * W < i128(N) * W) return 0;
      // Later in this window the previous window's weight keeps falling.
      const i128 room = (i128(N) - cur) * W;
      if (prev > 0 && room > 0) {
        const i128 x = prev * W - room;  // allowed once prev * e > x
        const i128 e_min = x / prev + 1;
        if (e_min < W) return static_cast<int64_t>(start + e_min - now);
      }
      // Next window: this window's count becomes the previous one.
      const int64_t next = start + W;
      if (cur < N) return next - now;
      const i128 e_min = (i128(W) * (cur - N)) / cur + 1;
      return static_cast<int64_t>(next + e_min - now);
    }
  }
  return 0;
}

void rate_consume(const RateSpec& s, RateState& st, int64_t now) {
  advance(s, st, now);
  if (s.algorithm == RateAlgorithm::TokenBucket) st.a -= s.window_ms;
  else st.c += 1;
}

bool rate_idle(const RateSpec& s, const RateState& state, int64_t now) {
  RateState st = state;
  advance(s, st, now);
  if (s.algorithm == RateAlgorithm::TokenBucket) return st.a == s.capacity() * s.window_ms;
  return st.b == 0 && st.c == 0;
}

namespace {
std::atomic<uint64_t> g_next_owner{1};
}

KeyedRateStates::KeyedRateStates(size_t soft_max) : soft_max_(soft_max), id_(g_next_owner++) {}

RateState& KeyedRateStates::get(const RateSpec& spec, std::string_view key, int64_t now, RateSlot* slot) {
  if (slot && slot->owner == id_ && slot->epoch == epoch_) return *static_cast<RateState*>(slot->state);
  auto remember = [&](RateState& st) -> RateState& {
    if (slot) *slot = RateSlot{&st, id_, epoch_};  // unordered_map nodes never move
    return st;
  };
  auto it = map_.find(key);
  if (it != map_.end()) return remember(it->second);
  if (map_.size() >= std::max(soft_max_, next_sweep_)) {
    ++epoch_;
    for (auto i = map_.begin(); i != map_.end();) {
      if (rate_idle(spec, i->second, now)) i = map_.erase(i);
      else ++i;
    }
    next_sweep_ = map_.size() * 2;  // everything left is busy: amortise the next sweep
  }
  return remember(map_.emplace(std::string(key), RateState{}).first->second);
}

}  // namespace fasterapi::policy
