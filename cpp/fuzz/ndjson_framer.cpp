// Target ndjson_framer: the stdio transport's framer (protocol/ndjson_framer).
// Input: [limit byte][split seed byte][stream bytes].
// Invariants: the frames do not depend on how the stream is split across feed() calls;
// a line is never empty, never holds '\n' and never exceeds the limit; an oversized frame
// reports more bytes than the limit.
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "protocol/ndjson_framer.hpp"
#include "targets.hpp"

namespace fasterapi::fuzz {

namespace {

using protocol::Frame;

struct Seen {
  Frame::Kind kind;
  std::string line;
  bool operator==(const Seen&) const = default;
};

void drain(protocol::NdjsonFramer& framer, size_t limit, std::vector<Seen>& out) {
  for (;;) {
    const Frame f = framer.next();
    if (f.kind == Frame::Kind::NeedMore) return;
    if (f.kind == Frame::Kind::Line) {
      FUZZ_CHECK(!f.line.empty(), "a line frame is empty");
      FUZZ_CHECK(f.line.size() <= limit, "a line frame exceeds the limit");
      FUZZ_CHECK(f.line.find('\n') == std::string_view::npos, "a line frame holds a newline");
    } else {
      FUZZ_CHECK(f.size > limit, "an oversized frame is within the limit");
    }
    out.push_back({f.kind, std::string(f.line)});
  }
}

}  // namespace

void ndjson_framer(std::string_view data) {
  FuzzInput in(data);
  const size_t limit = 1 + in.byte() % 64;
  const uint8_t seed = in.byte();
  const std::string_view stream = in.rest();

  std::vector<Seen> whole_frames, piece_frames;
  protocol::NdjsonFramer whole(limit);
  whole.feed(stream);
  drain(whole, limit, whole_frames);

  protocol::NdjsonFramer pieces(limit);
  for (std::string_view piece : split_points(stream, seed, 2 * limit + 2)) {
    pieces.feed(piece);
    drain(pieces, limit, piece_frames);
  }
  FUZZ_CHECK(whole_frames == piece_frames, "the frames depend on how the stream was split");
}

}  // namespace fasterapi::fuzz
