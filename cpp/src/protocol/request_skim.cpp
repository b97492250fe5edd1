#include "protocol/request_skim.hpp"

#include "protocol/skim_line.hpp"

namespace fasterapi::protocol {

namespace {

namespace json = boost::json;
using boost::system::error_code;

// The top-level member (or params member) whose value comes next.
enum class Slot : uint8_t { None, Jsonrpc, Id, Method, Params, Name, Other };

// SAX handler: a callback returns false (stopping the parse) once the line is not the
// plain request skim_request accepts.
struct RequestHandler {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  RequestHandler() = default;
  RequestHandler(std::string_view line, RequestSkim& out) : line(line), out(&out) {}

  std::string_view line;
  RequestSkim* out = nullptr;
  int depth = 0;
  Slot next = Slot::None;
  bool in_params = false;  // depth 2 is inside params
  bool seen_jsonrpc = false, seen_id = false, seen_method = false, seen_params = false, seen_name = false;
  bool jsonrpc_ok = false;

  bool in_line(std::string_view s) const {
    return s.data() >= line.data() && s.data() + s.size() <= line.data() + line.size();
  }

  // A value other than the ones handled below begins at the current depth.
  bool other_value(bool is_object) {
    if (depth == 0) return false;  // only an object is a request
    if (depth == 1) {
      const Slot s = next;
      next = Slot::None;
      if (s == Slot::Params) {
        if (!is_object) return false;
        in_params = true;
      }
      return s == Slot::Other || s == Slot::Params;
    }
    if (depth == 2 && in_params) {
      const Slot s = next;
      next = Slot::None;
      return s != Slot::Name;  // a name that is not a string
    }
    return true;
  }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) {
    if (depth > 0 && !other_value(true)) return false;
    ++depth;
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    if (--depth == 1) in_params = false;
    return true;
  }
  bool on_array_begin(error_code&) {
    if (!other_value(false)) return false;
    ++depth;
    return true;
  }
  bool on_array_end(std::size_t, error_code&) {
    if (--depth == 1) in_params = false;
    return true;
  }
  bool on_key_part(json::string_view, std::size_t, error_code&) {
    return depth > 2 || (depth == 2 && !in_params);  // an escaped key where keys matter
  }
  bool claim(bool& seen, Slot s) {
    if (seen) return false;
    seen = true;
    next = s;
    return true;
  }
  bool on_key(json::string_view k, std::size_t n, error_code&) {
    if (depth == 1) {
      if (k.size() != n) return false;
      if (k == "jsonrpc") return claim(seen_jsonrpc, Slot::Jsonrpc);
      if (k == "id") return claim(seen_id, Slot::Id);
      if (k == "method") return claim(seen_method, Slot::Method);
      if (k == "params") return claim(seen_params, Slot::Params);
      next = Slot::Other;
      return true;
    }
    if (depth == 2 && in_params) {
      if (k.size() != n) return false;
      if (k == "_meta") return false;  // progress tokens, credentials, eras: the document path
      if (k == "name") return claim(seen_name, Slot::Name);
      next = Slot::Other;
    }
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, error_code&) {
    // An escaped (or split) string where the value matters: the document path.
    const bool matters = (depth == 1 && next != Slot::Other) || (depth == 2 && in_params && next == Slot::Name);
    return !matters;
  }
  bool on_string(json::string_view s, std::size_t n, error_code&) {
    if (depth == 1) {
      const Slot slot = next;
      next = Slot::None;
      switch (slot) {
        case Slot::Jsonrpc:
          jsonrpc_ok = s.size() == n && s == "2.0";
          return jsonrpc_ok;
        case Slot::Method:
          if (s.size() != n || !in_line(s)) return false;
          out->method = s;
          return true;
        case Slot::Id:
          if (s.size() != n || !in_line(s)) return false;
          out->id_kind = RequestSkim::IdKind::String;
          out->id_string = s;
          out->id_begin = static_cast<size_t>(s.data() - line.data()) - 1;  // its quotes too
          out->id_end = out->id_begin + s.size() + 2;
          return true;
        case Slot::Other: return true;
        default: return false;  // params a string
      }
    }
    if (depth == 2 && in_params && next == Slot::Name) {
      next = Slot::None;
      if (s.size() != n || !in_line(s)) return false;
      out->name = s;
      return true;
    }
    return other_value(false);
  }
  bool on_number_part(json::string_view, error_code&) { return true; }
  bool id_number(json::string_view text) {
    if (!in_line(text)) return false;
    next = Slot::None;
    out->id_begin = static_cast<size_t>(text.data() - line.data());
    out->id_end = out->id_begin + text.size();
    return true;
  }
  bool on_int64(std::int64_t v, json::string_view text, error_code&) {
    if (depth == 1 && next == Slot::Id) {
      out->id_kind = RequestSkim::IdKind::Int64;
      out->id_int = v;
      return id_number(text);
    }
    return other_value(false);
  }
  bool on_uint64(std::uint64_t v, json::string_view text, error_code&) {
    if (depth == 1 && next == Slot::Id) {
      out->id_kind = RequestSkim::IdKind::Uint64;
      out->id_uint = v;
      return id_number(text);
    }
    return other_value(false);
  }
  bool on_double(double, json::string_view, error_code&) { return other_value(false); }
  bool on_bool(bool, error_code&) { return other_value(false); }
  bool on_null(error_code&) { return other_value(false); }
  bool on_comment_part(json::string_view, error_code&) { return false; }
  bool on_comment(json::string_view, error_code&) { return false; }
};

}  // namespace

bool skim_request(std::string_view line, RequestSkim& out) {
  out = RequestSkim{};
  return skim_line<RequestHandler>(
      line,
      [](const RequestHandler& h) {
        return h.jsonrpc_ok && h.seen_id && h.seen_method && h.seen_params && h.seen_name;
      },
      line, out);
}

std::string splice_id(std::string_view line, size_t begin, size_t end, std::string_view id_json) {
  std::string out;
  out.reserve(line.size() - (end - begin) + id_json.size() + 1);
  out.append(line.data(), begin);
  out.append(id_json);
  out.append(line.data() + end, line.size() - end);
  out.push_back('\n');
  return out;
}

}  // namespace fasterapi::protocol
