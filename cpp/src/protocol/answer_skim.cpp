#include "protocol/answer_skim.hpp"

#include "protocol/skim_line.hpp"

namespace fasterapi::protocol {

namespace {

namespace json = boost::json;
using boost::system::error_code;

// Which top-level member's value the parser is in (or about to read).
enum class Member : uint8_t { None, Jsonrpc, Id, Result, Error, Other };

// SAX handler: every callback returns false (which stops the parse) as soon as the line
// is not the plain answer skim_answer accepts.
struct SkimHandler {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  SkimHandler(std::string_view line, AnswerSkim& out) : line(line), out_(&out) {}

  std::string_view line;
  AnswerSkim* out_ = nullptr;
  int depth = 0;                     // containers open
  Member next = Member::None;        // depth 1: the member whose value comes next
  Member inside = Member::None;      // depth >= 2: the top-level member we are within
  bool error_code_next = false;      // depth 2 in error: the value of "code" comes next
  bool seen_jsonrpc = false, seen_id = false, seen_code = false;
  bool jsonrpc_ok = false;
  size_t result_key_end = 0;         // index just past the "result" key's closing quote

  bool in_line(std::string_view s) const {
    return s.data() >= line.data() && s.data() + s.size() <= line.data() + line.size();
  }

  // A value begins at the current depth; false when it is one the answer cannot have.
  bool value(bool is_object, bool is_container) {
    if (depth == 0) return is_object;  // the document: an object, nothing else
    if (depth == 1) {
      const Member m = next;
      next = Member::None;
      switch (m) {
        case Member::Jsonrpc: return false;  // on_string checks the one good case
        case Member::Id: return false;       // on_int64/on_uint64 check the good cases
        case Member::Result:
          if (is_object) out_->result_open = find_open_brace();
          if (is_object && out_->result_open == 0) return false;
          break;
        case Member::Error:
          if (!is_object) return false;
          break;
        default: break;
      }
      if (is_container) inside = m;
      return true;
    }
    if (depth == 2 && inside == Member::Error && error_code_next) return false;  // code not an integer
    return true;
  }

  size_t find_open_brace() const {
    size_t i = result_key_end;
    auto skip_ws = [&] {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\n')) ++i;
    };
    skip_ws();
    if (i >= line.size() || line[i] != ':') return 0;
    ++i;
    skip_ws();
    return i < line.size() && line[i] == '{' ? i : 0;
  }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) {
    if (!value(true, true)) return false;
    ++depth;
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    if (--depth == 1) inside = Member::None;
    return true;
  }
  bool on_array_begin(error_code&) {
    if (!value(false, true)) return false;
    ++depth;
    return true;
  }
  bool on_array_end(std::size_t, error_code&) {
    if (--depth == 1) inside = Member::None;
    return true;
  }
  bool on_key_part(json::string_view, std::size_t, error_code&) {
    return depth > 2;  // an escaped (or split) key where keys matter: leave it to the parser
  }
  bool on_key(json::string_view k, std::size_t n, error_code&) {
    if (depth == 1) {
      if (k.size() != n) return false;
      if (k == "jsonrpc") {
        if (seen_jsonrpc) return false;
        seen_jsonrpc = true;
        next = Member::Jsonrpc;
      } else if (k == "id") {
        if (seen_id) return false;
        seen_id = true;
        next = Member::Id;
      } else if (k == "result") {
        if (out_->has_result || !in_line(k)) return false;
        out_->has_result = true;
        result_key_end = static_cast<size_t>(k.data() + k.size() - line.data()) + 1;
        next = Member::Result;
      } else if (k == "error") {
        if (out_->has_error) return false;
        out_->has_error = true;
        next = Member::Error;
      } else if (k == "method") {
        return false;  // a request or notification
      } else {
        next = Member::Other;
      }
      return true;
    }
    if (depth == 2) {
      if (k.size() != n) return false;
      if (inside == Member::Result && k == "resultType") out_->result_has_result_type = true;
      if (inside == Member::Error) {
        error_code_next = k == "code";
        if (error_code_next && seen_code) return false;
        seen_code = seen_code || error_code_next;
      }
    }
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, error_code&) {
    return !(depth == 1 && next == Member::Jsonrpc);  // "2.0" never needs escapes
  }
  bool on_string(json::string_view s, std::size_t n, error_code&) {
    if (depth == 1 && next == Member::Jsonrpc) {
      next = Member::None;
      jsonrpc_ok = s.size() == n && s == "2.0";
      return jsonrpc_ok;
    }
    return value(false, false);
  }
  bool on_number_part(json::string_view, error_code&) { return true; }
  bool id_number(uint64_t v, json::string_view text) {
    if (v == 0 || !in_line(text)) return false;
    next = Member::None;
    out_->id = v;
    out_->id_begin = static_cast<size_t>(text.data() - line.data());
    out_->id_end = out_->id_begin + text.size();
    return true;
  }
  bool on_int64(std::int64_t v, json::string_view text, error_code&) {
    if (depth == 1 && next == Member::Id) return v > 0 && id_number(static_cast<uint64_t>(v), text);
    if (depth == 2 && inside == Member::Error && error_code_next) {
      error_code_next = false;
      out_->has_error_code = true;
      out_->error_code = v;
      return true;
    }
    return value(false, false);
  }
  bool on_uint64(std::uint64_t v, json::string_view text, error_code&) {
    if (depth == 1 && next == Member::Id) return id_number(v, text);
    return value(false, false);
  }
  bool on_double(double, json::string_view, error_code&) { return value(false, false); }
  bool on_bool(bool, error_code&) { return value(false, false); }
  bool on_null(error_code&) { return value(false, false); }
  bool on_comment_part(json::string_view, error_code&) { return false; }
  bool on_comment(json::string_view, error_code&) { return false; }
};

}  // namespace

bool skim_answer(std::string_view line, AnswerSkim& out) {
  out = AnswerSkim{};
  return skim_line<SkimHandler>(
      line,
      [&](const SkimHandler& h) { return h.jsonrpc_ok && out.id != 0 && out.has_result != out.has_error; },
      line, out);
}

std::string splice_answer(std::string_view line, const AnswerSkim& skim, std::string_view id_json,
                          bool mark_complete) {
  static constexpr std::string_view kMarker = "\"resultType\":\"complete\"";
  const bool mark = mark_complete && skim.result_open != 0 && !skim.result_has_result_type;
  std::string out;
  out.reserve(line.size() + id_json.size() + (mark ? kMarker.size() + 1 : 0) + 1);
  auto copy = [&](size_t from, size_t to) { out.append(line.data() + from, to - from); };
  // The id and the result's opening brace are in that order or the other; copy around both.
  size_t pos = 0;
  auto put_id = [&] {
    copy(pos, skim.id_begin);
    out.append(id_json);
    pos = skim.id_end;
  };
  auto put_marker = [&] {
    copy(pos, skim.result_open + 1);
    pos = skim.result_open + 1;
    out.append(kMarker);
    // An empty result object takes the marker alone; any other needs a separator.
    size_t i = pos;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\n')) ++i;
    if (i < line.size() && line[i] != '}') out.push_back(',');
  };
  if (mark && skim.result_open < skim.id_begin) {
    put_marker();
    put_id();
  } else {
    put_id();
    if (mark) put_marker();
  }
  copy(pos, line.size());
  out.push_back('\n');
  return out;
}

}  // namespace fasterapi::protocol
