#include "transport/fd_channel.hpp"

#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>

namespace fasterapi::transport {

namespace {
constexpr size_t kMaxGather = 64;               // lines per write (IOV_MAX is far above)
constexpr size_t kMaxGatherBytes = 1u << 20;    // bytes per write
}  // namespace

namespace {
constexpr size_t kReadChunk = 64 * 1024;

bool is_regular_file(int fd) {
  struct stat st {};
  return fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}
}  // namespace

FdChannel::FdChannel(asio::io_context& io, int read_fd, int write_fd, size_t max_message_bytes,
                     ChannelHandlers handlers)
    : io_(io), reader_(io), writer_(io), framer_(max_message_bytes),
      handlers_(std::move(handlers)) {
  if (read_fd >= 0) {
    if (is_regular_file(read_fd)) start_blocking_reader(read_fd);
    else reader_.assign(read_fd);
  }
  if (write_fd >= 0) {
    if (is_regular_file(write_fd)) blocking_write_fd_ = write_fd;
    else writer_.assign(write_fd);
  }
}

FdChannel::~FdChannel() {
  *alive_ = false;
  boost::system::error_code ignored;
  reader_.close(ignored);
  writer_.close(ignored);
  if (blocking_write_fd_ >= 0) ::close(blocking_write_fd_);
  if (blocking_reader_.joinable()) blocking_reader_.join();
}

void FdChannel::start() {
  if (reader_.is_open()) read_more();
}

void FdChannel::start_blocking_reader(int fd) {
  // epoll refuses regular files (e.g. `fasterapi-mcp serve < requests.jsonl`): read them on
  // a small thread and hand the bytes to the loop. Never used for pipes, ttys or sockets.
  std::weak_ptr<bool> alive = alive_;
  blocking_reader_ = std::thread([this, fd, alive] {
    std::string chunk(kReadChunk, '\0');
    for (;;) {
      const ssize_t n = ::read(fd, chunk.data(), chunk.size());
      if (n < 0 && errno == EINTR) continue;
      std::string data = n > 0 ? chunk.substr(0, static_cast<size_t>(n)) : std::string();
      const bool eof = n <= 0;
      asio::post(io_, [this, alive, data = std::move(data), eof] {
        auto a = alive.lock();
        if (!a || !*a || closed_ || reading_stopped_) return;
        if (!data.empty()) {
          framer_.feed(data);
          if (!dispatch_frames()) return;
        }
        if (eof && handlers_.on_read_closed) handlers_.on_read_closed();
      });
      if (eof) break;
    }
    ::close(fd);
  });
}

void FdChannel::read_more() {
  if (closed_ || reading_stopped_) return;
  read_buf_.resize(kReadChunk);
  reader_.async_read_some(asio::buffer(read_buf_),
                          [self = shared_from_this()](const boost::system::error_code& ec,
                                                      size_t n) { self->on_read(ec, n); });
}

void FdChannel::on_read(const boost::system::error_code& ec, size_t n) {
  if (closed_ || reading_stopped_) return;
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    if (handlers_.on_read_closed) handlers_.on_read_closed();
    return;
  }
  framer_.feed(std::string_view(read_buf_.data(), n));
  if (dispatch_frames()) read_more();
}

bool FdChannel::dispatch_frames() {
  for (;;) {
    auto f = framer_.next();
    if (f.kind == protocol::Frame::Kind::NeedMore) break;
    if (f.kind == protocol::Frame::Kind::Line) {
      handlers_.on_line(f.line);
    } else if (over_limit_reported_) {
      over_limit_reported_ = false;  // the end of a line already reported
    } else if (handlers_.on_oversized) {
      handlers_.on_oversized(f.size);
    }
    if (closed_ || reading_stopped_) return false;  // a handler may close us
  }
  const size_t overflowing = framer_.overflowing_bytes();
  if (overflowing > 0 && handlers_.on_over_limit && !over_limit_reported_) {
    over_limit_reported_ = true;
    handlers_.on_over_limit(overflowing);
    if (closed_ || reading_stopped_) return false;
  }
  return true;
}

void FdChannel::send(std::string line) {
  if (closed_ || close_write_pending_) return;
  if (blocking_write_fd_ >= 0) {
    size_t off = 0;
    while (off < line.size()) {
      const ssize_t n = ::write(blocking_write_fd_, line.data() + off, line.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (handlers_.on_write_failed) handlers_.on_write_failed();
        return;
      }
      off += static_cast<size_t>(n);
    }
    return;
  }
  if (!writer_.is_open()) return;
  queued_bytes_ += line.size();
  queue_.push_back(std::move(line));
  if (writing_) return;
  // The write starts once the handler that queued this line returns: the rest of a burst
  // (every answer to one read's requests) joins it in one writev and wakes the reader
  // once, where writing at once would send the first line alone.
  writing_ = true;
  asio::post(io_, [self = shared_from_this()] {
    if (!self->closed_) self->write_more();
  });
}

void FdChannel::write_more() {
  if (queue_.empty()) {
    writing_ = false;
    if (close_write_pending_) {
      boost::system::error_code ignored;
      writer_.close(ignored);
    }
    return;
  }
  writing_ = true;
  // Everything queued goes in one gathered write (up to a bound): one system call and one
  // wake-up of the reader for a burst of messages, not one per message.
  std::vector<asio::const_buffer> buffers;
  size_t bytes = 0;
  for (const auto& line : queue_) {
    if (buffers.size() == kMaxGather || (bytes > 0 && bytes + line.size() > kMaxGatherBytes)) break;
    buffers.emplace_back(asio::buffer(line));
    bytes += line.size();
  }
  const size_t lines = buffers.size();
  asio::async_write(writer_, buffers,
                    [self = shared_from_this(), lines, bytes](const boost::system::error_code& ec, size_t) {
                      if (self->closed_) return;
                      if (ec) {
                        self->queue_.clear();
                        self->queued_bytes_ = 0;
                        self->writing_ = false;
                        boost::system::error_code ignored;
                        self->writer_.close(ignored);
                        if (ec != asio::error::operation_aborted && self->handlers_.on_write_failed)
                          self->handlers_.on_write_failed();
                        return;
                      }
                      self->queued_bytes_ -= bytes;
                      for (size_t i = 0; i < lines; ++i) self->queue_.pop_front();
                      self->write_more();
                    });
}

void FdChannel::close_write_when_flushed() {
  if (closed_) return;
  if (blocking_write_fd_ >= 0) {
    ::close(blocking_write_fd_);
    blocking_write_fd_ = -1;
    return;
  }
  close_write_pending_ = true;
  if (!writing_) {
    boost::system::error_code ignored;
    writer_.close(ignored);
  }
}

void FdChannel::stop_reading() {
  boost::system::error_code ignored;
  reading_stopped_ = true;
  reader_.close(ignored);
}

void FdChannel::close() {
  if (closed_) return;
  closed_ = true;
  *alive_ = false;
  boost::system::error_code ignored;
  reader_.close(ignored);
  writer_.close(ignored);
  queue_.clear();
  queued_bytes_ = 0;
}

}  // namespace fasterapi::transport
