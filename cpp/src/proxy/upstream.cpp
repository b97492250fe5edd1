#include "proxy/upstream.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <csignal>
#include <unistd.h>

#include "common/log.hpp"
#include "policy/circuit_breaker.hpp"
#include "fasterapi/errors.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/request_skim.hpp"
#include "protocol/meta.hpp"
#include "protocol/versions.hpp"

namespace fasterapi::proxy {

namespace {
constexpr size_t kStderrLineLimit = 64 * 1024;
// How long after the child exits we wait for its stdout to drain before giving up on it.
constexpr int64_t kDrainAfterExitMs = 1000;
// A new connection is started only when every live one has this many requests in flight.
constexpr size_t kSpawnWhenBusy = 4;
// Requests written to an upstream's stdin but not yet taken by it, at most.
constexpr size_t kMaxUnwrittenBytes = 16u << 20;
// Requests waiting for a connection's handshake, at most.
constexpr size_t kMaxWaiting = 4096;

const json::object kNoCapabilities;

json::object unavailable_data(const Upstream& u, const char* reason) {
  json::object d;
  d["upstream"] = u.settings().name;
  d["reason"] = reason;
  return d;
}
}  // namespace

// ---- UpstreamConnection ------------------------------------------------------------

UpstreamConnection::UpstreamConnection(Upstream& owner, int serial, int session, json::object declare)
    : owner_(owner), serial_(serial), session_(session), declare_(std::move(declare)), pidfd_(owner.io()),
      timer_(owner.io()), stop_timer_(owner.io()) {}

UpstreamConnection::~UpstreamConnection() {
  if (io_) io_->close();
  if (stderr_) stderr_->close();
  boost::system::error_code ignored;
  pidfd_.close(ignored);
  if (child_.pid > 0 && !reaped_) {
    // Last resort (the loop is gone): never leave a child or its group behind.
    transport::signal_group(child_.pid, SIGKILL);
    int code, sig;
    for (int i = 0; i < 200 && !transport::try_reap(child_.pid, code, sig); ++i) ::usleep(5000);
  }
}

std::string UpstreamConnection::label() const {
  return owner_.settings().name + "#" + std::to_string(serial_);
}

void UpstreamConnection::open() {
  if (is_http()) return open_http();
  if (is_ws()) return open_ws();
  const auto& s = owner_.settings();
  transport::SpawnSpec spec{s.command, s.args, s.env, s.cwd};
  std::string error;
  owner_.hooks().count("upstream_spawns");
  if (!transport::spawn_child(spec, child_, error)) {
    log::error("upstream", label() + ": " + error);
    state_ = State::Closed;
    owner_.connection_failed(state_ == State::Ready);
    fail(errors::kUpstreamUnavailable, "Upstream '" + s.name + "' could not be started: " + error,
         unavailable_data(owner_, "spawn_failed"));
    owner_.connection_closed(this);
    return;
  }
  log::info("upstream", label() + ": started pid " + std::to_string(child_.pid));

  std::weak_ptr<UpstreamConnection> weak = weak_from_this();
  transport::ChannelHandlers h;
  h.on_line = [weak](std::string_view line) {
    if (auto self = weak.lock()) self->on_line(line);
  };
  h.on_oversized = [weak](size_t size) {
    auto self = weak.lock();
    if (!self) return;
    log::error("upstream", self->label() + ": sent a message over max_message_bytes (" +
                               std::to_string(size) + " bytes read of it); closing the connection");
    auto d = unavailable_data(self->owner_, "upstream_message_too_large");
    d["size"] = size;
    d["max_bytes"] = self->owner_.max_message_bytes();
    self->fail(errors::kUpstreamUnavailable,
               "Upstream '" + self->owner_.settings().name + "' sent a message over the size limit",
               std::move(d));
    self->shutdown();
  };
  // A line that never ends must not hold the calls in flight until they time out: give up
  // on the connection as soon as the limit is crossed.
  h.on_over_limit = h.on_oversized;
  h.on_read_closed = [weak] {
    if (auto self = weak.lock()) self->on_stdout_closed();
  };
  h.on_write_failed = [weak] {
    if (auto self = weak.lock()) log::warn("upstream", self->label() + ": stdin closed (broken pipe)");
  };
  io_ = std::make_shared<transport::FdChannel>(owner_.io(), child_.stdout_fd, child_.stdin_fd,
                                               owner_.max_message_bytes(), std::move(h));

  // stderr is drained line by line into our log, so a chatty child never blocks on a full pipe.
  transport::ChannelHandlers eh;
  const std::string name = label();
  eh.on_line = [name](std::string_view line) { log::info("upstream " + name, line); };
  eh.on_oversized = [name](size_t size) {
    log::info("upstream " + name, "(a stderr line of " + std::to_string(size) + " bytes, not shown)");
  };
  eh.on_read_closed = [] {};
  stderr_ = std::make_shared<transport::FdChannel>(owner_.io(), child_.stderr_fd, -1,
                                                   kStderrLineLimit, std::move(eh));
  io_->start();
  stderr_->start();
  watch_exit();

  state_ = State::Initializing;
  connect_deadline_ms_ = owner_.clock().now_ms() + s.connect_timeout_ms;
  switch (owner_.era()) {
    case Era::Stateless:
      http_version_ = std::string(protocol::kLatestStatelessVersion);
      become_ready(protocol::kLatestStatelessVersion);
      return;
    case Era::Handshake: send_initialize(); return;
    case Era::Unknown: send_discover(); return;
  }
}

void UpstreamConnection::send_discover() {
  // The era probe: a stateless-era server lists 2026-07-28; anything else (an error of
  // any code, or only handshake versions) means the handshake.
  json::object params;
  json::object meta;
  meta[protocol::kMetaProtocolVersion] = protocol::kLatestStatelessVersion;
  meta[protocol::kMetaClientCapabilities] = declare_;
  params["_meta"] = std::move(meta);
  initialize_id_ = next_id_++;
  pending_[initialize_id_] = Pending{[weak = weak_from_this()](Outcome& o) {
                                       if (auto self = weak.lock()) self->on_discovered(o);
                                     },
                                     connect_deadline_ms_};
  write(protocol::request_line(initialize_id_, "server/discover", std::move(params)));
  arm_timer();
}

void UpstreamConnection::on_discovered(Outcome& o) {
  if (!o.response) {
    owner_.connection_failed(state_ == State::Ready);
    fail(o.code, o.message, std::move(o.data));
    shutdown();
    return;
  }
  auto* result = o.response->if_contains("result");
  if (result && result->is_object()) {
    if (auto* versions = result->get_object().if_contains("supportedVersions"); versions && versions->is_array()) {
      for (auto& v : versions->get_array()) {
        if (v.is_string() && protocol::is_stateless_version(v.get_string())) {
          http_version_ = std::string(v.get_string());
          owner_.set_era(Era::Stateless);
          become_ready(v.get_string());
          return;
        }
      }
    }
  }
  owner_.set_era(Era::Handshake);
  send_initialize();
}

// Where the protocol version a Streamable HTTP upstream expects in its header is learnt.

void UpstreamConnection::send_initialize() {
  json::object params;
  params["protocolVersion"] = protocol::kLatestHandshakeVersion;
  params["capabilities"] = declare_;
  json::object info;
  info["name"] = "fasterapi-mcp-proxy";
  info["version"] = "0.1.0";
  params["clientInfo"] = std::move(info);
  initialize_id_ = next_id_++;
  pending_[initialize_id_] = Pending{[weak = weak_from_this()](Outcome& o) {
                                       if (auto self = weak.lock()) self->on_initialized(o);
                                     },
                                     connect_deadline_ms_};
  write(protocol::request_line(initialize_id_, "initialize", std::move(params)));
  arm_timer();
}

void UpstreamConnection::write(std::string line) {
  if (http_) return http_write(std::move(line));
  if (ws_) return ws_->send(std::move(line));
  if (io_) io_->send(std::move(line));
}

void UpstreamConnection::watch_exit() {
  if (child_.pidfd < 0) return;  // no pidfd: exit is noticed through stdout EOF
  boost::system::error_code ec;
  pidfd_.assign(child_.pidfd, ec);
  if (ec) return;
  pidfd_.async_wait(asio::posix::stream_descriptor::wait_read,
                    [weak = weak_from_this()](const boost::system::error_code& e) {
                      if (e) return;
                      if (auto self = weak.lock()) self->on_exit();
                    });
}

void UpstreamConnection::on_exit() {
  if (exited_) return;
  exited_ = true;
  // The leader is a zombie until reaped, so its group id cannot be reused yet: kill any
  // grandchildren still holding our pipes, then reap.
  transport::signal_group(child_.pid, SIGKILL);
  reaped_ = transport::try_reap(child_.pid, exit_code_, exit_signal_);
  owner_.hooks().count("upstream_exits");
  if (state_ != State::Closing) {
    log::warn("upstream", label() + ": exited (" +
                              (exit_signal_ ? "signal " + std::to_string(exit_signal_)
                                            : "code " + std::to_string(exit_code_)) + ")");
  }
  if (stdout_closed_) {
    stop_timer_.cancel();
    report_loss();
  } else {
    // Give the pipe a moment to drain answers written just before the exit.
    stop_timer_.expires_after(std::chrono::milliseconds(kDrainAfterExitMs));
    stop_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& e) {
      if (e) return;
      auto self = weak.lock();
      if (!self) return;
      // Still open after the exit: descendants outside the process group hold the pipes.
      const int killed = transport::kill_pipe_holders(self->io_ ? self->io_->read_fd() : -1) +
                         transport::kill_pipe_holders(self->stderr_ ? self->stderr_->read_fd() : -1);
      if (killed > 0) {
        self->owner_.hooks().count("escaped_descendants_killed");
        log::warn("upstream", self->label() + ": killed " + std::to_string(killed) +
                                  " process(es) outside its process group still holding its pipes");
      }
      self->on_stdout_closed();
    });
  }
  finish_if_done();
}

