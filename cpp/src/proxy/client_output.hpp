#pragma once
// Where a client session's messages go. Over stdio every message is a line on one pipe;
// over Streamable HTTP each answer goes back on the POST that asked, messages belonging to a
// request go on that POST's SSE stream, and the rest on the session's GET stream
// (http_front.cpp). The session says which request each message belongs to.
#include <memory>
#include <string>
#include <string_view>

#include "transport/fd_channel.hpp"

namespace fasterapi::proxy {

class ClientOutput {
 public:
  virtual ~ClientOutput() = default;
  // `request_key` (id_key of a client request, "" for none): the request this message
  // answers or belongs to. `final`: it is that request's answer; `error_code` its code if
  // an error (HTTP maps some to a status).
  virtual void send(std::string line, std::string_view request_key, bool final, int error_code) = 0;
  // The handshake completed (HTTP: the session gets its Mcp-Session-Id).
  virtual void session_established() {}
  // A request was read (HTTP: the POST being handled carries it).
  virtual void request_started(std::string_view /*request_key*/) {}
  // Output queued and not yet taken by the client.
  virtual size_t queued_bytes() const = 0;
  // No more input will be read.
  virtual void stop_input() {}
  // Nothing is in flight or listening any more (HTTP: a stateless POST's session can go).
  virtual void session_idle() {}
  // The session ended: flush what is queued, then close.
  virtual void finish() = 0;
};

// stdio (or any fd pair): every message is a line, in order.
class FdOutput final : public ClientOutput {
 public:
  explicit FdOutput(std::shared_ptr<transport::FdChannel> channel) : channel_(std::move(channel)) {}
  void send(std::string line, std::string_view, bool, int) override { channel_->send(std::move(line)); }
  size_t queued_bytes() const override { return channel_->queued_bytes(); }
  void stop_input() override { channel_->stop_reading(); }
  void finish() override {
    channel_->stop_reading();
    channel_->close_write_when_flushed();
  }

 private:
  std::shared_ptr<transport::FdChannel> channel_;
};

}  // namespace fasterapi::proxy
