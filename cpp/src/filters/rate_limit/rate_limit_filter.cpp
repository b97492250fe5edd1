#include "filters/rate_limit/rate_limit_filter.hpp"

#include "fasterapi/errors.hpp"

namespace fasterapi::filters {

using namespace fasterapi::policy;

RateLimitConfig RateLimitConfig::from(const SecuritySettings& s) {
  RateLimitConfig c;
  c.global = s.global;
  c.client = s.client;
  c.tools = s.tools;
  bool any = c.global || c.client || !c.tools.empty();
  for (int64_t o : s.route_overrides) {
    if (o <= 0) {
      c.routes.emplace_back();
      continue;
    }
    // The override replaces max_requests; window and algorithm are the global limit's
    // (or 60000 ms, token_bucket). Capacity is the override itself.
    RateSpec r;
    if (s.global) {
      r.algorithm = s.global->algorithm;
      r.window_ms = s.global->window_ms;
    } else {
      r.algorithm = RateAlgorithm::TokenBucket;
      r.window_ms = 60000;
    }
    r.max_requests = o;
    r.burst = 0;
    c.routes.emplace_back(r);
    any = true;
  }
  c.enabled = s.enable_rate_limiting && any;
  return c;
}

RateLimitFilter::RateLimitFilter(RateLimitConfig c) : config_(std::move(c)) {
  routes_.resize(config_.routes.size());
  for (const auto& [name, spec] : config_.tools) tools_[name] = {spec, RateState{}};
}

std::optional<Refusal> RateLimitFilter::check(const Principal& p, int route, std::string_view tool, int64_t now) {
  if (!config_.enabled) return std::nullopt;
  Limit limits[3];
  int n = 0;
  if (route >= 0 && static_cast<size_t>(route) < routes_.size() && config_.routes[route])
    limits[n++] = {"route", &*config_.routes[route], &routes_[route]};
  else if (config_.global)
    limits[n++] = {"global", &*config_.global, &global_};
  if (!tool.empty() && !tools_.empty()) {
    auto it = tools_.find(tool);
    if (it != tools_.end()) limits[n++] = {"tool", &it->second.first, &it->second.second};
  }
  RateState* client_state = nullptr;
  if (config_.client) client_state = &clients_.get(*config_.client, p.id, now, &p.client_slot);

  // Check everything first; charge only if everything allows.
  int64_t worst = 0;
  const Limit* refused = nullptr;
  Limit client_limit{"client", config_.client ? &*config_.client : nullptr, client_state};
  auto consider = [&](const Limit& l) {
    const int64_t r = rate_retry_after(*l.spec, *l.state, now);
    if (r > worst) {
      worst = r;
      refused = &l;
    }
  };
  for (int i = 0; i < n; ++i) consider(limits[i]);
  if (client_state) consider(client_limit);
  if (!refused) {
    for (int i = 0; i < n; ++i) rate_consume(*limits[i].spec, *limits[i].state, now);
    if (client_state) rate_consume(*config_.client, *client_state, now);
    return std::nullopt;
  }
  const RateSpec& s = *refused->spec;
  Refusal r;
  r.code = errors::kRateLimited;
  r.message = std::string("Rate limit exceeded (") + refused->kind + " limit: " + std::to_string(s.max_requests) +
              " requests per " + std::to_string(s.window_ms) + " ms); retry after " + std::to_string(worst) + " ms";
  r.data["reason"] = "rate_limited";
  r.data["limit"] = refused->kind;
  r.data["algorithm"] = rate_algorithm_name(s.algorithm);
  r.data["max_requests"] = s.max_requests;
  r.data["window_ms"] = s.window_ms;
  if (s.algorithm == RateAlgorithm::TokenBucket) r.data["burst"] = s.capacity();
  r.data["retry_after_ms"] = worst;
  if (std::string_view(refused->kind) == "tool") r.data["tool"] = tool;
  if (std::string_view(refused->kind) == "route") r.data["route"] = route;
  if (std::string_view(refused->kind) == "client") r.data["client"] = p.id;
  r.counter = "rate_limited";
  return r;
}

}  // namespace fasterapi::filters
