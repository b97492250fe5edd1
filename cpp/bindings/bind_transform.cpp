// Bindings for the transform stage (docs/transformers.md): Python transformers handed to
// the core, the built-ins callable from Python (the factories' objects use the C++ code),
// and the pure policies exposed for tests (the response cache's model test, redaction).
//
// A Python transformer is wrapped in an ExternalFn that takes the GIL only while it runs,
// on the proxy's loop thread; nothing else on the request path touches Python.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <tuple>

#include "filters/transform/builtins.hpp"
#include "filters/transform/transform_filter.hpp"
#include "policy/response_cache.hpp"
#include "proxy/proxy.hpp"
#include "proxy/settings.hpp"

namespace py = pybind11;
namespace json = boost::json;
using namespace fasterapi;
namespace tf = fasterapi::filters::transform;

namespace {

py::object json_to_python(const json::value& v) {
  return py::module_::import("json").attr("loads")(json::serialize(v));
}

// Holds the callable; dropping it needs the GIL, whichever thread lets go last.
struct PyCallable {
  py::object fn;
  ~PyCallable() {
    if (!Py_IsInitialized()) {
      fn.release();  // the interpreter is gone: leak rather than crash
      return;
    }
    py::gil_scoped_acquire gil;
    fn = py::object();
  }
};

std::string describe(py::error_already_set& e) {
  std::string type = "Exception";
  try {
    type = py::str(e.type().attr("__name__"));
  } catch (...) {
  }
  std::string text;
  try {
    text = py::str(e.value());
  } catch (...) {
  }
  if (text.size() > 500) text = text.substr(0, 500) + "...";
  return text.empty() ? type : type + ": " + text;
}

py::dict context_dict(const tf::Context& ctx) {
  py::dict c;
  c["direction"] = tf::direction_name(ctx.direction);
  c["request_id"] = std::string(ctx.request_id);
  c["client_id"] = std::string(ctx.client_id);
  py::list scopes;
  if (ctx.scopes)
    for (const auto& s : *ctx.scopes) scopes.append(s);
  c["scopes"] = scopes;
  c["method"] = std::string(ctx.method);
  c["name"] = std::string(ctx.name);
  c["upstream"] = std::string(ctx.upstream);
  c["jsonrpc_id"] = ctx.jsonrpc_id ? json_to_python(*ctx.jsonrpc_id) : py::none();
  return c;
}

tf::ExternalFn wrap(py::object fn) {
  auto holder = std::make_shared<PyCallable>();
  holder->fn = std::move(fn);
  return [holder](const tf::Context& ctx, const std::string& data) {
    tf::ExternalResult r;
    py::gil_scoped_acquire gil;
    try {
      py::object out = holder->fn(context_dict(ctx), py::str(data));
      if (!py::isinstance<py::str>(out)) {
        r.ok = false;
        r.error = "returned " + std::string(py::str(py::type::of(out).attr("__name__"))) + ", not str";
        return r;
      }
      r.data = out.cast<std::string>();
    } catch (py::error_already_set& e) {
      r.ok = false;
      r.error = describe(e);
    } catch (const std::exception& e) {
      r.ok = false;
      r.error = e.what();
    }
    return r;
  };
}

tf::Direction direction(const std::string& d) {
  if (d == "request") return tf::Direction::Request;
  if (d == "response") return tf::Direction::Response;
  throw py::value_error("direction must be 'request' or 'response'");
}

json::value parse_or_throw(const std::string& text, const char* what) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) throw py::value_error(std::string(what) + " is not valid JSON: " + ec.message());
  return v;
}

// A built-in transformer called from Python with the guide's signature.
std::string run_builtin(const std::string& spec_json, py::dict ctx, const std::string& data) {
  tf::TransformSpec spec = tf::parse_transform_spec(parse_or_throw(spec_json, "spec"), "transformer");
  json::value msg = parse_or_throw(data, "data");
  if (!msg.is_object()) throw py::value_error("data must be a JSON object");
  auto get = [&](const char* k) -> std::string {
    if (!ctx.contains(k) || ctx[k].is_none()) return {};
    return py::str(ctx[k]);
  };
  const std::string request_id = get("request_id"), client_id = get("client_id"), method = get("method");
  tf::Context c;
  c.direction = get("direction") == "request" ? tf::Direction::Request : tf::Direction::Response;
  c.request_id = request_id;
  c.client_id = client_id;
  c.method = method;
  c.cache_ttl_ms = spec.ttl_ms;  // standalone: the transformer's own ttl
  if (spec.type == tf::Type::Cache && !msg.get_object().contains("result")) return data;
  if (spec.type == tf::Type::Cache) {
    c.direction = tf::Direction::Response;
    auto* r = msg.get_object().if_contains("result");
    auto* sc = r && r->is_object() ? r->get_object().if_contains("cacheScope") : nullptr;
    if (sc && sc->is_string() && sc->get_string() == "public") c.cache_scope = "public";
  }
  tf::run_builtin(spec, c, msg.get_object());
  return json::serialize(msg);
}

