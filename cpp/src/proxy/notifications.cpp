// Notifications from upstreams, delivered to the clients that asked for them; progress
// tokens, which the proxy rewrites on the way up and maps back on the way down.
#include <boost/json/serialize.hpp>

#include "common/log.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/meta.hpp"
#include "proxy/proxy.hpp"
#include "proxy/session.hpp"
#include "proxy/transform_hooks.hpp"

namespace fasterapi::proxy {

uint64_t Proxy::progress_register(std::weak_ptr<ClientSession> session, json::value client_token,
                                  std::string request_key) {
  const uint64_t token = next_progress_++;
  ProgressRoute route;
  route.session = std::move(session);
  route.client_token = std::move(client_token);
  route.request_key = std::move(request_key);
  progress_.emplace(token, std::move(route));
  return token;
}

void Proxy::progress_release(uint64_t token) { progress_.erase(token); }

void Proxy::on_progress(json::object& msg) {
  auto* params = protocol::params_of(msg);
  auto* tok = params ? params->if_contains("progressToken") : nullptr;
  uint64_t token = 0;
  if (tok && tok->is_uint64()) token = tok->get_uint64();
  else if (tok && tok->is_int64() && tok->get_int64() > 0) token = static_cast<uint64_t>(tok->get_int64());
  auto it = token ? progress_.find(token) : progress_.end();
  auto* progress = params ? params->if_contains("progress") : nullptr;
  if (it == progress_.end() || !progress || !progress->is_number()) {
    // Not ours, or for a request that has finished or was cancelled: nobody may see it.
    stats_.counters["dropped_progress"]++;
    return;
  }
  const double value = progress->to_number<double>();
  ProgressRoute& route = it->second;
  if (route.seen && value <= route.last) {  // progress only increases
    stats_.counters["dropped_progress"]++;
    return;
  }
  route.seen = true;
  route.last = value;
  auto session = route.session.lock();
  if (!session) return;
  *tok = route.client_token;
  session->notify(protocol::to_line(msg), route.request_key);
}

namespace {
bool list_changed_kind(std::string_view method, policy::Kind& kind) {
  if (method == "notifications/tools/list_changed") kind = policy::Kind::Tool;
  else if (method == "notifications/prompts/list_changed") kind = policy::Kind::Prompt;
  else if (method == "notifications/resources/list_changed") kind = policy::Kind::Resource;
  else return false;
  return true;
}
}  // namespace

void Proxy::on_upstream_notification(size_t u, json::object& msg) {
  const std::string_view method = protocol::string_at(msg, "method");
  const std::string& name = settings_.upstreams[u].name;
  if (method == "notifications/progress") return on_progress(msg);
  cache_on_notification(*this, method, protocol::params_of(msg));  // list_changed, resources/updated
  policy::Kind kind;
  if (list_changed_kind(method, kind)) {
    // The merged list changed too: the proxy's own notification, to each client that
    // asked (handshake clients by initializing, stateless ones through subscriptions/listen).
    auto sessions = sessions_;
    for (auto& [id, s] : sessions) s->deliver_list_changed(method, kind);
    return;
  }
  if (method == "notifications/resources/updated") {
    auto* params = protocol::params_of(msg);
    const std::string uri(params ? protocol::string_at(*params, "uri") : "");
    if (uri.empty()) return;
    auto sessions = sessions_;
    for (auto& [id, s] : sessions) s->deliver_resource_updated(*params, uri);
    return;
  }
  if (method == "notifications/message") {
    auto* params = protocol::params_of(msg);
    const int rank = params ? protocol::log_level_rank(protocol::string_at(*params, "level")) : -1;
    log::debug("upstream " + name, params ? json::serialize(*params) : "");
    if (rank < 0) return;
    auto sessions = sessions_;
    for (auto& [id, s] : sessions) s->deliver_log(msg, u, rank);
    return;
  }
  if (method == "notifications/subscriptions/acknowledged") return;  // the proxy's own stream
  log::debug("proxy", "upstream '" + name + "': dropped notification " + std::string(method));
}

}  // namespace fasterapi::proxy
