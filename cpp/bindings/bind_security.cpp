// Bindings for the security stages (docs/security.md): the proxy's JWKS and wall-clock
// hooks, the pure policies exposed for model tests, and benchmark loops timed in C++ so
// Python's call cost is not counted (bench/bench_security.py).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <boost/json.hpp>
#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "filters/auth/auth_filter.hpp"
#include "filters/security_settings.hpp"
#include "policy/jwt.hpp"
#include "policy/rate_limit.hpp"
#include "policy/token_cache.hpp"
#include "proxy/proxy.hpp"
#include "proxy/settings.hpp"

namespace py = pybind11;
namespace json = boost::json;
using namespace fasterapi;

namespace {

filters::JwtSettings jwt_settings(const std::string& jwt_json) {
  boost::system::error_code ec;
  json::value v = json::parse(jwt_json, ec);
  if (ec) throw proxy::ConfigError("jwt_auth: not valid JSON");
  return filters::parse_jwt_settings(v, "jwt_auth");
}

policy::RateSpec rate_spec(const std::string& algorithm, int64_t max_requests, int64_t window_ms, int64_t burst) {
  auto a = policy::rate_algorithm_from_name(algorithm);
  if (!a) throw py::value_error("unknown rate-limit algorithm");
  if (max_requests <= 0 || window_ms <= 0 || burst < 0) throw py::value_error("limits must be positive");
  policy::RateSpec s;
  s.algorithm = *a;
  s.max_requests = max_requests;
  s.window_ms = window_ms;
  s.burst = burst;
  return s;
}

class PyRateLimiter {
 public:
  PyRateLimiter(const std::string& algorithm, int64_t max_requests, int64_t window_ms, int64_t burst)
      : spec_(rate_spec(algorithm, max_requests, window_ms, burst)) {}
  std::pair<bool, int64_t> check(int64_t now) {
    auto d = policy::rate_check(spec_, state_, now);
    return {d.allowed, d.retry_after_ms};
  }
  int64_t retry_after(int64_t now) const { return policy::rate_retry_after(spec_, state_, now); }

 private:
  policy::RateSpec spec_;
  policy::RateState state_;
};

// Per-client limits as the filter keeps them: one state per key, found through each
// principal's slot, idle keys forgotten past `soft_max`.
class PyKeyedRateLimiter {
 public:
  PyKeyedRateLimiter(const std::string& algorithm, int64_t max_requests, int64_t window_ms, int64_t burst,
                     size_t soft_max)
      : spec_(rate_spec(algorithm, max_requests, window_ms, burst)), states_(soft_max) {}
  std::pair<bool, int64_t> check(const std::string& key, int64_t now) {
    policy::Principal& p = principals_[key];
    p.id = key;
    auto d = policy::rate_check(spec_, states_.get(spec_, key, now, &p.client_slot), now);
    return {d.allowed, d.retry_after_ms};
  }
  size_t size() const { return states_.size(); }

 private:
  policy::RateSpec spec_;
  policy::KeyedRateStates states_;
  std::map<std::string, policy::Principal> principals_;
};

class PyTokenCache {
 public:
  explicit PyTokenCache(size_t capacity) : cache_(capacity) {}
  void insert(const std::string& token, const std::string& id, int64_t valid_from, int64_t valid_until) {
    auto p = std::make_shared<policy::Principal>();
    p->id = id;
    p->valid_from_ms = valid_from;
    p->valid_until_ms = valid_until;
    cache_.insert(token, std::move(p));
  }
  std::optional<std::string> find(const std::string& token, int64_t now) {
    auto p = cache_.find(token, now);
    if (!p) return std::nullopt;
    return p->id;
  }
  size_t size() const { return cache_.size(); }

 private:
  policy::TokenCache cache_;
};

template <typename F>
double time_ns_per_op(int64_t iterations, F&& body) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < iterations; ++i) body(i);
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(iterations);
}

// Keeps the optimiser from deleting a loop whose result is unused.
volatile int64_t g_sink = 0;

}  // namespace

