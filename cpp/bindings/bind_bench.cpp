// Benchmark loops timed in C++ (bench/bench_micro.py), so Python's call cost is not in the
// numbers: route matching, the connection pool's bookkeeping, and the whole per-request
// chain without I/O. The JWT and rate-limit loops are in bind_security.cpp.
//
// Every function returns nanoseconds per operation of one run; the caller takes the median
// of several runs. Nothing here is used by the proxy itself.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <boost/json.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <algorithm>
#include <ctime>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "fasterapi/clock.hpp"
#include "filters/security_chain.hpp"
#include "filters/security_settings.hpp"
#include "policy/route_table.hpp"
#include "protocol/answer_skim.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/meta.hpp"
#include "proxy/inline_function.hpp"
#include "proxy/session_helpers.hpp"
#include "proxy/settings.hpp"
#include "proxy/stats.hpp"

namespace py = pybind11;
namespace json = boost::json;
using namespace fasterapi;

namespace {

// The calling thread's CPU time, not the wall clock: on a shared machine the time this
// thread spends descheduled (other processes running) is not counted.
double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

template <typename F>
double time_ns_per_op(int64_t iterations, F&& body) {
  const double t0 = thread_cpu_ns();
  for (int64_t i = 0; i < iterations; ++i) body(i);
  return (thread_cpu_ns() - t0) / static_cast<double>(iterations);
}

// Keeps the optimiser from deleting a loop whose result is unused.
volatile int64_t g_sink = 0;

// ---------------------------------------------------------------------------------------
// The benchmark's route table: routes of four shapes in turn, each matching exactly one
// of the names below (so the first match is the intended route):
//   i % 4 == 0  tool literal   "tool_<i>"        matched by "tool_<i>"
//   i % 4 == 1  tool prefix    "svc<i>_*"        matched by "svc<i>_call"
//   i % 4 == 2  tool glob      "a<i>_*_op?"      matched by "a<i>_x_op1"
//   i % 4 == 3  resource "res://<i>/*" and prompt "p<i>_*": no tool pattern (a tool call
//               walks past it)
policy::Route bench_route(int i) {
  policy::Route r;
  r.upstream = static_cast<size_t>(i % 8);
  const std::string n = std::to_string(i);
  switch (i % 4) {
    case 0: r.patterns[0] = policy::Pattern("tool_" + n); break;
    case 1: r.patterns[0] = policy::Pattern("svc" + n + "_*"); break;
    case 2: r.patterns[0] = policy::Pattern("a" + n + "_*_op?"); break;
    default:
      r.patterns[1] = policy::Pattern("res://" + n + "/*");
      r.patterns[2] = policy::Pattern("p" + n + "_*");
  }
  return r;
}

// A tool name route i matches (i % 4 != 3).
std::string bench_tool_name(int i) {
  const std::string n = std::to_string(i);
  switch (i % 4) {
    case 0: return "tool_" + n;
    case 1: return "svc" + n + "_call";
    default: return "a" + n + "_x_op1";
  }
}

policy::RouteTable bench_table(int n_routes) {
  policy::RouteTable t;
  for (int i = 0; i < n_routes; ++i) t.add(bench_route(i));
  return t;
}

// 256 names whose routes are spread evenly over the table (every shape in turn).
std::vector<std::string> spread_names(int n_routes) {
  std::vector<std::string> names;
  for (int j = 0; j < 256; ++j) {
    int i = static_cast<int>((static_cast<int64_t>(j) * n_routes) / 256);
    if (i % 4 == 3) i = i > 0 ? i - 1 : 0;
    names.push_back(bench_tool_name(i));
  }
  return names;
}

double bench_route_match(int n_routes, const std::string& mode, int64_t iterations) {
  if (n_routes < 1) throw py::value_error("n_routes must be positive");
  const policy::RouteTable table = bench_table(n_routes);
  std::vector<std::string> names;
  if (mode == "first" || mode == "all") names = spread_names(n_routes);
  else if (mode == "miss") names = {"no_such_tool"};
  else if (mode == "head") names = {bench_tool_name(0)};
  else throw py::value_error("mode: first, all, miss or head");
  for (const auto& n : names)
    if (mode != "miss" && table.match(policy::Kind::Tool, n) < 0) throw std::logic_error("bench name unrouted: " + n);
  const size_t mask = names.size() - 1;  // 256 or 1
  py::gil_scoped_release release;
  if (mode == "all") {
    return time_ns_per_op(iterations, [&](int64_t i) {
      auto m = table.match_all(policy::Kind::Tool, names[static_cast<size_t>(i) & mask]);
      g_sink = g_sink + m.count + m.index[0];
    });
  }
  return time_ns_per_op(iterations, [&](int64_t i) {
    g_sink = g_sink + table.match(policy::Kind::Tool, names[static_cast<size_t>(i) & mask]);
  });
}

// ---------------------------------------------------------------------------------------
// The pool. Upstream::pick (proxy/upstream.cpp) is private and its connections are child
// processes, so it cannot run here without starting processes. This is the same logic on
// stand-in connections: pick = the least-loaded usable shared connection (a walk over the
// pool, a count of the live ones, a shared_ptr copy), then what UpstreamConnection::send
// and on_response do with it, with the same types: allocate our id, insert the pending
// entry (proxy::Completion holding what the session's completion holds, two shared
// pointers, and a deadline from the caller's clock reading) into the same flat map, and
// the deadline FIFO entry; release = find and erase the entry, take its completion, pop the
// deadline, run it.
struct StandInConnection {
  using Completion = proxy::InlineFunction<void(int)>;
  struct Pending {
    Completion done;
    int64_t deadline_ms;
    bool raw_answer = false;
  };
  bool usable() const { return true; }
  int session() const { return 0; }
  size_t in_flight() const { return pending.size(); }
  uint64_t next_id = 1;
  boost::unordered_flat_map<uint64_t, Pending> pending;
  std::deque<std::pair<int64_t, uint64_t>> deadlines;
};

std::shared_ptr<StandInConnection> stand_in_pick(std::vector<std::shared_ptr<StandInConnection>>& pool,
                                                 size_t max_connections) {
  std::shared_ptr<StandInConnection> best;
  for (auto& c : pool) {
    if (!c->usable() || c->session() != 0) continue;
    if (!best || c->in_flight() < best->in_flight()) best = c;
  }
  const size_t live =
      std::count_if(pool.begin(), pool.end(), [](auto& c) { return c->usable() && c->session() == 0; });
  if (!best || (best->in_flight() >= 4 && live < max_connections)) return nullptr;  // would spawn
  return best;
}

double bench_pool(int connections, int64_t iterations, bool pick_only) {
  if (connections < 1) throw py::value_error("connections must be positive");
  std::vector<std::shared_ptr<StandInConnection>> pool;
  for (int i = 0; i < connections; ++i) pool.push_back(std::make_shared<StandInConnection>());
  SteadyClock clock;
  py::gil_scoped_release release;
  if (pick_only) {
    return time_ns_per_op(iterations, [&](int64_t) {
      auto c = stand_in_pick(pool, static_cast<size_t>(connections));
      g_sink = g_sink + static_cast<int64_t>(c->in_flight());
    });
  }
  int answered = 0;
  auto session = std::make_shared<int>(0);  // what the completion keeps alive: the session
  auto call = std::make_shared<int>(0);     // and the call
  const int64_t start_ms = clock.now_ms();  // the caller's reading (ClientSession::attempt)
  return time_ns_per_op(iterations, [&](int64_t i) {
    auto c = stand_in_pick(pool, static_cast<size_t>(connections));
    const uint64_t id = c->next_id++;
    const int64_t deadline = start_ms + i + 30000;
    c->pending.emplace(id, StandInConnection::Pending{[&answered, session, call](int v) { answered += v + *call; },
                                                      deadline});
    c->deadlines.emplace_back(deadline, id);
    // The answer comes back: release.
    auto it = c->pending.find(id);
    auto done = std::move(it->second.done);
    c->pending.erase(it);
    c->deadlines.pop_front();
    done(1);
    g_sink = g_sink + answered;
  });
}

// ---------------------------------------------------------------------------------------
// The whole chain for one tools/call, without I/O, with the real protocol, filter and
// policy functions: each stage below is what ClientSession::on_line / on_request /
// handle_routed / start_call and UpstreamConnection::send / on_response do, in order.
// The session's own bookkeeping (CallState, in-flight map, stats maps) is reproduced with
// the same containers; the request log line (enable_request_logging) is not included.
//   1 parse         json::parse of the client's line
//   2 envelope      classify, params, _meta protocol version, id key, duplicate-id check
//   3 auth          SecurityChain::admit (credential out of _meta; bearer compare or the
//                   JWT cache)
//   4 route         the tool name, RouteTable::match_all (failover candidates)
//   5 authz+limit   SecurityChain::check_call (scope of the route, rate limits)
//   6 bookkeeping   call state, in-flight entry, stats counters
//   7 forward       our id in place of the client's, pending entry, strip the stateless
//                   _meta keys, serialise the line for the upstream
//   8 answer        skim the upstream's answer (protocol/answer_skim), find and erase the
//                   pending entry, stats, the client's id spliced into the answer's bytes
struct BenchCall {
  json::value id;
  std::string key, method, tool, client;
  json::object msg;
  std::vector<std::pair<size_t, int>> candidates;
  int64_t started_us = 0;
};

class ChainBench {
 public:
  ChainBench(const std::string& security_json, int n_routes, int target_route, const std::string& token,
             const std::string& required_scope)
      : table_(bench_table(n_routes)) {
    if (target_route < 0 || target_route >= n_routes || target_route % 4 == 3)
      throw py::value_error("target_route must be a tool route of the table");
    boost::system::error_code ec;
    json::value sec = json::parse(security_json, ec);
    if (ec) throw py::value_error("security_json: not JSON");
    json::object doc;
    json::array routes;
    for (int i = 0; i < n_routes; ++i) {
      json::object r;
      if (!required_scope.empty()) r["required_scope"] = required_scope;
      routes.push_back(std::move(r));
    }
    doc["routes"] = std::move(routes);
    doc["security"] = sec;
    auto s = filters::parse_security_settings(doc);
    s.token_env.clear();  // never the benchmark machine's environment
    chain_ = std::make_unique<filters::SecurityChain>(s);
    tool_ = bench_tool_name(target_route);
    json::object line;
    line["jsonrpc"] = "2.0";
    line["id"] = 42;
    line["method"] = "tools/call";
    json::object params;
    params["name"] = tool_;
    json::object args;
    args["a"] = 1;
    args["b"] = 2;
    params["arguments"] = std::move(args);
    if (!token.empty()) {
      json::object meta;
      meta[s.meta_key] = "Bearer " + token;
      params["_meta"] = std::move(meta);
    }
    line["params"] = std::move(params);
    request_ = json::serialize(line);
    answer_ = R"({"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"ok"}]}})";
    stats_.upstream_requests.resize(8);
  }

  // One pass through stages 1..depth; returns bytes produced (kept from the optimiser).
  int64_t run(int depth) {
    boost::system::error_code ec;
    json::value msg = json::parse(request_, ec);  // 1
    if (ec) throw std::logic_error("request does not parse");
    if (depth < 2) return static_cast<int64_t>(msg.as_object().size());
    auto env = protocol::classify(msg);  // 2
    if (env.type != protocol::MessageType::Request) throw std::logic_error("not a request");
    json::object* params = protocol::params_of(*env.obj);
    const json::object* meta = protocol::meta_of_params(params);
    const std::string_view version = meta ? protocol::string_at(*meta, protocol::kMetaProtocolVersion) : "";
    std::string key = proxy::detail::id_key(*env.id);
    if (in_flight_.count(key) || !version.empty()) throw std::logic_error("unexpected");
    if (depth < 3) return static_cast<int64_t>(key.size());
    if (auto r = chain_->admit(*env.obj, clock_, principal_)) throw std::logic_error("refused: " + r->message);  // 3
    if (depth < 4) return static_cast<int64_t>(principal_->id.size());
    json::value* slot = params->if_contains("name");  // 4
    std::string name(slot->get_string());
    const auto matches = table_.match_all(policy::Kind::Tool, name);
    if (matches.count == 0) throw std::logic_error("no route");
    if (depth < 5) return matches.index[0];
    if (auto r = chain_->check_call(*principal_, matches.index[0], policy::Kind::Tool, name, true, clock_))  // 5
      throw std::logic_error("refused: " + r->message);
    if (depth < 6) return 1;
    auto call = std::make_shared<BenchCall>();  // 6
    for (int i = 0; i < matches.count; ++i)
      call->candidates.emplace_back(table_.routes()[matches.index[i]].upstream, matches.index[i]);
    call->id = *env.id;
    call->key = std::move(key);
    call->method = std::string(env.method);
    call->tool = name;
    call->msg = std::move(*env.obj);
    stats_.total_requests++;
    stats_.tool_requests[call->tool]++;
    stats_.client_requests[principal_->id]++;
    call->client = principal_->id;
    call->started_us = clock_.now_us();
    in_flight_[call->key] = call;
    if (depth < 7) {
      in_flight_.erase(call->key);
      return static_cast<int64_t>(call->candidates.size());
    }
    stats_.upstream_requests[call->candidates[0].first]++;  // 7
    const uint64_t uid = next_id_++;
    call->msg["id"] = uid;
    const int64_t deadline = call->started_us / 1000 + 30000;  // attempt passes start_call's reading
    pending_.emplace(uid, Pending{[this, call](const protocol::AnswerSkim& skim) { finish(call, skim); }, deadline});
    deadlines_.emplace_back(deadline, uid);
    protocol::strip_stateless_meta(call->msg);
    std::string out = protocol::to_line(call->msg);
    call->msg = json::object();
    if (depth < 8) {
      pending_.erase(uid);
      deadlines_.pop_front();
      in_flight_.erase(call->key);
      return static_cast<int64_t>(out.size());
    }
    protocol::AnswerSkim skim;  // 8 (the answer's id stands for uid)
    if (!protocol::skim_answer(answer_, skim)) throw std::logic_error("not a plain response");
    auto it = pending_.find(uid);
    auto done = std::move(it->second.done);
    pending_.erase(it);
    deadlines_.pop_front();
    done(skim);
    return static_cast<int64_t>(out.size() + last_reply_.size());
  }

 private:
  struct Pending {
    proxy::InlineFunction<void(const protocol::AnswerSkim&)> done;
    int64_t deadline_ms;
  };
  void finish(const std::shared_ptr<BenchCall>& call, const protocol::AnswerSkim& skim) {
    stats_.record_outcome(skim.has_result, clock_.now_us() - call->started_us);
    const std::string id = call->id.is_string() ? json::serialize(call->id) : std::to_string(call->id.as_int64());
    last_reply_ = protocol::splice_answer(answer_, skim, id, false);
    in_flight_.erase(call->key);
  }

  policy::RouteTable table_;
  std::unique_ptr<filters::SecurityChain> chain_;
  SteadyClock clock_;
  std::string tool_, request_, answer_, last_reply_;
  policy::PrincipalPtr principal_;
  std::unordered_map<std::string, std::shared_ptr<BenchCall>> in_flight_;
  boost::unordered_flat_map<uint64_t, Pending> pending_;
  std::deque<std::pair<int64_t, uint64_t>> deadlines_;
  uint64_t next_id_ = 1;
  proxy::Stats stats_;
};

}  // namespace

