#pragma once
// The common upstream answer, forwarded without a document (docs/performance.md): one
// validating pass over the line (Boost.JSON's SAX parser, no allocation) finds what the
// proxy needs, and the line goes back to the client as its own bytes with only the id
// replaced. Anything unusual is refused here, and the caller parses the line as before.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fasterapi::protocol {

struct AnswerSkim {
  uint64_t id = 0;          // the proxy's id (a positive integer)
  size_t id_begin = 0;      // the id's bytes in the line: [id_begin, id_end)
  size_t id_end = 0;
  bool has_result = false;  // exactly one of result / error
  bool has_error = false;
  bool has_error_code = false;  // error.code, an integer
  int64_t error_code = 0;
  size_t result_open = 0;       // the '{' of an object result, else 0
  bool result_has_result_type = false;  // the result object has a resultType member
};

// True when `line` is one valid JSON object that is a plain JSON-RPC response: "jsonrpc"
// "2.0", a positive integer id, exactly one of result and error (error an object whose
// code, when present, is an integer), no method, each of these members once, no line
// break anywhere (an HTTP upstream may pretty-print; SSE splits on a carriage return),
// keys without escapes where they matter. Valid JSON as Boost.JSON's default parse accepts it (same depth limit).
bool skim_answer(std::string_view line, AnswerSkim& out);

// The line with the client's id (`id_json`, serialised) in place of ours, ending in '\n'.
// `mark_complete` adds "resultType":"complete" to an object result (stateless era).
std::string splice_answer(std::string_view line, const AnswerSkim& skim, std::string_view id_json,
                          bool mark_complete);

}  // namespace fasterapi::protocol
