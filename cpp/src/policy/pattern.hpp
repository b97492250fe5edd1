#pragma once
// Route patterns: '*' matches any run of characters (including none), '?' exactly one
// character, everything else itself. Matching is on bytes, so it is exact for ASCII
// names and URIs and never splits what it does not understand.
#include <algorithm>
#include <string>
#include <string_view>

namespace fasterapi::policy {

class Pattern {
 public:
  Pattern() = default;
  explicit Pattern(std::string text);

  bool empty() const { return text_.empty(); }
  const std::string& text() const { return text_; }
  bool matches(std::string_view name) const;
  // For the route table's index: a literal name, or the literal text before the first
  // wildcard (every name it matches starts with it; "" when it starts with a wildcard).
  bool is_literal() const { return shape_ == Shape::Literal && !text_.empty(); }
  std::string_view lead() const {
    return std::string_view(text_).substr(0, std::min(text_.find_first_of("*?"), text_.size()));
  }

 private:
  enum class Shape { Literal, Prefix, Any, General };
  std::string text_;
  std::string fixed_;  // Literal: the whole text; Prefix: the part before the final '*'
  Shape shape_ = Shape::Literal;
};

// Glob matching with '*' and '?'; linear-time greedy algorithm with one backtrack point.
bool glob_match(std::string_view pattern, std::string_view name);

}  // namespace fasterapi::policy