void bind_bench(py::module_& m) {
  m.def("bench_route_match", &bench_route_match, py::arg("n_routes"), py::arg("mode"), py::arg("iterations"),
        "ns per tool-name lookup in a table of n_routes mixed routes. mode: 'first' (RouteTable::match, "
        "names spread evenly over the table), 'all' (RouteTable::match_all, as a routed request does), "
        "'miss' (no route matches), 'head' (the first route matches).");
  m.def("bench_pool", &bench_pool, py::arg("connections"), py::arg("iterations"), py::arg("pick_only") = false,
        "ns per acquire+release (or pick alone) on a pool of idle stand-in connections: Upstream::pick's "
        "logic plus UpstreamConnection's id and pending-table bookkeeping (no processes).");
  m.def(
      "bench_chain",
      [](const std::string& security_json, int n_routes, int target_route, const std::string& token,
         const std::string& required_scope, int depth, int64_t iterations) {
        if (depth < 1 || depth > 8) throw py::value_error("depth: 1..8");
        ChainBench b(security_json, n_routes, target_route, token, required_scope);
        b.run(8);  // first pass: verifies a JWT once (later passes hit the cache), warms the maps
        py::gil_scoped_release release;
        return time_ns_per_op(iterations, [&](int64_t) { g_sink = g_sink + b.run(depth); });
      },
      py::arg("security_json"), py::arg("n_routes"), py::arg("target_route"), py::arg("token"),
      py::arg("required_scope"), py::arg("depth"),
      py::arg("iterations"),
      "ns per tools/call through stages 1..depth of the chain (1 parse, 2 envelope, 3 auth, 4 route, "
      "5 authz+rate limit, 6 bookkeeping, 7 forward: id remap + serialise, 8 the answer back).");
}
