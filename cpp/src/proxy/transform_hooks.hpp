#pragma once
// Where the transform stage and the response cache meet a request (docs/transformers.md).
// The session calls these at four points, one line each, so the request path itself
// stays in session.cpp / routed_call.cpp:
//   start_call   transform_before_send: a cached answer or a failed request chain ends
//                the call before any upstream sees it; else the request chain runs
//   finish_call  transform_after_answer: store a cacheable answer, run the response chain
//   handle_list  list_cache_key / list_cache_find / list_cache_store
//   notifications cache_on_notification: list_changed and resources/updated invalidate
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/route_table.hpp"
#include "policy/token_cache.hpp"
#include "proxy/upstream.hpp"

namespace fasterapi::proxy {

class Proxy;
struct CallState;

// True when the call is answered without an upstream: `early` then holds the answer (a
// cached response) or the error (a request transformer failed).
bool transform_before_send(Proxy& proxy, const policy::PrincipalPtr& principal, CallState& call, Outcome& early,
                           json::object& early_response);
// An upstream's answer (or a cached one) on its way to the client. May turn it into an
// error (a response transformer failed).
void transform_after_answer(Proxy& proxy, CallState& call, Outcome& o);

// List methods: the request's cache key ("" when lists are not cached).
std::string list_cache_key(Proxy& proxy, std::string_view method, const json::object* params);
std::optional<json::object> list_cache_find(Proxy& proxy, const policy::Principal& who, const std::string& key,
                                            bool stateless);
// A complete (no upstream failed) merged page; `pages` are the upstreams' results.
void list_cache_store(Proxy& proxy, const policy::Principal& who, const std::string& key, policy::Kind kind,
                      const json::object& result, const std::vector<json::object>& pages);

void cache_on_notification(Proxy& proxy, std::string_view method, const json::object* params);

}  // namespace fasterapi::proxy
