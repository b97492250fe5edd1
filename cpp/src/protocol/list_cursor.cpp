#include "protocol/list_cursor.hpp"

#include <boost/beast/core/detail/base64.hpp>
#include <boost/json.hpp>

namespace fasterapi::protocol {

namespace b64 = boost::beast::detail::base64;
namespace json = boost::json;

std::string encode_cursor(const std::vector<PendingPage>& pages) {
  json::array p;
  for (const auto& page : pages) {
    json::array entry;
    entry.emplace_back(page.upstream);
    if (page.cursor) entry.emplace_back(*page.cursor);
    else entry.emplace_back(nullptr);
    p.emplace_back(std::move(entry));
  }
  json::object doc;
  doc["v"] = 1;
  doc["p"] = std::move(p);
  const std::string text = json::serialize(doc);
  std::string out(b64::encoded_size(text.size()), '\0');
  out.resize(b64::encode(out.data(), text.data(), text.size()));
  return out;
}

std::optional<std::vector<PendingPage>> decode_cursor(std::string_view cursor,
                                                      size_t upstream_count) {
  if (cursor.empty() || cursor.size() > 64 * 1024) return std::nullopt;
  for (char c : cursor) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/' || c == '=';
    if (!ok) return std::nullopt;
  }
  std::string text(b64::decoded_size(cursor.size()), '\0');
  const auto [written, read] = b64::decode(text.data(), cursor.data(), cursor.size());
  text.resize(written);
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  const auto* v = doc.get_object().if_contains("v");
  const auto* p = doc.get_object().if_contains("p");
  if (!v || !v->is_int64() || v->get_int64() != 1 || !p || !p->is_array()) return std::nullopt;
  std::vector<PendingPage> pages;
  std::vector<bool> seen(upstream_count, false);
  for (const auto& e : p->get_array()) {
    if (!e.is_array() || e.get_array().size() != 2) return std::nullopt;
    const auto& idx = e.get_array()[0];
    const auto& cur = e.get_array()[1];
    if (!idx.is_int64() || idx.get_int64() < 0 ||
        static_cast<size_t>(idx.get_int64()) >= upstream_count)
      return std::nullopt;
    const size_t u = static_cast<size_t>(idx.get_int64());
    if (seen[u]) return std::nullopt;
    seen[u] = true;
    PendingPage page{u, std::nullopt};
    if (cur.is_string()) page.cursor = std::string(cur.get_string());
    else if (!cur.is_null()) return std::nullopt;
    pages.push_back(std::move(page));
  }
  if (pages.empty()) return std::nullopt;
  return pages;
}

}  // namespace fasterapi::protocol
