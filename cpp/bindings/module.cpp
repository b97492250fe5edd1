// The Python binding of the core: the only file that includes pybind11 (house rule 7).
// Every call that can block releases the GIL; config errors become _core.ConfigError.
#include <pybind11/pybind11.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <pybind11/stl.h>

#include <boost/json.hpp>

#include "policy/circuit_breaker.hpp"
#include "policy/pattern.hpp"
#include "policy/route_table.hpp"
#include "protocol/ndjson_framer.hpp"
#include "proxy/proxy.hpp"
#include "proxy/settings.hpp"

namespace py = pybind11;
namespace json = boost::json;
using fasterapi::proxy::Proxy;

void bind_security(py::module_& m);   // bind_security.cpp
void bind_transform(py::module_& m);  // bind_transform.cpp
void bind_bench(py::module_& m);      // bind_bench.cpp
void bind_fuzz(py::module_& m);       // bind_fuzz.cpp

namespace {

py::object to_python(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return py::none();
    case json::kind::bool_: return py::bool_(v.get_bool());
    case json::kind::int64: return py::int_(v.get_int64());
    case json::kind::uint64: return py::int_(v.get_uint64());
    case json::kind::double_: return py::float_(v.get_double());
    case json::kind::string: return py::str(std::string(v.get_string()));
    case json::kind::array: {
      py::list l;
      for (const auto& x : v.get_array()) l.append(to_python(x));
      return l;
    }
    case json::kind::object: {
      py::dict d;
      for (const auto& [k, x] : v.get_object()) d[py::str(std::string(k))] = to_python(x);
      return d;
    }
  }
  return py::none();
}

// Dropping a proxy stops it and joins its loop thread, which may be waiting for the GIL
// to run a Python transformer: the GIL is released while the core goes away.
struct DeleteWithoutGil {
  void operator()(Proxy* p) const {
    py::gil_scoped_release release;
    delete p;
  }
};
using ProxyHolder = std::unique_ptr<Proxy, DeleteWithoutGil>;

class PyFramer {
 public:
  explicit PyFramer(size_t max) : framer_(max) {}
  void feed(py::bytes data) { framer_.feed(std::string_view(data)); }
  py::object next() {
    auto f = framer_.next();
    using K = fasterapi::protocol::Frame::Kind;
    if (f.kind == K::NeedMore) return py::none();
    if (f.kind == K::Oversized) return py::int_(f.size);
    return py::bytes(f.line.data(), f.line.size());
  }
  size_t overflowing_bytes() const { return framer_.overflowing_bytes(); }

 private:
  fasterapi::protocol::NdjsonFramer framer_;
};

}  // namespace

