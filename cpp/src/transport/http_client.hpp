#pragma once
// An HTTP/1.1 client for one upstream origin (Boost.Beast), with a keep-alive pool of at
// most `max_connections`. A response body is handed over as messages: the whole body when
// it is JSON, or each event's data when it is an SSE stream (read as it arrives).
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "transport/tls.hpp"

namespace fasterapi::transport {

namespace asio = boost::asio;

struct HttpTarget {
  std::string host;
  int port = 80;
  std::string path = "/";
  // https:// (and wss://): each connection starts with a TLS handshake that verifies the
  // server's certificate for `host` against this context's trust store.
  TlsClientSide tls;
};

struct HttpCall {
  std::string method = "POST";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The status line and headers arrived (lower-cased names).
  std::function<void(int status, const std::vector<std::pair<std::string, std::string>>& headers)> on_head;
  // One message: a JSON body, or one SSE event's data.
  std::function<void(std::string_view message)> on_message;
  // The exchange ended; `error` empty on success. `connected`: the request may have been sent.
  std::function<void(const std::string& error, bool connected)> on_done;
};

class HttpClientConnection;

class HttpClient : public std::enable_shared_from_this<HttpClient> {
 public:
  HttpClient(asio::io_context& io, HttpTarget target, size_t max_connections, size_t max_message_bytes);
  ~HttpClient();
  void request(std::shared_ptr<HttpCall> call);
  void close();
  const HttpTarget& target() const { return target_; }

 private:
  friend class HttpClientConnection;
  void idle(std::shared_ptr<HttpClientConnection> conn);
  void finished(HttpClientConnection* conn);

  asio::io_context& io_;
  HttpTarget target_;
  size_t max_connections_;
  size_t max_message_bytes_;
  std::vector<std::shared_ptr<HttpClientConnection>> all_;
  std::vector<std::shared_ptr<HttpClientConnection>> idle_;
  std::vector<std::shared_ptr<HttpCall>> waiting_;
  bool closed_ = false;
};

}  // namespace fasterapi::transport
