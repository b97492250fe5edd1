#pragma once
// The composition root: owns the event loop, the upstream pools, the route table, the
// client sessions and the stats. The only place that sees both policy and transport.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "fasterapi/clock.hpp"
#include "filters/security_chain.hpp"
#include "policy/route_table.hpp"
#include "proxy/settings.hpp"
#include "proxy/stats.hpp"
#include "proxy/upstream.hpp"

namespace fasterapi::proxy {

class ClientSession;

class Proxy {
 public:
  explicit Proxy(ProxySettings settings);
  ~Proxy();
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  // Thread-safe API (called from Python).
  void start();
  int attach_client(int read_fd, int write_fd, bool stop_when_closed);
  bool wait(double timeout_s);
  void stop();
  json::object stats_snapshot();
  std::map<std::string, bool> health();
  // Tests: switch to a manual clock (before start) and move it; sweeps run before return.
  void use_manual_clock();
  void advance_clock_ms(int64_t ms);
  void set_wall_clock_ms(int64_t ms) { manual_.set_wall_ms(ms); }
  // A JWKS fetched by the Python side; "" or why it was refused (the old keys stay).
  std::string set_jwks(std::string json_text);

  // Loop-thread API (sessions).
  boost::asio::io_context& io() { return io_; }
  const ProxySettings& settings() const { return settings_; }
  const policy::RouteTable& routes() const { return routes_; }
  Upstream& upstream(size_t i) { return *upstreams_[i]; }
  size_t upstream_count() const { return upstreams_.size(); }
  Stats& stats() { return stats_; }
  filters::SecurityChain& security() { return security_; }
  const Clock& clock() const { return *clock_; }
  void session_closed(int id);
  void request_stop();  // from the loop thread

 private:
  void on_upstream_notification(size_t upstream, json::object& msg);
  void begin_shutdown();
  void maybe_finish_shutdown();
  template <typename F>
  auto run_on_loop(F&& f) -> decltype(f());

  ProxySettings settings_;
  SteadyClock steady_;
  ManualClock manual_;
  const Clock* clock_ = &steady_;
  bool manual_clock_ = false;
  policy::RouteTable routes_;
  UpstreamHooks hooks_;
  Stats stats_;
  filters::SecurityChain security_;

  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::unique_ptr<Upstream>> upstreams_;
  std::map<int, std::shared_ptr<ClientSession>> sessions_;
  int next_session_ = 1;
  bool shutting_down_ = false;

  std::thread loop_thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace fasterapi::proxy
