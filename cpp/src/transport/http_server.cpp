#include "transport/http_server.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <stdexcept>

#include "common/log.hpp"

namespace fasterapi::transport {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
namespace ssl = asio::ssl;

// The connection interface an exchange writes its answer through.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  virtual ~HttpConnection() = default;
  virtual void start() = 0;
  virtual void close() = 0;
  virtual void respond(HttpExchange& ex, int status, HttpHeaders headers, std::string body) = 0;
  virtual void start_stream(HttpExchange& ex, int status, HttpHeaders headers) = 0;
  virtual void stream(std::string data) = 0;
  virtual void end_stream(HttpExchange& ex) = 0;
  bool closed() const { return closed_; }
  size_t queued_bytes() const { return queued_bytes_; }

 protected:
  // An exchange's state belongs to the connection writing it (HttpExchange befriends only
  // this base class).
  static bool& done_of(HttpExchange& ex) { return ex.done_; }
  static bool& streaming_of(HttpExchange& ex) { return ex.streaming_; }
  static std::function<void()> detach(HttpExchange& ex) {
    ex.conn_.reset();
    return std::move(ex.on_abandoned);
  }
  size_t queued_bytes_ = 0;
  bool closed_ = false;
};

namespace {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection over plain TCP or TLS: reads requests one at a time; the exchange of the
// current request writes its answer through the connection's ordered write queue.
template <class Stream>
class Connection final : public HttpConnection {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Connection(tcp::socket socket, const HttpLimits& limits, HttpHandler& handler)
    requires(!kTls)
      : stream_(std::move(socket)), limits_(limits), handler_(handler) {}
  Connection(tcp::socket socket, ssl::context& tls, const HttpLimits& limits, HttpHandler& handler)
    requires(kTls)
      : stream_(std::move(socket), tls), limits_(limits), handler_(handler) {}

  void start() override {
    if constexpr (kTls) {
      // The handshake is bounded like a request: a client that connects and stalls is dropped.
      tcp_layer().expires_after(std::chrono::milliseconds(limits_.read_timeout_ms));
      auto self = shared_from_this();
      stream_.async_handshake(ssl::stream_base::server, [this, self](beast::error_code ec) {
        if (ec) {
          log::debug("http", "TLS handshake failed: " + ec.message());
          return close();
        }
        read_request();
      });
    } else {
      read_request();
    }
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
    abandon();
  }

  // Write queue: each op writes one thing, then calls next().
  void enqueue(std::function<void(std::function<void(bool ok)>)> op, size_t bytes) {
    if (closed_) return;
    queued_bytes_ += bytes;
    ops_.push_back({std::move(op), bytes});
    if (!writing_) write_next();
  }

  void respond(HttpExchange& ex, int status, HttpHeaders headers, std::string body) override {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
    res->set(http::field::server, "fasterapi-mcp");
    for (auto& [k, v] : headers) res->set(k, v);
    res->keep_alive(keep_alive_);
    res->body() = std::move(body);
    res->prepare_payload();
    const size_t n = res->body().size();
    done_of(ex) = true;
    auto self = self_ptr();
    enqueue([self, res](std::function<void(bool)> next) {
      http::async_write(self->stream_, *res, [res, next](beast::error_code ec, size_t) { next(!ec); });
    }, n);
    finish_exchange();
  }

  void start_stream(HttpExchange& ex, int status, HttpHeaders headers) override {
    auto res = std::make_shared<http::response<http::empty_body>>(static_cast<http::status>(status), 11);
    res->set(http::field::server, "fasterapi-mcp");
    for (auto& [k, v] : headers) res->set(k, v);
    res->keep_alive(keep_alive_);
    res->chunked(true);
    streaming_of(ex) = true;
    auto self = self_ptr();
    enqueue([self, res](std::function<void(bool)> next) {
      auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
      http::async_write_header(self->stream_, *sr, [res, sr, next](beast::error_code ec, size_t) { next(!ec); });
    }, 0);
    watch_for_close();
  }

  void stream(std::string data) override {
    auto buf = std::make_shared<std::string>(std::move(data));
    auto self = self_ptr();
    enqueue([self, buf](std::function<void(bool)> next) {
      asio::async_write(self->stream_, http::make_chunk(asio::buffer(*buf)),
                        [buf, next](beast::error_code ec, size_t) { next(!ec); });
    }, buf->size());
  }

