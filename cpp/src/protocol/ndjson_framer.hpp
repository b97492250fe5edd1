#pragma once
// Sans-IO newline-delimited framer (house rule 1): feed() bytes, then next() frames.
// A line longer than the limit is never buffered whole: the framer switches to
// discarding until the next newline and reports one Oversized frame, so a hostile
// peer cannot grow our memory past the limit.
#include <cstddef>
#include <string>
#include <string_view>

namespace fasterapi::protocol {

struct Frame {
  enum class Kind { NeedMore, Line, Oversized };
  Kind kind = Kind::NeedMore;
  std::string_view line;  // Line: valid until the next feed()/next() call
  size_t size = 0;        // Oversized: bytes seen before giving up (at least the limit)
};

class NdjsonFramer {
 public:
  explicit NdjsonFramer(size_t max_message_bytes) : max_(max_message_bytes) {}

  void feed(std::string_view data);
  Frame next();
  // Bytes seen so far of a line already over the limit and still not ended (its Oversized
  // frame comes at its newline, which may never come), else 0.
  size_t overflowing_bytes() const { return discarding_ ? discarded_ : 0; }

 private:
  void compact();

  size_t max_;
  std::string buf_;
  size_t start_ = 0;        // first byte not yet returned
  size_t scanned_ = 0;      // bytes after start_ already known to hold no newline
  bool discarding_ = false; // inside an oversized line
  size_t discarded_ = 0;
};

}  // namespace fasterapi::protocol
