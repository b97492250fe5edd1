// The corpus replay (tests/fuzz): runs a fuzz target's harness body (cpp/fuzz) on one
// input, as libFuzzer does, but a broken invariant raises FuzzInvariantViolation instead
// of aborting the interpreter. Nothing here is used by the proxy itself.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "fuzz_check.hpp"
#include "targets.hpp"

namespace py = pybind11;

namespace {

using Harness = void (*)(std::string_view);

constexpr std::array<std::pair<const char*, Harness>, 5> kTargets = {{
    {"ndjson_framer", fasterapi::fuzz::ndjson_framer},
    {"sse_parser", fasterapi::fuzz::sse_parser},
    {"jsonrpc_envelope", fasterapi::fuzz::jsonrpc_envelope},
    {"jwt", fasterapi::fuzz::jwt},
    {"http_request", fasterapi::fuzz::http_request},
}};

}  // namespace

void bind_fuzz(py::module_& m) {
  py::register_exception<fasterapi::fuzz::InvariantViolation>(m, "FuzzInvariantViolation", PyExc_AssertionError);
  m.def("fuzz_targets", [] {
    std::vector<std::string> names;
    for (auto& [name, run] : kTargets) names.emplace_back(name);
    return names;
  });
  m.def("fuzz_replay", [](const std::string& target, py::bytes data) {
    for (auto& [name, run] : kTargets) {
      if (target != name) continue;
      std::string input(data);
      py::gil_scoped_release release;
      run(input);
      return;
    }
    throw py::value_error("no fuzz target named '" + target + "'");
  });
}
