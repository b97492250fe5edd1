#include "transport/http_server.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <stdexcept>

#include "common/log.hpp"

namespace fasterapi::transport {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// One TCP connection: reads requests one at a time; the exchange of the current request
// writes its answer through the connection's ordered write queue.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(tcp::socket socket, const HttpLimits& limits, HttpHandler& handler)
      : stream_(std::move(socket)), limits_(limits), handler_(handler) {}

  void start() { read_request(); }

  void close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
    abandon();
  }

  bool closed() const { return closed_; }
  size_t queued_bytes() const { return queued_bytes_; }

  // Write queue: each op writes one thing, then calls next().
  void enqueue(std::function<void(std::function<void(bool ok)>)> op, size_t bytes) {
    if (closed_) return;
    queued_bytes_ += bytes;
    ops_.push_back({std::move(op), bytes});
    if (!writing_) write_next();
  }

  void respond(HttpExchange& ex, int status, HttpHeaders headers, std::string body) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
    res->set(http::field::server, "fasterapi-mcp");
    for (auto& [k, v] : headers) res->set(k, v);
    res->keep_alive(keep_alive_);
    res->body() = std::move(body);
    res->prepare_payload();
    const size_t n = res->body().size();
    ex.done_ = true;
    auto self = shared_from_this();
    enqueue([self, res](std::function<void(bool)> next) {
      http::async_write(self->stream_, *res, [res, next](beast::error_code ec, size_t) { next(!ec); });
    }, n);
    finish_exchange();
  }

  void start_stream(HttpExchange& ex, int status, HttpHeaders headers) {
    auto res = std::make_shared<http::response<http::empty_body>>(static_cast<http::status>(status), 11);
    res->set(http::field::server, "fasterapi-mcp");
    for (auto& [k, v] : headers) res->set(k, v);
    res->keep_alive(keep_alive_);
    res->chunked(true);
    ex.streaming_ = true;
    auto self = shared_from_this();
    enqueue([self, res](std::function<void(bool)> next) {
      auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
      http::async_write_header(self->stream_, *sr, [res, sr, next](beast::error_code ec, size_t) { next(!ec); });
    }, 0);
    watch_for_close();
  }

  void stream(std::string data) {
    auto buf = std::make_shared<std::string>(std::move(data));
    auto self = shared_from_this();
    enqueue([self, buf](std::function<void(bool)> next) {
      asio::async_write(self->stream_, http::make_chunk(asio::buffer(*buf)),
                        [buf, next](beast::error_code ec, size_t) { next(!ec); });
    }, buf->size());
  }

  void end_stream(HttpExchange& ex) {
    ex.done_ = true;
    auto self = shared_from_this();
    enqueue([self](std::function<void(bool)> next) {
      asio::async_write(self->stream_, http::make_chunk_last(), [next](beast::error_code ec, size_t) { next(!ec); });
    }, 0);
    finish_exchange();
  }

 private:
  void read_request() {
    if (closed_) return;
    parser_.emplace();
    apply_limits(*parser_, limits_);
    stream_.expires_after(std::chrono::milliseconds(limits_.read_timeout_ms));
    auto self = shared_from_this();
    http::async_read(stream_, buffer_, *parser_, [self](beast::error_code ec, size_t) { self->on_request(ec); });
  }

  void on_request(beast::error_code ec) {
    if (closed_) return;
    stream_.expires_never();
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      const bool body = ec == http::error::body_limit;
      keep_alive_ = false;
      auto ex = std::make_shared<HttpExchange>(shared_from_this());
      current_ = ex;
      respond(*ex, body ? 413 : 431, {{"Content-Type", "application/json"}},
              body ? "{\"error\":\"request body too large\"}" : "{\"error\":\"request headers too large\"}");
      return;
    }
    if (ec) {  // timeout, reset, EOF, malformed: nothing more to read on this connection
      if (ec != http::error::end_of_stream && ec != asio::error::operation_aborted)
        log::debug("http", "connection closed: " + ec.message());
      close();
      return;
    }
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    HttpRequest req = to_http_request(std::move(msg));
    auto ex = std::make_shared<HttpExchange>(shared_from_this());
    current_ = ex;
    handler_(req, ex);
    // Answered later (an upstream's reply): notice meanwhile if the client goes away.
    if (!ex->done_ && !ex->streaming_) watch_for_close();
  }

  void finish_exchange() {
    // The next request is read once this answer is on its way.
    auto ex = current_;
    current_.reset();
    if (!keep_alive_) {
      auto self = shared_from_this();
      enqueue([self](std::function<void(bool)> next) {
        beast::error_code ignored;
        self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        next(false);
      }, 0);
      return;
    }
    if (watching_) return;  // the close watcher's read ends first; it restarts reading
    read_request();
  }

  // While a stream is open nothing is read, except to notice the client going away.
  void watch_for_close() {
    if (watching_) return;
    watching_ = true;
    auto self = shared_from_this();
    stream_.socket().async_wait(tcp::socket::wait_read, [self](beast::error_code ec) {
      self->watching_ = false;
      if (self->closed_) return;
      if (ec) return self->close();
      // Readable: either EOF (gone) or a pipelined request, which we do not take mid-stream.
      char probe;
      beast::error_code peek_ec;
      const size_t n = self->stream_.socket().receive(asio::buffer(&probe, 1), tcp::socket::message_peek, peek_ec);
      if (peek_ec || n == 0) return self->close();
      if (!self->current_) self->read_request();
    });
  }

  void abandon() {
    auto ex = current_;
    current_.reset();
    if (ex && !ex->done_) {
      ex->done_ = true;
      auto cb = std::move(ex->on_abandoned);
      ex->conn_.reset();
      if (cb) cb();
    }
  }

  void write_next() {
    if (ops_.empty() || closed_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    auto op = std::move(ops_.front());
    ops_.pop_front();
    auto self = shared_from_this();
    const size_t bytes = op.second;
    op.first([self, bytes](bool ok) {
      self->queued_bytes_ -= bytes;
      if (!ok) return self->close();
      self->write_next();
    });
  }

  beast::tcp_stream stream_;
  const HttpLimits& limits_;
  HttpHandler& handler_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::shared_ptr<HttpExchange> current_;
  std::deque<std::pair<std::function<void(std::function<void(bool)>)>, size_t>> ops_;
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool keep_alive_ = true;
  bool closed_ = false;
  bool watching_ = false;
};