void UpstreamConnection::on_stdout_closed() {
  if (stdout_closed_) return;
  stdout_closed_ = true;
  if (exited_ || state_ == State::Closing) {
    report_loss();
    finish_if_done();
    return;
  }
  // EOF usually means the process is exiting: wait a moment for its status, so the
  // error can say how it ended, then give up on it either way.
  stop_timer_.expires_after(std::chrono::milliseconds(200));
  stop_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& e) {
    if (e) return;
    auto self = weak.lock();
    if (!self || self->exited_) return;
    self->report_loss();
    self->shutdown();  // output closed but the process lives on: it can no longer answer
  });
}

void UpstreamConnection::report_loss() {
  if (loss_reported_ || state_ == State::Closing || state_ == State::Closed) return;
  loss_reported_ = true;
  auto d = unavailable_data(owner_, "exited");
  std::string how = "closed its output";
  if (exited_) {
    if (exit_signal_) {
      d["signal"] = exit_signal_;
      how = "was killed by signal " + std::to_string(exit_signal_);
    } else {
      d["exit_code"] = exit_code_;
      how = "exited with code " + std::to_string(exit_code_);
    }
  }
  owner_.connection_failed(state_ == State::Ready);
  fail(errors::kUpstreamUnavailable, "Upstream '" + owner_.settings().name + "' " + how, std::move(d));
}

