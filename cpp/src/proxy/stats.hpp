#pragma once
// The proxy's statistics (public API: ProxyStats plus core counters, docs/core_config.md).
// Owned by the event-loop thread; snapshots are taken on that thread.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace fasterapi::proxy {

struct Stats {
  uint64_t total_requests = 0;
  uint64_t successful_requests = 0;
  uint64_t failed_requests = 0;
  uint64_t retried_requests = 0;
  uint64_t cached_responses = 0;
  int64_t total_latency_us = 0;
  int64_t min_latency_us = -1;
  int64_t max_latency_us = 0;
  std::vector<uint64_t> upstream_requests;  // by upstream index: no string lookup per request
  std::map<std::string, uint64_t> tool_requests;
  std::map<std::string, uint64_t, std::less<>> client_requests;  // by principal
  std::map<std::string, uint64_t> counters;  // upstream_spawns, timeouts, parse_errors, ...

  // A request refused before reaching any upstream (no route): counted, no latency.
  void record_refusal() { failed_requests++; }

  void record_outcome(bool success, int64_t latency_us) {
    (success ? successful_requests : failed_requests)++;
    total_latency_us += latency_us;
    if (min_latency_us < 0 || latency_us < min_latency_us) min_latency_us = latency_us;
    if (latency_us > max_latency_us) max_latency_us = latency_us;
  }
};

}  // namespace fasterapi::proxy
