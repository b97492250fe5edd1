#pragma once
// One configured upstream: a pool of stdio child processes, each an MCP session the proxy
// opened as a client. The proxy owns the JSON-RPC ids on every connection, so requests
// from any number of clients share a connection without colliding.
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "fasterapi/clock.hpp"
#include "policy/circuit_breaker.hpp"
#include "protocol/answer_skim.hpp"
#include "proxy/inline_function.hpp"
#include "proxy/settings.hpp"
#include "transport/child_process.hpp"
#include "transport/fd_channel.hpp"
#include "transport/http_client.hpp"
#include "transport/ws_client.hpp"

namespace fasterapi::proxy {

namespace asio = boost::asio;
namespace json = boost::json;

// Whether a request that got no answer may have reached the upstream (retry safety).
enum class Delivery : uint8_t {
  NotSent,           // never written: spawn, connect or initialize failed, circuit open, ...
  PossiblyAccepted,  // written, then the upstream crashed or timed out: it may have run it
};

// What became of one forwarded request.
struct Outcome {
  json::object* response = nullptr;  // the upstream's answer (result or error), when it came
  // Or the answer as its raw line, not parsed (only for a request sent with
  // SendOptions::raw_answer): what skim_answer found in it; dom() parses it when needed.
  std::string_view raw;
  const protocol::AnswerSkim* skim = nullptr;
  int code = 0;                      // otherwise: the proxy's error
  std::string message;
  json::object data;
  Delivery delivery = Delivery::PossiblyAccepted;
  json::object* unsent = nullptr;  // NotSent: the request itself, to send elsewhere

  bool answered() const { return response || skim; }
  // The answer as a document (parsed from the raw line on first need); nullptr: no answer.
  json::object* dom();
  // error.code when it is an integer, else 0.
  int answer_error_code() const;

 private:
  json::object parsed_;
};
// Runs once with what became of the request (inline storage: no allocation per request).
using Completion = InlineFunction<void(Outcome&)>;

class UpstreamConnection;

// Which protocol era an upstream speaks; probed once with server/discover, then remembered.
enum class Era { Unknown, Handshake, Stateless };

// How one request travels.
struct SendOptions {
  // A client session that needs its own connection (it declared server-to-client
  // capabilities, which only make sense on a connection nobody else shares); 0: shared pool.
  int session = 0;
  // The client capabilities to declare on that session's connection (initialize).
  const json::object* declare = nullptr;
  // The clientCapabilities stamped on the request for a stateless-era upstream, when the
  // request does not carry its own.
  const json::object* stamp_capabilities = nullptr;
  bool no_deadline = false;  // long-lived requests (subscriptions/listen)
  int64_t now_ms = -1;       // the caller's clock reading this instant (-1: read it)
  // A plain request (protocol/request_skim): `msg` is empty and this is its line, the id
  // at [plain_id_begin, plain_id_end). Written as these bytes with our id when it goes out
  // at once; parsed into `msg` when it must wait, comes back unsent, or needs stamping.
  std::string_view plain;
  size_t plain_id_begin = 0, plain_id_end = 0;
  // The completion takes the answer as its raw line when it is a plain response (Outcome::raw).
  bool raw_answer = false;
};

// Calls from upstreams back into the proxy.
struct UpstreamHooks {
  std::function<void(size_t upstream, json::object& notification)> on_notification;
  // A server-to-client request on a session's own connection.
  std::function<void(size_t upstream, int session, std::weak_ptr<UpstreamConnection> conn,
                     json::object& request)>
      on_server_request;
  std::function<void(const std::string& counter)> count;
  std::function<void()> on_connection_closed;
  // Runs `fn` after `delay_ms` on the loop (on the manual clock in tests).
  std::function<void(int64_t delay_ms, std::function<void()> fn)> after;
};

class Upstream;

class UpstreamConnection : public std::enable_shared_from_this<UpstreamConnection> {
 public:
  enum class State { Starting, Initializing, Ready, Closing, Closed };

  UpstreamConnection(Upstream& owner, int serial, int session, json::object declare);
  ~UpstreamConnection();

