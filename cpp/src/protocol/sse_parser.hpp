#pragma once
// Server-Sent Events (the WHATWG event-stream format), sans-IO: feed bytes as they arrive,
// take complete events. Only what MCP uses: `data` (lines joined with '\n'), `id`, `event`;
// comments and `retry` are skipped. An event over the size limit is an error.
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace fasterapi::protocol {

struct SseEvent {
  std::string id;
  std::string event;  // "" means "message"
  std::string data;
};

class SseParser {
 public:
  explicit SseParser(size_t max_event_bytes) : max_(max_event_bytes) {}
  void feed(std::string_view bytes);
  // The next complete event, if one is ready.
  std::optional<SseEvent> next();
  // An event or line grew past the limit: the stream is unusable.
  bool overflowed() const { return overflowed_; }

 private:
  void line(std::string_view l);

  size_t max_;
  std::string buf_;  // bytes not yet split into lines
  SseEvent current_;
  bool has_data_ = false;
  bool overflowed_ = false;
  bool at_start_ = true;  // a UTF-8 BOM may open the stream
  std::deque<SseEvent> ready_;
};

}  // namespace fasterapi::protocol
