#include "protocol/ndjson_framer.hpp"

#include <cstring>

namespace fasterapi::protocol {

void NdjsonFramer::feed(std::string_view data) {
  compact();
  buf_.append(data.data(), data.size());
}

void NdjsonFramer::compact() {
  // Drop consumed bytes once they dominate the buffer; amortised O(1) per byte.
  if (start_ == 0) return;
  if (start_ == buf_.size()) {
    buf_.clear();
    start_ = 0;
    return;
  }
  if (start_ * 2 >= buf_.size()) {
    buf_.erase(0, start_);
    start_ = 0;
  }
}

Frame NdjsonFramer::next() {
  for (;;) {
    const size_t from = start_ + scanned_;
    const char* base = buf_.data();
    const void* nl = from < buf_.size() ? std::memchr(base + from, '\n', buf_.size() - from) : nullptr;

    if (discarding_) {
      if (!nl) {
        discarded_ += buf_.size() - start_;
        start_ = buf_.size();
        scanned_ = 0;
        return {};
      }
      const size_t end = static_cast<const char*>(nl) - base;
      const size_t total = discarded_ + (end - start_);
      start_ = end + 1;
      scanned_ = 0;
      discarding_ = false;
      discarded_ = 0;
      return {Frame::Kind::Oversized, {}, total};
    }

    if (!nl) {
      scanned_ = buf_.size() - start_;
      // One byte past the limit may be the CR of a CRLF peer's line that is just at the
      // limit: wait for the byte after it, or a split stream would refuse what a whole one takes.
      if (scanned_ > max_ + 1 || (scanned_ == max_ + 1 && buf_.back() != '\r')) {
        // Over the limit with no end in sight: stop buffering this line.
        discarding_ = true;
        discarded_ = scanned_;
        start_ = buf_.size();
        scanned_ = 0;
        continue;
      }
      return {};
    }

    const size_t end = static_cast<const char*>(nl) - base;
    size_t len = end - start_;
    const size_t line_start = start_;
    start_ = end + 1;
    scanned_ = 0;
    if (len > 0 && base[line_start + len - 1] == '\r') --len;  // tolerate CRLF peers
    if (len > max_) return {Frame::Kind::Oversized, {}, len};
    if (len == 0) continue;  // blank lines carry no message
    return {Frame::Kind::Line, std::string_view(base + line_start, len), 0};
  }
}

}  // namespace fasterapi::protocol
