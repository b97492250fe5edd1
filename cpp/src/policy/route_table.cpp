#include "policy/route_table.hpp"

#include <algorithm>

namespace fasterapi::policy {

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::Tool: return "tool";
    case Kind::Resource: return "resource";
    case Kind::Prompt: return "prompt";
  }
  return "?";
}

namespace {
constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;
uint64_t fnv_step(uint64_t h, char c) { return (h ^ static_cast<unsigned char>(c)) * kFnvPrime; }
uint64_t fnv(std::string_view s) {
  uint64_t h = kFnvOffset;
  for (char c : s) h = fnv_step(h, c);
  return h;
}
}  // namespace

void RouteTable::insert(HashedNames& map, const std::string& key, int route) {
  auto& buckets = map[fnv(key)];
  for (auto& b : buckets)
    if (b.key == key) return b.routes.push_back(route);
  buckets.push_back({key, {route}});
}

void RouteTable::add(Route route) {
  const int i = static_cast<int>(routes_.size());
  for (int k = 0; k < kKindCount; ++k) {
    const Pattern& p = route.patterns[k];
    Index& ix = index_[k];
    if (route.catch_all()) ix.scanned.push_back(i);
    else if (p.empty()) continue;  // this route does not serve kind k
    else if (p.is_literal()) insert(ix.literal, p.text(), i);
    else if (!p.lead().empty()) {
      insert(ix.by_lead, std::string(p.lead()), i);
      auto& lengths = ix.lead_lengths;
      auto at = std::lower_bound(lengths.begin(), lengths.end(), p.lead().size());
      if (at == lengths.end() || *at != p.lead().size()) lengths.insert(at, p.lead().size());
    } else ix.scanned.push_back(i);
  }
  routes_.push_back(std::move(route));
}

template <typename Visit>
void RouteTable::candidates(Kind kind, std::string_view name, Visit&& visit) const {
  const int k = static_cast<int>(kind);
  const Index& ix = index_[k];
  auto probe = [&](const HashedNames& map, uint64_t h, std::string_view key, bool check_pattern) {
    auto it = map.find(h);
    if (it == map.end()) return;
    for (const Bucket& b : it->second) {
      if (b.key != key) continue;
      for (int r : b.routes)
        if (!check_pattern || routes_[r].patterns[k].matches(name)) visit(r);
    }
  };
  uint64_t h = kFnvOffset;
  size_t next = 0;  // the next lead length to probe
  for (size_t i = 0; i < name.size(); ++i) {
    h = fnv_step(h, name[i]);
    if (next < ix.lead_lengths.size() && ix.lead_lengths[next] == i + 1) {
      probe(ix.by_lead, h, name.substr(0, i + 1), true);
      ++next;
    }
  }
  if (!ix.literal.empty()) probe(ix.literal, h, name, false);
  for (int r : ix.scanned)
    if (routes_[r].catch_all() || routes_[r].patterns[k].matches(name)) visit(r);
}

int RouteTable::match(Kind kind, std::string_view name) const {
  int best = -1;
  candidates(kind, name, [&](int r) {
    if (best < 0 || r < best) best = r;
  });
  return best;
}

RouteTable::Matches RouteTable::match_all(Kind kind, std::string_view name) const {
  // The first kMaxMatches matching routes in table order (a sorted insert of each hit).
  Matches m;
  candidates(kind, name, [&](int r) {
    if (m.count == kMaxMatches && r > m.index[m.count - 1]) return;
    int pos = m.count < kMaxMatches ? m.count++ : kMaxMatches - 1;
    while (pos > 0 && m.index[pos - 1] > r) {
      m.index[pos] = m.index[pos - 1];
      --pos;
    }
    m.index[pos] = r;
  });
  return m;
}

bool RouteTable::serves(size_t upstream, Kind kind) const {
  const int k = static_cast<int>(kind);
  for (const Route& r : routes_) {
    if (r.upstream == upstream && (r.catch_all() || !r.patterns[k].empty())) return true;
  }
  return false;
}

bool RouteTable::any_route_for(Kind kind) const {
  const int k = static_cast<int>(kind);
  for (const Route& r : routes_) {
    if (r.catch_all() || !r.patterns[k].empty()) return true;
  }
  return false;
}

}  // namespace fasterapi::policy