  void end_stream(HttpExchange& ex) override {
    done_of(ex) = true;
    auto self = self_ptr();
    enqueue([self](std::function<void(bool)> next) {
      asio::async_write(self->stream_, http::make_chunk_last(), [next](beast::error_code ec, size_t) { next(!ec); });
    }, 0);
    finish_exchange();
  }

 private:
  std::shared_ptr<Connection> self_ptr() { return std::static_pointer_cast<Connection>(shared_from_this()); }
  beast::tcp_stream& tcp_layer() { return beast::get_lowest_layer(stream_); }
  tcp::socket& socket() { return tcp_layer().socket(); }

  void read_request() {
    if (closed_) return;
    parser_.emplace();
    apply_limits(*parser_, limits_);
    tcp_layer().expires_after(std::chrono::milliseconds(limits_.read_timeout_ms));
    auto self = self_ptr();
    http::async_read(stream_, buffer_, *parser_, [self](beast::error_code ec, size_t) { self->on_request(ec); });
  }

  void on_request(beast::error_code ec) {
    if (closed_) return;
    tcp_layer().expires_never();
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
    if (!done_of(*ex) && !streaming_of(*ex)) watch_for_close();
  }

  void finish_exchange() {
    // The next request is read once this answer is on its way.
    auto ex = current_;
    current_.reset();
    if (!keep_alive_) {
      auto self = self_ptr();
      enqueue([self](std::function<void(bool)> next) { self->end_connection(std::move(next)); }, 0);
      return;
    }
    if (watching_) return;  // the close watcher's read ends first; it restarts reading
    read_request();
  }

  // After a last answer: TLS says close_notify (bounded wait for the peer's), TCP sends FIN.
  void end_connection(std::function<void(bool)> next) {
    if constexpr (kTls) {
      tcp_layer().expires_after(std::chrono::seconds(2));
      auto self = self_ptr();
      stream_.async_shutdown([self, next](beast::error_code) { next(false); });
    } else {
      beast::error_code ignored;
      socket().shutdown(tcp::socket::shutdown_send, ignored);
      next(false);
    }
  }

  // While an answer is awaited nothing is read, except to notice the client going away.
  void watch_for_close() {
    if (watching_) return;
    watching_ = true;
    auto self = self_ptr();
    if constexpr (kTls) {
      // TLS records cannot be peeked at: read (decrypt) what comes and keep it for the next
      // request; an error or the end of the stream means the client is gone.
      auto space = buffer_.prepare(4096);
      stream_.async_read_some(space, [self](beast::error_code ec, size_t n) {
        self->watching_ = false;
        if (self->closed_) return;
        if (ec) return self->close();
        self->buffer_.commit(n);
        if (!self->current_) self->read_request();
      });
    } else {
      socket().async_wait(tcp::socket::wait_read, [self](beast::error_code ec) {
        self->watching_ = false;
        if (self->closed_) return;
        if (ec) return self->close();
        // Readable: either EOF (gone) or a pipelined request, which we do not take mid-stream.
        char probe;
        beast::error_code peek_ec;
        const size_t n = self->socket().receive(asio::buffer(&probe, 1), tcp::socket::message_peek, peek_ec);
        if (peek_ec || n == 0) return self->close();
        if (!self->current_) self->read_request();
      });
    }
  }

  void abandon() {
    auto ex = current_;
    current_.reset();
    if (ex && !done_of(*ex)) {
      done_of(*ex) = true;
      auto cb = detach(*ex);
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
    auto self = self_ptr();
    const size_t bytes = op.second;
    op.first([self, bytes](bool ok) {
      self->queued_bytes_ -= bytes;
      if (!ok) return self->close();
      self->write_next();
    });
  }

  Stream stream_;
  const HttpLimits& limits_;
  HttpHandler& handler_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::shared_ptr<HttpExchange> current_;
  std::deque<std::pair<std::function<void(std::function<void(bool)>)>, size_t>> ops_;
  bool writing_ = false;
  bool keep_alive_ = true;
  bool watching_ = false;
};

}  // namespace

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

HttpServer::HttpServer(asio::io_context& io, HttpLimits limits, HttpHandler handler,
                       std::shared_ptr<ssl::context> tls)
    : io_(io), limits_(limits), handler_(std::move(handler)), acceptor_(io), tls_(std::move(tls)) {}

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
      std::shared_ptr<HttpConnection> conn;
      if (tls_) conn = std::make_shared<Connection<TlsStream>>(std::move(socket), *tls_, limits_, handler_);
      else conn = std::make_shared<Connection<beast::tcp_stream>>(std::move(socket), limits_, handler_);
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