void UpstreamConnection::finish_if_done() {
  if (!(exited_ && stdout_closed_)) return;
  if (!reaped_) reaped_ = transport::try_reap(child_.pid, exit_code_, exit_signal_);
  // A descendant outside the process group may still hold the stdin pipe (a daemon that
  // closed only its output): nothing waits on it, so it would outlive us unless found here.
  const int stdin_fd = io_ ? io_->write_fd() : -1;
  if (child_.stdin_pipe != 0 && (stdin_fd < 0 || transport::pipe_has_readers(stdin_fd))) {
    const int killed = transport::kill_pipe_holders_by_inode(child_.stdin_pipe);
    if (killed > 0) {
      owner_.hooks().count("escaped_descendants_killed");
      log::warn("upstream", label() + ": killed " + std::to_string(killed) +
                                " process(es) outside its process group still holding its stdin");
    }
  }
  state_ = State::Closed;
  timer_.cancel();
  stop_timer_.cancel();
  if (io_) io_->close();
  if (stderr_) stderr_->close();
  boost::system::error_code ignored;
  pidfd_.close(ignored);
  owner_.connection_closed(this);
}

json::object* Outcome::dom() {
  if (!response && skim) {
    parsed_ = protocol::parse_skimmed(raw);
    response = &parsed_;
    skim = nullptr;
    raw = {};
  }
  return response;
}

int Outcome::answer_error_code() const {
  if (skim) return skim->has_error_code ? static_cast<int>(skim->error_code) : 0;
  if (!response) return 0;
  auto* e = response->if_contains("error");
  if (!e || !e->is_object()) return 0;
  auto* c = e->get_object().if_contains("code");
  return c && c->is_int64() ? static_cast<int>(c->get_int64()) : 0;
}

void UpstreamConnection::on_line(std::string_view line) {
  // The common answer goes back without a document, when its caller can take it so.
  protocol::AnswerSkim skim;
  if (protocol::skim_answer(line, skim)) {
    auto it = pending_.find(skim.id);
    if (it != pending_.end() && it->second.raw_answer) {
      Completion done = std::move(it->second.done);
      pending_.erase(it);
      Outcome o;
      o.raw = line;
      o.skim = &skim;
      done(o);
      return;
    }
  }
  boost::system::error_code ec;
  json::value msg = json::parse(line, ec);
  if (ec) {
    owner_.hooks().count("upstream_noise_lines");
    log::warn("upstream", label() + ": ignored a line that is not JSON (" +
                              std::to_string(line.size()) + " bytes)");
    return;
  }
  auto env = protocol::classify(msg);
  switch (env.type) {
    case protocol::MessageType::Response: on_response(*env.obj, *env.id); return;
    case protocol::MessageType::Request: on_upstream_request(*env.obj, env.method); return;
    case protocol::MessageType::Notification:
      if (owner_.hooks().on_notification) owner_.hooks().on_notification(owner_.index(), *env.obj);
      return;
    case protocol::MessageType::Invalid:
      owner_.hooks().count("upstream_noise_lines");
      log::warn("upstream", label() + ": ignored an invalid JSON-RPC message (" +
                                std::string(env.invalid_reason ? env.invalid_reason : "?") + ")");
      return;
  }
}

