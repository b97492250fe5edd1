#include "transport/http_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <variant>

#include "protocol/sse_parser.hpp"

namespace fasterapi::transport {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

class HttpClientConnection : public std::enable_shared_from_this<HttpClientConnection> {
 public:
  // Holds its client: a connection's pending operations keep it alive until they end.
  explicit HttpClientConnection(std::shared_ptr<HttpClient> owner)
      : owner_(std::move(owner)), stream_(make_stream(*owner_)), resolver_(owner_->io_) {}

  void run(std::shared_ptr<HttpCall> call) {
    call_ = std::move(call);
    connected_now_ = false;
    if (connected_) return send();
    auto self = shared_from_this();
    const auto& t = owner_->target_;
    resolver_.async_resolve(t.host, std::to_string(t.port), [self](beast::error_code ec, tcp::resolver::results_type r) {
      if (ec) return self->fail("resolve: " + ec.message(), false);
      self->tcp().expires_after(std::chrono::seconds(10));
      self->tcp().async_connect(r, [self](beast::error_code ec, const tcp::endpoint&) {
        if (ec) return self->fail("connect: " + ec.message(), false);
        self->handshake();
      });
    });
  }

  void close() {
    beast::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().socket().close(ignored);
    connected_ = false;
  }

 private:
  static std::variant<beast::tcp_stream, TlsStream> make_stream(HttpClient& owner) {
    if (owner.target_.tls.context)
      return std::variant<beast::tcp_stream, TlsStream>(std::in_place_type<TlsStream>, owner.io_, *owner.target_.tls.context);
    return std::variant<beast::tcp_stream, TlsStream>(std::in_place_type<beast::tcp_stream>, owner.io_);
  }

  beast::tcp_stream& tcp() {
    return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); }, stream_);
  }

  // TLS: the server's certificate must name the host; plain TCP: nothing to do.
  void handshake() {
    if (!owner_->target_.tls.error.empty()) return fail("TLS: " + owner_->target_.tls.error, false);
    auto* tls = std::get_if<TlsStream>(&stream_);
    if (!tls) {
      connected_ = true;
      return send();
    }
    if (!tls_expect_host(tls->native_handle(), owner_->target_.host))
      return fail("TLS: cannot check the server's name '" + owner_->target_.host + "'", false);
    auto self = shared_from_this();
    tls->async_handshake(asio::ssl::stream_base::client, [self, tls](beast::error_code ec) {
      if (ec) {
        const std::string why = tls_verify_error(tls->native_handle());
        return self->fail("TLS handshake: " + (why.empty() ? ec.message() : why), false);
      }
      self->connected_ = true;
      self->send();
    });
  }
  void send() {
    const auto& t = owner_->target_;
    req_ = {};
    req_.method_string(call_->method);
    req_.target(t.path);
    req_.version(11);
    req_.set(http::field::host, t.host + ":" + std::to_string(t.port));
    req_.set(http::field::user_agent, "fasterapi-mcp-proxy");
    for (auto& [k, v] : call_->headers) req_.set(k, v);
    req_.body() = call_->body;
    req_.keep_alive(true);
    req_.prepare_payload();
    tcp().expires_never();
    auto self = shared_from_this();
    std::visit([&](auto& stream) {
      http::async_write(stream, req_, [self, &stream](beast::error_code ec, size_t) {
        if (ec) return self->fail("write: " + ec.message(), true);
        self->connected_now_ = true;
        self->parser_.emplace();
        self->parser_->body_limit(boost::none);
        http::async_read_header(stream, self->buf_, *self->parser_, [self](beast::error_code ec, size_t) {
          if (ec) return self->fail("read: " + ec.message(), true);
          self->on_header();
        });
      });
    }, stream_);
  }

  void on_header() {
    auto& res = parser_->get();
    std::vector<std::pair<std::string, std::string>> headers;
    for (auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      headers.emplace_back(std::move(name), std::string(f.value()));
    }
    keep_alive_ = res.keep_alive();
    auto ct = res[http::field::content_type];
    sse_ = ct.find("text/event-stream") != beast::string_view::npos;
    if (sse_) sse_parser_.emplace(owner_->max_message_bytes_);
    body_.clear();
    if (call_->on_head) call_->on_head(res.result_int(), headers);
    read_body();
  }

  void read_body() {
    if (parser_->is_done()) return complete();
    parser_->get().body().data = chunk_;
    parser_->get().body().size = sizeof chunk_;
    auto self = shared_from_this();
    // read_some: an SSE stream's events are handed over as they arrive, not when a buffer fills.
    std::visit([&](auto& stream) {
      http::async_read_some(stream, buf_, *parser_, [self](beast::error_code ec, size_t) { self->on_body(ec); });
    }, stream_);
  }

  void on_body(beast::error_code ec) {
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return fail("read: " + ec.message(), true);
    const size_t got = sizeof chunk_ - parser_->get().body().size;
    std::string_view data(chunk_, got);
    if (sse_) {
      sse_parser_->feed(data);
      while (auto e = sse_parser_->next())
        if (call_ && call_->on_message && !e->data.empty()) call_->on_message(e->data);
      if (sse_parser_->overflowed()) return fail("an SSE event over max_message_bytes", true);
    } else {
      body_.append(data);
      if (body_.size() > owner_->max_message_bytes_) return fail("a body over max_message_bytes", true);
    }
    read_body();
  }

  void complete() {
    auto call = std::move(call_);
    if (!sse_ && !body_.empty() && call->on_message) call->on_message(body_);
    body_.clear();
    if (call->on_done) call->on_done("", true);
    if (keep_alive_ && !owner_->closed_) owner_->idle(shared_from_this());
    else {
      close();
      owner_->finished(this);
    }
  }

  void fail(const std::string& error, bool connected) {
    close();
    auto call = std::move(call_);
    if (call && call->on_done) call->on_done(error, connected);
    owner_->finished(this);
  }

  std::shared_ptr<HttpClient> owner_;
  std::variant<beast::tcp_stream, TlsStream> stream_;
  tcp::resolver resolver_;
  beast::flat_buffer buf_;
  http::request<http::string_body> req_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  std::optional<protocol::SseParser> sse_parser_;
  std::shared_ptr<HttpCall> call_;
  std::string body_;
  char chunk_[16384];
  bool connected_ = false;
  bool connected_now_ = false;
  bool keep_alive_ = true;
  bool sse_ = false;
};

