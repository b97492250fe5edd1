#include "policy/token_cache.hpp"

namespace fasterapi::policy {

PrincipalPtr TokenCache::find(std::string_view token, int64_t now) {
  auto it = map_.find(token);
  if (it == map_.end()) return nullptr;
  if (!it->second.principal->valid_at(now)) {
    map_.erase(it);
    return nullptr;
  }
  return it->second.principal;
}

void TokenCache::insert(std::string_view token, PrincipalPtr principal) {
  if (capacity_ == 0) return;
  const uint64_t seq = next_seq_++;
  auto it = map_.find(token);
  if (it != map_.end()) {
    it->second = Entry{std::move(principal), seq};
  } else {
    while (map_.size() >= capacity_ && !order_.empty()) {
      auto& [old, old_seq] = order_.front();
      auto victim = map_.find(old);
      if (victim != map_.end() && victim->second.seq == old_seq) map_.erase(victim);
      order_.pop_front();
    }
    map_.emplace(std::string(token), Entry{std::move(principal), seq});
  }
  order_.emplace_back(std::string(token), seq);
  if (order_.size() > 2 * capacity_ + 16) compact();
}

void TokenCache::compact() {
  std::deque<std::pair<std::string, uint64_t>> live;
  for (auto& e : order_) {
    auto it = map_.find(e.first);
    if (it != map_.end() && it->second.seq == e.second) live.push_back(std::move(e));
  }
  order_.swap(live);
}

void TokenCache::clear() {
  map_.clear();
  order_.clear();
}

}  // namespace fasterapi::policy