void UpstreamConnection::on_response(json::object& msg, json::value& id) {
  uint64_t key = 0;
  if (id.is_uint64()) key = id.get_uint64();
  else if (id.is_int64() && id.get_int64() > 0) key = static_cast<uint64_t>(id.get_int64());
  auto it = key ? pending_.find(key) : pending_.end();
  if (it == pending_.end()) {
    // Late (after a timeout or cancel), duplicated, or never ours: nobody is waiting.
    owner_.hooks().count("upstream_unmatched_responses");
    log::debug("upstream", label() + ": dropped a response with an unknown id");
    return;
  }
  Completion done = std::move(it->second.done);
  pending_.erase(it);
  Outcome o;
  o.response = &msg;
  done(o);
}

void UpstreamConnection::on_initialized(Outcome& o) {
  const auto& name = owner_.settings().name;
  if (!o.response) {
    owner_.connection_failed(state_ == State::Ready);
    fail(o.code, o.message, std::move(o.data));
    shutdown();
    return;
  }
  auto* result = o.response->if_contains("result");
  std::string_view version;
  if (result && result->is_object()) version = protocol::string_at(result->get_object(), "protocolVersion");
  if (!result || !result->is_object()) {
    auto d = unavailable_data(owner_, "initialize_failed");
    if (auto* err = o.response->if_contains("error")) d["upstream_error"] = *err;
    owner_.connection_failed(state_ == State::Ready);
    fail(errors::kUpstreamUnavailable, "Upstream '" + name + "' refused initialize", std::move(d));
    shutdown();
    return;
  }
  if (!protocol::is_handshake_version(version)) {
    auto d = unavailable_data(owner_, "unsupported_protocol_version");
    d["protocol_version"] = version;
    owner_.connection_failed(state_ == State::Ready);
    fail(errors::kUpstreamUnavailable,
         "Upstream '" + name + "' answered with unsupported protocol version '" + std::string(version) + "'",
         std::move(d));
    shutdown();
    return;
  }
  http_version_ = std::string(version);
  write(protocol::notification_line("notifications/initialized", {}));
  become_ready(version);
}

void UpstreamConnection::become_ready(std::string_view version) {
  state_ = State::Ready;
  log::info("upstream", label() + ": ready (protocol " + std::string(version) + ")");
  if (http_ && owner_.era() == Era::Handshake) http_open_get_stream();
  // First what the proxy itself needs (its subscriptions/listen stream, the log level), so
  // no notification caused by a queued request is missed; then the queued requests.
  owner_.connection_ready(this);
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& [id, w] : waiting)
    if (pending_.count(id)) transmit(id, w.msg, w.stamp_capabilities);
}

void UpstreamConnection::transmit(uint64_t id, json::object& msg, const json::object& stamp_capabilities) {
  if (owner_.era() == Era::Stateless) {
    const std::string_view method = protocol::string_at(msg, "method");
    if (method == "resources/subscribe" || method == "resources/unsubscribe") {
      // The stateless era has no subscribe RPC: the URI joins (or leaves) the upstream's
      // one subscriptions/listen stream, and the client's request succeeds.
      auto* params = protocol::params_of(msg);
      const std::string uri(params ? protocol::string_at(*params, "uri") : "");
      if (method == "resources/subscribe") owner_.listen_add(uri);
      else owner_.listen_remove(uri);
      asio::post(owner_.io(), [weak = weak_from_this(), id] {
        auto self = weak.lock();
        if (!self) return;
        auto it = self->pending_.find(id);
        if (it == self->pending_.end()) return;
        Completion done = std::move(it->second.done);
        self->pending_.erase(it);
        json::object reply;
        reply["jsonrpc"] = "2.0";
        reply["id"] = id;
        reply["result"] = json::object();
        Outcome o;
        o.response = &reply;
        done(o);
      });
      return;
    }
    protocol::stamp_stateless_meta(msg, stamp_capabilities);
  } else {
    protocol::strip_stateless_meta(msg);
  }
  write(protocol::to_line(msg));
}

void UpstreamConnection::write_message(const json::object& msg) {
  if (state_ == State::Ready) write(protocol::to_line(msg));
}

void UpstreamConnection::on_upstream_request(json::object& msg, std::string_view method) {
  const json::value id = msg["id"];
  if (method == "ping") {
    write(protocol::result_line(id, json::object()));
    return;
  }
  // Server-to-client requests (sampling, elicitation, roots) go to the client that owns
  // this connection; a shared connection declared none of them, so it gets a refusal.
  if (session_ != 0 && owner_.hooks().on_server_request) {
    owner_.hooks().on_server_request(owner_.index(), session_, weak_from_this(), msg);
    return;
  }
  json::object d;
  d["method"] = method;
  write(protocol::error_line(id, errors::kMethodNotFound, "Method not supported by the proxy", std::move(d)));
}

