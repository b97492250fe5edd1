#pragma once
// The common client request, read without a document (docs/performance.md): one validating
// pass (Boost.JSON's SAX parser) finds its method, id, params.name and whether params has a
// _meta. The session then routes it and forwards the line's own bytes with the upstream's
// id spliced in; anything else is parsed into a document as before.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fasterapi::protocol {

struct RequestSkim {
  std::string_view method;  // views into the line, no escapes in them
  std::string_view name;    // params.name
  // The id: an integer (as Boost.JSON reads it: int64, or uint64 above INT64_MAX), or a
  // string without escapes.
  enum class IdKind : uint8_t { Int64, Uint64, String } id_kind = IdKind::Int64;
  int64_t id_int = 0;
  uint64_t id_uint = 0;
  std::string_view id_string;
  size_t id_begin = 0;  // the id's bytes in the line (a string with its quotes)
  size_t id_end = 0;
};

// True when `line` is one valid JSON object that is a plain request: "jsonrpc" "2.0", a
// string method, an integer or string id, params an object with a string "name" and no
// "_meta"; each of these once; no escapes in method, id, name or the keys that matter; no
// line break. Valid JSON as Boost.JSON's default parse accepts it.
bool skim_request(std::string_view line, RequestSkim& out);

// The line with `id_json` in place of [begin, end), ending in '\n'.
std::string splice_id(std::string_view line, size_t begin, size_t end, std::string_view id_json);

}  // namespace fasterapi::protocol
