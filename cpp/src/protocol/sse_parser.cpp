#include "protocol/sse_parser.hpp"

#include <algorithm>

namespace fasterapi::protocol {

void SseParser::feed(std::string_view bytes) {
  if (overflowed_) return;
  buf_.append(bytes);
  if (at_start_) {
    // A BOM opens the stream or nowhere: until three bytes are in, hold back only while
    // they could still be one (lines must not be taken before that is known).
    constexpr std::string_view kBom = "\xEF\xBB\xBF";
    const size_t n = std::min(buf_.size(), kBom.size());
    if (std::string_view(buf_).substr(0, n) == kBom.substr(0, n)) {
      if (n < kBom.size()) return;
      buf_.erase(0, kBom.size());
    }
    at_start_ = false;
  }
  size_t start = 0;
  while (true) {
    // Lines end in CRLF, LF or CR.
    const size_t end = buf_.find_first_of("\r\n", start);
    if (end == std::string::npos) break;
    if (buf_[end] == '\r' && end + 1 == buf_.size()) break;  // maybe CRLF: wait for the next byte
    line(std::string_view(buf_).substr(start, end - start));
    start = end + ((buf_[end] == '\r' && buf_[end + 1] == '\n') ? 2 : 1);
    if (overflowed_) return;
  }
  buf_.erase(0, start);
  if (buf_.size() > max_) overflowed_ = true;
}

void SseParser::line(std::string_view l) {
  if (l.empty()) {  // dispatch
    if (has_data_) ready_.push_back(std::move(current_));
    current_ = SseEvent{};
    has_data_ = false;
    return;
  }
  if (l.front() == ':') return;  // comment
  const size_t colon = l.find(':');
  std::string_view field = l.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view() : l.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field == "data") {
    if (has_data_) current_.data.push_back('\n');
    current_.data.append(value);
    has_data_ = true;
    if (current_.data.size() > max_) overflowed_ = true;
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) current_.id = std::string(value);
  } else if (field == "event") {
    current_.event = std::string(value);
  }
}

std::optional<SseEvent> SseParser::next() {
  if (ready_.empty()) return std::nullopt;
  SseEvent e = std::move(ready_.front());
  ready_.pop_front();
  return e;
}

}  // namespace fasterapi::protocol
