#include "proxy/transform_hooks.hpp"

#include <boost/json/serialize.hpp>

#include "common/log.hpp"
#include "fasterapi/errors.hpp"
#include "filters/transform/builtins.hpp"
#include "filters/transform/transform_filter.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/meta.hpp"
#include "proxy/proxy.hpp"
#include "proxy/session.hpp"

namespace fasterapi::proxy {

namespace tf = filters::transform;
using policy::CacheScope;

namespace {

// The member of params that names what is called: routing was decided by it, so no
// transformer may change it afterwards.
const char* target_member(std::string_view method) {
  if (method == "tools/call" || method == "prompts/get") return "name";
  if (method == "resources/read") return "uri";
  if (method == "completion/complete") return "ref";
  return nullptr;
}

std::string target_name(std::string_view method, const json::object* params) {
  if (!params) return {};
  const char* m = target_member(method);
  if (!m) return {};
  auto* v = params->if_contains(m);
  if (!v) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_object()) {  // completion/complete: ref.name or ref.uri
    auto n = protocol::string_at(v->get_object(), "name");
    return std::string(n.empty() ? protocol::string_at(v->get_object(), "uri") : n);
  }
  return {};
}

// Safe to answer from a cache: reads, prompts, and tools the upstream annotates
// readOnlyHint where the route trusts annotations. Never a side effect.
bool cacheable_call(Proxy& proxy, const CallState& call, policy::CacheTag& tag) {
  if (call.method == "resources/read") {
    tag.kind = static_cast<int>(policy::Kind::Resource);
    return true;
  }
  if (call.method == "prompts/get") {
    tag.kind = static_cast<int>(policy::Kind::Prompt);
    return true;
  }
  if (call.method != "tools/call") return false;
  const auto& cand = call.candidates[0];
  if (cand.route < 0 || !proxy.settings().routes[cand.route].trust_annotations) return false;
  const std::string& name = cand.name.empty() ? call.tool : cand.name;
  if (!(proxy.upstream(cand.upstream).tool_hints(name) & Upstream::kReadOnly)) return false;
  tag.kind = static_cast<int>(policy::Kind::Tool);
  return true;
}

int64_t int_member(const json::object& o, std::string_view k, int64_t dflt) {
  auto* v = o.if_contains(k);
  if (!v) return dflt;
  if (v->is_int64()) return std::max<int64_t>(0, v->get_int64());
  if (v->is_uint64()) return static_cast<int64_t>(std::min<uint64_t>(v->get_uint64(), INT64_MAX));
  return dflt;
}

bool is_public(const json::object& result) {
  auto* s = result.if_contains("cacheScope");
  return s && s->is_string() && s->get_string() == "public";
}

policy::CacheCaller caller(const policy::Principal& p) { return {p.id, &p.scopes}; }

void fill_failure(Outcome& o, tf::Direction d, const tf::Failure& f, std::string_view method, std::string_view name,
                  const std::vector<std::string>& redacted) {
  o.response = nullptr;
  o.skim = nullptr;
  o.code = errors::kTransformerFailed;
  o.message = std::string(tf::direction_name(d)) + " transformer '" + f.transformer + "' failed";
  if (f.reason == "transformer_invalid_output") o.message += ": it did not return a JSON object";
  o.data = json::object();
  o.data["reason"] = f.reason;
  o.data["transformer"] = f.transformer;
  o.data["stage"] = tf::direction_name(d);
  // An exception's text may quote the data it choked on: the sanitizer's keys apply.
  o.data["detail"] = tf::redact_text(f.detail, redacted);
  o.data["method"] = method;
  if (!name.empty()) o.data["name"] = name;
  // Request: nothing was sent. Response: the upstream answered; its answer is withheld.
  o.data["delivery"] = d == tf::Direction::Request ? "not_sent" : "answered";
  o.delivery = d == tf::Direction::Request ? Delivery::NotSent : Delivery::PossiblyAccepted;
}

void log_failure(tf::Direction d, const tf::Failure& f, const CallState& call, const tf::CallFilter& cf) {
  log::warn("transform", std::string(tf::direction_name(d)) + " transformer '" + f.transformer + "' failed on " +
                             call.method + (cf.name.empty() ? "" : " '" + cf.name + "'") + " (" + cf.request_id +
                             ", client " + call.client->id + "): " + f.reason + ": " + f.detail + "; answered " +
                             std::to_string(errors::kTransformerFailed));
}

}  // namespace

