#include "transport/ws_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <variant>

namespace fasterapi::transport {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

struct WsClient::Impl {
  using Plain = websocket::stream<beast::tcp_stream>;
  using Secure = websocket::stream<TlsStream>;

  Impl(asio::io_context& io, TlsClientSide tls_side) : resolver(io), tls(std::move(tls_side)), ws(make(io, tls)) {}

  static std::variant<Plain, Secure> make(asio::io_context& io, const TlsClientSide& tls) {
    if (tls.context) return std::variant<Plain, Secure>(std::in_place_type<Secure>, io, *tls.context);
    return std::variant<Plain, Secure>(std::in_place_type<Plain>, io);
  }
  beast::tcp_stream& tcp() {
    return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); }, ws);
  }
  template <class F>
  decltype(auto) visit(F&& f) { return std::visit(std::forward<F>(f), ws); }

  tcp::resolver resolver;
  TlsClientSide tls;
  std::variant<Plain, Secure> ws;
  beast::flat_buffer buffer;
};

WsClient::WsClient(asio::io_context& io, size_t max_message_bytes, Handlers handlers,
                   TlsClientSide tls)
    : impl_(std::make_unique<Impl>(io, std::move(tls))), handlers_(std::move(handlers)) {
  impl_->visit([&](auto& ws) { ws.read_message_max(max_message_bytes); });
}

WsClient::~WsClient() = default;

void WsClient::connect(const std::string& host, int port, const std::string& path,
                       std::vector<std::pair<std::string, std::string>> headers) {
  auto self = shared_from_this();
  impl_->resolver.async_resolve(host, std::to_string(port), [self, host, port, path, headers](
                                                                beast::error_code ec, tcp::resolver::results_type r) {
    if (ec) return self->closed("resolve: " + ec.message());
    self->impl_->tcp().expires_after(std::chrono::seconds(10));
    self->impl_->tcp().async_connect(r, [self, host, port, path, headers](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return self->closed("connect: " + ec.message());
      if (self->impl_->tls.wanted()) return self->tls_handshake(host, port, path, headers);
      self->ws_handshake(host, port, path, headers);
    });
  });
}

// wss://: the server's certificate must name the host.
void WsClient::tls_handshake(const std::string& host, int port, const std::string& path,
                             std::vector<std::pair<std::string, std::string>> headers) {
  if (!impl_->tls.error.empty()) return closed("TLS: " + impl_->tls.error);
  auto& tls = std::get<Impl::Secure>(impl_->ws).next_layer();
  if (!tls_expect_host(tls.native_handle(), host)) return closed("TLS: cannot check the server's name '" + host + "'");
  auto self = shared_from_this();
  tls.async_handshake(asio::ssl::stream_base::client, [self, &tls, host, port, path, headers](beast::error_code ec) {
    if (ec) {
      const std::string why = tls_verify_error(tls.native_handle());
      return self->closed("TLS handshake: " + (why.empty() ? ec.message() : why));
    }
    self->ws_handshake(host, port, path, headers);
  });
}

void WsClient::ws_handshake(const std::string& host, int port, const std::string& path,
                            std::vector<std::pair<std::string, std::string>> headers) {
  impl_->tcp().expires_never();
  auto self = shared_from_this();
  impl_->visit([&](auto& ws) {
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "fasterapi-mcp-proxy");
      req.set(beast::http::field::sec_websocket_protocol, "mcp");
      for (auto& [k, v] : headers) req.set(k, v);
    }));
    ws.async_handshake(host + ":" + std::to_string(port), path, [self](beast::error_code ec) {
      if (ec) return self->closed("handshake: " + ec.message());
      self->impl_->visit([](auto& ws) { ws.text(true); });
      self->open_ = true;
      self->read();
      self->write_next();
    });
  });
}

void WsClient::send(std::string message) {
  if (done_) return;
  while (!message.empty() && message.back() == '\n') message.pop_back();  // a frame is the message
  queued_bytes_ += message.size();
  queue_.push_back(std::move(message));
  if (open_ && !writing_) write_next();
}

void WsClient::write_next() {
  if (writing_ || queue_.empty() || !open_ || done_) return;
  writing_ = true;
  auto self = shared_from_this();
  impl_->visit([&](auto& ws) {
    ws.async_write(asio::buffer(queue_.front()), [self](beast::error_code ec, size_t) {
      self->writing_ = false;
      if (ec) return self->closed("write: " + ec.message());
      self->queued_bytes_ -= self->queue_.front().size();
      self->queue_.pop_front();
      self->write_next();
    });
  });
}

void WsClient::read() {
  auto self = shared_from_this();
  impl_->visit([&](auto& ws) {
    ws.async_read(impl_->buffer, [self](beast::error_code ec, size_t) {
      if (ec) return self->closed(ec == websocket::error::closed ? "closed by the upstream" : "read: " + ec.message());
      const std::string message = beast::buffers_to_string(self->impl_->buffer.data());
      self->impl_->buffer.consume(self->impl_->buffer.size());
      if (self->handlers_.on_message) self->handlers_.on_message(message);
      if (!self->done_) self->read();
    });
  });
}

void WsClient::closed(const std::string& reason) {
  if (done_) return;
  done_ = true;
  const bool was_open = open_;
  open_ = false;
  queue_.clear();
  queued_bytes_ = 0;
  beast::error_code ignored;
  impl_->tcp().socket().close(ignored);
  if (handlers_.on_closed) handlers_.on_closed(reason, was_open);
}

void WsClient::close() {
  if (done_) return;
  done_ = true;
  open_ = false;
  handlers_ = {};
  beast::error_code ignored;
  impl_->tcp().socket().close(ignored);
}

}  // namespace fasterapi::transport
