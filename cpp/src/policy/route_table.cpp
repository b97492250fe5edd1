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

void RouteTable::add(Route route) { routes_.push_back(std::move(route)); }

int RouteTable::match(Kind kind, std::string_view name) const {
  const int k = static_cast<int>(kind);
  for (size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = routes_[i];
    if (r.catch_all() || (!r.patterns[k].empty() && r.patterns[k].matches(name))) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

RouteTable::Matches RouteTable::match_all(Kind kind, std::string_view name) const {
  Matches m;
  const int k = static_cast<int>(kind);
  for (size_t i = 0; i < routes_.size() && m.count < kMaxMatches; ++i) {
    const Route& r = routes_[i];
    if (r.catch_all() || (!r.patterns[k].empty() && r.patterns[k].matches(name)))
      m.index[m.count++] = static_cast<int>(i);
  }
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