// ---- HttpExchange ----------------------------------------------------------------

void HttpExchange::respond(int status, HttpHeaders headers, std::string body) {
  if (done_) return;
  if (conn_) conn_->respond(*this, status, std::move(headers), std::move(body));
  done_ = true;
  conn_.reset();
}

void HttpExchange::start_stream(int status, HttpHeaders headers) {
  if (done_ || streaming_ || !conn_) return;
  conn_->start_stream(*this, status, std::move(headers));
  streaming_ = true;
}

void HttpExchange::stream(std::string data) {
  if (done_ || !streaming_ || !conn_) return;
  conn_->stream(std::move(data));
}

void HttpExchange::end_stream() {
  if (done_ || !streaming_) return;
  if (conn_) conn_->end_stream(*this);
  done_ = true;
  conn_.reset();
}

bool HttpExchange::closed() const { return !conn_ || conn_->closed(); }

size_t HttpExchange::queued_bytes() const { return conn_ ? conn_->queued_bytes() : 0; }

// ---- HttpServer ------------------------------------------------------------------

HttpServer::HttpServer(asio::io_context& io, HttpLimits limits, HttpHandler handler)
    : io_(io), limits_(limits), handler_(std::move(handler)), acceptor_(io) {}

HttpServer::~HttpServer() { stop(); }

int HttpServer::listen(const std::string& host, int port) {
  beast::error_code ec;
  auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) throw std::runtime_error("run.host: not an IP address: '" + host + "'");
  loopback_ = address.is_loopback();
  tcp::endpoint ep(address, static_cast<unsigned short>(port));
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("run.port: cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  const int bound = acceptor_.local_endpoint().port();
  accept();
  return bound;
}

void HttpServer::accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec != asio::error::operation_aborted) log::warn("http", "accept: " + ec.message());
      if (acceptor_.is_open() && ec != asio::error::operation_aborted) accept();
      return;
    }
    std::erase_if(connections_, [](auto& w) { return w.expired(); });
    if (connections_.size() >= limits_.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);  // over the limit: refused at once, not queued
    } else {
      auto conn = std::make_shared<HttpConnection>(std::move(socket), limits_, handler_);
      connections_.push_back(conn);
      conn->start();
    }
    accept();
  });
}

void HttpServer::stop_accepting() {
  beast::error_code ignored;
  acceptor_.close(ignored);
}

void HttpServer::stop() {
  beast::error_code ignored;
  acceptor_.close(ignored);
  for (auto& w : connections_)
    if (auto c = w.lock()) c->close();
  connections_.clear();
}

}  // namespace fasterapi::transport
