#pragma once
// One MCP client of the proxy (a pair of fds): its lifecycle, its requests in flight, and
// the dispatch of each message to the proxy's own handlers or to an upstream. A client
// speaks either era: the handshake (initialize) or stateless requests that carry their
// protocol version and capabilities in params._meta; each request says which.
#include <boost/json.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "filters/refusal.hpp"
#include "policy/route_table.hpp"
#include "policy/token_cache.hpp"
#include "proxy/client_output.hpp"
#include "proxy/stateless_request.hpp"
#include "protocol/request_skim.hpp"
#include "proxy/upstream.hpp"
#include "transport/fd_channel.hpp"

namespace fasterapi::filters::transform {
struct CallFilter;
}

namespace fasterapi::proxy {

class Proxy;
struct ListSpec;

// One routed request (tools/call, prompts/get, resources/read, completion/complete, ...)
// through its attempts: retries on one upstream, failover to the next matching route.
// What a routed method names.
struct RouteTarget {
  policy::Kind kind;
  std::string name;
  bool prefixed = false;  // tools and prompts carry the upstream's name_prefix
};

struct CallState {
  struct Candidate {
    size_t upstream;
    int route;             // index into the route table, -1: not from routing
    std::string name;      // the tool or prompt name as that upstream knows it ("" to keep)
  };
  json::value id;          // the client's
  std::string key;         // id_key(id)
  std::string method;
  std::string tool;        // tools/call: the client-visible tool name, for stats
  policy::PrincipalPtr client;  // who it is sent for (shared, not copied: the log reads its id)
  json::object msg;        // the request while no connection holds it
  // A plain request (protocol/request_skim) arrives without a document: its line, and
  // where its id is in it. It is forwarded as these bytes; document() parses them only
  // when something must look inside or change it (a renamed tool, a queued request, ...).
  std::string raw;
  size_t raw_id_begin = 0, raw_id_end = 0;
  json::object& document();
  // What a re-send starts from is kept: the copy, or the plain request's line.
  bool resendable() const { return copy != nullptr || !raw.empty(); }
  std::shared_ptr<json::object> copy;  // kept to re-send after it was written (when safe)
  std::shared_ptr<json::object> input_copy;  // for an input-required retry (input_required.cpp)
  std::vector<Candidate> candidates;
  size_t current = 0;      // candidate being tried
  int retries = 0;         // re-sends so far
  bool stateless = false;
  int log_rank = -1;
  int input_round = 0;
  uint64_t progress_token = 0;
  int64_t started_us = 0;
  bool cancelled = false;
  Ticket ticket;           // the attempt in flight
  std::shared_ptr<filters::transform::CallFilter> transform;  // transformers, cache (transform_hooks.hpp)
};

class ClientSession : public std::enable_shared_from_this<ClientSession> {
 public:
  ClientSession(Proxy& proxy, int id, int read_fd, int write_fd, bool stop_when_closed);
  // A session fed by someone else (HTTP): messages come through receive(), go to `output`.
  ClientSession(Proxy& proxy, int id, std::shared_ptr<ClientOutput> output);
  void start();
  // One message from the client (HTTP: a POST body, with the POST's headers the body must
  // agree with: Mcp-Method always, the others for stateless-era requests).
  void receive(std::string_view line, const HttpRequestHeaders& headers = {});
  // HTTP: the request's Authorization header ("" when absent); the credential then comes
  // only from there, never from the environment or _meta.
  void set_http_authorization(std::string value) {
    http_authorization_ = std::move(value);
    http_ = true;
  }
  bool idle() const { return outstanding_ == 0 && listens_.empty(); }
  // Proxy shutdown: requests still in flight are answered with an error; then close.
  void close();
  // A message that may be dropped when the client reads too slowly (backpressure).
  void notify(std::string line, std::string_view request_key = {});
  int id() const { return id_; }
  size_t outstanding() const { return outstanding_; }

  // Notifications from upstreams, each delivered only where the client asked for it.
  void deliver_list_changed(std::string_view method, policy::Kind kind);
  void deliver_resource_updated(const json::object& params, const std::string& uri);
  void deliver_log(const json::object& notification, size_t upstream, int level_rank);
  // A server-to-client request on this session's own upstream connection.
  void on_server_request(size_t upstream, std::weak_ptr<UpstreamConnection> conn, json::object& request);
  // The most verbose logging/setLevel this (handshake-era) client asked for; -1: none.
  int log_rank() const { return log_rank_; }