void bind_security(py::module_& m) {
  auto proxy_cls = py::reinterpret_borrow<py::class_<proxy::Proxy>>(m.attr("Proxy"));
  proxy_cls
      .def("set_wall_clock_ms", &proxy::Proxy::set_wall_clock_ms, py::arg("ms"))
      .def("set_jwks", &proxy::Proxy::set_jwks, py::arg("jwks_json"), py::call_guard<py::gil_scoped_release>());

  m.def("check_jwt_settings", [](const std::string& jwt_json) { jwt_settings(jwt_json); }, py::arg("jwt_json"),
        "Builds the JWT settings (keys included) and discards them; raises ConfigError.");

  m.def(
      "verify_jwt",
      [](const std::string& jwt_json, const std::string& token, int64_t now_ms) {
        auto s = jwt_settings(jwt_json);
        policy::JwtVerifier v(s.policy, s.keys);
        policy::JwtVerdict r;
        {
          py::gil_scoped_release release;
          r = v.verify(token, now_ms);
        }
        py::dict d;
        d["reason"] = policy::jwt_reason_name(r.reason);
        d["detail"] = r.detail;
        d["claim"] = r.claim;
        if (r.ok()) {
          d["subject"] = r.claims.subject;
          d["scopes"] = r.claims.scopes;
          d["valid_from_ms"] = r.claims.valid_from_ms;
          d["valid_until_ms"] = r.claims.valid_until_ms;
        }
        return d;
      },
      py::arg("jwt_json"), py::arg("token"), py::arg("now_ms"));

  py::class_<PyRateLimiter>(m, "RateLimiter")
      .def(py::init<const std::string&, int64_t, int64_t, int64_t>(), py::arg("algorithm"), py::arg("max_requests"),
           py::arg("window_ms"), py::arg("burst") = 0)
      .def("check", &PyRateLimiter::check, py::arg("now_ms"))
      .def("retry_after", &PyRateLimiter::retry_after, py::arg("now_ms"));

  py::class_<PyKeyedRateLimiter>(m, "KeyedRateLimiter")
      .def(py::init<const std::string&, int64_t, int64_t, int64_t, size_t>(), py::arg("algorithm"),
           py::arg("max_requests"), py::arg("window_ms"), py::arg("burst") = 0, py::arg("soft_max") = 100000)
      .def("check", &PyKeyedRateLimiter::check, py::arg("key"), py::arg("now_ms"))
      .def("__len__", &PyKeyedRateLimiter::size);

  py::class_<PyTokenCache>(m, "TokenCache")
      .def(py::init<size_t>(), py::arg("capacity"))
      .def("insert", &PyTokenCache::insert, py::arg("token"), py::arg("principal"), py::arg("valid_from_ms"),
           py::arg("valid_until_ms"))
      .def("find", &PyTokenCache::find, py::arg("token"), py::arg("now_ms"))
      .def("__len__", &PyTokenCache::size);

  m.def(
      "bench_jwt",
      [](const std::string& jwt_json, const std::string& token, int64_t now_ms, int64_t iterations, bool cached) {
        auto s = jwt_settings(jwt_json);
        filters::SecuritySettings sec;
        sec.jwt = s;
        sec.token_env.clear();
        py::gil_scoped_release release;
        if (!cached) {
          policy::JwtVerifier v(s.policy, s.keys);
          if (!v.verify(token, now_ms).ok()) return -1.0;
          return time_ns_per_op(iterations, [&](int64_t) { g_sink = g_sink + static_cast<int>(v.verify(token, now_ms).reason); });
        }
        // The auth stage as a request sees it: the cache in front of the verifier.
        filters::AuthFilter auth(filters::AuthConfig::from(sec));
        policy::PrincipalPtr p;
        if (auth.check_token(token, now_ms, p)) return -1.0;
        return time_ns_per_op(iterations, [&](int64_t) {
          auth.check_token(token, now_ms, p);
          g_sink = g_sink + static_cast<int64_t>(p->id.size());
        });
      },
      py::arg("jwt_json"), py::arg("token"), py::arg("now_ms"), py::arg("iterations"), py::arg("cached"),
      "ns per verification; -1 when the token does not verify.");

  m.def(
      "bench_rate_limit",
      [](const std::string& algorithm, int64_t keys, int64_t iterations, bool by_name) {
        // A limit no request reaches, so every check walks the allow-and-charge path.
        policy::RateSpec spec = rate_spec(algorithm, 1000000000, 1000, 0);
        std::vector<std::string> names;
        for (int64_t k = 0; k < keys; ++k) names.push_back("client-" + std::to_string(k));
        py::gil_scoped_release release;
        if (keys <= 1) {
          policy::RateState st;
          return time_ns_per_op(iterations, [&](int64_t i) {
            g_sink = g_sink + policy::rate_check(spec, st, i / 64).retry_after_ms;
          });
        }
        // As the filter does it: each client's principal remembers where its state is.
        std::vector<policy::Principal> principals(static_cast<size_t>(keys));
        policy::KeyedRateStates states;
        for (int64_t k = 0; k < keys; ++k) {
          principals[k].id = names[k];
          states.get(spec, names[k], 0, &principals[k].client_slot);
        }
        return time_ns_per_op(iterations, [&](int64_t i) {
          const policy::Principal& p = principals[static_cast<size_t>(i % keys)];
          auto& st = states.get(spec, p.id, i / 64, by_name ? nullptr : &p.client_slot);
          g_sink = g_sink + policy::rate_check(spec, st, i / 64).retry_after_ms;
        });
      },
      py::arg("algorithm"), py::arg("keys"), py::arg("iterations"), py::arg("by_name") = false,
      "ns per check (allowed path); by_name: find the key's state by hashing its name every time.");
}
