#include "policy/strict_json.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

namespace fasterapi::policy {

namespace json = boost::json;

namespace {

// Boost.JSON's own value-building handler (detail::handler), plus a member count.
struct CountingHandler {
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  json::value_stack st;
  std::size_t members = 0;

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) { return true; }
  bool on_object_end(std::size_t n, boost::system::error_code&) {
    members += n;
    st.push_object(n);
    return true;
  }
  bool on_array_begin(boost::system::error_code&) { return true; }
  bool on_array_end(std::size_t n, boost::system::error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, boost::system::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, boost::system::error_code&) {
    st.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, boost::system::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, boost::system::error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_int64(std::int64_t i, json::string_view, boost::system::error_code&) {
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, boost::system::error_code&) {
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view, boost::system::error_code&) {
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, boost::system::error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(boost::system::error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(json::string_view, boost::system::error_code&) { return true; }
};

std::size_t tree_members(const json::value& v) {
  std::size_t n = 0;
  if (v.is_object()) {
    n += v.get_object().size();
    for (const auto& kv : v.get_object()) n += tree_members(kv.value());
  } else if (v.is_array()) {
    for (const auto& x : v.get_array()) n += tree_members(x);
  }
  return n;
}

}  // namespace

StrictJsonError parse_strict_json(std::string_view text, size_t max_depth, json::value& out) {
  json::parse_options opts;
  opts.max_depth = max_depth;
  json::basic_parser<CountingHandler> p(opts);
  p.handler().st.reset(out.storage());  // build straight into the caller's memory
  boost::system::error_code ec;
  const std::size_t n = p.write_some(false, text.data(), text.size(), ec);
  if (ec == json::error::too_deep) return StrictJsonError::TooDeep;
  if (ec || n != text.size() || !p.done()) return StrictJsonError::Invalid;
  const std::size_t seen = p.handler().members;
  out = p.handler().st.release();
  if (tree_members(out) != seen) return StrictJsonError::DuplicateKey;
  return StrictJsonError::None;
}

}  // namespace fasterapi::policy
