#pragma once
// The response cache's policy (docs/transformers.md): which stored answer a caller may be
// given, for how long, and what is dropped when memory is full. Pure: no I/O, no clock
// (every call takes `now_ms`), no threads; the proxy owns one and calls it on its loop.
//
// Identity: an answer is stored either for one caller ("private": the principal's id and
// its scopes are part of the key) or for every caller with the same scopes ("public": the
// proxy's own filtering of lists depends on scopes, so scopes are always part of the key).
// A private entry is never found by another principal, nor by the same principal with
// other scopes (a new token with other scopes is another authorization context).
#include <boost/json/fwd.hpp>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fasterapi::policy {

enum class CacheScope { Private, Public };
const char* cache_scope_name(CacheScope s);

struct CacheLimits {
  size_t max_entries = 10000;
  size_t max_bytes = 64u << 20;  // keys + values
};

// Who asks: the authorization context.
struct CacheCaller {
  std::string_view id;
  const std::vector<std::string>* scopes = nullptr;
};

// What an answer is about, so a change notification can drop it.
struct CacheTag {
  int kind = -1;    // policy::Kind as an int (tools 0, resources 1, prompts 2); -1: none
  std::string uri;  // resources/read: the URI ("" otherwise)
};

struct CacheHit {
  const std::string* value;  // valid until the next call on the cache
  int64_t remaining_ms;      // > 0
  CacheScope scope;
};

class ResponseCache {
 public:
  explicit ResponseCache(CacheLimits limits = {});

  // The caller's private entry first, then a public one for its scopes. An entry found
  // expired is removed (counted in expired()).
  std::optional<CacheHit> find(std::string_view request, const CacheCaller& who, int64_t now_ms);
  // Stores an answer for `ttl_ms` (replacing this caller's entry for the same request in
  // either scope). Expired entries are dropped first, then the least recently used until
  // both limits hold. False (and nothing stored) when ttl_ms <= 0 or the entry alone is
  // larger than max_bytes.
  bool store(std::string_view request, const CacheCaller& who, CacheScope scope, std::string value,
             int64_t ttl_ms, CacheTag tag, int64_t now_ms);
  size_t invalidate_kind(int kind);
  size_t invalidate_uri(std::string_view uri);
  void clear();

  size_t size() const { return lru_.size(); }
  size_t bytes() const { return bytes_; }
  uint64_t evictions() const { return evictions_; }
  uint64_t expired() const { return expired_; }
  const CacheLimits& limits() const { return limits_; }
  // Keys from most to least recently used (tests).
  std::vector<std::string> keys() const;

  static std::string key_for(std::string_view request, const CacheCaller& who, CacheScope scope);

 private:
  struct Entry {
    std::string key;
    std::string value;
    int64_t expires_ms;
    CacheScope scope;
    CacheTag tag;
    std::multimap<int64_t, std::list<Entry>::iterator>::iterator by_expiry;
  };
  using Iter = std::list<Entry>::iterator;
  void erase(Iter it);
  void erase_key(const std::string& key);
  void purge_expired(int64_t now_ms);

  CacheLimits limits_;
  std::list<Entry> lru_;  // front: most recently used
  std::unordered_map<std::string, Iter> index_;
  std::multimap<int64_t, Iter> by_expiry_;
  size_t bytes_ = 0;
  uint64_t evictions_ = 0;
  uint64_t expired_ = 0;
};

// The request part of a cache key: the method and its params with object members sorted
// (so member order does not matter) and the volatile `_meta` members left out
// (progressToken, the log level, the credential key). nullopt when the request must not
// be cached: a retry that carries inputResponses or requestState (MCP 2026-07-28).
std::optional<std::string> cache_request_key(std::string_view method, const boost::json::object* params,
                                             std::string_view credential_meta_key);

}  // namespace fasterapi::policy
