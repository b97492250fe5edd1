#pragma once
// The fuzz targets. Each takes one input, runs real code of the core on it, and throws
// InvariantViolation (fuzz_check.hpp) when an invariant does not hold. libFuzzer drives
// them through libfuzzer_driver.cpp; the test suite replays the committed corpora
// (cpp/fuzz/corpus/<target>/) through bind_fuzz.cpp.
#include <string_view>

namespace fasterapi::fuzz {

void ndjson_framer(std::string_view data);     // ndjson_framer.cpp
void sse_parser(std::string_view data);        // sse_parser.cpp
void jsonrpc_envelope(std::string_view data);  // jsonrpc_envelope.cpp
void jwt(std::string_view data);               // jwt.cpp
void http_request(std::string_view data);      // http_request.cpp

}  // namespace fasterapi::fuzz
