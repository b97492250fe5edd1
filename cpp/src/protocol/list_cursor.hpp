#pragma once
// The proxy's own pagination cursor for merged list results: which upstreams still have
// pages, and each one's opaque cursor. Opaque to clients (base64 of a small JSON document).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fasterapi::protocol {

struct PendingPage {
  size_t upstream = 0;
  std::optional<std::string> cursor;  // nullopt: the upstream's first page
};

std::string encode_cursor(const std::vector<PendingPage>& pages);
// nullopt when the cursor is not one of ours or names an upstream >= upstream_count.
std::optional<std::vector<PendingPage>> decode_cursor(std::string_view cursor,
                                                      size_t upstream_count);

}  // namespace fasterapi::protocol
