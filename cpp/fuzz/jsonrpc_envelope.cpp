// Target jsonrpc_envelope: one client line parsed as the session does (Boost.JSON), then
// classified (protocol/jsonrpc) and moved between eras (protocol/meta).
// Input: the line.
// Invariants: a classified message re-serialises to one line of valid JSON that classifies
// the same, with the same id and method; a reply built for a request carries its id; the
// era conversions keep the envelope (type, id, method) intact. An upstream answer the
// skim accepts (protocol/answer_skim) is one the parser accepts and classifies as a
// response, the skim finds what the document says, and the spliced line is the document
// with the client's id (and the stateless marker) in it. Likewise a client request the
// request skim accepts: a request with that method, id and params.name, no params._meta,
// and the line with another id spliced in is the document with that id.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>

#include "fuzz_check.hpp"
#include "protocol/answer_skim.hpp"
#include "protocol/request_skim.hpp"
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

// A line parsed with exact numbers: Boost.JSON's default (imprecise) reading of a long
// mantissa can differ with where the number sits in the buffer, and a splice moves it.
json::value exact(std::string_view line) {
  json::parse_options opt;
  opt.numbers = json::number_precision::precise;
  boost::system::error_code ec;
  json::value v = json::parse(line, ec, {}, opt);
  FUZZ_CHECK(!ec, "a line the skim accepted does not parse with exact numbers");
  return v;
}

// Equal as documents, a NaN (Boost.JSON reads 0e400 so) equal to a NaN.
bool same_value(const json::value& a, const json::value& b) {
  if (a.is_double() && b.is_double() && std::isnan(a.get_double())) return std::isnan(b.get_double());
  if (a.is_object() && b.is_object()) {
    if (a.get_object().size() != b.get_object().size()) return false;
    for (const auto& kv : a.get_object()) {
      const json::value* other = b.get_object().if_contains(kv.key());
      if (!other || !same_value(kv.value(), *other)) return false;
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    const auto& x = a.get_array();
    const auto& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!same_value(x[i], y[i])) return false;
    return true;
  }
  return a == b;
}

// What skim_answer found agrees with the parsed document, and splicing gives the document
// with the new id (and "resultType":"complete" added to an object result when asked).
void skim_agrees(std::string_view data, const protocol::AnswerSkim& skim, json::value& msg) {
  const Envelope env = protocol::classify(msg);
  FUZZ_CHECK(env.type == MessageType::Response, "the skim accepted a message that is not a response");
  json::object& obj = *env.obj;
  const json::value& id = obj.at("id");
  FUZZ_CHECK((id.is_uint64() && id.get_uint64() == skim.id) || (id.is_int64() && id.get_int64() > 0 &&
             static_cast<uint64_t>(id.get_int64()) == skim.id), "the skim read another id");
  FUZZ_CHECK(skim.has_result == obj.contains("result") && skim.has_error == obj.contains("error"),
             "the skim disagrees on result / error");
  if (skim.has_error) {
    const json::value* code = obj.at("error").get_object().if_contains("code");
    FUZZ_CHECK(skim.has_error_code == (code != nullptr), "the skim disagrees on error.code");
    if (code) FUZZ_CHECK(code->is_int64() && code->get_int64() == skim.error_code, "the skim read another code");
  }
  const json::value* result = obj.if_contains("result");
  const bool object_result = result && result->is_object();
  FUZZ_CHECK((skim.result_open != 0) == object_result, "the skim disagrees on an object result");
  if (object_result)
    FUZZ_CHECK(skim.result_has_result_type == result->get_object().contains("resultType"),
               "the skim disagrees on resultType");
  for (const bool mark : {false, true}) {
    const std::string line = protocol::splice_answer(data, skim, "\"client-\\u00e9\"", mark);
    reparse(line);  // one line, valid JSON
    json::value spliced = exact(line);
    json::object expected = exact(data).get_object();
    expected["id"] = "client-\u00e9";
    if (mark && object_result) {
      json::object& r = expected["result"].get_object();
      if (!r.contains("resultType")) r["resultType"] = "complete";
    }
    FUZZ_CHECK(same_value(spliced, expected), mark ? "the spliced line (with the marker) is not the answer"
                                       : "the spliced line is not the answer with the client's id");
  }
}

void request_skim_agrees(std::string_view data, const protocol::RequestSkim& rq, json::value& msg) {
  const Envelope env = protocol::classify(msg);
  FUZZ_CHECK(env.type == MessageType::Request, "the request skim accepted a message that is not a request");
  FUZZ_CHECK(env.method == rq.method, "the request skim read another method");
  using IdKind = protocol::RequestSkim::IdKind;
  const json::value& id = *env.id;
  const bool same_id = rq.id_kind == IdKind::String   ? id.is_string() && id.get_string() == rq.id_string
                       : rq.id_kind == IdKind::Int64  ? id.is_int64() && id.get_int64() == rq.id_int
                                                      : id.is_uint64() && id.get_uint64() == rq.id_uint;
  FUZZ_CHECK(same_id, "the request skim read another id");
  const json::object* params = protocol::params_of(*env.obj);
  FUZZ_CHECK(params != nullptr, "the request skim accepted params that are not an object");
  const json::value* name = params->if_contains("name");
  FUZZ_CHECK(name && name->is_string() && name->get_string() == rq.name, "the request skim read another name");
  FUZZ_CHECK(!params->contains("_meta"), "the request skim missed a _meta");
  const std::string line = protocol::splice_id(data, rq.id_begin, rq.id_end, "18446744073709551615");
  reparse(line);  // one line, valid JSON
  json::value spliced = exact(line);
  json::object expected = exact(data).get_object();
  expected["id"] = 18446744073709551615ull;
  FUZZ_CHECK(same_value(spliced, expected), "the spliced request is not the request with our id");
}

}  // namespace

void jsonrpc_envelope(std::string_view data) {
  boost::system::error_code ec;
  json::value msg = json::parse(data, ec);
  protocol::AnswerSkim skim;
  if (protocol::skim_answer(data, skim)) {
    FUZZ_CHECK(!ec, "the skim accepted a line the parser refuses");
    skim_agrees(data, skim, msg);
  }
  protocol::RequestSkim request;
  if (protocol::skim_request(data, request)) {
    FUZZ_CHECK(!ec, "the request skim accepted a line the parser refuses");
    request_skim_agrees(data, request, msg);
  }
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
