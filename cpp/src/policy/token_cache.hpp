#pragma once
// Verified tokens, so a repeated token costs a lookup instead of a signature check.
// Keyed by the whole token string (two tokens that differ in any byte are different
// entries), bounded (oldest inserted goes first when full), and an entry is only returned
// inside the validity window its token had (exp/nbf/iat with leeway), so it expires with
// the token. Loop-thread only: no locks. A key change (JWKS refresh) clears it.
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fasterapi::policy {

// Where a principal's per-client rate-limit state was last found (KeyedRateStates),
// so a known client costs a pointer check instead of a hash lookup.
struct RateSlot {
  void* state = nullptr;
  uint64_t owner = 0;  // the KeyedRateStates instance (a process-unique id)
  uint64_t epoch = 0;  // its sweep count when the pointer was taken
};

// Who sent a request: the JWT subject, "bearer", or "anonymous". Each proxy makes its
// own (a principal, and its slot, only ever live on one event loop).
struct Principal {
  std::string id;
  std::vector<std::string> scopes;
  int64_t valid_from_ms = INT64_MIN;  // wall clock, inclusive
  int64_t valid_until_ms = INT64_MAX; // wall clock, exclusive
  mutable RateSlot client_slot;
  bool has_scope(std::string_view s) const {
    for (const auto& x : scopes)
      if (x == s) return true;
    return false;
  }
  bool valid_at(int64_t now_wall_ms) const { return now_wall_ms >= valid_from_ms && now_wall_ms < valid_until_ms; }
};
using PrincipalPtr = std::shared_ptr<const Principal>;

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// Hashes a token by its length and last 32 bytes: the signature, which no one can choose
// for a token that verifies, and only verified tokens are stored, so buckets stay short.
// Equality still compares the whole token.
struct TokenTailHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept {
    const std::string_view tail = s.size() > 32 ? s.substr(s.size() - 32) : s;
    return std::hash<std::string_view>{}(tail) ^ (s.size() * 0x9E3779B97F4A7C15ull);
  }
};

class TokenCache {
 public:
  explicit TokenCache(size_t capacity) : capacity_(capacity) {}
  // The principal of a cached token valid at `now`; an entry found outside its window is
  // dropped. No allocation on a hit.
  PrincipalPtr find(std::string_view token, int64_t now_wall_ms);
  void insert(std::string_view token, PrincipalPtr principal);
  void clear();
  size_t size() const { return map_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  struct Entry {
    PrincipalPtr principal;
    uint64_t seq;
  };
  void compact();

  size_t capacity_;
  uint64_t next_seq_ = 0;
  std::unordered_map<std::string, Entry, TokenTailHash, std::equal_to<>> map_;
  std::deque<std::pair<std::string, uint64_t>> order_;  // insertion order; stale pairs skipped
};

}  // namespace fasterapi::policy