bool transform_before_send(Proxy& proxy, const policy::PrincipalPtr& principal, CallState& call, Outcome& early,
                           json::object& early_response) {
  tf::TransformStage& stage = proxy.transforms();
  if (!stage.active() || call.candidates.empty() || !principal) return false;
  const auto& cand = call.candidates[0];
  const bool req_chain = stage.request_chain_for(cand.route);
  const bool resp_chain = stage.response_chain_for(cand.route);
  const int64_t ttl = stage.route_cache_ttl(cand.route);
  policy::CacheTag tag;
  const bool cacheable = ttl > 0 && cacheable_call(proxy, call, tag);
  if (!req_chain && !resp_chain && !cacheable) return false;

  auto f = std::make_shared<tf::CallFilter>();
  f->principal = principal;
  f->route = cand.route;
  f->response_chain = resp_chain;
  f->name = target_name(call.method, protocol::params_of(call.msg));
  if (req_chain || resp_chain) f->request_id = stage.next_request_id();
  call.transform = f;

  if (cacheable) {
    auto key = policy::cache_request_key(call.method, protocol::params_of(call.msg), proxy.settings().security.meta_key);
    if (key) {
      f->cache_request = std::move(*key);
      f->cache_ttl_ms = ttl;
      if (tag.kind == static_cast<int>(policy::Kind::Resource)) tag.uri = f->name;
      f->tag = std::move(tag);
      if (auto hit = stage.cache().find(f->cache_request, caller(*principal), proxy.clock().now_ms())) {
        boost::system::error_code ec;
        json::value result = json::parse(*hit->value, ec);
        if (!ec && result.is_object()) {
          early_response = json::object();
          early_response["jsonrpc"] = "2.0";
          early_response["id"] = call.id;
          early_response["result"] = std::move(result);
          f->from_cache = true;
          f->hit_remaining_ms = hit->remaining_ms;
          f->hit_scope = hit->scope;
          proxy.stats().cached_responses++;
          early.response = &early_response;
          return true;
        }
      }
      stage.cache_misses++;
    }
  }

  if (req_chain) {
    // The chain may rewrite the request, but not what is called, nor its id.
    json::value method = call.msg.contains("method") ? call.msg["method"] : json::value(call.method);
    json::value target;
    const char* member = target_member(call.method);
    if (auto* params = protocol::params_of(call.msg); params && member)
      if (auto* v = params->if_contains(member)) target = *v;
    tf::Context ctx;
    ctx.direction = tf::Direction::Request;
    ctx.request_id = f->request_id;
    ctx.client_id = principal->id;
    ctx.scopes = &principal->scopes;
    ctx.method = call.method;
    ctx.name = f->name;
    ctx.upstream = proxy.upstream(cand.upstream).settings().name;
    ctx.jsonrpc_id = &call.id;
    tf::Failure fail;
    if (!stage.run(tf::Direction::Request, ctx, call.msg, fail)) {
      stage.transformer_errors++;
      log_failure(tf::Direction::Request, fail, call, *f);
      fill_failure(early, tf::Direction::Request, fail, call.method, f->name, stage.redacted_keys());
      return true;
    }
    call.msg["jsonrpc"] = "2.0";
    call.msg["method"] = std::move(method);
    call.msg["id"] = call.id;
    if (member && !target.is_null()) {
      auto* p = call.msg.if_contains("params");
      if (!p || !p->is_object()) call.msg["params"] = json::object();
      call.msg["params"].get_object()[member] = std::move(target);
    }
  }
  return false;
}

void transform_after_answer(Proxy& proxy, CallState& call, Outcome& o) {
  if (!call.transform || !o.answered()) return;
  tf::CallFilter& f = *call.transform;
  tf::TransformStage& stage = proxy.transforms();
  json::object& resp = *o.dom();  // transformers and the cache work on the document
  auto* r = resp.if_contains("result");
  json::object* result = r && r->is_object() ? &r->get_object() : nullptr;
  // An interim result (more input needed) is neither cached nor transformed.
  if (result && protocol::string_at(*result, "resultType") == "input_required") return;

  int64_t hint_ttl = -1;
  CacheScope hint_scope = CacheScope::Private;
  if (f.from_cache) {
    hint_ttl = f.hit_remaining_ms;
    hint_scope = f.hit_scope;
    // Downstream may keep it no longer than the proxy still would.
    if (result && result->contains("ttlMs")) (*result)["ttlMs"] = std::min(int_member(*result, "ttlMs", 0), hint_ttl);
  } else if (!f.cache_request.empty() && result) {
    auto* is_error = result->if_contains("isError");
    if (!(is_error && is_error->is_bool() && is_error->get_bool())) {
      // The upstream's hints (2026-07-28) can only shorten the proxy's ttl; a result with
      // no scope is private.
      const int64_t ttl = std::min(f.cache_ttl_ms, int_member(*result, "ttlMs", f.cache_ttl_ms));
      const CacheScope scope = is_public(*result) ? CacheScope::Public : CacheScope::Private;
      if (stage.cache().store(f.cache_request, caller(*f.principal), scope, json::serialize(*result), ttl, f.tag,
                              proxy.clock().now_ms()))
        stage.cache_stores++;
      if (ttl > 0) {
        hint_ttl = ttl;
        hint_scope = scope;
      }
    }
  }
  if (!f.response_chain) return;

  resp["id"] = call.id;
  const auto& cand = call.candidates[std::min(call.current, call.candidates.size() - 1)];
  tf::Context ctx;
  ctx.direction = tf::Direction::Response;
  ctx.request_id = f.request_id;
  ctx.client_id = f.principal->id;
  ctx.scopes = &f.principal->scopes;
  ctx.method = call.method;
  ctx.name = f.name;
  ctx.upstream = proxy.upstream(cand.upstream).settings().name;
  ctx.jsonrpc_id = &call.id;
  ctx.cache_ttl_ms = hint_ttl;
  ctx.cache_scope = policy::cache_scope_name(hint_scope);
  tf::Failure fail;
  bool ok = stage.run(tf::Direction::Response, ctx, resp, fail);
  if (ok && !resp.contains("result") && !resp.contains("error")) {
    ok = false;
    fail.transformer = stage.settings().response.back().name;
    fail.reason = "transformer_invalid_output";
    fail.detail = "the response has neither result nor error";
  }
  if (ok) {
    resp["jsonrpc"] = "2.0";
    return;
  }
  stage.transformer_errors++;
  log_failure(tf::Direction::Response, fail, call, f);
  fill_failure(o, tf::Direction::Response, fail, call.method, f.name, stage.redacted_keys());
  o.data["upstream"] = ctx.upstream;
}

