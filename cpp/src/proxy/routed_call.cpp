// A routed request's way through the upstreams: pick the first candidate route whose
// circuit admits it (and which is healthy, when another could take it), send, and on a
// failure re-send only when that cannot duplicate a side effect (docs/resilience.md):
//   not sent (never written)            -> retry or fail over freely
//   possibly accepted (crash, timeout)  -> only list/read/get methods, routes marked
//                                          idempotent, or tools the upstream annotates
//                                          readOnly/idempotent where the route trusts it
//   error proving it did not run        -> fail over to the next route (never the same one)
#include <boost/json/serialize.hpp>
#include <cmath>

#include "common/log.hpp"
#include "fasterapi/errors.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/meta.hpp"
#include "proxy/list_merge.hpp"
#include "proxy/proxy.hpp"
#include "proxy/session.hpp"
#include "proxy/session_helpers.hpp"
#include "proxy/transform_hooks.hpp"

namespace fasterapi::proxy {


namespace {

using Target = RouteTarget;

json::value* target_slot(std::string_view method, json::object* params) {
  if (!params) return nullptr;
  if (method == "tools/call" || method == "prompts/get") return params->if_contains("name");
  if (method == "resources/read" || method == "resources/subscribe" || method == "resources/unsubscribe")
    return params->if_contains("uri");
  if (method == "completion/complete") {
    auto* ref = params->if_contains("ref");
    if (!ref || !ref->is_object()) return nullptr;
    auto type = protocol::string_at(ref->get_object(), "type");
    return ref->get_object().if_contains(type == "ref/prompt" ? "name" : "uri");
  }
  return nullptr;
}

// Finds the routed name in a request; returns an error reason when params are malformed.
const char* find_target(std::string_view method, json::object* params, Target& t) {
  if (!params) return "params must be an object";
  json::value* slot = target_slot(method, params);
  const bool ok = slot && slot->is_string();
  if (ok) t.name = std::string(slot->get_string());
  if (method == "tools/call") {
    t.kind = policy::Kind::Tool;
    t.prefixed = true;
    return ok ? nullptr : "params.name must be a string";
  }
  if (method == "prompts/get") {
    t.kind = policy::Kind::Prompt;
    t.prefixed = true;
    return ok ? nullptr : "params.name must be a string";
  }
  if (method == "completion/complete") {
    auto* ref = params->if_contains("ref");
    if (!ref || !ref->is_object()) return "params.ref must be an object";
    auto type = protocol::string_at(ref->get_object(), "type");
    if (type == "ref/prompt") {
      t.kind = policy::Kind::Prompt;
      t.prefixed = true;
      return ok ? nullptr : "params.ref.name must be a string";
    }
    if (type == "ref/resource") {
      t.kind = policy::Kind::Resource;
      return ok ? nullptr : "params.ref.uri must be a string";
    }
    return "params.ref.type must be ref/prompt or ref/resource";
  }
  t.kind = policy::Kind::Resource;
  return ok ? nullptr : "params.uri must be a string";
}

bool proves_not_run(int code) {
  return code == errors::kParseError || code == errors::kInvalidRequest || code == errors::kMethodNotFound ||
         code == errors::kInvalidParams;
}

// The client's id as JSON text, for an answer spliced from the upstream's line.
std::string id_json(const json::value& id) {
  if (id.is_int64()) return std::to_string(id.get_int64());
  if (id.is_uint64()) return std::to_string(id.get_uint64());
  return json::serialize(id);
}

}  // namespace

json::object& CallState::document() {
  if (msg.empty() && !raw.empty()) msg = protocol::parse_skimmed(raw);
  return msg;
}

bool ClientSession::plain_calls_possible() const {
  // What on_request checks before routing, settled for the whole session: a handshake-era
  // stdio client past initialize, no connection of its own, no transformers or cache.
  return !http_ && initialize_answered_ && declare_.empty() && !proxy_.shutting_down() &&
         !proxy_.transforms().active();
}

void ClientSession::on_plain_call(std::string_view line, const protocol::RequestSkim& rq) {
  using IdKind = protocol::RequestSkim::IdKind;
  const json::value id = rq.id_kind == IdKind::String  ? json::value(json::string_view(rq.id_string))
                         : rq.id_kind == IdKind::Int64 ? json::value(rq.id_int)
                                                       : json::value(rq.id_uint);
  // on_request's steps for a handshake-era tools/call (plain_calls_possible settled the rest).
  std::string key = detail::id_key(id);
  json::object no_meta;  // admit reads params._meta alone, and this request has none
  if (!admit_request(id, key, no_meta)) return;
  route_call(Target{policy::Kind::Tool, std::string(rq.name), true}, rq.method, id, std::move(key), false, -1,
             nullptr, line, &rq);
}

void ClientSession::handle_routed(json::object& msg, std::string_view method, const json::value& id,
                                  std::string key, bool stateless, int log_rank) {
  Target t;
  if (const char* bad = find_target(method, protocol::params_of(msg), t)) {
    json::object d;
    d["reason"] = "invalid_params";
    d["detail"] = bad;
    return reply_error(id, errors::kInvalidParams, std::string("Invalid params: ") + bad, std::move(d));
  }
  route_call(t, method, id, std::move(key), stateless, log_rank, &msg);
}

void ClientSession::route_call(const RouteTarget& t, std::string_view method, const json::value& id,
                               std::string key, bool stateless, int log_rank, json::object* msg, std::string_view plain,
                               const protocol::RequestSkim* plain_request) {
  const char* kind = policy::kind_name(t.kind);
  auto no_route = [&](const char* why) {
    proxy_.stats().total_requests++;
    proxy_.stats().record_refusal();
    json::object d;
    d["reason"] = why;
    d["kind"] = kind;
    d["name"] = t.name;
    reply_error(id, errors::kInvalidParams, std::string("No route found for ") + kind + " '" + t.name + "'",
                std::move(d));
  };
  const auto& routes = proxy_.routes();
  const auto matches = routes.match_all(t.kind, t.name);
  if (matches.count == 0) return no_route("no_route");
  const bool subscription = method == "resources/subscribe" || method == "resources/unsubscribe";
  // Authorization and rate limits are decided by the first matching route (the one the
  // call is for); failover only goes to routes this caller may use as well.
  if (auto refusal = proxy_.security().check_call(*principal_, matches.index[0], t.kind, t.name,
                                                  method == "tools/call", proxy_.clock()))
    return refuse(id, std::move(*refusal));
  // Failover candidates: every matching route in order, each upstream once.
  const int considered = proxy_.settings().failover_enabled && !subscription ? matches.count : 1;
  auto call = std::make_shared<CallState>();
  for (int i = 0; i < considered; ++i) {
    const int r = matches.index[i];
    if (i > 0 && !proxy_.security().visible(*principal_, r)) continue;
    const size_t u = routes.routes()[r].upstream;
    bool seen = false;
    for (auto& c : call->candidates) seen = seen || c.upstream == u;
    if (seen) continue;
    std::string inner = t.name;
    const auto& prefix = proxy_.upstream(u).settings().name_prefix;
    if (t.prefixed && !prefix.empty() && !strip_prefix(prefix, t.name, inner)) continue;
    call->candidates.push_back({u, r, t.prefixed ? inner : std::string()});
  }
  if (call->candidates.empty()) return no_route("name_lacks_upstream_prefix");
  if (subscription) {  // never a plain request (those are tools/call)
    if (auto* slot = target_slot(method, protocol::params_of(*msg)); slot && !call->candidates[0].name.empty())
      *slot = call->candidates[0].name;
    return handle_subscription(*msg, method, id, stateless, t.name, call->candidates[0].upstream);
  }
  call->id = id;
  call->key = std::move(key);
  call->method = std::string(method);
  if (method == "tools/call") call->tool = t.name;
  call->stateless = stateless;
  call->log_rank = log_rank;
  if (msg) {
    call->msg = std::move(*msg);
  } else {
    call->raw = std::string(plain);
    call->raw_id_begin = plain_request->id_begin;
    call->raw_id_end = plain_request->id_end;
  }
  start_call(std::move(call));
}

void ClientSession::forward_to(size_t u, std::string tool, json::object& msg, const json::value& id,
                               bool stateless, int log_rank, int input_round) {
  auto call = std::make_shared<CallState>();
  call->id = id;
  call->key = detail::id_key(id);
  call->method = std::string(protocol::string_at(msg, "method"));
  call->tool = std::move(tool);
  call->stateless = stateless;
  call->log_rank = log_rank;
  call->input_round = input_round;
  call->candidates.push_back({u, -1, std::string()});
  call->msg = std::move(msg);
  start_call(std::move(call));
}

void ClientSession::start_call(std::shared_ptr<CallState> call) {
  Stats& st = proxy_.stats();
  st.total_requests++;
  if (!call->tool.empty()) st.tool_requests[call->tool]++;
  st.client_requests[principal_->id]++;
  call->client = principal_;
  begin_request();
  call->started_us = proxy_.clock().now_us();
  // A cached answer, or a request transformer's failure, ends the call here.
  Outcome early;
  json::object early_response;
  if (proxy_.transforms().active()) call->document();  // transformers work on the document
  if (transform_before_send(proxy_, principal_, *call, early, early_response)) return finish_call(call, early);
  // A handshake client that declared sampling, elicitation or roots, in front of an
  // upstream that may be stateless: keep the request (with the client's progress token)
  // for the retry an input-required result asks for (input_required.cpp).
  if (!call->stateless && !declare_.empty() &&
      proxy_.upstream(call->candidates[0].upstream).era() != Era::Handshake)
    call->input_copy = std::make_shared<json::object>(call->document());
  if (json::object* meta = call->raw.empty() ? protocol::meta_of(call->msg) : nullptr) {  // plain: no _meta
    if (auto* tok = meta->if_contains("progressToken"); tok && protocol::valid_id(*tok)) {
      call->progress_token = proxy_.progress_register(weak_from_this(), *tok, call->key);
      *tok = call->progress_token;
    }
  }
  in_flight_[call->key] = InFlight{call};
  const int64_t now_us = call->started_us;
  attempt(std::move(call), now_us);
}

bool ClientSession::resend_safe(const CallState& call) const {
  if (call.method == "resources/read" || call.method == "prompts/get" || call.method == "completion/complete")
    return true;
  if (call.method != "tools/call") return false;
  const auto& cand = call.candidates[call.current];
  if (cand.route < 0) return false;
  const auto& route = proxy_.settings().routes[cand.route];
  if (route.idempotent) return true;
  if (!route.trust_annotations) return false;
  const std::string& name = cand.name.empty() ? call.tool : cand.name;
  return proxy_.upstream(cand.upstream).tool_hints(name) & (Upstream::kReadOnly | Upstream::kIdempotent);
}

void ClientSession::attempt(std::shared_ptr<CallState> call, int64_t now_us) {
  if (call->cancelled || closed_) return;
  const auto& settings = proxy_.settings();
  if (now_us < 0) now_us = proxy_.clock().now_us();
  const int64_t now = now_us / 1000;
  int64_t retry_after = -1;
  for (; call->current < call->candidates.size(); ++call->current) {
    Upstream& up = proxy_.upstream(call->candidates[call->current].upstream);
    const bool last = call->current + 1 == call->candidates.size();
    if (settings.circuit_breaker_enabled && !up.breaker().try_admit(now)) {
      const int64_t ra = up.breaker().retry_after_ms(now);
      retry_after = retry_after < 0 ? ra : std::min(retry_after, ra);
      proxy_.stats().counters["circuit_open_rejections"]++;
      continue;
    }
    if (settings.failover_enabled && !last && !up.healthy()) continue;
    break;
  }
  if (call->current == call->candidates.size()) {
    Outcome o;
    o.code = errors::kUpstreamUnavailable;
    const std::string& first = proxy_.upstream(call->candidates[0].upstream).settings().name;
    o.message = "Upstream '" + first + "' is unavailable: its circuit breaker is open";
    o.data["upstream"] = first;
    o.data["reason"] = "circuit_open";
    o.data["retry_after_ms"] = std::max<int64_t>(0, retry_after);
    o.data["delivery"] = "not_sent";
    return finish_call(call, o, now_us);
  }
  const auto& cand = call->candidates[call->current];
  Upstream& up = proxy_.upstream(cand.upstream);
  // A plain request goes as its line unless this route renames the tool; its line is also
  // what a re-send starts from, so it needs no copy.
  const bool plain = !call->raw.empty() && call->msg.empty() && (cand.name.empty() || cand.name == call->tool);
  if (!plain) {
    if (call->msg.empty() && call->copy) call->msg = *call->copy;
    call->document();
    if (!cand.name.empty())
      if (auto* slot = target_slot(call->method, protocol::params_of(call->msg))) *slot = cand.name;
    // Kept only when it could be re-sent after being written: to the next route, or here again.
    const bool may_fail_over = settings.failover_enabled && call->current + 1 < call->candidates.size();
    if (!call->copy && call->raw.empty() && (may_fail_over || (up.settings().max_retries > 0 && resend_safe(*call))))
      call->copy = std::make_shared<json::object>(call->msg);
  }
  SendOptions opt;
  if (plain) {
    opt.plain = call->raw;
    opt.plain_id_begin = call->raw_id_begin;
    opt.plain_id_end = call->raw_id_end;
  }
  opt.now_ms = now;
  if (!call->stateless && !declare_.empty()) {
    opt.session = id_;
    opt.declare = &declare_;
    opt.stamp_capabilities = &declare_;
  }
  opt.raw_answer = true;  // on_attempt_done and finish_call take the answer's raw line
  proxy_.stats().upstream_requests[cand.upstream]++;
  Ticket t = up.send(call->msg, [self = shared_from_this(), call](Outcome& o) { self->on_attempt_done(call, o); },
                     opt);
  call->msg = json::object();  // the connection has it (or handed it back through the outcome)
  if (t.id != 0) call->ticket = t;
}

void ClientSession::on_attempt_done(const std::shared_ptr<CallState>& call, Outcome& o) {
  const auto& settings = proxy_.settings();
  Stats& st = proxy_.stats();
  const auto& cand = call->candidates[call->current];
  Upstream& up = proxy_.upstream(cand.upstream);
  const int64_t now_us = proxy_.clock().now_us();
  const int64_t now = now_us / 1000;
  const int code = o.answered() ? o.answer_error_code() : o.code;
  // The breaker counts what is the upstream's fault: a call it took and never answered
  // (crash, timeout) or an internal error; a client's bad request is not the upstream
  // failing. Calls that were never sent are not counted one by one: the connection that
  // failed to start counts once (Upstream::connection_failed), however many calls waited.
  const bool upstream_failed =
      o.answered() ? code == errors::kInternalError
                 : o.code != errors::kShuttingDown && o.delivery == Delivery::PossiblyAccepted;
  if (settings.circuit_breaker_enabled) {
    if (upstream_failed) up.breaker().on_failure(now);
    else if (o.answered()) up.breaker().on_success(now);
  }
  if (call->cancelled) return;
  const bool may_fail_over = settings.failover_enabled && call->current + 1 < call->candidates.size();
  if (o.answered()) {
    if (proves_not_run(code) && may_fail_over && call->resendable()) {
      st.counters["failovers"]++;
      call->current++;
      return attempt(call, now_us);
    }
    return finish_call(call, o, now_us);
  }
  bool can_resend = false;
  if (o.delivery == Delivery::NotSent && o.unsent) {
    call->msg = std::move(*o.unsent);
    can_resend = true;
  } else if (o.delivery == Delivery::PossiblyAccepted && call->resendable() && resend_safe(*call)) {
    can_resend = true;  // attempt() takes the copy
  }
  if (can_resend && o.code != errors::kShuttingDown && !proxy_.shutting_down()) {
    if (may_fail_over) {
      st.counters["failovers"]++;
      call->current++;
      return attempt(call, now_us);
    }
    if (call->retries < up.settings().max_retries) {
      call->retries++;
      st.retried_requests++;
      // Jittered exponential backoff: retry_delay_ms * 2^(n-1) * [0.5, 1.5), at most 30 s.
      const double base = static_cast<double>(up.settings().retry_delay_ms) * std::pow(2.0, call->retries - 1);
      int64_t delay = std::min<int64_t>(30000, static_cast<int64_t>(base * (0.5 + proxy_.jitter())));
      // Not before the upstream may be restarted (it backs off after repeated crashes).
      delay = std::max(delay, up.restart_wait_ms());
      call->ticket = {};
      auto self = shared_from_this();
      proxy_.after(delay, [self, call] { self->attempt(call); });
      return;
    }
  }
  if (!o.data.contains("delivery"))
    o.data["delivery"] = o.delivery == Delivery::NotSent ? "not_sent" : "possibly_accepted";
  if (o.delivery == Delivery::PossiblyAccepted && o.code != errors::kShuttingDown) {
    // Not re-sent because that could run it twice: say so.
    o.data["outcome"] = "unknown";
    o.message += " (the upstream may have run the request; not re-sent)";
  }
  if (call->retries) o.data["retries"] = call->retries;
  finish_call(call, o, now_us);
}

void ClientSession::finish_call(const std::shared_ptr<CallState>& call, Outcome& o, int64_t now_us) {
  transform_after_answer(proxy_, *call, o);  // cache it, response transformers
  Stats& st = proxy_.stats();
  const int64_t latency = (now_us >= 0 ? now_us : proxy_.clock().now_us()) - call->started_us;
  if (proxy_.settings().enable_request_logging) {
    const auto& cand = call->candidates[std::min(call->current, call->candidates.size() - 1)];
    proxy_.request_log().record(call->client->id, call->method, call->tool,
                                proxy_.upstream(cand.upstream).settings().name, latency, call->retries, o);
  }
  if (call->progress_token) {
    proxy_.progress_release(call->progress_token);
    call->progress_token = 0;
  }
  if (auto it = in_flight_.find(call->key); it != in_flight_.end() && it->second.call == call) in_flight_.erase(it);
  // A resultType to look at (an input-required result, or the marker a handshake-era
  // client does not get): the document path below.
  if (o.skim && o.skim->result_has_result_type && !call->stateless) o.dom();
  if (o.skim) {
    // The common answer: the upstream's bytes, with the client's id (and the stateless
    // era's marker) spliced in.
    st.record_outcome(o.skim->has_result, latency);
    reply(protocol::splice_answer(o.raw, *o.skim, id_json(call->id), call->stateless), call->key, true,
          o.answer_error_code());
  } else if (o.response) {
    st.record_outcome(o.response->contains("result"), latency);
    (*o.response)["id"] = call->id;
    if (auto* r = o.response->if_contains("result"); r && r->is_object()) {
      if (call->input_copy && protocol::string_at(r->get_object(), "resultType") == "input_required") {
        ask_client_for_input(call->candidates[call->current].upstream, call->tool, std::move(*call->input_copy),
                             r->get_object(), call->id, call->input_round);
        end_request();
        return;
      }
      if (call->stateless) detail::mark_complete(r->get_object());
      else detail::unmark_complete(r->get_object());
    }
    reply(protocol::to_line(*o.response), call->key, true, o.answer_error_code());
  } else {
    st.record_outcome(false, latency);
    reply_error(call->id, o.code, o.message, std::move(o.data));
  }
  end_request();
}

}  // namespace fasterapi::proxy
