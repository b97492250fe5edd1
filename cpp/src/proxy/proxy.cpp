#include "proxy/proxy.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <fcntl.h>
#include <future>
#include <unistd.h>

#include "common/log.hpp"
#include "filters/transform/builtins.hpp"
#include "protocol/jsonrpc.hpp"
#include "proxy/http_front.hpp"
#include "proxy/metrics_text.hpp"
#include "proxy/session.hpp"

namespace fasterapi::proxy {

Proxy::Proxy(ProxySettings settings)
    : settings_(std::move(settings)), security_(settings_.security), transforms_(settings_.transform) {
  filters::transform::redact_logs(settings_.transform.redacted_keys());
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < settings_.upstreams.size(); ++i) index[settings_.upstreams[i].name] = i;
  for (const auto& r : settings_.routes) {
    policy::Route route;
    route.upstream = index.at(r.upstream_name);
    route.patterns[0] = policy::Pattern(r.tool_pattern);
    route.patterns[1] = policy::Pattern(r.resource_pattern);
    route.patterns[2] = policy::Pattern(r.prompt_pattern);
    routes_.add(std::move(route));
  }
  stats_.upstream_requests.assign(settings_.upstreams.size(), 0);
  hooks_.on_notification = [this](size_t u, json::object& msg) { on_upstream_notification(u, msg); };
  hooks_.on_server_request = [this](size_t u, int session, std::weak_ptr<UpstreamConnection> conn,
                                    json::object& request) {
    auto it = sessions_.find(session);
    if (it != sessions_.end()) it->second->on_server_request(u, std::move(conn), request);
  };
  hooks_.count = [this](const std::string& counter) { stats_.counters[counter]++; };
  hooks_.on_connection_closed = [this] { maybe_finish_shutdown(); };
  hooks_.after = [this](int64_t delay_ms, std::function<void()> fn) { after(delay_ms, std::move(fn)); };
}

Proxy::~Proxy() {
  stop();
}

void Proxy::use_manual_clock() {
  std::lock_guard lock(mu_);
  if (started_) return;
  clock_ = &manual_;
  manual_clock_ = true;
}

void Proxy::start() {
  {
    std::lock_guard lock(mu_);
    if (started_) return;
    started_ = true;
  }
  // A write to a vanished peer must be an error, never a process-killing signal.
  struct sigaction old {};
  if (sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);
  for (size_t i = 0; i < settings_.upstreams.size(); ++i) {
    upstreams_.push_back(std::make_unique<Upstream>(io_, settings_.upstreams[i], i, *clock_, manual_clock_,
                                                    settings_.max_message_bytes, hooks_, settings_.breaker));
    upstreams_.back()->set_listen_kinds(routes_.serves(i, policy::Kind::Tool), routes_.serves(i, policy::Kind::Prompt),
                                        routes_.serves(i, policy::Kind::Resource));
  }
  work_.emplace(io_.get_executor());
  boost::asio::post(io_, [this] {
    for (auto& u : upstreams_) {
      if (u->settings().eager_start) u->start_eagerly();
      if (u->settings().enable_health_check) {
        const size_t i = u->index();
        after(u->settings().health_check_interval_ms, [this, i] { health_tick(i); });
      }
    }
  });
  loop_thread_ = std::thread([this] {
    io_.run();
    request_log_.flush();
    // Everything has stopped: drop what is left on this thread, where it lived.
    http_.reset();
    sessions_.clear();
    upstreams_.clear();
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
  });
}

int Proxy::attach_client(int read_fd, int write_fd, bool stop_when_closed) {
  start();
  // Close-on-exec: an upstream child must never inherit a client's pipe (it would keep
  // the client from ever seeing EOF).
  const int rfd = ::fcntl(read_fd, F_DUPFD_CLOEXEC, 0);
  const int wfd = ::fcntl(write_fd, F_DUPFD_CLOEXEC, 0);
  if (rfd < 0 || wfd < 0) {
    if (rfd >= 0) ::close(rfd);
    if (wfd >= 0) ::close(wfd);
    return -1;
  }
  return run_on_loop([&] {
    const int id = next_session_++;
    auto s = std::make_shared<ClientSession>(*this, id, rfd, wfd, stop_when_closed);
    sessions_[id] = s;
    s->start();
    return id;
  });
}

template <typename F>
auto Proxy::run_on_loop(F&& f) -> decltype(f()) {
  using R = decltype(f());
  {
    std::lock_guard lock(mu_);
    if (!started_ || stopped_) return f();  // no loop thread: nobody else touches the state
  }
  if (loop_thread_.get_id() == std::this_thread::get_id()) return f();
  std::packaged_task<R()> task(std::forward<F>(f));
  auto fut = task.get_future();
  boost::asio::post(io_, [&task] { task(); });
  return fut.get();
}