std::string list_cache_key(Proxy& proxy, std::string_view method, const json::object* params) {
  if (proxy.transforms().list_cache_ttl() <= 0) return {};
  return policy::cache_request_key(method, params, proxy.settings().security.meta_key).value_or("");
}

std::optional<json::object> list_cache_find(Proxy& proxy, const policy::Principal& who, const std::string& key,
                                            bool stateless) {
  if (key.empty()) return std::nullopt;
  tf::TransformStage& stage = proxy.transforms();
  auto hit = stage.cache().find(key, caller(who), proxy.clock().now_ms());
  if (!hit) {
    stage.cache_misses++;
    return std::nullopt;
  }
  boost::system::error_code ec;
  json::value v = json::parse(*hit->value, ec);
  if (ec || !v.is_object()) return std::nullopt;
  json::object result = std::move(v.get_object());
  if (stateless) {
    result["ttlMs"] = std::min(int_member(result, "ttlMs", 0), hit->remaining_ms);
  } else {  // hints are the stateless era's; a handshake client never had them on lists
    result.erase("ttlMs");
    result.erase("cacheScope");
  }
  proxy.stats().cached_responses++;
  return result;
}

void list_cache_store(Proxy& proxy, const policy::Principal& who, const std::string& key, policy::Kind kind,
                      const json::object& result, const std::vector<json::object>& pages) {
  if (key.empty()) return;
  tf::TransformStage& stage = proxy.transforms();
  // The proxy's ttl, shortened by any upstream's ttlMs; public only if every page is.
  // The hints a stateless client gets are the merge's (docs/protocol.md): a page with no
  // ttlMs counts as 0 there.
  int64_t ttl = stage.list_cache_ttl();
  int64_t client_ttl = -1;
  bool all_public = true;
  for (const auto& page : pages) {
    const int64_t t = int_member(page, "ttlMs", -1);
    if (t >= 0) ttl = std::min(ttl, t);
    client_ttl = client_ttl < 0 ? std::max<int64_t>(t, 0) : std::min(client_ttl, std::max<int64_t>(t, 0));
    all_public = all_public && is_public(page);
  }
  json::object stored = result;
  stored["ttlMs"] = client_ttl < 0 ? 0 : client_ttl;
  stored["cacheScope"] = all_public ? "public" : "private";
  policy::CacheTag tag;
  tag.kind = static_cast<int>(kind);
  if (stage.cache().store(key, caller(who), all_public ? CacheScope::Public : CacheScope::Private,
                          json::serialize(stored), ttl, std::move(tag), proxy.clock().now_ms()))
    stage.cache_stores++;
}

void cache_on_notification(Proxy& proxy, std::string_view method, const json::object* params) {
  tf::TransformStage& stage = proxy.transforms();
  if (stage.cache().size() == 0) return;
  size_t dropped = 0;
  if (method == "notifications/tools/list_changed") dropped = stage.cache().invalidate_kind(0);
  else if (method == "notifications/resources/list_changed") dropped = stage.cache().invalidate_kind(1);
  else if (method == "notifications/prompts/list_changed") dropped = stage.cache().invalidate_kind(2);
  else if (method == "notifications/resources/updated" && params)
    dropped = stage.cache().invalidate_uri(protocol::string_at(*params, "uri"));
  stage.cache_invalidations += dropped;
}

}  // namespace fasterapi::proxy
