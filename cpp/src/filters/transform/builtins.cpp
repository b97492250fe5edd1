#include "filters/transform/builtins.hpp"

#include <algorithm>
#include <memory>
#include <mutex>
#include <set>

#include "common/log.hpp"

namespace fasterapi::filters::transform {

void add_metadata(json::object& msg, std::string_view proxy_name, std::string_view request_id,
                  std::string_view client_id) {
  json::object meta;
  meta["name"] = proxy_name;
  meta["request_id"] = request_id;
  meta["client_id"] = client_id;
  msg["_proxy"] = std::move(meta);
}

namespace {

char lower_char(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool key_matches(std::string_view name, const std::vector<std::string>& keys) {
  std::string low(name);
  for (char& c : low) c = lower_char(c);
  return std::binary_search(keys.begin(), keys.end(), low);
}

bool word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// End of a quoted string starting at text[p] (the quote), past the closing quote.
size_t quoted_end(std::string_view text, size_t p) {
  const char q = text[p];
  for (size_t i = p + 1; i < text.size(); ++i) {
    if (text[i] == '\\') ++i;
    else if (text[i] == q) return i + 1;
  }
  return text.size();
}

// End of a bracketed JSON value starting at text[p] ('{' or '['), strings respected.
size_t bracket_end(std::string_view text, size_t p) {
  int depth = 0;
  for (size_t i = p; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      i = quoted_end(text, i) - 1;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return text.size();
}

}  // namespace

size_t redact(json::object& o, const std::vector<std::string>& keys) {
  size_t n = 0;
  for (auto& kv : o) {
    if (key_matches(kv.key(), keys)) {
      kv.value() = kRedacted;
      ++n;
    } else {
      n += redact(kv.value(), keys);
    }
  }
  return n;
}

size_t redact(json::value& v, const std::vector<std::string>& keys) {
  if (v.is_object()) return redact(v.get_object(), keys);
  size_t n = 0;
  if (v.is_array())
    for (auto& x : v.get_array()) n += redact(x, keys);
  return n;
}

std::string redact_text(std::string_view text, const std::vector<std::string>& keys) {
  if (keys.empty()) return std::string(text);
  // A whole line of JSON: redact the structure (nested values included).
  size_t first = text.find_first_not_of(" \t");
  if (first != std::string_view::npos && text[first] == '{') {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (!ec && v.is_object()) {
      if (redact(v, keys) == 0) return std::string(text);
      return json::serialize(v);
    }
  }
  std::string low(text);
  for (char& c : low) c = lower_char(c);
  std::string out;
  out.reserve(text.size());
  size_t copied = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i > 0 && word_char(text[i - 1])) continue;
    for (const auto& k : keys) {
      if (low.compare(i, k.size(), k) != 0) continue;
      size_t p = i + k.size();
      if (p < text.size() && word_char(text[p])) continue;
      if (p < text.size() && (text[p] == '"' || text[p] == '\'')) ++p;
      while (p < text.size() && text[p] == ' ') ++p;
      if (p >= text.size() || (text[p] != '=' && text[p] != ':')) continue;
      ++p;
      while (p < text.size() && text[p] == ' ') ++p;
      if (p >= text.size()) continue;
      size_t end;
      std::string replacement;
      if (text[p] == '"' || text[p] == '\'') {
        end = quoted_end(text, p);
        replacement = std::string(1, text[p]) + std::string(kRedacted) + std::string(1, text[p]);
      } else if (text[p] == '{' || text[p] == '[') {
        end = bracket_end(text, p);
        replacement = "\"" + std::string(kRedacted) + "\"";
      } else {
        end = p;
        while (end < text.size() && std::string_view(" \t,;&})]").find(text[end]) == std::string_view::npos) ++end;
        replacement = std::string(kRedacted);
      }
      out.append(text.substr(copied, p - copied));
      out += replacement;
      copied = end;
      i = end - 1;
      break;
    }
  }
  out.append(text.substr(std::min(copied, text.size())));
  return out;
}

namespace {
std::mutex g_log_keys_mu;
std::shared_ptr<const std::vector<std::string>> g_log_keys;

std::string filter_log_text(std::string_view text) {
  std::shared_ptr<const std::vector<std::string>> keys;
  {
    std::lock_guard lock(g_log_keys_mu);
    keys = g_log_keys;
  }
  return keys ? redact_text(text, *keys) : std::string(text);
}
}  // namespace

void redact_logs(const std::vector<std::string>& keys) {
  if (keys.empty()) return;
  {
    std::lock_guard lock(g_log_keys_mu);
    std::set<std::string> all(keys.begin(), keys.end());
    if (g_log_keys) all.insert(g_log_keys->begin(), g_log_keys->end());
    g_log_keys = std::make_shared<const std::vector<std::string>>(all.begin(), all.end());
  }
  log::set_text_filter(&filter_log_text);
}

void stamp_cache_hints(json::object& msg, int64_t ttl_ms, std::string_view scope) {
  auto* r = msg.if_contains("result");
  if (!r || !r->is_object()) return;
  auto& result = r->get_object();
  int64_t ttl = std::max<int64_t>(0, ttl_ms);
  if (auto* t = result.if_contains("ttlMs")) {
    if (t->is_int64()) ttl = std::min(ttl, std::max<int64_t>(0, t->get_int64()));
    else if (t->is_uint64()) ttl = std::min<int64_t>(ttl, static_cast<int64_t>(std::min<uint64_t>(t->get_uint64(), INT64_MAX)));
  }
  result["ttlMs"] = ttl;
  auto* sc = result.if_contains("cacheScope");
  const bool was_private = sc && !(sc->is_string() && sc->get_string() == "public");
  result["cacheScope"] = was_private || scope != "public" ? "private" : "public";
}

}  // namespace fasterapi::filters::transform
