#pragma once
// Merging the list methods across upstreams: which key holds the items, which member
// names them, and the rule that an item is shown only if a call for it would route
// back to the upstream that listed it.
#include <boost/json.hpp>
#include <functional>
#include <string>
#include <string_view>

#include "policy/route_table.hpp"

namespace fasterapi::proxy {

namespace json = boost::json;

struct ListSpec {
  std::string_view method;
  std::string_view items_key;
  std::string_view name_key;
  policy::Kind kind;
  bool prefixed;  // names get the upstream's name_prefix
};

// nullptr when `method` is not a list method the proxy merges.
const ListSpec* find_list_spec(std::string_view method);

struct MergeCounts {
  size_t kept = 0;
  size_t shadowed = 0;  // listed, but a call for it would go elsewhere
};

// Appends to `out` the items of one upstream's page that route back to `upstream`,
// renamed with `prefix` where the kind is prefixed; when `visible` is given, only items
// whose route it accepts (authorization: a caller sees only what it may call).
MergeCounts merge_page(const ListSpec& spec, json::object& page, size_t upstream,
                       const std::string& prefix, const policy::RouteTable& routes,
                       json::array& out, std::string& first_shadowed,
                       const std::function<bool(int route)>& visible = {});

// The name a client sees for an upstream's item.
std::string visible_name(const std::string& prefix, std::string_view name);
// The upstream's own name for what a client called `visible`; false when `visible`
// does not carry the prefix.
bool strip_prefix(const std::string& prefix, std::string_view visible, std::string& out);

}  // namespace fasterapi::proxy