namespace {
// Imports and config parsing leave freed blocks in the C heap; hand them back to the system
// once, when serving starts, so the proxy's memory at rest is what it uses.
void release_startup_memory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}
}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "FasterAPI MCP proxy core (private; use fasterapi.mcp)";
  m.attr("__version__") = "0.1.0";
  py::register_exception<fasterapi::proxy::ConfigError>(m, "ConfigError", PyExc_ValueError);

  py::class_<Proxy, ProxyHolder>(m, "Proxy")
      .def(py::init([](const std::string& config_json) {
             return ProxyHolder(new Proxy(fasterapi::proxy::parse_settings(config_json)));
           }),
           py::arg("config_json"))
      .def("start", &Proxy::start, py::call_guard<py::gil_scoped_release>())
      .def("attach_client",
           [](Proxy& p, int r, int w) {
             py::gil_scoped_release release;
             return p.attach_client(r, w, false);
           },
           py::arg("read_fd"), py::arg("write_fd"))
      .def("serve_stdio",
           [](Proxy& p) {
             py::gil_scoped_release release;
             p.attach_client(0, 1, true);
             release_startup_memory();
           })
      .def("wait", &Proxy::wait, py::arg("timeout_s"), py::call_guard<py::gil_scoped_release>())
      .def("stop", &Proxy::stop, py::call_guard<py::gil_scoped_release>())
      .def("stats",
           [](Proxy& p) {
             json::object snap;
             {
               py::gil_scoped_release release;
               snap = p.stats_snapshot();
             }
             return to_python(snap);
           })
      .def("upstream_health",
           [](Proxy& p) {
             py::gil_scoped_release release;
             return p.health();
           })
      .def("serve_http",
           [](Proxy& p, const std::string& host, int port, const std::string& path, const std::string& tls_cert_file,
              const std::string& tls_key_file) {
             py::gil_scoped_release release;
             try {
               const int bound = p.serve_http(host, port, path, {tls_cert_file, tls_key_file});
               release_startup_memory();
               return bound;
             } catch (const std::runtime_error& e) {
               throw fasterapi::proxy::ConfigError(e.what());
             }
           },
           py::arg("host"), py::arg("port"), py::arg("path"), py::arg("tls_cert_file") = "",
           py::arg("tls_key_file") = "")
      .def("metrics_text", &Proxy::metrics_text, py::call_guard<py::gil_scoped_release>())
      .def("use_manual_clock", &Proxy::use_manual_clock)
      .def("advance_clock_ms", &Proxy::advance_clock_ms, py::arg("ms"),
           py::call_guard<py::gil_scoped_release>());

  m.def("match_pattern", [](const std::string& pattern, const std::string& name) {
    return fasterapi::policy::Pattern(pattern).matches(name);
  });
  // The route table alone (its index against a plain scan, tests/core).
  m.def("route_match_all",
        [](const std::vector<std::tuple<std::string, std::string, std::string>>& routes, int kind,
           const std::string& name) {
          fasterapi::policy::RouteTable table;
          for (auto& [tool, resource, prompt] : routes) {
            fasterapi::policy::Route r;
            r.patterns[0] = fasterapi::policy::Pattern(tool);
            r.patterns[1] = fasterapi::policy::Pattern(resource);
            r.patterns[2] = fasterapi::policy::Pattern(prompt);
            table.add(std::move(r));
          }
          auto m = table.match_all(static_cast<fasterapi::policy::Kind>(kind), name);
          std::vector<int> out(m.index, m.index + m.count);
          return std::make_pair(table.match(static_cast<fasterapi::policy::Kind>(kind), name), out);
        },
        py::arg("routes"), py::arg("kind"), py::arg("name"));

  py::class_<PyFramer>(m, "NdjsonFramer")
      .def(py::init<size_t>(), py::arg("max_message_bytes"))
      .def("feed", &PyFramer::feed)
      .def("next", &PyFramer::next)
      .def("overflowing_bytes", &PyFramer::overflowing_bytes);

  using fasterapi::policy::BreakerConfig;
  using fasterapi::policy::CircuitBreaker;
  // The breaker alone, for the model test against a Python reference (tests/resilience).
  py::class_<CircuitBreaker>(m, "CircuitBreaker")
      .def(py::init([](int threshold, int64_t open_ms, int half_open_max_calls, int64_t half_open_max_ms) {
             return CircuitBreaker(BreakerConfig{threshold, open_ms, half_open_max_calls, half_open_max_ms});
           }),
           py::arg("threshold"), py::arg("open_ms"), py::arg("half_open_max_calls"), py::arg("half_open_max_ms"))
      .def("try_admit", &CircuitBreaker::try_admit, py::arg("now_ms"))
      .def("on_success", &CircuitBreaker::on_success, py::arg("now_ms"))
      .def("on_failure", &CircuitBreaker::on_failure, py::arg("now_ms"))
      .def("state", [](CircuitBreaker& b, int64_t now) { return fasterapi::policy::breaker_state_name(b.state(now)); },
           py::arg("now_ms"))
      .def("retry_after_ms", &CircuitBreaker::retry_after_ms, py::arg("now_ms"));

  bind_security(m);
  bind_transform(m);
  bind_bench(m);
  bind_fuzz(m);
}