  void open();
  // Sends a request (its "id" is replaced by ours). Queued until the handshake is done;
  // moved to the upstream's era when written. Returns our id, or 0 if the connection can
  // no longer take requests (done was called).
  uint64_t send(json::object& msg, Completion done, const SendOptions& opt = {});
  // Writes a message that needs no answer tracking (a reply to a server-to-client request,
  // a notification). Dropped when the connection is not ready.
  void write_message(const json::object& msg);
  // Forgets a request and tells the upstream (notifications/cancelled). No completion runs.
  void cancel(uint64_t id, std::string_view reason);
  void sweep(int64_t now_ms);
  // MCP stdio shutdown: close stdin, then SIGTERM, then SIGKILL to the process group.
  void shutdown();

  size_t in_flight() const { return pending_.size(); }
  int session() const { return session_; }
  State state() const { return state_; }
  bool usable() const {
    return !loss_reported_ && (state_ == State::Starting || state_ == State::Initializing || state_ == State::Ready);
  }

 private:
  struct Pending {
    Completion done;
    int64_t deadline_ms;
    bool raw_answer = false;
  };
  struct Waiting {
    json::object msg;
    json::object stamp_capabilities;
  };

  void on_line(std::string_view line);
  void on_response(json::object& msg, json::value& id);
  void send_discover();
  void on_discovered(Outcome& outcome);
  void send_initialize();
  void on_initialized(Outcome& outcome);
  void become_ready(std::string_view version);
  void transmit(uint64_t id, json::object& msg, const json::object& stamp_capabilities);
  void broken(int code, const std::string& message, json::object data);
  // transport_type "http" (upstream_http.cpp): each message is a POST; answers come back as
  // JSON or SSE; Mcp-Session-Id and the protocol version header follow the handshake.
  bool is_http() const;
  // transport_type "websocket": one JSON-RPC message per text frame (upstream_http.cpp).
  bool is_ws() const;
  void open_ws();
  void network_closed(const std::string& reason);
  void open_http();
  void http_write(std::string line);
  void http_open_get_stream();
  void http_failed(uint64_t id, int status, const std::string& error, bool connected);
  void on_upstream_request(json::object& msg, std::string_view method);
  void fail(int code, const std::string& message, json::object data);
  void on_stdout_closed();
  void report_loss();
  void on_exit();
  void watch_exit();
  void arm_timer();
  void escalate(int step);
  void finish_if_done();
  void write(std::string line);
  std::string label() const;

  Upstream& owner_;
  int serial_;
  int session_;          // the client session this connection belongs to; 0: shared
  json::object declare_;  // client capabilities declared in initialize
  State state_ = State::Starting;
  transport::ChildProcess child_;
  std::shared_ptr<transport::FdChannel> io_;
  std::shared_ptr<transport::FdChannel> stderr_;
  asio::posix::stream_descriptor pidfd_;
  asio::steady_timer timer_;
  asio::steady_timer stop_timer_;
  uint64_t next_id_ = 1;
  uint64_t initialize_id_ = 0;  // the handshake request (discover or initialize)
  boost::unordered_flat_map<uint64_t, Pending> pending_;  // open addressing: no node per request
  std::deque<std::pair<int64_t, uint64_t>> deadlines_;  // FIFO: one timeout per upstream
  std::vector<std::pair<uint64_t, Waiting>> waiting_;  // written once the handshake completes
  int64_t connect_deadline_ms_ = 0;
  bool exited_ = false;
  bool stdout_closed_ = false;
  bool reaped_ = false;
  bool loss_reported_ = false;
  // Why this connection can no longer take requests, told to any that still arrive.
  int last_error_code_ = 0;
  std::string last_error_message_;
  json::object last_error_data_;
  int exit_code_ = -1;
  int exit_signal_ = 0;
  std::shared_ptr<transport::HttpClient> http_;
  std::shared_ptr<transport::WsClient> ws_;
  std::string http_session_;
  std::string http_version_;
};

struct Ticket {
  std::weak_ptr<UpstreamConnection> connection;
  uint64_t id = 0;
};

class Upstream {
 public:
  Upstream(asio::io_context& io, const UpstreamSettings& settings, size_t index,
           const Clock& clock, bool manual_clock, size_t max_message_bytes, UpstreamHooks& hooks,
           const policy::BreakerConfig& breaker);