uint64_t UpstreamConnection::send(json::object& msg, Completion done, const SendOptions& opt) {
  // A plain request goes out as its own line, with our id spliced in, when it is written
  // now to a handshake-era upstream (nothing to stamp); in every other case as a document.
  const bool write_plain = !opt.plain.empty() && state_ == State::Ready && owner_.era() == Era::Handshake &&
                           usable() && !(io_ && io_->queued_bytes() > kMaxUnwrittenBytes);
  if (!opt.plain.empty() && !write_plain && msg.empty()) msg = protocol::parse_skimmed(opt.plain);
  if (!usable()) {
    Outcome o;
    if (last_error_code_) {
      o.code = last_error_code_;
      o.message = last_error_message_;
      o.data = last_error_data_;
    } else {
      o.code = errors::kUpstreamUnavailable;
      o.message = "Upstream '" + owner_.settings().name + "' is not connected";
      o.data = unavailable_data(owner_, "not_connected");
    }
    o.delivery = Delivery::NotSent;
    o.unsent = &msg;
    done(o);
    return 0;
  }
  if (io_ && io_->queued_bytes() > kMaxUnwrittenBytes) {
    // The upstream stopped reading its stdin: refuse rather than queue without bound.
    owner_.hooks().count("upstream_backpressure");
    Outcome o;
    o.code = errors::kUpstreamUnavailable;
    o.message = "Upstream '" + owner_.settings().name + "' is not reading its input";
    o.data = unavailable_data(owner_, "upstream_backpressure");
    o.delivery = Delivery::NotSent;
    o.unsent = &msg;
    done(o);
    return 0;
  }
  const uint64_t id = next_id_++;
  if (!write_plain) msg["id"] = id;
  const json::object& caps = opt.stamp_capabilities ? *opt.stamp_capabilities : kNoCapabilities;
  if (opt.no_deadline) {
    pending_.emplace(id, Pending{std::move(done), INT64_MAX, opt.raw_answer});
  } else {
    const int64_t now = opt.now_ms >= 0 ? opt.now_ms : owner_.clock().now_ms();
    const int64_t deadline = now + owner_.settings().request_timeout_ms;
    pending_.emplace(id, Pending{std::move(done), deadline, opt.raw_answer});
    deadlines_.emplace_back(deadline, id);
    if (deadlines_.size() == 1) arm_timer();
  }
  if (write_plain) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, id).ptr;
    write(protocol::splice_id(opt.plain, opt.plain_id_begin, opt.plain_id_end,
                              std::string_view(digits, static_cast<size_t>(end - digits))));
  } else if (state_ == State::Ready) {
    transmit(id, msg, caps);
  } else if (waiting_.size() < kMaxWaiting) waiting_.emplace_back(id, Waiting{std::move(msg), caps});
  else {
    auto it = pending_.find(id);
    Completion d = std::move(it->second.done);
    pending_.erase(it);
    owner_.hooks().count("upstream_backpressure");
    Outcome o;
    o.code = errors::kUpstreamUnavailable;
    o.message = "Upstream '" + owner_.settings().name + "' has too many requests waiting for it to start";
    o.data = unavailable_data(owner_, "queue_full");
    o.delivery = Delivery::NotSent;
    o.unsent = &msg;
    d(o);
    return 0;
  }
  return id;
}

void UpstreamConnection::cancel(uint64_t id, std::string_view reason) {
  if (pending_.erase(id) == 0) return;
  if (state_ != State::Ready) return;  // not written yet or connection gone
  json::object params;
  params["requestId"] = id;
  params["reason"] = reason;
  write(protocol::notification_line("notifications/cancelled", std::move(params)));
}

void UpstreamConnection::arm_timer() {
  if (owner_.manual_clock()) return;  // the manual clock's owner drives sweep()
  int64_t next = connect_deadline_ms_ && state_ != State::Ready ? connect_deadline_ms_ : INT64_MAX;
  if (!deadlines_.empty()) next = std::min(next, deadlines_.front().first);
  if (next == INT64_MAX) return;
  const int64_t wait = std::max<int64_t>(0, next - owner_.clock().now_ms());
  timer_.expires_after(std::chrono::milliseconds(wait));
  timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& e) {
    if (e) return;
    if (auto self = weak.lock()) self->sweep(self->owner_.clock().now_ms());
  });
}

