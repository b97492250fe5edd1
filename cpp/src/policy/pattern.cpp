#include "policy/pattern.hpp"

namespace fasterapi::policy {

Pattern::Pattern(std::string text) : text_(std::move(text)) {
  // Most routes are a literal name or "prefix*"; give those a fast path.
  const auto wild = text_.find_first_of("*?");
  if (wild == std::string::npos) {
    shape_ = Shape::Literal;
    fixed_ = text_;
  } else if (text_ == "*") {
    shape_ = Shape::Any;
  } else if (wild == text_.size() - 1 && text_.back() == '*') {
    shape_ = Shape::Prefix;
    fixed_ = text_.substr(0, text_.size() - 1);
  } else {
    shape_ = Shape::General;
  }
}

bool Pattern::matches(std::string_view name) const {
  switch (shape_) {
    case Shape::Literal: return name == fixed_;
    case Shape::Any: return true;
    case Shape::Prefix: return name.substr(0, fixed_.size()) == fixed_;
    case Shape::General: return glob_match(text_, name);
  }
  return false;
}

bool glob_match(std::string_view p, std::string_view s) {
  size_t pi = 0, si = 0;
  size_t star = std::string_view::npos, star_si = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == s[si])) {
      ++pi;
      ++si;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      star_si = si;
    } else if (star != std::string_view::npos) {
      // Let the last '*' swallow one more character and retry from there.
      pi = star + 1;
      si = ++star_si;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace fasterapi::policy
