#include "filters/transform/transform_filter.hpp"

#include "filters/transform/builtins.hpp"
#include "proxy/settings.hpp"

namespace fasterapi::filters::transform {

const char* direction_name(Direction d) { return d == Direction::Request ? "request" : "response"; }

bool Chain::bind(const std::string& name, ExternalFn fn) {
  for (size_t i = 0; i < specs_.size(); ++i) {
    if (specs_[i].name == name && specs_[i].type == Type::External) {
      external_[i] = std::make_shared<ExternalFn>(std::move(fn));
      return true;
    }
  }
  return false;
}

std::vector<std::string> Chain::unbound() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < specs_.size(); ++i)
    if (specs_[i].type == Type::External && !external_[i]) out.push_back(specs_[i].name);
  return out;
}

int64_t Chain::cache_ttl_ms() const {
  for (const auto& s : specs_)
    if (s.type == Type::Cache) return s.ttl_ms;
  return 0;
}

bool run_builtin(const TransformSpec& spec, const Context& ctx, json::object& msg) {
  switch (spec.type) {
    case Type::Metadata:
      add_metadata(msg, spec.proxy_name, ctx.request_id, ctx.client_id);
      return true;
    case Type::Sanitize:
      redact(msg, spec.keys);
      return true;
    case Type::Cache:
      // Hints only on an answer the proxy itself may cache (never on a side effect).
      if (ctx.direction == Direction::Response && ctx.cache_ttl_ms >= 0)
        stamp_cache_hints(msg, std::min(ctx.cache_ttl_ms, spec.ttl_ms), ctx.cache_scope);
      return true;
    case Type::External: return false;
  }
  return false;
}

bool Chain::run(const Context& ctx, json::object& msg, Failure& fail) const {
  for (size_t i = 0; i < specs_.size(); ++i) {
    const TransformSpec& spec = specs_[i];
    if (spec.type != Type::External) {
      run_builtin(spec, ctx, msg);
      continue;
    }
    fail.transformer = spec.name;
    if (!external_[i]) {
      fail.reason = "transformer_not_bound";
      fail.detail = "no function was given for this transformer";
      return false;
    }
    ExternalResult r = (*external_[i])(ctx, json::serialize(msg));
    if (!r.ok) {
      fail.reason = "transformer_failed";
      fail.detail = std::move(r.error);
      return false;
    }
    boost::system::error_code ec;
    json::value v = json::parse(r.data, ec);
    if (ec || !v.is_object()) {
      fail.reason = "transformer_invalid_output";
      fail.detail = ec ? "not JSON: " + ec.message() : std::string("not a JSON object");
      return false;
    }
    msg = std::move(v.get_object());
  }
  return true;
}

TransformStage::TransformStage(const TransformSettings& s)
    : settings_(s),
      request_(s.request),
      response_(s.response),
      cache_(policy::CacheLimits{s.cache.max_entries, s.cache.max_bytes}) {
  active_ = s.cache.enabled || !s.request.empty() || !s.response.empty();
  redacted_ = s.redacted_keys();
}

void TransformStage::bind_external(Direction d, const std::string& name, ExternalFn fn) {
  Chain& c = d == Direction::Request ? request_ : response_;
  if (!c.bind(name, std::move(fn)))
    throw proxy::ConfigError(std::string("transformers.") + direction_name(d) + ": no python transformer named '" +
                             name + "'");
}

bool TransformStage::request_chain_for(int route) const {
  return route >= 0 && static_cast<size_t>(route) < settings_.routes.size() && settings_.routes[route].request &&
         !request_.empty();
}

bool TransformStage::response_chain_for(int route) const {
  return route >= 0 && static_cast<size_t>(route) < settings_.routes.size() && settings_.routes[route].response &&
         !response_.empty();
}

int64_t TransformStage::route_cache_ttl(int route) const {
  if (route < 0) return 0;
  if (response_chain_for(route))
    if (int64_t ttl = response_.cache_ttl_ms(); ttl > 0) return ttl;
  return settings_.cache.enabled ? settings_.cache.ttl_ms : 0;
}

bool TransformStage::run(Direction d, const Context& ctx, json::object& msg, Failure& fail) const {
  return (d == Direction::Request ? request_ : response_).run(ctx, msg, fail);
}

std::string TransformStage::next_request_id() { return "req-" + std::to_string(next_request_++); }

void TransformStage::add_stats(json::object& out) const {
  out["transformer_errors"] = transformer_errors;
  out["cache_misses"] = cache_misses;
  out["cache_stores"] = cache_stores;
  out["cache_evictions"] = cache_.evictions();
  out["cache_expired"] = cache_.expired();
  out["cache_invalidations"] = cache_invalidations;
  out["cache_entries"] = cache_.size();
  out["cache_bytes"] = cache_.bytes();
}

}  // namespace fasterapi::filters::transform