void UpstreamConnection::sweep(int64_t now_ms) {
  if (state_ == State::Initializing && connect_deadline_ms_ && now_ms >= connect_deadline_ms_) {
    auto d = unavailable_data(owner_, "connect_timeout");
    d["connect_timeout_ms"] = owner_.settings().connect_timeout_ms;
    log::error("upstream", label() + ": no answer to initialize within connect_timeout_ms");
    pending_.erase(initialize_id_);
    owner_.connection_failed(state_ == State::Ready);
    fail(errors::kUpstreamUnavailable,
         "Upstream '" + owner_.settings().name + "' did not start within connect_timeout_ms",
         std::move(d));
    shutdown();
    return;
  }
  while (!deadlines_.empty() && deadlines_.front().first <= now_ms) {
    const uint64_t id = deadlines_.front().second;
    deadlines_.pop_front();
    auto it = pending_.find(id);
    if (it == pending_.end()) continue;  // answered or cancelled already
    Completion done = std::move(it->second.done);
    cancel(id, "request_timeout_ms elapsed");
    owner_.hooks().count("timeouts");
    Outcome o;
    o.code = errors::kUpstreamTimeout;
    o.message = "Upstream '" + owner_.settings().name + "' did not answer within request_timeout_ms";
    o.data["upstream"] = owner_.settings().name;
    o.data["reason"] = "timeout";
    o.data["timeout_ms"] = owner_.settings().request_timeout_ms;
    done(o);
  }
  // Drop stale entries so the queue tracks only live requests.
  while (!deadlines_.empty() && !pending_.count(deadlines_.front().second)) deadlines_.pop_front();
  arm_timer();
}

void UpstreamConnection::fail(int code, const std::string& message, json::object data) {
  if (last_error_code_ == 0) {
    last_error_code_ = code;
    last_error_message_ = message;
    last_error_data_ = data;
  }
  auto pending = std::move(pending_);
  pending_.clear();
  deadlines_.clear();
  // Requests still waiting for the handshake were never written: the caller may send them
  // elsewhere, and gets them back for that.
  std::unordered_map<uint64_t, json::object*> unsent;
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& [id, w] : waiting) unsent[id] = &w.msg;
  for (auto& [id, p] : pending) {
    if (id == initialize_id_) continue;
    Outcome o;
    o.code = code;
    o.message = message;
    o.data = data;
    if (auto it = unsent.find(id); it != unsent.end()) {
      o.delivery = Delivery::NotSent;
      o.unsent = it->second;
    }
    p.done(o);
  }
}

void UpstreamConnection::shutdown() {
  if (state_ == State::Closing || state_ == State::Closed) return;
  if (http_ || ws_) {
    // No process to stop: answer what is pending, drop the connections.
    state_ = State::Closing;
    json::object d;
    d["upstream"] = owner_.settings().name;
    d["reason"] = "shutting_down";
    if (!pending_.empty())
      fail(errors::kShuttingDown, "The proxy is closing the connection to upstream '" + owner_.settings().name + "'",
           std::move(d));
    if (http_) http_->close();
    if (ws_) ws_->close();
    state_ = State::Closed;
    timer_.cancel();
    owner_.connection_closed(this);
    return;
  }
  const bool was_running = child_.pid > 0;
  state_ = State::Closing;
  if (!pending_.empty()) {
    json::object d;
    d["upstream"] = owner_.settings().name;
    d["reason"] = "shutting_down";
    fail(errors::kShuttingDown, "The proxy is closing the connection to upstream '" +
                                    owner_.settings().name + "'", std::move(d));
  }
  if (!was_running) {
    state_ = State::Closed;
    owner_.connection_closed(this);
    return;
  }
  if (io_) io_->close_write_when_flushed();  // step 1: EOF on the child's stdin
  escalate(1);
}

void UpstreamConnection::escalate(int step) {
  if (exited_) return;
  stop_timer_.expires_after(std::chrono::milliseconds(owner_.settings().shutdown_grace_ms));
  stop_timer_.async_wait([weak = weak_from_this(), step](const boost::system::error_code& e) {
    if (e) return;
    auto self = weak.lock();
    if (!self || self->exited_) return;
    if (step == 1) {
      log::warn("upstream", self->label() + ": still running after stdin closed; SIGTERM");
      transport::signal_group(self->child_.pid, SIGTERM);
      self->escalate(2);
    } else if (step == 2) {
      log::warn("upstream", self->label() + ": still running after SIGTERM; SIGKILL");
      transport::signal_group(self->child_.pid, SIGKILL);
      self->escalate(3);
    } else if (self->child_.pidfd < 0) {
      // Without a pidfd the exit is found by polling.
      int code, sig;
      if (transport::try_reap(self->child_.pid, code, sig)) {
        self->reaped_ = true;
        self->exit_code_ = code;
        self->exit_signal_ = sig;
        self->on_exit();
      } else {
        self->escalate(3);
      }
    }
  });
}

// ---- Upstream (the pool) -----------------------------------------------------------

Upstream::Upstream(asio::io_context& io, const UpstreamSettings& settings, size_t index,
                   const Clock& clock, bool manual_clock, size_t max_message_bytes,
                   UpstreamHooks& hooks, const policy::BreakerConfig& breaker)
    : io_(io), settings_(settings), index_(index), clock_(clock), manual_clock_(manual_clock),
      max_message_bytes_(max_message_bytes), hooks_(hooks), breaker_(breaker) {}

namespace {
// Restart backoff after `failures` consecutive failed or crashed connections: the first
// restart is immediate, then 100 ms doubling up to 30 s.
int64_t restart_backoff_ms(int failures) {
  if (failures <= 1) return 0;
  return std::min<int64_t>(30000, int64_t{100} << std::min(failures - 2, 9));
}
}  // namespace

