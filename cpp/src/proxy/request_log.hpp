#pragma once
// The request log (enable_request_logging, docs/resilience.md): one JSON line per routed
// request on stderr. Lines of one turn of the loop go out together, in writes of at most
// PIPE_BUF bytes cut at line ends (so another writer's line never lands inside one):
// a write(2) per request cost more than the rest of the request.
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/upstream.hpp"

namespace fasterapi::proxy {

class RequestLog {
 public:
  explicit RequestLog(boost::asio::io_context& io) : io_(io) {}
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;
  ~RequestLog() { flush(); }

  // time, event, client, method, name, upstream, outcome, code, latency_ms, retries. Never
  // params. Loop thread only.
  void record(std::string_view client, std::string_view method, std::string_view name,
              std::string_view upstream, int64_t latency_us, int retries, const Outcome& o);
  // Writes what is buffered (at the end of the turn; and when the loop stops).
  void flush();

 private:
  void append_time();

  boost::asio::io_context& io_;
  std::string pending_;
  bool flush_posted_ = false;
  int64_t stamp_second_ = -1;  // the second stamp_ holds ("YYYY-MM-DDTHH:MM:SS")
  char stamp_[24] = {};
};

}  // namespace fasterapi::proxy
