#pragma once
// An HTTP/1.1 server on the proxy's event loop (Boost.Beast): reads requests with limits
// on header and body size and a read timeout, hands each to a handler, and writes either
// one response or a chunked stream (SSE), over plain TCP or TLS. Knows nothing of MCP (that
// is proxy/http_front).
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "transport/http_request.hpp"
#include "transport/tls.hpp"

namespace fasterapi::transport {

namespace asio = boost::asio;

class HttpConnection;

// The answer to one request: a whole response, or a stream of chunks.
class HttpExchange : public std::enable_shared_from_this<HttpExchange> {
 public:
  explicit HttpExchange(std::shared_ptr<HttpConnection> conn) : conn_(std::move(conn)) {}
  void respond(int status, HttpHeaders headers, std::string body);
  void start_stream(int status, HttpHeaders headers);
  void stream(std::string data);
  void end_stream();
  bool streaming() const { return streaming_; }
  bool done() const { return done_; }
  bool closed() const;  // the client went away
  size_t queued_bytes() const;
  // Called once if the client goes away before the answer is complete.
  std::function<void()> on_abandoned;

 private:
  friend class HttpConnection;
  // Keeps the connection alive while the answer is awaited (the cycle ends when the
  // answer is written or the client goes away).
  std::shared_ptr<HttpConnection> conn_;
  bool streaming_ = false;
  bool done_ = false;
};

using HttpHandler = std::function<void(HttpRequest& request, std::shared_ptr<HttpExchange> exchange)>;

class HttpServer {
 public:
  // With `tls`, every connection starts with a TLS handshake (bounded by read_timeout_ms).
  HttpServer(asio::io_context& io, HttpLimits limits, HttpHandler handler,
             std::shared_ptr<asio::ssl::context> tls = nullptr);
  ~HttpServer();
  // Binds and listens; returns the port (useful with port 0). Throws std::runtime_error.
  int listen(const std::string& host, int port);
  void stop_accepting();
  void stop();
  bool loopback() const { return loopback_; }
  bool tls() const { return tls_ != nullptr; }

 private:
  void accept();

  asio::io_context& io_;
  HttpLimits limits_;
  HttpHandler handler_;
  asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<asio::ssl::context> tls_;
  std::vector<std::weak_ptr<HttpConnection>> connections_;
  bool loopback_ = true;
};

}  // namespace fasterapi::transport