void Upstream::connection_failed(bool was_serving) {
  healthy_ = false;
  if (!was_serving) breaker_.on_failure(clock_.now_ms());
  ++consecutive_failures_;
  const int64_t backoff = restart_backoff_ms(consecutive_failures_);
  next_spawn_ms_ = clock_.now_ms() + backoff;
  if (settings_.eager_start && !stopping_ && hooks_.after) {
    // An upstream meant to be running is brought back without waiting for a request.
    hooks_.after(backoff, [this] {
      if (stopping_) return;
      for (auto& c : pool_)
        if (c->usable() && c->session() == 0) return;
      pick();
    });
  }
}

int64_t Upstream::restart_wait_ms() const {
  for (auto& c : pool_)
    if (c->usable() && c->session() == 0) return 0;
  return std::max<int64_t>(0, next_spawn_ms_ - clock_.now_ms());
}

void Upstream::health_check() {
  if (stopping_ || !started_ || era_ == Era::Unknown) return;
  json::object msg;
  msg["jsonrpc"] = "2.0";
  msg["method"] = era_ == Era::Stateless ? "server/discover" : "ping";
  msg["params"] = json::object();
  hooks_.count("health_checks");
  send(msg, [this](Outcome& o) {
    if (stopping_) return;
    const bool ok = o.response && o.response->contains("result");
    if (!ok) {
      hooks_.count("health_check_failures");
      log::warn("upstream", settings_.name + ": health check failed" + (o.response ? "" : ": " + o.message));
    }
    healthy_ = ok;
  });
}

void Upstream::learn_tool_hints(const json::object& tool) {
  auto* name = tool.if_contains("name");
  if (!name || !name->is_string()) return;
  uint8_t bits = 0;
  if (auto* a = tool.if_contains("annotations"); a && a->is_object()) {
    auto flag = [&](std::string_view k) {
      auto* v = a->get_object().if_contains(k);
      return v && v->is_bool() && v->get_bool();
    };
    if (flag("readOnlyHint")) bits |= kReadOnly;
    if (flag("idempotentHint")) bits |= kIdempotent;
  }
  tool_hints_[std::string(name->get_string())] = bits;
}

std::shared_ptr<UpstreamConnection> Upstream::pick() {
  std::shared_ptr<UpstreamConnection> best;
  for (auto& c : pool_) {
    if (!c->usable() || c->session() != 0) continue;
    if (!best || c->in_flight() < best->in_flight()) best = c;
  }
  const size_t live = std::count_if(pool_.begin(), pool_.end(),
                                    [](auto& c) { return c->usable() && c->session() == 0; });
  // An HTTP upstream is one MCP session; its client pools the TCP connections.
  const size_t max_live = settings_.transport_type == "http" ? 1 : static_cast<size_t>(settings_.max_connections);
  if (!best || (best->in_flight() >= kSpawnWhenBusy && live < max_live)) {
    if (!best && clock_.now_ms() < next_spawn_ms_) return nullptr;  // backing off after crashes
    started_ = true;
    auto conn = std::make_shared<UpstreamConnection>(*this, next_serial_++, 0, json::object());
    pool_.push_back(conn);
    conn->open();
    if (conn->usable()) return conn;
    return best ? best : conn;  // conn already failed; send() reports that
  }
  return best;
}

std::shared_ptr<UpstreamConnection> Upstream::own_connection(const SendOptions& opt) {
  for (auto& c : pool_)
    if (c->session() == opt.session && c->usable()) return c;
  started_ = true;
  auto conn = std::make_shared<UpstreamConnection>(*this, next_serial_++, opt.session,
                                                   opt.declare ? *opt.declare : json::object());
  pool_.push_back(conn);
  conn->open();
  return conn;
}

void Upstream::release_session(int session) {
  auto pool = pool_;
  for (auto& c : pool)
    if (c->session() == session) c->shutdown();
}

void Upstream::notify_session(int session, const json::object& notification) {
  for (auto& c : pool_)
    if (c->session() == session) c->write_message(notification);
}

Ticket Upstream::send(json::object& msg, Completion done, const SendOptions& opt) {
  if (stopping_) {
    Outcome o;
    o.code = errors::kShuttingDown;
    o.message = "The proxy is shutting down";
    o.data["upstream"] = settings_.name;
    o.data["reason"] = "shutting_down";
    o.delivery = Delivery::NotSent;
    o.unsent = &msg;
    done(o);
    return {};
  }
  // A stateless-era upstream sends no server-to-client requests: no need for a session's
  // own connection there.
  auto conn = opt.session != 0 && era_ != Era::Stateless ? own_connection(opt) : pick();
  if (!conn) {
    Outcome o;
    o.code = errors::kUpstreamUnavailable;
    o.message = "Upstream '" + settings_.name + "' is restarting after repeated failures";
    o.data = unavailable_data(*this, "restarting");
    o.data["retry_after_ms"] = next_spawn_ms_ - clock_.now_ms();
    o.delivery = Delivery::NotSent;
    o.unsent = &msg;
    done(o);
    return {};
  }
  const uint64_t id = conn->send(msg, std::move(done), opt);
  return Ticket{conn, id};
}

