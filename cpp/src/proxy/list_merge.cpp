#include "proxy/list_merge.hpp"

namespace fasterapi::proxy {

namespace {
constexpr ListSpec kSpecs[] = {
    {"tools/list", "tools", "name", policy::Kind::Tool, true},
    {"prompts/list", "prompts", "name", policy::Kind::Prompt, true},
    {"resources/list", "resources", "uri", policy::Kind::Resource, false},
    {"resources/templates/list", "resourceTemplates", "uriTemplate", policy::Kind::Resource, false},
};
constexpr char kSeparator = '_';
}  // namespace

const ListSpec* find_list_spec(std::string_view method) {
  for (const auto& s : kSpecs)
    if (s.method == method) return &s;
  return nullptr;
}

std::string visible_name(const std::string& prefix, std::string_view name) {
  if (prefix.empty()) return std::string(name);
  std::string out;
  out.reserve(prefix.size() + 1 + name.size());
  out += prefix;
  out += kSeparator;
  out += name;
  return out;
}

bool strip_prefix(const std::string& prefix, std::string_view visible, std::string& out) {
  if (prefix.empty()) {
    out.assign(visible);
    return true;
  }
  if (visible.size() <= prefix.size() + 1 || visible.substr(0, prefix.size()) != prefix ||
      visible[prefix.size()] != kSeparator)
    return false;
  out.assign(visible.substr(prefix.size() + 1));
  return true;
}

MergeCounts merge_page(const ListSpec& spec, json::object& page, size_t upstream,
                       const std::string& prefix, const policy::RouteTable& routes,
                       json::array& out, std::string& first_shadowed,
                       const std::function<bool(int route)>& visible) {
  MergeCounts counts;
  auto* items = page.if_contains(spec.items_key);
  if (!items || !items->is_array()) return counts;
  const bool rename = spec.prefixed && !prefix.empty();
  for (auto& item : items->get_array()) {
    if (!item.is_object()) continue;
    auto* name_v = item.get_object().if_contains(spec.name_key);
    if (!name_v || !name_v->is_string()) continue;
    std::string name = rename ? visible_name(prefix, name_v->get_string())
                              : std::string(name_v->get_string());
    const int r = routes.match(spec.kind, name);
    if (r < 0 || routes.routes()[r].upstream != upstream) {
      ++counts.shadowed;
      if (first_shadowed.empty()) first_shadowed = name;
      continue;
    }
    if (visible && !visible(r)) continue;
    if (rename) *name_v = name;
    out.emplace_back(std::move(item));
    ++counts.kept;
  }
  return counts;
}

}  // namespace fasterapi::proxy
