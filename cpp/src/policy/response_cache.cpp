#include "policy/response_cache.hpp"

#include <algorithm>
#include <boost/json.hpp>

namespace fasterapi::policy {

namespace json = boost::json;

const char* cache_scope_name(CacheScope s) { return s == CacheScope::Public ? "public" : "private"; }

ResponseCache::ResponseCache(CacheLimits limits) : limits_(limits) {}

namespace {
// Length-prefixed, so no id, scope or request text can be mistaken for another.
void put(std::string& out, std::string_view part) {
  out += std::to_string(part.size());
  out += ':';
  out += part;
}
}  // namespace

std::string ResponseCache::key_for(std::string_view request, const CacheCaller& who, CacheScope scope) {
  std::string k = scope == CacheScope::Private ? "P" : "S";
  if (scope == CacheScope::Private) put(k, who.id);
  std::vector<std::string_view> scopes;
  if (who.scopes)
    for (const auto& s : *who.scopes) scopes.push_back(s);
  std::sort(scopes.begin(), scopes.end());
  scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
  k += std::to_string(scopes.size());
  k += '|';
  for (auto s : scopes) put(k, s);
  put(k, request);
  return k;
}

void ResponseCache::erase(Iter it) {
  bytes_ -= it->key.size() + it->value.size();
  by_expiry_.erase(it->by_expiry);
  index_.erase(it->key);
  lru_.erase(it);
}

void ResponseCache::erase_key(const std::string& key) {
  auto it = index_.find(key);
  if (it != index_.end()) erase(it->second);
}

void ResponseCache::purge_expired(int64_t now_ms) {
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now_ms) {
    erase(by_expiry_.begin()->second);
    ++expired_;
  }
}

std::optional<CacheHit> ResponseCache::find(std::string_view request, const CacheCaller& who, int64_t now_ms) {
  for (CacheScope scope : {CacheScope::Private, CacheScope::Public}) {
    auto it = index_.find(key_for(request, who, scope));
    if (it == index_.end()) continue;
    Iter e = it->second;
    if (e->expires_ms <= now_ms) {
      erase(e);
      ++expired_;
      continue;
    }
    lru_.splice(lru_.begin(), lru_, e);  // iterators stay valid
    return CacheHit{&e->value, e->expires_ms - now_ms, e->scope};
  }
  return std::nullopt;
}

bool ResponseCache::store(std::string_view request, const CacheCaller& who, CacheScope scope, std::string value,
                          int64_t ttl_ms, CacheTag tag, int64_t now_ms) {
  // One entry per caller and request: the newest answer replaces the other scope's too.
  std::string key = key_for(request, who, scope);
  erase_key(key_for(request, who, scope == CacheScope::Private ? CacheScope::Public : CacheScope::Private));
  erase_key(key);
  const size_t size = key.size() + value.size();
  if (ttl_ms <= 0 || size > limits_.max_bytes || limits_.max_entries == 0) return false;
  purge_expired(now_ms);
  lru_.push_front(Entry{std::move(key), std::move(value), now_ms + ttl_ms, scope, std::move(tag), {}});
  Iter e = lru_.begin();
  e->by_expiry = by_expiry_.emplace(e->expires_ms, e);
  index_.emplace(e->key, e);
  bytes_ += size;
  while (lru_.size() > limits_.max_entries || bytes_ > limits_.max_bytes) {
    erase(std::prev(lru_.end()));
    ++evictions_;
  }
  return true;
}

size_t ResponseCache::invalidate_kind(int kind) {
  size_t n = 0;
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    if (it->tag.kind == kind) {
      erase(it);
      ++n;
    }
    it = next;
  }
  return n;
}

size_t ResponseCache::invalidate_uri(std::string_view uri) {
  size_t n = 0;
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    if (!it->tag.uri.empty() && it->tag.uri == uri) {
      erase(it);
      ++n;
    }
    it = next;
  }
  return n;
}

void ResponseCache::clear() {
  lru_.clear();
  index_.clear();
  by_expiry_.clear();
  bytes_ = 0;
}

std::vector<std::string> ResponseCache::keys() const {
  std::vector<std::string> out;
  for (const auto& e : lru_) out.push_back(e.key);
  return out;
}

namespace {

void canonical(const json::value& v, std::string& out, bool top_params, std::string_view credential_key);

void canonical_object(const json::object& o, std::string& out, bool top_params, std::string_view credential_key) {
  std::vector<std::pair<std::string_view, const json::value*>> members;
  members.reserve(o.size());
  for (const auto& kv : o) members.emplace_back(kv.key(), &kv.value());
  std::sort(members.begin(), members.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  out += '{';
  bool first = true;
  for (const auto& [k, v] : members) {
    const json::value* value = v;
    json::object meta;
    if (top_params && k == "_meta" && v->is_object()) {
      // Volatile members change from call to call without changing the answer.
      meta = v->get_object();
      meta.erase("progressToken");
      meta.erase("io.modelcontextprotocol/logLevel");
      if (!credential_key.empty()) meta.erase(credential_key);
      if (meta.empty()) continue;
    }
    if (!first) out += ',';
    first = false;
    out += json::serialize(json::value(json::string(k)));
    out += ':';
    if (top_params && k == "_meta" && v->is_object()) {
      json::value mv(std::move(meta));
      canonical(mv, out, false, credential_key);
    } else {
      canonical(*value, out, false, credential_key);
    }
  }
  out += '}';
}

void canonical(const json::value& v, std::string& out, bool top_params, std::string_view credential_key) {
  if (v.is_object()) return canonical_object(v.get_object(), out, top_params, credential_key);
  if (v.is_array()) {
    out += '[';
    bool first = true;
    for (const auto& x : v.get_array()) {
      if (!first) out += ',';
      first = false;
      canonical(x, out, false, credential_key);
    }
    out += ']';
    return;
  }
  out += json::serialize(v);
}

}  // namespace

std::optional<std::string> cache_request_key(std::string_view method, const json::object* params,
                                             std::string_view credential_meta_key) {
  std::string key(method);
  key += ' ';
  if (!params) return key + "null";
  if (params->contains("inputResponses") || params->contains("requestState")) return std::nullopt;
  canonical_object(*params, key, true, credential_meta_key);
  return key;
}

}  // namespace fasterapi::policy