void Proxy::session_closed(int id) {
  // Erase on a later turn of the loop: the session is usually on the stack right now.
  boost::asio::post(io_, [this, id] {
    sessions_.erase(id);
    maybe_finish_shutdown();
  });
}

bool Proxy::subscription_acquire(size_t upstream, const std::string& uri) {
  return upstream_subscriptions_[{upstream, uri}]++ == 0;
}

bool Proxy::subscription_release(size_t upstream, const std::string& uri) {
  auto it = upstream_subscriptions_.find({upstream, uri});
  if (it == upstream_subscriptions_.end()) return false;
  if (--it->second > 0) return false;
  upstream_subscriptions_.erase(it);
  return true;
}

void Proxy::send_internal(size_t upstream, std::string_view method, json::object params) {
  if (shutting_down_) return;  // the upstream goes away with whatever it held
  json::object msg;
  msg["jsonrpc"] = "2.0";
  msg["method"] = method;
  msg["params"] = std::move(params);
  const std::string what(method);
  const std::string name = upstreams_[upstream]->settings().name;
  upstreams_[upstream]->send(msg, [what, name](Outcome& o) {
    if (!o.response || o.response->contains("error"))
      log::warn("proxy", "upstream '" + name + "': " + what + " failed");
  });
}

void Proxy::update_log_level() {
  int rank = -1;
  for (auto& [id, s] : sessions_)
    if (s->log_rank() >= 0 && (rank < 0 || s->log_rank() < rank)) rank = s->log_rank();
  if (rank == log_rank_ || rank < 0) return;  // with no listener left, upstreams keep their level
  log_rank_ = rank;
  static constexpr const char* kNames[] = {"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};
  for (auto& u : upstreams_) u->set_log_level(kNames[rank]);
}

void Proxy::after(int64_t delay_ms, std::function<void()> fn) {
  if (manual_clock_) {
    manual_timers_.emplace(clock_->now_ms() + std::max<int64_t>(0, delay_ms), std::move(fn));
    return;
  }
  if (shutting_down_) return;
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(std::max<int64_t>(0, delay_ms)));
  const uint64_t key = next_timer_++;
  timers_[key] = timer;
  timer->async_wait([this, key, fn = std::move(fn)](const boost::system::error_code& e) {
    timers_.erase(key);
    if (!e) fn();
  });
}

void Proxy::run_due_timers() {
  const int64_t now = clock_->now_ms();
  while (!manual_timers_.empty() && manual_timers_.begin()->first <= now) {
    auto fn = std::move(manual_timers_.begin()->second);
    manual_timers_.erase(manual_timers_.begin());
    fn();
  }
}

double Proxy::jitter() {
  // splitmix64: small, seeded, reproducible
  uint64_t z = (jitter_state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) / static_cast<double>(1ull << 53);
}

void Proxy::health_tick(size_t i) {
  if (shutting_down_) return;
  upstreams_[i]->health_check();
  after(upstreams_[i]->settings().health_check_interval_ms, [this, i] { health_tick(i); });
}

void Proxy::request_stop() {
  if (shutting_down_) return;
  begin_shutdown();
}

void Proxy::begin_shutdown() {
  shutting_down_ = true;
  log::info("proxy", "shutting down");
  if (http_) http_->stop_accepting();
  // Stop accepting (sessions refuse new requests now), let calls in flight finish for up
  // to shutdown_drain_ms, then stop the upstreams.
  bool busy = false;
  for (auto& [id, s] : sessions_) busy = busy || s->outstanding() > 0;
  if (!busy || settings_.shutdown_drain_ms == 0) return finish_drain();
  log::info("proxy", "draining calls in flight (up to " + std::to_string(settings_.shutdown_drain_ms) + " ms)");
  // Always the real clock: stop() must end even when a test froze the manual one.
  drain_timer_ = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(settings_.shutdown_drain_ms));
  drain_timer_->async_wait([this](const boost::system::error_code& e) {
    if (!e) finish_drain();
  });
}

void Proxy::drain_progress() {
  if (!shutting_down_ || drained_) return;
  for (auto& [id, s] : sessions_)
    if (s->outstanding() > 0) return;
  finish_drain();
}

void Proxy::finish_drain() {
  if (drained_) return;
  drained_ = true;
  if (drain_timer_) drain_timer_->cancel();
  if (http_) http_->stop();  // open HTTP connections would keep the loop alive
  for (auto& [key, t] : timers_) t->cancel();
  manual_timers_.clear();
  // Upstreams first: their requests still in flight are answered (with an error) to
  // sessions that are still open, then the sessions close.
  for (auto& u : upstreams_) u->shutdown_all();
  auto sessions = sessions_;
  for (auto& [id, s] : sessions) s->close();
  maybe_finish_shutdown();
}

void Proxy::maybe_finish_shutdown() {
  if (!shutting_down_) return;
  for (auto& u : upstreams_)
    if (!u->all_closed()) return;
  if (!sessions_.empty()) return;
  work_.reset();  // io_.run() returns once the last writes and timers are done
}

