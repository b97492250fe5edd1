#pragma once
// Reads a fuzz input as a few parameter bytes (a size limit, a seed for split points)
// followed by the payload, so the fuzzer mutates the parameters along with the bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace fasterapi::fuzz {

class FuzzInput {
 public:
  explicit FuzzInput(std::string_view data) : rest_(data) {}

  // The next parameter byte; 0 once the input is used up.
  uint8_t byte() {
    if (rest_.empty()) return 0;
    const auto b = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

// Cuts `payload` into consecutive pieces whose lengths (1..max_piece) follow a small
// deterministic generator seeded by `seed`: the same input always splits the same way.
inline std::vector<std::string_view> split_points(std::string_view payload, uint8_t seed, size_t max_piece) {
  std::vector<std::string_view> pieces;
  uint32_t state = 0x9e3779b9u ^ seed;
  while (!payload.empty()) {
    state = state * 1664525u + 1013904223u;
    const size_t n = std::min(payload.size(), 1 + (state >> 16) % max_piece);
    pieces.push_back(payload.substr(0, n));
    payload.remove_prefix(n);
  }
  return pieces;
}

}  // namespace fasterapi::fuzz
