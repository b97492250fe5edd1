#pragma once
// JSON for untrusted security inputs (JWT headers and claims): Boost.JSON's parser with a
// depth limit, and duplicate member names detected instead of silently collapsed.
//
// Boost.JSON keeps the last of duplicate keys. Detection: the handler adds up the member
// count the parser saw for every object; the built tree's object sizes add up to the same
// total only when no object lost a duplicate (a lost duplicate shrinks its parent and drops
// any objects inside it, so the tree's total can only be smaller).
#include <boost/json/value.hpp>
#include <string_view>

namespace fasterapi::policy {

enum class StrictJsonError { None, Invalid, TooDeep, DuplicateKey };

// Never throws on bad input. `max_depth` counts nested arrays and objects.
StrictJsonError parse_strict_json(std::string_view text, size_t max_depth, boost::json::value& out);

}  // namespace fasterapi::policy