 private:
  struct InFlight {
    std::shared_ptr<CallState> call;
  };
  struct Listen {
    json::value id;
    bool tools = false, prompts = false, resources = false;
    std::vector<std::pair<std::string, size_t>> uris;  // URI and the upstream that owns it
  };
  struct ServerRequest {
    std::weak_ptr<UpstreamConnection> conn;  // an upstream's request: the answer goes back there
    json::value upstream_id;
    std::function<void(json::object& answer)> on_answer;  // or the proxy's own (input-required)
  };

  void on_line(std::string_view line);
  // The common tools/call, routed from its skim without a document (routed_call.cpp).
  bool plain_calls_possible() const;
  void on_plain_call(std::string_view line, const protocol::RequestSkim& request);
  // The duplicate-id check and authentication every non-exempt request passes; false when
  // it was answered with a refusal. `key` is id_key(id).
  bool admit_request(const json::value& id, const std::string& key, json::object& msg);
  void on_request(json::object& msg, std::string_view method, const json::value& id);
  void on_notification(json::object& msg, std::string_view method);
  void on_response(json::object& msg, const json::value& id);
  void on_input_closed();
  void reply(std::string line, std::string_view request_key = {}, bool final = false, int error_code = 0);
  void reply_error(const json::value& id, int code, std::string_view message, json::object data = {});
  void reply_result(const json::value& id, json::object result, bool stateless);
  void refuse(const json::value& id, filters::Refusal r);  // a security stage said no

  void handle_initialize(const json::value& id, json::object* params);
  void handle_discover(const json::value& id);
  void handle_set_level(const json::value& id, json::object* params, bool stateless);
  void handle_listen(const json::value& id, json::object* params);
  void handle_list(const ListSpec& spec, const json::value& id, json::object* params, bool stateless);
  // routed_call.cpp
  void handle_routed(json::object& msg, std::string_view method, const json::value& id, std::string key,
                     bool stateless, int log_rank);
  // Routes a request whose target is known; `msg` is its document, or null for a plain
  // request (then `plain` is its line and `plain_request` its skim).
  void route_call(const RouteTarget& t, std::string_view method, const json::value& id, std::string key,
                  bool stateless, int log_rank,
                  json::object* msg, std::string_view plain = {}, const protocol::RequestSkim* plain_request = nullptr);
  void start_call(std::shared_ptr<CallState> call);
  // now_us: the clock as the caller read it this instant (-1: read it), so one request
  // reads the clock twice, not five times.
  void attempt(std::shared_ptr<CallState> call, int64_t now_us = -1);
  void on_attempt_done(const std::shared_ptr<CallState>& call, Outcome& o);
  void finish_call(const std::shared_ptr<CallState>& call, Outcome& o, int64_t now_us = -1);
  bool resend_safe(const CallState& call) const;
  void handle_subscription(json::object& msg, std::string_view method, const json::value& id, bool stateless,
                           const std::string& uri, size_t upstream);
  void forward_to(size_t upstream, std::string tool, json::object& msg, const json::value& id, bool stateless,
                  int log_rank, int input_round = 0);
  // A stateless upstream asked a handshake client for input: ask it as server-to-client
  // requests, then send the retry (input_required.cpp).
  void ask_client_for_input(size_t upstream, std::string tool, json::object request, json::object& result,
                            const json::value& id, int input_round);
  void end_listen(const std::string& key, bool send_result);
  json::object capabilities() const;

  void begin_request() { ++outstanding_; }
  void end_request();

  Proxy& proxy_;
  int id_;
  int read_fd_;
  int write_fd_;
  bool stop_when_closed_;
  std::shared_ptr<ClientOutput> output_;
  bool http_ = false;
  std::string http_authorization_;
  HttpRequestHeaders headers_;  // the POST's, while receive() runs
  bool initialize_answered_ = false;
  bool initialized_ = false;
  bool input_closed_ = false;
  bool closed_ = false;
  bool abandoned_ = false;  // stopped reading its output: closing
  size_t outstanding_ = 0;
  std::string protocol_version_;
  // Handshake era: what the client declared, and the part of it (sampling, elicitation,
  // roots) the proxy declares on this session's own upstream connections.
  json::object declare_;
  int log_rank_ = -1;
  // Handshake-era resources/subscribe: URI -> owning upstream.
  std::map<std::string, size_t> subscriptions_;
  // Stateless-era subscriptions/listen streams, by request id.
  std::map<std::string, Listen> listens_;
  // Requests forwarded upstream, by the client's id (serialised), for cancellation.
  std::unordered_map<std::string, InFlight> in_flight_;
  // Server-to-client requests sent to the client, by the id the proxy gave them.
  std::unordered_map<uint64_t, ServerRequest> server_requests_;
  uint64_t next_server_request_ = 1;
  // Who sent the request being dispatched (set by the auth stage for every request).
  policy::PrincipalPtr principal_;
};

}  // namespace fasterapi::proxy