void Proxy::stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_) return;
  }
  if (loop_thread_.get_id() == std::this_thread::get_id()) return;  // never join ourselves
  bool already_stopped;
  {
    std::lock_guard lock(mu_);
    already_stopped = stopped_;
  }
  if (!already_stopped) boost::asio::post(io_, [this] { request_stop(); });
  if (loop_thread_.joinable()) loop_thread_.join();
}

bool Proxy::wait(double timeout_s) {
  std::unique_lock lock(mu_);
  if (!started_) return true;
  cv_.wait_for(lock, std::chrono::duration<double>(timeout_s), [this] { return stopped_; });
  return stopped_;
}

json::object Proxy::stats_snapshot() {
  return run_on_loop([this] { return stats_now(); });
}

json::object Proxy::stats_now() {
  {
    json::object o;
    const Stats& s = stats_;
    o["total_requests"] = s.total_requests;
    o["successful_requests"] = s.successful_requests;
    o["failed_requests"] = s.failed_requests;
    o["retried_requests"] = s.retried_requests;
    o["cached_responses"] = s.cached_responses;
    o["total_latency_ms"] = s.total_latency_us / 1000;
    o["min_latency_ms"] = s.min_latency_us < 0 ? 0 : s.min_latency_us / 1000;
    o["max_latency_ms"] = s.max_latency_us / 1000;
    o["total_latency_us"] = s.total_latency_us;
    o["min_latency_us"] = s.min_latency_us < 0 ? 0 : s.min_latency_us;
    o["max_latency_us"] = s.max_latency_us;
    json::object ups, tools;
    for (size_t i = 0; i < settings_.upstreams.size(); ++i)
      ups[settings_.upstreams[i].name] = i < s.upstream_requests.size() ? s.upstream_requests[i] : 0;
    for (const auto& [k, v] : s.tool_requests) tools[k] = v;
    o["upstream_requests"] = std::move(ups);
    o["tool_requests"] = std::move(tools);
    json::object clients;
    for (const auto& [k, v] : s.client_requests) clients[k] = v;
    o["client_requests"] = std::move(clients);
    security_.add_stats(o);
    transforms_.add_stats(o);
    for (const char* c : {"upstream_spawns", "upstream_exits", "timeouts", "shadowed_items",
                          "oversized_messages", "parse_errors", "cancelled_by_client",
                          "upstream_noise_lines", "upstream_unmatched_responses",
                          "escaped_descendants_killed", "dropped_progress", "server_requests",
                          "input_required_rounds", "failovers", "circuit_open_rejections", "health_checks",
                          "health_check_failures", "dropped_notifications", "slow_client_disconnects",
                          "upstream_backpressure"})
      o[c] = 0;
    for (const auto& [k, v] : s.counters) o[k] = v;
    o["active_sessions"] = sessions_.size();
    // Per upstream: health and breaker (public: docs/resilience.md).
    json::object state;
    const int64_t now = clock_->now_ms();
    for (auto& u : upstreams_) {
      json::object one;
      one["healthy"] = u->healthy();
      one["circuit"] = policy::breaker_state_name(u->breaker().state(now));
      one["consecutive_failures"] = u->breaker().consecutive_failures();
      one["circuit_opened"] = u->breaker().times_opened();
      state[u->settings().name] = std::move(one);
    }
    o["upstream_state"] = std::move(state);
    return o;
  }
}

std::map<std::string, bool> Proxy::health() {
  return run_on_loop([this] { return health_now(); });
}

std::map<std::string, bool> Proxy::health_now() {
  std::map<std::string, bool> h;
  if (upstreams_.empty()) {
    for (const auto& u : settings_.upstreams) h[u.name] = true;
    return h;
  }
  for (auto& u : upstreams_) h[u->settings().name] = u->healthy();
  return h;
}

std::string Proxy::metrics_text() {
  return run_on_loop([this] { return metrics_text_now(); });
}

std::string Proxy::metrics_text_now() { return prometheus_text(stats_now()); }

void Proxy::register_session(std::shared_ptr<ClientSession> session) { sessions_[session->id()] = std::move(session); }

int Proxy::serve_http(const std::string& host, int port, const std::string& path,
                      const transport::TlsServerFiles& tls) {
  start();
  return run_on_loop([&] {
    if (!http_) http_ = std::make_unique<HttpFront>(*this, path);
    return http_->listen(host, port, tls);
  });
}

void Proxy::advance_clock_ms(int64_t ms) {
  manual_.advance_ms(ms);
  run_on_loop([this] {
    const int64_t now = clock_->now_ms();
    for (auto& u : upstreams_) u->sweep(now);
    run_due_timers();
    return 0;
  });
}

std::string Proxy::set_jwks(std::string json_text) {
  return run_on_loop([&] { return security_.set_jwks(json_text); });
}

}  // namespace fasterapi::proxy
