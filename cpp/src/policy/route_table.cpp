#include "policy/route_table.hpp"

namespace fasterapi::policy {

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::Tool: return "tool";
    case Kind::Resource: return "resource";
    case Kind::Prompt: return "prompt";
  }
  return "?";
}

void RouteTable::add(Route route) {
  const int i = static_cast<int>(routes_.size());
  for (int k = 0; k < kKindCount; ++k) {
    const Pattern& p = route.patterns[k];
    Index& ix = index_[k];
    if (route.catch_all()) ix.scanned.push_back(i);
    else if (p.empty()) continue;  // this route does not serve kind k
    else if (p.is_literal()) ix.literal[p.text()].push_back(i);
    else if (!p.lead().empty()) {
      ix.by_lead[std::string(p.lead())].push_back(i);
      ix.lead_lengths.insert(p.lead().size());
    } else ix.scanned.push_back(i);
  }
  routes_.push_back(std::move(route));
}

template <typename Visit>
void RouteTable::candidates(Kind kind, std::string_view name, Visit&& visit) const {
  const Index& ix = index_[static_cast<int>(kind)];
  if (!ix.literal.empty())
    if (auto it = ix.literal.find(name); it != ix.literal.end())
      for (int r : it->second) visit(r);
  const int k = static_cast<int>(kind);
  for (size_t len : ix.lead_lengths) {
    if (len > name.size()) break;
    if (auto it = ix.by_lead.find(name.substr(0, len)); it != ix.by_lead.end())
      for (int r : it->second)
        if (routes_[r].patterns[k].matches(name)) visit(r);
  }
  for (int r : ix.scanned)
    if (routes_[r].catch_all() || routes_[r].patterns[static_cast<int>(kind)].matches(name)) visit(r);
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
