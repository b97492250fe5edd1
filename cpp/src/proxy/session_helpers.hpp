#pragma once
// Small helpers shared by the session's files (session.cpp, routed_call.cpp, ...).
#include <boost/json.hpp>
#include <string>

#include "proxy/upstream.hpp"

namespace fasterapi::proxy::detail {

namespace json = boost::json;

inline std::string id_key(const json::value& id) {
  if (id.is_string()) return "s" + std::string(id.get_string());
  return "n" + json::serialize(id);
}

// Stateless era: every result says what it is; a handshake-era upstream's does not.
inline void mark_complete(json::object& result) {
  if (!result.contains("resultType")) result["resultType"] = "complete";
}

// Handshake era: "complete" is what a result always was; the marker is the other era's.
inline void unmark_complete(json::object& result) {
  auto it = result.find("resultType");
  if (it != result.end() && it->value().is_string() && it->value().get_string() == "complete") result.erase(it);
}

}  // namespace fasterapi::proxy::detail
