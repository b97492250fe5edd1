// libFuzzer's entry point for one target, named at compile time (FASTERAPI_FUZZ_TARGET).
// A broken invariant is a crash here, so libFuzzer keeps the input that broke it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "fuzz_check.hpp"
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    fasterapi::fuzz::FASTERAPI_FUZZ_TARGET(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const fasterapi::fuzz::InvariantViolation& e) {
    std::fprintf(stderr, "invariant violated: %s\n", e.what());
    std::abort();
  }
  return 0;
}