void Upstream::start_eagerly() {
  if (pool_.empty()) pick();
}

void Upstream::sweep(int64_t now_ms) {
  auto pool = pool_;  // sweeping may close connections
  for (auto& c : pool) c->sweep(now_ms);
}

void Upstream::shutdown_all() {
  stopping_ = true;
  auto pool = pool_;
  for (auto& c : pool) c->shutdown();
}

bool Upstream::all_closed() const { return pool_.empty(); }

void Upstream::connection_ready(UpstreamConnection* conn) {
  healthy_ = true;
  consecutive_failures_ = 0;
  next_spawn_ms_ = 0;
  if (era_ == Era::Handshake && !log_level_.empty()) send_log_level(*conn);
  if (era_ == Era::Stateless && !listener_.lock()) refresh_listen();
}

void Upstream::send_log_level(UpstreamConnection& conn) {
  json::object params;
  params["level"] = log_level_;
  json::object msg;
  msg["jsonrpc"] = "2.0";
  msg["method"] = "logging/setLevel";
  msg["params"] = std::move(params);
  conn.send(msg, [](Outcome&) {});  // the answer is of no interest; a refusal changes nothing
}

void Upstream::set_log_level(const std::string& level) {
  log_level_ = level;
  if (era_ != Era::Handshake) return;  // stateless: the level travels in each request's _meta
  auto pool = pool_;
  for (auto& c : pool) {
    if (c->state() != UpstreamConnection::State::Ready) continue;
    send_log_level(*c);
  }
}

void Upstream::listen_add(const std::string& uri) {
  listen_uris_.insert(uri);
  refresh_listen();
}

void Upstream::listen_remove(const std::string& uri) {
  auto it = listen_uris_.find(uri);
  if (it != listen_uris_.end()) listen_uris_.erase(it);
  refresh_listen();
}

void Upstream::refresh_listen() {
  if (era_ != Era::Stateless || stopping_) return;
  // One stream per upstream: replacing it is simpler than editing it (the spec has no edit).
  auto current = listener_.lock();
  if (current && listen_id_) current->cancel(listen_id_, "subscription replaced");
  listener_.reset();
  listen_id_ = 0;
  if (!listen_tools_ && !listen_prompts_ && !listen_resources_ && listen_uris_.empty()) return;
  std::shared_ptr<UpstreamConnection> conn;
  if (current && current->state() == UpstreamConnection::State::Ready) conn = current;
  for (auto& c : pool_)
    if (!conn && c->session() == 0 && c->state() == UpstreamConnection::State::Ready) conn = c;
  if (!conn) return;  // the next connection to become ready opens it
  json::object filter;
  if (listen_tools_) filter["toolsListChanged"] = true;
  if (listen_prompts_) filter["promptsListChanged"] = true;
  if (listen_resources_) filter["resourcesListChanged"] = true;
  if (!listen_uris_.empty()) {
    json::array uris;
    for (auto it = listen_uris_.begin(); it != listen_uris_.end(); it = listen_uris_.upper_bound(*it))
      uris.emplace_back(*it);
    filter["resourceSubscriptions"] = std::move(uris);
  }
  json::object params;
  params["notifications"] = std::move(filter);
  json::object msg;
  msg["jsonrpc"] = "2.0";
  msg["method"] = "subscriptions/listen";
  msg["params"] = std::move(params);
  SendOptions opt;
  opt.no_deadline = true;
  auto id = std::make_shared<uint64_t>(0);
  *id = conn->send(msg, [this, id](Outcome& o) {
    if (listen_id_ != *id) return;
    listen_id_ = 0;
    listener_.reset();
    if (stopping_) return;
    if (!o.response || o.response->contains("error"))
      log::warn("upstream", settings_.name + ": subscriptions/listen ended: " +
                                (o.response ? json::serialize(o.response->at("error")) : o.message));
  }, opt);
  if (*id) {
    listener_ = conn;
    listen_id_ = *id;
  }
}

void Upstream::connection_closed(UpstreamConnection* conn) {
  if (listener_.lock().get() == conn) {
    listener_.reset();
    listen_id_ = 0;
    asio::post(io_, [this] { refresh_listen(); });
  }
  // Keep the object alive until the current handler returns.
  for (auto it = pool_.begin(); it != pool_.end(); ++it) {
    if (it->get() == conn) {
      auto keep = *it;
      pool_.erase(it);
      asio::post(io_, [keep, this] {
        if (hooks_.on_connection_closed) hooks_.on_connection_closed();
      });
      return;
    }
  }
}

}  // namespace fasterapi::proxy
