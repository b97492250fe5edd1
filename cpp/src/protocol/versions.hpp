#pragma once
// MCP protocol revisions the proxy speaks.
#include <array>
#include <string_view>

namespace fasterapi::protocol {

// Handshake-era revisions (initialize / initialized), oldest first.
inline constexpr std::array<std::string_view, 4> kHandshakeVersions = {
    "2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"};
inline constexpr std::string_view kLatestHandshakeVersion = "2025-11-25";

// Stateless-era revisions: every request names its version in params._meta.
inline constexpr std::array<std::string_view, 1> kStatelessVersions = {"2026-07-28"};
inline constexpr std::string_view kLatestStatelessVersion = "2026-07-28";

inline bool is_handshake_version(std::string_view v) {
  for (auto known : kHandshakeVersions)
    if (v == known) return true;
  return false;
}

inline bool is_stateless_version(std::string_view v) {
  for (auto known : kStatelessVersions)
    if (v == known) return true;
  return false;
}

}  // namespace fasterapi::protocol
