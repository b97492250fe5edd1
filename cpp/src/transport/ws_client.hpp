#pragma once
// A WebSocket client (Boost.Beast) carrying one JSON-RPC message per text frame, the way
// MCP's WebSocket variant keeps stdio's framing rules. Sends made before the connection is
// up wait for it; frames arrive through on_message; on_closed says why it ended.
#include <boost/asio/io_context.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "transport/tls.hpp"

namespace fasterapi::transport {

namespace asio = boost::asio;

class WsClient : public std::enable_shared_from_this<WsClient> {
 public:
  struct Handlers {
    std::function<void(std::string_view message)> on_message;
    std::function<void(const std::string& reason, bool was_open)> on_closed;
  };

  // With `tls` (wss://), the connection is TLS first, verifying the server for its host.
  WsClient(asio::io_context& io, size_t max_message_bytes, Handlers handlers,
           TlsClientSide tls = {});
  ~WsClient();
  void connect(const std::string& host, int port, const std::string& path,
               std::vector<std::pair<std::string, std::string>> headers);
  void send(std::string message);
  void close();
  size_t queued_bytes() const { return queued_bytes_; }

 private:
  struct Impl;
  void tls_handshake(const std::string& host, int port, const std::string& path,
                     std::vector<std::pair<std::string, std::string>> headers);
  void ws_handshake(const std::string& host, int port, const std::string& path,
                    std::vector<std::pair<std::string, std::string>> headers);
  void read();
  void write_next();
  void closed(const std::string& reason);

  std::unique_ptr<Impl> impl_;
  Handlers handlers_;
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  bool open_ = false;
  bool writing_ = false;
  bool done_ = false;
};

}  // namespace fasterapi::transport
