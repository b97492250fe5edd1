#include "transport/ws_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace fasterapi::transport {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

struct WsClient::Impl {
  Impl(asio::io_context& io) : resolver(io), ws(io) {}
  tcp::resolver resolver;
  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
};

WsClient::WsClient(asio::io_context& io, size_t max_message_bytes, Handlers handlers)
    : impl_(std::make_unique<Impl>(io)), handlers_(std::move(handlers)) {
  impl_->ws.read_message_max(max_message_bytes);
}

WsClient::~WsClient() = default;

void WsClient::connect(const std::string& host, int port, const std::string& path,
                       std::vector<std::pair<std::string, std::string>> headers) {
  auto self = shared_from_this();
  impl_->resolver.async_resolve(host, std::to_string(port), [self, host, port, path, headers](
                                                                beast::error_code ec, tcp::resolver::results_type r) {
    if (ec) return self->closed("resolve: " + ec.message());
    beast::get_lowest_layer(self->impl_->ws).expires_after(std::chrono::seconds(10));
    beast::get_lowest_layer(self->impl_->ws).async_connect(r, [self, host, port, path, headers](beast::error_code ec,
                                                                                               const tcp::endpoint&) {
      if (ec) return self->closed("connect: " + ec.message());
      beast::get_lowest_layer(self->impl_->ws).expires_never();
      self->impl_->ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
      self->impl_->ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
        req.set(beast::http::field::user_agent, "fasterapi-mcp-proxy");
        req.set(beast::http::field::sec_websocket_protocol, "mcp");
        for (auto& [k, v] : headers) req.set(k, v);
      }));
      self->impl_->ws.async_handshake(host + ":" + std::to_string(port), path, [self](beast::error_code ec) {
        if (ec) return self->closed("handshake: " + ec.message());
        self->impl_->ws.text(true);
        self->open_ = true;
        self->read();
        self->write_next();
      });
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
  impl_->ws.async_write(asio::buffer(queue_.front()), [self](beast::error_code ec, size_t) {
    self->writing_ = false;
    if (ec) return self->closed("write: " + ec.message());
    self->queued_bytes_ -= self->queue_.front().size();
    self->queue_.pop_front();
    self->write_next();
  });
}

void WsClient::read() {
  auto self = shared_from_this();
  impl_->ws.async_read(impl_->buffer, [self](beast::error_code ec, size_t) {
    if (ec) return self->closed(ec == websocket::error::closed ? "closed by the upstream" : "read: " + ec.message());
    const std::string message = beast::buffers_to_string(self->impl_->buffer.data());
    self->impl_->buffer.consume(self->impl_->buffer.size());
    if (self->handlers_.on_message) self->handlers_.on_message(message);
    if (!self->done_) self->read();
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
  beast::get_lowest_layer(impl_->ws).socket().close(ignored);
  if (handlers_.on_closed) handlers_.on_closed(reason, was_open);
}

void WsClient::close() {
  if (done_) return;
  done_ = true;
  open_ = false;
  handlers_ = {};
  beast::error_code ignored;
  beast::get_lowest_layer(impl_->ws).socket().close(ignored);
}

}  // namespace fasterapi::transport