HttpClient::HttpClient(asio::io_context& io, HttpTarget target, size_t max_connections, size_t max_message_bytes)
    : io_(io), target_(std::move(target)), max_connections_(std::max<size_t>(1, max_connections)),
      max_message_bytes_(max_message_bytes) {}

HttpClient::~HttpClient() = default;

void HttpClient::request(std::shared_ptr<HttpCall> call) {
  if (closed_) {
    if (call->on_done) call->on_done("the client is closed", false);
    return;
  }
  if (!idle_.empty()) {
    auto conn = idle_.back();
    idle_.pop_back();
    return conn->run(std::move(call));
  }
  if (all_.size() < max_connections_) {
    auto conn = std::make_shared<HttpClientConnection>(shared_from_this());
    all_.push_back(conn);
    return conn->run(std::move(call));
  }
  waiting_.push_back(std::move(call));  // every connection busy (long SSE streams count)
}

void HttpClient::idle(std::shared_ptr<HttpClientConnection> conn) {
  if (!waiting_.empty()) {
    auto call = waiting_.front();
    waiting_.erase(waiting_.begin());
    return conn->run(std::move(call));
  }
  idle_.push_back(std::move(conn));
}

void HttpClient::finished(HttpClientConnection* conn) {
  std::erase_if(idle_, [conn](auto& c) { return c.get() == conn; });
  std::erase_if(all_, [conn](auto& c) { return c.get() == conn; });
  if (!waiting_.empty() && !closed_) {
    auto call = waiting_.front();
    waiting_.erase(waiting_.begin());
    request(std::move(call));
  }
}

void HttpClient::close() {
  closed_ = true;
  auto all = std::move(all_);
  all_.clear();
  idle_.clear();
  for (auto& c : all) c->close();
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& call : waiting)
    if (call->on_done) call->on_done("the client is closed", false);
}

}  // namespace fasterapi::transport