class PyResponseCache {
 public:
  PyResponseCache(size_t max_entries, size_t max_bytes) : cache_(policy::CacheLimits{max_entries, max_bytes}) {}
  std::optional<std::tuple<std::string, int64_t, std::string>> find(const std::string& request, const std::string& id,
                                                                      const std::vector<std::string>& scopes,
                                                                      int64_t now) {
    auto hit = cache_.find(request, policy::CacheCaller{id, &scopes}, now);
    if (!hit) return std::nullopt;
    return std::make_tuple(*hit->value, hit->remaining_ms, std::string(policy::cache_scope_name(hit->scope)));
  }
  bool store(const std::string& request, const std::string& id, const std::vector<std::string>& scopes,
             const std::string& scope, const std::string& value, int64_t ttl_ms, int kind, const std::string& uri,
             int64_t now) {
    if (scope != "public" && scope != "private") throw py::value_error("scope must be 'public' or 'private'");
    policy::CacheTag tag{kind, uri};
    return cache_.store(request, policy::CacheCaller{id, &scopes},
                        scope == "public" ? policy::CacheScope::Public : policy::CacheScope::Private, value, ttl_ms,
                        std::move(tag), now);
  }
  size_t invalidate_kind(int kind) { return cache_.invalidate_kind(kind); }
  size_t invalidate_uri(const std::string& uri) { return cache_.invalidate_uri(uri); }
  size_t size() const { return cache_.size(); }
  size_t bytes() const { return cache_.bytes(); }
  uint64_t evictions() const { return cache_.evictions(); }
  std::vector<std::string> keys() const { return cache_.keys(); }
  static std::string key_for(const std::string& request, const std::string& id, const std::vector<std::string>& scopes,
                             const std::string& scope) {
    return policy::ResponseCache::key_for(request, policy::CacheCaller{id, &scopes},
                                          scope == "public" ? policy::CacheScope::Public : policy::CacheScope::Private);
  }

 private:
  policy::ResponseCache cache_;
};

}  // namespace

void bind_transform(py::module_& m) {
  auto proxy_cls = py::reinterpret_borrow<py::class_<proxy::Proxy>>(m.attr("Proxy"));
  proxy_cls.def(
      "bind_transformer",
      [](proxy::Proxy& p, const std::string& dir, const std::string& name, py::object fn) {
        if (!PyCallable_Check(fn.ptr())) throw py::type_error("transformer must be callable");
        p.transforms().bind_external(direction(dir), name, wrap(std::move(fn)));
      },
      py::arg("direction"), py::arg("name"), py::arg("fn"),
      "Before start(): the function for the chain entry `name` of type \"python\".");

  m.def("run_builtin_transformer", &run_builtin, py::arg("spec_json"), py::arg("ctx"), py::arg("data"),
        "Runs one built-in transformer ({\"name\", \"type\", ...}) on a JSON message.");
  m.def(
      "redact_text",
      [](const std::vector<std::string>& keys, const std::string& text) {
        std::vector<std::string> low;
        for (auto k : keys) {
          for (char& c : k)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
          low.push_back(k);
        }
        std::sort(low.begin(), low.end());
        return tf::redact_text(text, low);
      },
      py::arg("keys"), py::arg("text"));
  m.def(
      "cache_request_key",
      [](const std::string& method, const std::string& params_json, const std::string& meta_key) {
        json::value v = parse_or_throw(params_json, "params");
        return policy::cache_request_key(method, v.is_object() ? &v.get_object() : nullptr, meta_key);
      },
      py::arg("method"), py::arg("params_json"), py::arg("credential_meta_key") = "dev.fasterapi/authorization");

  py::class_<PyResponseCache>(m, "ResponseCache")
      .def(py::init<size_t, size_t>(), py::arg("max_entries"), py::arg("max_bytes"))
      .def("find", &PyResponseCache::find, py::arg("request"), py::arg("principal"), py::arg("scopes"),
           py::arg("now_ms"))
      .def("store", &PyResponseCache::store, py::arg("request"), py::arg("principal"), py::arg("scopes"),
           py::arg("scope"), py::arg("value"), py::arg("ttl_ms"), py::arg("kind"), py::arg("uri"), py::arg("now_ms"))
      .def("invalidate_kind", &PyResponseCache::invalidate_kind, py::arg("kind"))
      .def("invalidate_uri", &PyResponseCache::invalidate_uri, py::arg("uri"))
      .def("__len__", &PyResponseCache::size)
      .def_property_readonly("bytes", &PyResponseCache::bytes)
      .def_property_readonly("evictions", &PyResponseCache::evictions)
      .def("keys", &PyResponseCache::keys)
      .def_static("key_for", &PyResponseCache::key_for, py::arg("request"), py::arg("principal"), py::arg("scopes"),
                  py::arg("scope"));
}
