#pragma once
// The transform stage (docs/transformers.md): the ordered request and response chains,
// which routes run them, and the response cache they share with the list methods.
//
//   config  TransformSettings (transform_settings.hpp), built once
//   stage   TransformStage: the chains (built-ins + bound external functions) and the
//           cache; owned by the proxy, loop-thread only
//   filter  CallFilter: one routed call's state (its principal, request id, cache key)
//
// External (Python) transformers reach the core only as ExternalFn: the bindings wrap the
// callable (taking the GIL inside), so nothing here knows Python exists, and no Python
// runs unless a chain that holds one runs.
#include <boost/json.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filters/transform/transform_settings.hpp"
#include "policy/response_cache.hpp"
#include "policy/token_cache.hpp"

namespace fasterapi::filters::transform {

namespace json = boost::json;

enum class Direction { Request, Response };
const char* direction_name(Direction d);

// What a transformer is told about the message (a Python transformer's `ctx`).
struct Context {
  Direction direction = Direction::Request;
  std::string_view request_id;  // the proxy's id for this call: the same in both directions
  std::string_view client_id;   // the principal (JWT sub, "bearer", "anonymous")
  const std::vector<std::string>* scopes = nullptr;
  std::string_view method;
  std::string_view name;      // the tool or prompt name, or the resource URI
  std::string_view upstream;  // where the request goes (request) or came from (response)
  const json::value* jsonrpc_id = nullptr;  // the client's id
  // For the caching transformer: the hints a cacheable answer gets; ttl < 0: not cacheable.
  int64_t cache_ttl_ms = -1;
  std::string_view cache_scope = "private";
};

struct ExternalResult {
  bool ok = true;
  std::string data;   // the transformed message (JSON text)
  std::string error;  // when !ok: "ExceptionType: message"
};
using ExternalFn = std::function<ExternalResult(const Context& ctx, const std::string& data)>;

struct Failure {
  std::string transformer;
  std::string reason;  // transformer_failed, transformer_invalid_output, transformer_not_bound
  std::string detail;
};

// One direction's ordered chain.
class Chain {
 public:
  explicit Chain(std::vector<TransformSpec> specs) : specs_(std::move(specs)), external_(specs_.size()) {}
  bool empty() const { return specs_.empty(); }
  const std::vector<TransformSpec>& specs() const { return specs_; }
  // False when no external entry has that name.
  bool bind(const std::string& name, ExternalFn fn);
  std::vector<std::string> unbound() const;
  // Each transformer in order. On failure `msg` is left as the last good step made it.
  bool run(const Context& ctx, json::object& msg, Failure& fail) const;
  // The caching transformer's ttl, 0 when the chain has none.
  int64_t cache_ttl_ms() const;

 private:
  std::vector<TransformSpec> specs_;
  std::vector<std::shared_ptr<ExternalFn>> external_;  // by position; null for built-ins
};

// Runs one built-in on a message; what the Python factories' objects call too.
bool run_builtin(const TransformSpec& spec, const Context& ctx, json::object& msg);

// One routed call's filter state.
struct CallFilter {
  policy::PrincipalPtr principal;  // who sent it (the session's principal moves on)
  std::string request_id;
  std::string name;  // the tool or prompt name, or the URI
  int route = -1;
  bool response_chain = false;
  std::string cache_request;  // canonical request; "" = not cacheable
  policy::CacheTag tag;
  int64_t cache_ttl_ms = 0;
  bool from_cache = false;
  int64_t hit_remaining_ms = 0;
  policy::CacheScope hit_scope = policy::CacheScope::Private;
};

class TransformStage {
 public:
  explicit TransformStage(const TransformSettings& s);

  // Before start (bindings): attaches an external function to the chain entry `name`.
  // Throws proxy::ConfigError when the chain has no external entry by that name.
  void bind_external(Direction d, const std::string& name, ExternalFn fn);

  // Anything to do for routed calls at all (so the hooks cost one branch otherwise).
  bool active() const { return active_; }
  bool request_chain_for(int route) const;
  bool response_chain_for(int route) const;
  // How long an answer on `route` may be cached: the caching transformer's ttl when the
  // route runs the response chain and the chain has one, else cache_ttl_ms with
  // enable_caching, else 0 (not cached).
  int64_t route_cache_ttl(int route) const;
  int64_t list_cache_ttl() const { return settings_.cache.enabled ? settings_.cache.ttl_ms : 0; }

  bool run(Direction d, const Context& ctx, json::object& msg, Failure& fail) const;
  std::string next_request_id();

  policy::ResponseCache& cache() { return cache_; }
  const TransformSettings& settings() const { return settings_; }
  const std::vector<std::string>& redacted_keys() const { return redacted_; }
  void add_stats(json::object& out) const;
  uint64_t transformer_errors = 0;
  uint64_t cache_stores = 0;
  uint64_t cache_misses = 0;
  uint64_t cache_invalidations = 0;

 private:
  TransformSettings settings_;
  Chain request_;
  Chain response_;
  policy::ResponseCache cache_;
  bool active_ = false;
  uint64_t next_request_ = 1;
  std::vector<std::string> redacted_;
};

}  // namespace fasterapi::filters::transform
