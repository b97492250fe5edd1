// Target jsonrpc_envelope: one client line parsed as the session does (Boost.JSON), then
// classified (protocol/jsonrpc) and moved between eras (protocol/meta).
// Input: the line.
// Invariants: a classified message re-serialises to one line of valid JSON that classifies
// the same, with the same id and method; a reply built for a request carries its id; the
// era conversions keep the envelope (type, id, method) intact.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "fuzz_check.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/meta.hpp"
#include "targets.hpp"

namespace fasterapi::fuzz {

namespace {

namespace json = boost::json;
using protocol::Envelope;
using protocol::MessageType;

json::value reparse(const std::string& line) {
  FUZZ_CHECK(!line.empty() && line.back() == '\n', "a serialised message does not end in a newline");
  FUZZ_CHECK(line.find('\n') == line.size() - 1, "a serialised message spans more than one line");
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  FUZZ_CHECK(!ec, "a serialised message is not valid JSON");
  return v;
}

// The ids the proxy relies on (strings and integers) come back equal. Any other id (a
// response may carry one; it never matches) only has to stay present: Boost.JSON's default
// number parsing is not exact for extreme doubles (4.5e300 re-reads as a neighbour) and reads
// a zero with a huge exponent (0e400) as NaN, which it writes back as null.
bool same_id(const json::value& before, const json::value& after) {
  return protocol::valid_id(before) ? after == before : true;
}

// `after` (a re-parsed or converted copy) still says what `before` said.
void same_envelope(const Envelope& before, const Envelope& after, const char* step) {
  FUZZ_CHECK(after.type == before.type, std::string(step) + " changed the message type");
  FUZZ_CHECK(after.method == before.method, std::string(step) + " changed the method");
  FUZZ_CHECK((after.id == nullptr) == (before.id == nullptr), std::string(step) + " lost or added the id");
  if (before.id) FUZZ_CHECK(same_id(*before.id, *after.id), std::string(step) + " changed the id");
}

void reply_keeps_id(const std::string& line, const json::value& id) {
  json::value reply = reparse(line);
  const Envelope env = protocol::classify(reply);
  FUZZ_CHECK(env.type == MessageType::Response, "a reply is not a response");
  FUZZ_CHECK(same_id(id, *env.id), "a reply does not carry the request's id");
}

}  // namespace

void jsonrpc_envelope(std::string_view data) {
  boost::system::error_code ec;
  json::value msg = json::parse(data, ec);
  if (ec) return;  // the session answers a parse error; nothing of ours ran
  const Envelope env = protocol::classify(msg);
  if (env.type == MessageType::Invalid) {
    FUZZ_CHECK(env.invalid_reason != nullptr, "an invalid message has no reason");
    return;
  }
  FUZZ_CHECK(env.obj != nullptr, "a valid message is not an object");
  if (env.type == MessageType::Request) FUZZ_CHECK(protocol::valid_id(*env.id), "a request's id is not valid");
  if (env.type == MessageType::Notification) FUZZ_CHECK(env.id == nullptr, "a notification has an id");

  json::value copy = reparse(protocol::to_line(*env.obj));
  same_envelope(env, protocol::classify(copy), "re-serialising");

  if (env.type == MessageType::Request) {
    reply_keeps_id(protocol::error_line(*env.id, -32600, "x", {{"reason", "fuzz"}}), *env.id);
    reply_keeps_id(protocol::result_line(*env.id, json::object()), *env.id);
  }
  if (env.type == MessageType::Request || env.type == MessageType::Notification) {
    json::value stamped = copy;
    protocol::stamp_stateless_meta(stamped.get_object(), json::object());
    const Envelope stamped_env = protocol::classify(stamped);
    same_envelope(env, stamped_env, "stamping the stateless _meta");
    const json::object* meta = protocol::meta_of(stamped.get_object());
    FUZZ_CHECK(meta && meta->contains(protocol::kMetaProtocolVersion), "stamping left no protocol version");
    protocol::strip_stateless_meta(stamped.get_object());
    same_envelope(env, protocol::classify(stamped), "stripping the stateless _meta");
    const json::object* left = protocol::meta_of(stamped.get_object());
    FUZZ_CHECK(!left || !left->contains(protocol::kMetaProtocolVersion), "stripping left the protocol version");
    reparse(protocol::to_line(stamped.get_object()));
  }
}

}  // namespace fasterapi::fuzz
