#include "proxy/metrics_text.hpp"

#include <boost/json.hpp>
#include <set>
#include <vector>

namespace fasterapi::proxy {

namespace json = boost::json;

namespace {

std::string escape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string number(const json::value& v) {
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_double()) return json::serialize(v);
  if (v.is_bool()) return v.get_bool() ? "1" : "0";
  return "0";
}

struct Writer {
  std::string out;
  void head(std::string_view name, std::string_view type, std::string_view help) {
    out += "# HELP fasterapi_mcp_";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE fasterapi_mcp_";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
  }
  void sample(std::string_view name, std::vector<std::pair<std::string, std::string>> labels, const std::string& value) {
    out += "fasterapi_mcp_";
    out += name;
    if (!labels.empty()) {
      out += '{';
      for (size_t i = 0; i < labels.size(); ++i) {
        if (i) out += ',';
        out += labels[i].first + "=\"" + escape(labels[i].second) + '"';
      }
      out += '}';
    }
    out += ' ';
    out += value;
    out += '\n';
  }
  void by_label(const json::object& stats, std::string_view key, std::string_view name, std::string_view label,
                std::string_view help) {
    head(name, "counter", help);
    if (auto* m = stats.if_contains(key); m && m->is_object())
      for (auto& [k, v] : m->get_object()) sample(name, {{std::string(label), std::string(k)}}, number(v));
  }
};

}  // namespace

std::string prometheus_text(const json::object& s) {
  Writer w;
  auto at = [&](std::string_view k) { return s.if_contains(k) ? number(s.at(k)) : std::string("0"); };
  w.head("requests_total", "counter", "Requests counted by the proxy, by outcome.");
  w.sample("requests_total", {{"outcome", "success"}}, at("successful_requests"));
  w.sample("requests_total", {{"outcome", "failure"}}, at("failed_requests"));
  w.head("retried_requests_total", "counter", "Re-sends of requests (retries).");
  w.sample("retried_requests_total", {}, at("retried_requests"));
  w.head("cached_responses_total", "counter", "Answers served from the response cache.");
  w.sample("cached_responses_total", {}, at("cached_responses"));
  w.head("request_latency_ms_sum", "counter", "Total latency of counted requests, ms.");
  w.sample("request_latency_ms_sum", {}, at("total_latency_ms"));
  w.head("request_latency_ms_min", "gauge", "Smallest request latency, ms.");
  w.sample("request_latency_ms_min", {}, at("min_latency_ms"));
  w.head("request_latency_ms_max", "gauge", "Largest request latency, ms.");
  w.sample("request_latency_ms_max", {}, at("max_latency_ms"));
  w.by_label(s, "upstream_requests", "upstream_requests_total", "upstream", "Exchanges with each upstream.");
  w.by_label(s, "tool_requests", "tool_requests_total", "tool", "tools/call requests by tool.");
  w.by_label(s, "client_requests", "client_requests_total", "client", "Requests by client (principal).");
  if (auto* st = s.if_contains("upstream_state"); st && st->is_object()) {
    w.head("upstream_healthy", "gauge", "1 if the upstream is healthy.");
    for (auto& [name, v] : st->get_object())
      w.sample("upstream_healthy", {{"upstream", std::string(name)}}, number(v.as_object().at("healthy")));
    w.head("upstream_circuit_state", "gauge", "1 for the circuit breaker's current state.");
    for (auto& [name, v] : st->get_object())
      for (const char* state : {"closed", "open", "half_open"})
        w.sample("upstream_circuit_state", {{"state", state}, {"upstream", std::string(name)}},
                 v.as_object().at("circuit").as_string() == state ? "1" : "0");
    w.head("upstream_circuit_opened_total", "counter", "Times each upstream's circuit opened.");
    for (auto& [name, v] : st->get_object())
      w.sample("upstream_circuit_opened_total", {{"upstream", std::string(name)}},
               number(v.as_object().at("circuit_opened")));
  }
  w.head("active_sessions", "gauge", "Client sessions open now.");
  w.sample("active_sessions", {}, at("active_sessions"));
  for (auto [key, help] : {std::pair<const char*, const char*>{"cache_entries", "Entries in the response cache."},
                           {"cache_bytes", "Bytes (keys and values) in the response cache."}}) {
    if (!s.contains(key)) continue;
    w.head(key, "gauge", help);
    w.sample(key, {}, at(key));
  }
  static const std::set<std::string_view> kDone = {
      "total_requests", "successful_requests", "failed_requests", "retried_requests", "cached_responses",
      "total_latency_ms", "min_latency_ms", "max_latency_ms", "total_latency_us", "min_latency_us",
      "max_latency_us", "active_sessions", "cache_entries", "cache_bytes"};
  for (auto& [k, v] : s) {
    if (kDone.count(k) || !(v.is_int64() || v.is_uint64() || v.is_double())) continue;
    const std::string name = std::string(k) + "_total";
    w.head(name, "counter", "Core counter " + std::string(k) + ".");
    w.sample(name, {}, number(v));
  }
  return w.out;
}

}  // namespace fasterapi::proxy
