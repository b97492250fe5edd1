#pragma once
// The route table: ordered routes, first match wins (the guide's "routes tried in order").
// A route with no pattern at all is a catch-all for every kind; a route with some pattern
// only matches the kinds it has a pattern for.
#include <cstdint>
#include <boost/unordered/unordered_flat_map.hpp>
#include <string>
#include <string_view>
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
  // literal text before it (one probe per distinct lead length, then the pattern checks);
  // patterns that start with a wildcard, and catch-alls, scanned. Keys are FNV-1a hashes
  // computed in one pass over the name, so every prefix's hash comes for free and a probe
  // is an integer lookup; the stored key is compared to rule out a collision.
  struct Bucket {
    std::string key;
    std::vector<int> routes;
  };
  using HashedNames = boost::unordered_flat_map<uint64_t, std::vector<Bucket>>;
  static void insert(HashedNames& map, const std::string& key, int route);
  struct Index {
    HashedNames literal;
    HashedNames by_lead;
    std::vector<size_t> lead_lengths;  // distinct, ascending
    std::vector<int> scanned;
  };
  template <typename Visit>
  void candidates(Kind kind, std::string_view name, Visit&& visit) const;

  std::vector<Route> routes_;
  Index index_[kKindCount];
};

}  // namespace fasterapi::policy
