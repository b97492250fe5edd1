#pragma once
// The composition root: owns the event loop, the upstream pools, the route table, the
// client sessions and the stats. The only place that sees both policy and transport.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "fasterapi/clock.hpp"
#include "filters/security_chain.hpp"
#include "filters/transform/transform_filter.hpp"
#include "policy/route_table.hpp"
#include "proxy/request_log.hpp"
#include "proxy/settings.hpp"
#include "proxy/stats.hpp"
#include "proxy/upstream.hpp"
#include "transport/tls.hpp"

namespace fasterapi::proxy {

class ClientSession;
class HttpFront;

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
  RequestLog& request_log() { return request_log_; }
  const ProxySettings& settings() const { return settings_; }
  const policy::RouteTable& routes() const { return routes_; }
  Upstream& upstream(size_t i) { return *upstreams_[i]; }
  size_t upstream_count() const { return upstreams_.size(); }
  Stats& stats() { return stats_; }
  filters::SecurityChain& security() { return security_; }
  filters::transform::TransformStage& transforms() { return transforms_; }
  const Clock& clock() const { return *clock_; }
  void session_closed(int id);
  // A session someone else feeds (HTTP): it receives notifications like any other.
  void register_session(std::shared_ptr<ClientSession> session);
  // Streamable HTTP on host:port (path /mcp); returns the port. Thread-safe.
  int serve_http(const std::string& host, int port, const std::string& path, const transport::TlsServerFiles& tls);
  std::string metrics_text();
  // Loop-thread versions of health() and metrics_text().
  std::map<std::string, bool> health_now();
  std::string metrics_text_now();
  json::object stats_now();
  void request_stop();  // from the loop thread

  // Progress tokens: the proxy gives each forwarded request its own token (unique across
  // every request in flight on every connection) and maps progress back to the client's.
  uint64_t progress_register(std::weak_ptr<ClientSession> session, json::value client_token,
                             std::string request_key);
  void progress_release(uint64_t token);
  // Resource subscriptions held upstream, counted across clients: true for the first
  // subscriber (subscribe upstream) and the last to leave (unsubscribe upstream).
  bool subscription_acquire(size_t upstream, const std::string& uri);
  bool subscription_release(size_t upstream, const std::string& uri);
  // A request of the proxy's own (no client waits for it).
  void send_internal(size_t upstream, std::string_view method, json::object params);
  // A session's logging/setLevel changed: upstreams get the most verbose level asked for.
  void update_log_level();
  // Runs `fn` on the loop after `delay_ms` (under the manual clock: when the clock passes it).
  void after(int64_t delay_ms, std::function<void()> fn);
  // A seeded draw in [0, 1) for retry jitter (house rule 5: randomness is injected).
  double jitter();
  bool shutting_down() const { return shutting_down_; }
  // A session's last call in flight ended: during a drain, maybe the proxy can stop now.
  void drain_progress();
  // Output a client may leave unread before its notifications are dropped (twice that and
  // the session ends): 16 MiB, or four maximum-size messages when those are larger.
  size_t output_soft_limit() const { return std::max<size_t>(16u << 20, 4 * settings_.max_message_bytes); }

 private:
  void on_upstream_notification(size_t upstream, json::object& msg);
  void on_progress(json::object& msg);
  void health_tick(size_t upstream);
  void run_due_timers();
  void begin_shutdown();
  void finish_drain();
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
  filters::transform::TransformStage transforms_;

  boost::asio::io_context io_;
  RequestLog request_log_{io_};  // after io_: gone before it, with any flush still posted
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::unique_ptr<Upstream>> upstreams_;
  std::map<int, std::shared_ptr<ClientSession>> sessions_;
  std::unique_ptr<HttpFront> http_;
  struct ProgressRoute {
    std::weak_ptr<ClientSession> session;
    json::value client_token;
    std::string request_key;  // HTTP: the stream it goes on
    double last = -1;
    bool seen = false;
  };
  std::unordered_map<uint64_t, ProgressRoute> progress_;
  uint64_t next_progress_ = 1;
  std::map<std::pair<size_t, std::string>, int> upstream_subscriptions_;
  int log_rank_ = -1;
  std::multimap<int64_t, std::function<void()>> manual_timers_;
  // Real-clock timers from after(), cancelled at shutdown so the loop can end.
  std::map<uint64_t, std::shared_ptr<boost::asio::steady_timer>> timers_;
  uint64_t next_timer_ = 1;
  uint64_t jitter_state_ = 0x9e3779b97f4a7c15ull;
  int next_session_ = 1;
  bool shutting_down_ = false;
  bool drained_ = false;
  std::shared_ptr<boost::asio::steady_timer> drain_timer_;

  std::thread loop_thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace fasterapi::proxy