  // Forwards a request on the least-loaded connection, starting one if needed (or on the
  // session's own connection, see SendOptions).
  Ticket send(json::object& msg, Completion done, const SendOptions& opt = {});
  // A client session ended: its own connection, if any, is shut down.
  void release_session(int session);
  // A notification from a client to its own connection (roots/list_changed).
  void notify_session(int session, const json::object& notification);
  // Subscriptions the proxy holds on this upstream, for a stateless-era upstream (which
  // has no resources/subscribe but one subscriptions/listen stream with every URI).
  void listen_add(const std::string& uri);
  void listen_remove(const std::string& uri);
  // logging/setLevel for every handshake-era connection, now and later; "" = not set.
  void set_log_level(const std::string& level);
  const std::string& log_level() const { return log_level_; }
  Era era() const { return era_; }
  // How long until a new connection may be started (restart backoff); 0 when it may now.
  int64_t restart_wait_ms() const;
  void set_era(Era e) { era_ = e; }
  void start_eagerly();
  void sweep(int64_t now_ms);
  void shutdown_all();
  bool all_closed() const;
  bool healthy() const { return healthy_; }
  policy::CircuitBreaker& breaker() { return breaker_; }
  // One health probe (ping, or server/discover for a stateless upstream) if it has started.
  void health_check();
  // What the upstream's tools/list said of a tool (bits below), learnt as lists pass by.
  static constexpr uint8_t kReadOnly = 1, kIdempotent = 2;
  void learn_tool_hints(const json::object& tool);
  uint8_t tool_hints(const std::string& name) const {
    auto it = tool_hints_.find(name);
    return it == tool_hints_.end() ? 0 : it->second;
  }

  const UpstreamSettings& settings() const { return settings_; }
  size_t index() const { return index_; }
  asio::io_context& io() { return io_; }
  const Clock& clock() const { return clock_; }
  bool manual_clock() const { return manual_clock_; }
  size_t max_message_bytes() const { return max_message_bytes_; }
  UpstreamHooks& hooks() { return hooks_; }
  // https:// and wss://: the TLS context every connection shares, made on first use (or
  // why it cannot be, e.g. tls_ca_file unreadable); nothing for plain URLs.
  transport::TlsClientSide client_tls();

  // Which list_changed notifications the proxy wants from this upstream.
  void set_listen_kinds(bool tools, bool prompts, bool resources) {
    listen_tools_ = tools;
    listen_prompts_ = prompts;
    listen_resources_ = resources;
  }

  // From connections.
  void connection_ready(UpstreamConnection* conn);
  // `was_serving`: it had been ready (its calls in flight count for the breaker themselves);
  // else it never started, which counts as one breaker failure however many calls waited.
  void connection_failed(bool was_serving);
  void connection_closed(UpstreamConnection* conn);

 private:
  std::shared_ptr<UpstreamConnection> pick();
  std::shared_ptr<UpstreamConnection> own_connection(const SendOptions& opt);
  void refresh_listen();
  void send_log_level(UpstreamConnection& conn);

  asio::io_context& io_;
  UpstreamSettings settings_;
  transport::TlsClientSide client_tls_;
  size_t index_;
  const Clock& clock_;
  bool manual_clock_;
  size_t max_message_bytes_;
  UpstreamHooks& hooks_;
  std::vector<std::shared_ptr<UpstreamConnection>> pool_;
  int next_serial_ = 1;
  bool healthy_ = true;
  bool stopping_ = false;
  bool started_ = false;  // a connection was ever opened (health checks wait for that)
  Era era_ = Era::Unknown;
  policy::CircuitBreaker breaker_;
  std::unordered_map<std::string, uint8_t> tool_hints_;
  // Crash recovery: restarts back off after repeated failures.
  int consecutive_failures_ = 0;
  int64_t next_spawn_ms_ = 0;
  std::string log_level_;
  // The one subscriptions/listen stream on a stateless-era upstream.
  bool listen_tools_ = false, listen_prompts_ = false, listen_resources_ = false;
  std::multiset<std::string> listen_uris_;
  std::weak_ptr<UpstreamConnection> listener_;
  uint64_t listen_id_ = 0;
};

}  // namespace fasterapi::proxy
