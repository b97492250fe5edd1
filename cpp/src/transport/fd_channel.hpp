#pragma once
// Moves newline-delimited messages over a pair of file descriptors (a client's stdin and
// stdout, or a child's stdout and stdin). Knows nothing of JSON-RPC: it hands complete
// lines to its owner and writes whole lines in order. One event-loop thread only.
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "protocol/ndjson_framer.hpp"

namespace fasterapi::transport {

namespace asio = boost::asio;

struct ChannelHandlers {
  std::function<void(std::string_view line)> on_line;
  std::function<void(size_t size)> on_oversized;
  // Optional: called as soon as a line crosses the size limit, instead of on_oversized at
  // its end, for peers that must not be waited on (a line that never ends).
  std::function<void(size_t size_so_far)> on_over_limit;
  // Read side reached EOF or failed; the channel stops reading.
  std::function<void()> on_read_closed;
  // A write failed (peer gone); pending writes are dropped.
  std::function<void()> on_write_failed;
};

class FdChannel : public std::enable_shared_from_this<FdChannel> {
 public:
  // Takes ownership of both fds (-1 for a side that is not used).
  FdChannel(asio::io_context& io, int read_fd, int write_fd, size_t max_message_bytes,
            ChannelHandlers handlers);
  ~FdChannel();

  void start();
  // Queues one line (must end in '\n'). Lines are written in order.
  void send(std::string line);
  // Bytes queued and not yet written: a peer that reads slowly makes this grow.
  size_t queued_bytes() const { return queued_bytes_; }
  // Closes the write side once queued lines are written (the child sees EOF on stdin).
  void close_write_when_flushed();
  // The fd being read, or -1 once the read side is closed (never a number since reused).
  int read_fd() { return reader_.is_open() ? reader_.native_handle() : -1; }
  // The fd being written, or -1 once the write side is closed.
  int write_fd() { return writer_.is_open() ? writer_.native_handle() : -1; }
  // Stops reading; queued writes still go out.
  void stop_reading();
  // Stops everything now; no handler is called afterwards.
  void close();

 private:
  void read_more();
  void on_read(const boost::system::error_code& ec, size_t n);
  // Hands out the frames fed so far; false once a handler closed or stopped the channel.
  bool dispatch_frames();
  void write_more();
  void start_blocking_reader(int fd);

  asio::io_context& io_;
  asio::posix::stream_descriptor reader_;
  asio::posix::stream_descriptor writer_;
  int blocking_write_fd_ = -1;  // regular files cannot be polled: written synchronously
  protocol::NdjsonFramer framer_;
  ChannelHandlers handlers_;
  std::string read_buf_;
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool close_write_pending_ = false;
  bool closed_ = false;
  bool reading_stopped_ = false;
  bool over_limit_reported_ = false;  // on_over_limit was called for the line being discarded
  std::thread blocking_reader_;  // only for a stdin that is a regular file
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace fasterapi::transport
