#pragma once
// The route table: ordered routes, first match wins (the guide's "routes tried in order").
// A route with no pattern at all is a catch-all for every kind; a route with some pattern
// only matches the kinds it has a pattern for.
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "policy/pattern.hpp"

namespace fasterapi::policy {

enum class Kind : uint8_t { Tool = 0, Resource = 1, Prompt = 2 };
inline constexpr int kKindCount = 3;
const char* kind_name(Kind kind);

struct Route {
  size_t upstream = 0;  // index into the proxy's upstream list
  Pattern patterns[kKindCount];
  bool catch_all() const {
    return patterns[0].empty() && patterns[1].empty() && patterns[2].empty();
  }
};

class RouteTable {
 public:
  void add(Route route);
  // Index of the first matching route, or -1.
  int match(Kind kind, std::string_view name) const;
  // Every matching route in order (failover candidates), at most kMaxMatches.
  static constexpr int kMaxMatches = 8;
  struct Matches {
    int index[kMaxMatches];
    int count = 0;
  };
  Matches match_all(Kind kind, std::string_view name) const;
  const std::vector<Route>& routes() const { return routes_; }
  // Whether any route could send this kind to this upstream (decides list fan-out).
  bool serves(size_t upstream, Kind kind) const;
  bool any_route_for(Kind kind) const;

 private:
  // Per kind: literal names looked up by hash; patterns with a wildcard bucketed by the
  // literal text before it (one lookup per distinct lead length, then the pattern checks);
  // patterns that start with a wildcard, and catch-alls, scanned.
  struct NameHash {  // lookups by string_view, with no string built per request
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using NameMap = std::unordered_map<std::string, std::vector<int>, NameHash, std::equal_to<>>;
  struct Index {
    NameMap literal;
    NameMap by_lead;
    std::set<size_t> lead_lengths;
    std::vector<int> scanned;
  };
  template <typename Visit>
  void candidates(Kind kind, std::string_view name, Visit&& visit) const;

  std::vector<Route> routes_;
  Index index_[kKindCount];
};

}  // namespace fasterapi::policy
