// Target sse_parser: the SSE parser for HTTP upstreams' event streams (protocol/sse_parser).
// Input: [limit byte][split seed byte][stream bytes].
// Invariants: unless the limit was hit, the events do not depend on how the stream is
// split across feed() calls; an event's data never exceeds the limit; an id never holds
// NUL (the spec ignores such an id).
#include <vector>

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "protocol/sse_parser.hpp"
#include "targets.hpp"

namespace fasterapi::fuzz {

namespace {

struct Seen {
  std::string id, event, data;
  bool operator==(const Seen&) const = default;
};

void drain(protocol::SseParser& parser, size_t limit, std::vector<Seen>& out) {
  while (auto e = parser.next()) {
    FUZZ_CHECK(e->data.size() <= limit, "an event's data exceeds the limit");
    FUZZ_CHECK(e->id.find('\0') == std::string::npos, "an event id holds NUL");
    out.push_back({e->id, e->event, e->data});
  }
}

}  // namespace

void sse_parser(std::string_view data) {
  FuzzInput in(data);
  const size_t limit = 1 + in.byte() % 128;
  const uint8_t seed = in.byte();
  const std::string_view stream = in.rest();

  std::vector<Seen> whole_events, piece_events;
  protocol::SseParser whole(limit);
  whole.feed(stream);
  drain(whole, limit, whole_events);

  protocol::SseParser pieces(limit);
  for (std::string_view piece : split_points(stream, seed, 2 * limit + 2)) {
    pieces.feed(piece);
    drain(pieces, limit, piece_events);
  }
  // A line over the limit may be caught mid-way in one run and whole in the other.
  if (whole.overflowed() || pieces.overflowed()) return;
  FUZZ_CHECK(whole_events == piece_events, "the events depend on how the stream was split");
}

}  // namespace fasterapi::fuzz
