#pragma once
// How a harness reports a broken invariant. The same harness body runs under libFuzzer,
// which needs a crash to keep the input, and under the corpus replay in the Python test
// suite, which must not take the interpreter down. So a harness throws InvariantViolation
// and each driver turns it into its own kind of failure: libfuzzer_driver.cpp aborts,
// bind_fuzz.cpp raises a Python exception.
#include <stdexcept>
#include <string>

namespace fasterapi::fuzz {

struct InvariantViolation : std::logic_error {
  using std::logic_error::logic_error;
};

}  // namespace fasterapi::fuzz

#define FUZZ_CHECK(cond, what)                                                                \
  do {                                                                                        \
    if (!(cond))                                                                              \
      throw ::fasterapi::fuzz::InvariantViolation(std::string(__FILE__) + ":" +               \
                                                  std::to_string(__LINE__) + ": " + (what));  \
  } while (0)
