#pragma once
// Small helpers shared by the session's files (session.cpp, routed_call.cpp, ...).
#include <boost/json.hpp>
#include <charconv>
#include <string>

#include "proxy/upstream.hpp"

namespace fasterapi::proxy::detail {

namespace json = boost::json;

inline std::string id_key(const json::value& id) {
  if (id.is_string()) return "s" + std::string(id.get_string());
  // The integer ids every request carries, written as serialize would, without its buffer.
  if (id.is_int64() || id.is_uint64()) {
    char buf[24] = {'n'};
    const auto r = id.is_int64() ? std::to_chars(buf + 1, buf + sizeof buf, id.get_int64())
                                 : std::to_chars(buf + 1, buf + sizeof buf, id.get_uint64());
    return std::string(buf, r.ptr);
  }
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
